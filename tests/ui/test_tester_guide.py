from ecandidat_tui.screens.catalog import OffreFormationScreen
from ecandidat_tui.screens.mon_compte import MonCompteScreen
from ecandidat_tui.screens.recap import RecapScreen
from ecandidat_tui.testing import attach_piece, fill_form, log_in, press_button, text_of, wait_for_screen

MAIL, PASSWORD = "charlotte.gockel@example.org", "Mon-Secret-2026!"
PROFILE = {  # the three tabs a candidature needs, by label (or id) as the forms show them
    "info": {"Nationalité": "France", "INE et clé (11 caractères)": "1234567890V", "Civilité": "Mme",
             "Date de naissance": "14/07/2006", "Pays de naissance": "France", "Département de naissance": "13",
             "Commune de naissance": "Marseille", "Téléphone portable": "06 12 34 56 78"},
    "adresse": {"Pays": "France", "Code postal": "13001", "Commune": "Marseille", "Adresse": "3 place Victor Hugo"},
    "bac": {"bac-has-bac": True, "Année d'obtention": "2025", "Série ou équivalence": "Bac général",
            "Mention": "Assez bien", "Pays": "France", "Département": "13", "Commune": "Marseille",
            "Établissement": "Lycée Thiers"},
}


async def test_the_whole_guide(ecandidat):
    ecandidat.seed_open_formation("LIC-GUIDE", titre="Licence du guide")
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press_button(pilot, "link-create-account")
        await fill_form(pilot, {"create-nom": "Gockel", "create-prenom": "Charlotte", "create-mail": MAIL,
                                "create-mail-confirm": MAIL}, submit="create-save")
        await press_button(pilot, "create-close")
        welcome = ecandidat.last_mail(to=MAIL, subject="Création de votre compte")
        await press_button(pilot, "link-validate")
        await fill_form(pilot, {"validate-code": ecandidat.mail_link(welcome)}, submit="validate-submit")
        await press_button(pilot, "validate-close")
        await log_in(pilot, ecandidat.mail_field(welcome, "Login"), ecandidat.mail_field(welcome, "Mot de passe"))
        await fill_form(pilot, {"newpw-password": PASSWORD, "newpw-confirm": PASSWORD}, submit="newpw-submit")
        for tab, values in PROFILE.items():
            (await wait_for_screen(pilot, MonCompteScreen)).show_tab(f"tab-{tab}")
            await press_button(pilot, f"{tab}-edit")
            await fill_form(pilot, values, submit=f"{tab}-save")
        (await wait_for_screen(pilot, MonCompteScreen)).show_tab("tab-candidatures")
        await press_button(pilot, "candidature-new")
        await wait_for_screen(pilot, OffreFormationScreen)
        await pilot.press(*"guide", "enter", "enter")  # filter the offer, the only match, Candidater
        await press_button(pilot, "confirm-yes")
        for piece in (await wait_for_screen(pilot, RecapScreen)).recap.pieces:
            await attach_piece(pilot, piece.code, ecandidat.make_pdf(f"{piece.code}.pdf"))
        await pilot.press("t", "shift+tab", "enter")  # Transmettre ma candidature, Oui
        await wait_for_screen(pilot, RecapScreen)
        assert "Réceptionné" in text_of(app, "#recap-informations")
    assert ecandidat.last_mail(to=MAIL, subject="Licence du guide a été transmise")
