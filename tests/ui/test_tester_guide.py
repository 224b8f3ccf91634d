from ecandidat_tui.screens.mon_compte import MonCompteScreen
from ecandidat_tui.testing import attach_piece, fill_form, log_in, press_button, text_of, wait_for_screen

MAIL, PASSWORD = "charlotte.gockel@example.org", "Mon-Secret-2026!"
PROFILE = {  # the three tabs a candidature needs; each field by its label (or its id)
    "info": {"Nationalité": "France", "INE et clé (11 caractères)": "1234567890V", "Civilité": "Mme",
             "Date de naissance": "14/07/2006", "Pays de naissance": "France", "Département de naissance": "13",
             "Commune de naissance": "Marseille", "Téléphone portable": "06 12 34 56 78"},
    "adresse": {"Pays": "France", "Code postal": "13001", "Commune": "Marseille", "Adresse": "3 place Victor Hugo"},
    "bac": {"bac-has-bac": True, "Année d'obtention": "2025", "Série ou équivalence": "Bac général",
            "Pays": "France", "Département": "13", "Commune": "Marseille", "Établissement": "Lycée Thiers"},
}


async def test_the_whole_guide(ecandidat):
    ecandidat.seed_open_formation("LIC-GUIDE", titre="Licence du guide")
    async with ecandidat.app().run_test(size=(80, 24)) as pilot:
        await fill_form(pilot, {"create-nom": "Gockel", "create-prenom": "Charlotte", "create-mail": MAIL,
                                "create-mail-confirm": MAIL}, open="link-create-account", submit="create-save")
        await press_button(pilot, "create-close")
        welcome = ecandidat.last_mail(to=MAIL, subject="Création de votre compte")
        await fill_form(pilot, {"validate-code": ecandidat.mail_link(welcome)}, open="link-validate",
                        submit="validate-submit")
        await press_button(pilot, "validate-close")
        await log_in(pilot, ecandidat.mail_field(welcome, "Login"), ecandidat.mail_field(welcome, "Mot de passe"))
        await fill_form(pilot, {"newpw-password": PASSWORD, "newpw-confirm": PASSWORD}, submit="newpw-submit")
        for tab, values in PROFILE.items():
            (await wait_for_screen(pilot, MonCompteScreen)).show_tab(f"tab-{tab}")
            await fill_form(pilot, values, open=f"{tab}-edit", submit=f"{tab}-save")
        (await wait_for_screen(pilot, MonCompteScreen)).show_tab("tab-candidatures")
        await press_button(pilot, "candidature-new")
        await wait_for_screen(pilot, "offre-formation")
        await pilot.press(*"guide", "enter", "enter")  # filter the offer, its only formation, Candidater
        await press_button(pilot, "confirm-yes")
        for piece in (await wait_for_screen(pilot, "recap-screen")).recap.pieces:
            await attach_piece(pilot, piece.code, ecandidat.make_pdf(f"{piece.code}.pdf"))
        await press_button(pilot, "recap-transmit")
        await press_button(pilot, "confirm-yes")
        assert "Statut du dossier : Réceptionné" in text_of(pilot.app, "#recap-informations")
    assert ecandidat.last_mail(to=MAIL, subject="Votre candidature à la formation Licence du guide a été transmise")
