"""Mon compte driven like a person: every tab filled by keyboard, every refusal shown, nothing saved."""

from __future__ import annotations

from datetime import datetime, UTC

import pytest
from sqlmodel import select

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.screens.mon_compte import MonCompteScreen
from ecandidat_tui.screens.profile_forms import ProfileForm
from ecandidat_tui.testing import settle, text_of
from ecandidat_tui.widgets.confirm import ConfirmModal
from ecandidat_tui.store.models import (
    Account, Adresse, Baccalaureat, Candidature, CursusExterne, CursusInterne, ExperiencePro,
    Formation, InformationsPerso, Stage,
)

NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)


def make_account(harness, nom="Gockel", prenom="Charlotte", from_directory=False) -> int:
    n = harness.unique("ui")
    with harness.services.db.session() as s:
        account = Account(login=f"UI{n[-6:].upper():0>6}", nom=nom, prenom=prenom,
                          nom_key=nom.upper(), prenom_key=prenom.upper(),
                          mail=f"{n}@example.org", mail_key=f"{n}@example.org",
                          mail_validated=True, account_valid=True, from_directory=from_directory)
        s.add(account)
        s.flush()
        return account.id


@pytest.fixture
def harness(ecandidat):
    ecandidat.services.ctx.clock = lambda: NOW
    return ecandidat


@pytest.fixture
def account(harness):
    return make_account(harness)


def stored(harness, model, key):
    with harness.services.db.read_session() as s:
        return s.get(model, key)


def rows(harness, model):
    with harness.services.db.read_session() as s:
        return s.exec(select(model)).all()


async def open_mon_compte(app, pilot, account_id, tab=None):
    await pilot.pause()
    app.start_session(CandidateSession(account_id, "UI000001", "Gockel", "Charlotte"))
    await settle(app, pilot)
    assert isinstance(app.screen, MonCompteScreen)
    if tab:
        await open_tab(app, pilot, tab)


async def open_tab(app, pilot, tab):
    """Go to a tab with the keyboard (at 80 columns the last tabs are scrolled out of view)."""
    app.screen.query_one("#profile-tabs Tabs").focus()
    await pilot.pause()
    for _ in range(8):
        if app.screen.query_one("#profile-tabs").active == tab:
            break
        await pilot.press("right")
        await pilot.pause()
    assert app.screen.query_one("#profile-tabs").active == tab


async def fill(pilot, field_id, text, pick=False):
    """Focus a field, clear it (Home, Ctrl+K), type; `pick` presses Entrée to choose in a list."""
    widget = pilot.app.screen.query_one(f"#{field_id}")
    widget.focus()
    widget.scroll_visible(animate=False)
    await pilot.pause()
    await pilot.press("ctrl+a", "ctrl+k")
    if text:
        await pilot.press(*text)
    if pick:
        await pilot.press("enter")
    await pilot.pause()


async def save(app, pilot):
    await pilot.press("ctrl+s")
    await settle(app, pilot)


def error(app, field_id) -> str:
    return str(app.screen.query_one(f"#{field_id}-error").content)


# --------------------------------------------------------------- the screen


async def test_tabs_in_order_with_header_and_notice(harness, account):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account)
        tabs = app.screen.query_one("#profile-tabs")
        labels = [str(t.label) for t in tabs.query("Tab")]
        # At 80 columns the short labels, so that all eight fit (the full ones from 100 columns).
        assert labels == ["Identité", "Adresse", "Bac", "Cursus int.", "Cursus ext.", "Stages", "Expériences",
                          "Candidatures"]
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        labels = [str(t.label) for t in tabs.query("Tab")]
        assert labels == ["Informations perso.", "Adresse", "Baccalauréat", "Cursus Interne",
                          "Cursus Externe", "Stages", "Expériences pro.", "Candidatures"]
        assert text_of(app, "#candidate-name") == "CHARLOTTE GOCKEL"
        assert "impossible de faire un vœu" in text_of(app, "#info-notice")
        assert "Vous n'avez pas encore d'adresse de contact." in text_of(app, "#info-contact")
        completeness = text_of(app, "#profile-completeness")
        assert "✘ Informations perso." in completeness and "✘ Adresse" in completeness
        assert "✘ Baccalauréat" in completeness


# ---------------------------------------------------- Informations perso.


async def test_fill_informations_with_the_keyboard(harness, account):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account)
        await pilot.click("#info-edit")
        await pilot.pause()
        assert isinstance(app.screen, ProfileForm)
        # Nationalité is focused and already France: Tab through the form like a person.
        await pilot.press("tab", *"1234567890v", "tab")
        await pilot.press(*"mme", "enter", "tab")          # Civilité
        await pilot.press("tab")                           # Nom de naissance (pre-filled)
        await pilot.press(*"Martin", "tab")                # Nom d'usage
        await pilot.press("tab")                           # Prénom (pre-filled)
        await pilot.press(*"Louise", "tab")                # Autre prénom
        await pilot.press(*"14/07/2004", "tab")            # Date de naissance
        await pilot.press("tab")                           # Pays de naissance: France
        await pilot.press(*"bouches", "enter", "tab")      # Département
        await pilot.press(*"Marseille", "tab")             # Commune de naissance
        await pilot.press(*"04 91 00 00 00", "tab")        # Téléphone
        await pilot.press(*"06.12.34.56.78")               # Téléphone portable
        await save(app, pilot)
        assert isinstance(app.screen, MonCompteScreen)
        row = stored(harness, InformationsPerso, account)
        assert (row.ine, row.civilite, row.nom_usage, row.autre_prenom) == (
            "1234567890V", "Mme", "Martin", "Louise")
        assert row.date_naissance.isoformat() == "2004-07-14"
        assert (row.departement_naissance, row.commune_naissance) == ("13", "Marseille")
        assert row.portable == "06.12.34.56.78"
        summary = text_of(app, "#info-summary")
        assert "Mme Charlotte Gockel" in summary and "14/07/2004" in summary
        assert "✔ Informations perso." in text_of(app, "#profile-completeness")
        assert not app.screen.query_one("#info-notice").display


async def test_born_abroad_shows_ville_instead_of_departement(harness, account):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account)
        await pilot.click("#info-edit")
        await pilot.pause()
        form = app.screen
        assert form.query_one("#info-departement-naissance-field").display
        assert not form.query_one("#info-ville-naissance-field").display
        await fill(pilot, "info-pays-naissance", "allem", pick=True)
        assert form.query_one("#info-pays-naissance-field").value == "DEU"
        assert not form.query_one("#info-departement-naissance-field").display
        assert form.query_one("#info-ville-naissance-field").display
        await fill(pilot, "info-civilite", "M.", pick=True)
        await fill(pilot, "info-date-naissance", "01/02/2003")
        await save(app, pilot)
        assert error(app, "info-ville-naissance") == "Ce champ est obligatoire"
        await fill(pilot, "info-ville-naissance", "Berlin")
        await save(app, pilot)
        row = stored(harness, InformationsPerso, account)
        assert (row.pays_naissance, row.ville_naissance, row.departement_naissance) == (
            "DEU", "Berlin", None)


VALID_INFO = [("info-civilite", "Mme", True), ("info-date-naissance", "14/07/2004", False),
              ("info-departement-naissance", "13", True),
              ("info-commune-naissance", "Marseille", False)]


@pytest.mark.parametrize("field_id, typed, message", [
    ("info-ine", "1234567890A", "La clé de l'INE est incorrecte"),
    ("info-ine", "1234567890VV", "L'INE et sa clé comportent 11 caractères"),
    ("info-ine", "0123456789M", "Cet INE a déjà été attribué à un candidat"),
    ("info-date-naissance", "01/01/2027",
     "La date de naissance doit être comprise entre le 15/03/1926 et le 15/03/2016"),
    ("info-date-naissance", "1/1/99", "La date doit être au format jj/mm/aaaa"),
    ("info-nom-naissance", "", "Ce champ est obligatoire"),
    ("info-prenom", "Charlotte-Marie-Louise", "20 caractères maximum"),
    ("info-nom-usage", "N" * 31, "30 caractères maximum"),
    ("info-telephone", "04 91 AB CD EF",
     "Seuls les chiffres et les caractères / + ( ) - . et l'espace sont acceptés"),
    ("info-portable", "06 12", "Ce numéro de téléphone n'est pas valide"),
    ("info-commune-naissance", "", "Ce champ est obligatoire"),
])
async def test_invalid_informations_are_shown_and_nothing_saved(harness, account, field_id,
                                                                typed, message):
    other = make_account(harness, nom="Martin", prenom="Paul")
    harness.seed_profile(other, ine="0123456789M")
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account)
        await pilot.click("#info-edit")
        await pilot.pause()
        for fid, value, pick in VALID_INFO:
            await fill(pilot, fid, value, pick=pick)
        await fill(pilot, field_id, typed)
        await save(app, pilot)
        assert isinstance(app.screen, ProfileForm), "the form stays open"
        assert error(app, field_id) == message
        assert app.screen.query_one(f"#{field_id}").value == typed, "typed data kept"
        assert stored(harness, InformationsPerso, account) is None


async def test_required_empty_civilite(harness, account):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account)
        await pilot.click("#info-edit")
        await pilot.pause()
        await save(app, pilot)
        assert error(app, "info-civilite") == "Ce champ est obligatoire"
        assert error(app, "info-date-naissance") == "Ce champ est obligatoire"
        assert stored(harness, InformationsPerso, account) is None


async def test_informations_read_only_after_a_candidature(harness, account):
    harness.seed_profile(account)
    with harness.services.db.session() as s:
        formation = s.exec(select(Formation)).first()
        s.add(Candidature(account_id=account, formation_id=formation.id))
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account)
        assert app.screen.query_one("#info-edit").disabled
        assert "ne sont plus modifiables" in text_of(app, "#info-lock")
        await pilot.click("#info-edit")
        await pilot.pause()
        assert isinstance(app.screen, MonCompteScreen)


async def test_fields_from_the_directory_are_disabled(harness, account):
    harness.seed_profile(account)
    with harness.services.db.session() as s:
        s.get(InformationsPerso, account).locked_fields = "nom_naissance,prenom"
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account)
        await pilot.click("#info-edit")
        await pilot.pause()
        assert app.screen.query_one("#info-nom-naissance").disabled
        assert app.screen.query_one("#info-prenom").disabled
        assert not app.screen.query_one("#info-nom-usage").disabled


# ------------------------------------------------------------------ Adresse


async def test_fill_adresse_with_a_bad_postal_code_first(harness, account):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account, tab="tab-adresse")
        await pilot.click("#adresse-edit")
        await pilot.pause()
        await fill(pilot, "adresse-code-postal", "1300")
        await fill(pilot, "adresse-commune", "Marseille")
        await fill(pilot, "adresse-adresse", "3 place Victor Hugo, bâtiment B, esc. 4")
        await save(app, pilot)
        assert error(app, "adresse-code-postal") == "Le code postal doit comporter 5 chiffres"
        assert error(app, "adresse-adresse") == "32 caractères maximum"
        assert stored(harness, Adresse, account) is None
        await fill(pilot, "adresse-code-postal", "13001")
        await fill(pilot, "adresse-adresse", "3 place Victor Hugo")
        await fill(pilot, "adresse-complement1", "Bâtiment B")
        await save(app, pilot)
        assert isinstance(app.screen, MonCompteScreen)
        row = stored(harness, Adresse, account)
        assert (row.code_postal, row.commune, row.complement1) == ("13001", "Marseille", "Bâtiment B")
        assert "13001" in text_of(app, "#adresse-summary")
        assert "3 place Victor Hugo" in text_of(app, "#info-contact")


async def test_adresse_abroad_needs_commune_etrangere(harness, account):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account, tab="tab-adresse")
        await pilot.click("#adresse-edit")
        await pilot.pause()
        await fill(pilot, "adresse-pays", "belgiq", pick=True)
        form = app.screen
        assert not form.query_one("#adresse-code-postal-field").display
        assert form.query_one("#adresse-commune-etrangere-field").display
        await fill(pilot, "adresse-adresse", "Rue Haute 1")
        await save(app, pilot)
        assert error(app, "adresse-commune-etrangere") == "Ce champ est obligatoire"
        await fill(pilot, "adresse-commune-etrangere", "Liège")
        await save(app, pilot)
        row = stored(harness, Adresse, account)
        assert (row.pays, row.commune_etrangere, row.code_postal) == ("BEL", "Liège", None)


async def test_concurrent_edit_from_a_second_terminal_is_refused(harness, account):
    harness.seed_profile(account)
    app = harness.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_mon_compte(app, pilot, account, tab="tab-adresse")
        await pilot.click("#adresse-edit")
        await pilot.pause()
        # Meanwhile another kiosk saves the same address.
        profile = harness.services.profile
        current = profile.get_adresse(account)
        profile.save_adresse(account, {"pays": "FRA", "code_postal": "69001", "commune": "Lyon",
                                       "adresse": "1 rue de la République"}, current.version)
        await fill(pilot, "adresse-adresse", "10 boulevard Baille")
        await save(app, pilot)
        assert isinstance(app.screen, ProfileForm)
        assert "modifiées depuis un autre poste" in text_of(app, "#adresse-form-error")
        assert app.screen.query_one("#adresse-adresse").value == "10 boulevard Baille"
        assert stored(harness, Adresse, account).adresse == "1 rue de la République"


async def test_escape_with_changes_asks_before_discarding(harness, account):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account, tab="tab-adresse")
        await pilot.click("#adresse-edit")
        await pilot.pause()
        await pilot.press("escape")                 # nothing typed: closes at once
        await pilot.pause()
        assert isinstance(app.screen, MonCompteScreen)
        await pilot.click("#adresse-edit")
        await pilot.pause()
        await fill(pilot, "adresse-commune", "Aix")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.click("#confirm-no")     # keep typing
        await pilot.pause()
        assert app.screen.query_one("#adresse-commune").value == "Aix"
        await pilot.click("#adresse-cancel")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await pilot.pause()
        assert isinstance(app.screen, MonCompteScreen)
        assert stored(harness, Adresse, account) is None


# ------------------------------------------------------------ Baccalauréat


async def test_fill_baccalaureat_then_no_bac(harness, account):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account, tab="tab-bac")
        await pilot.click("#bac-edit")
        await pilot.pause()
        await fill(pilot, "bac-annee", "2030")
        await fill(pilot, "bac-serie", "sti2d", pick=True)
        await fill(pilot, "bac-mention", "très bien", pick=True)
        await fill(pilot, "bac-departement", "13", pick=True)
        await fill(pilot, "bac-commune", "Marseille")
        await fill(pilot, "bac-etablissement", "Lycée Thiers")
        await save(app, pilot)
        assert error(app, "bac-annee") == "L'année doit être comprise entre 1900 et 2026"
        assert stored(harness, Baccalaureat, account) is None
        await fill(pilot, "bac-annee", "2024")
        await save(app, pilot)
        row = stored(harness, Baccalaureat, account)
        assert (row.annee, row.serie, row.mention, row.departement) == (2024, "STI2D", "TB", "13")
        assert "Très bien" in text_of(app, "#bac-summary")
        # The same form, now "Je n'ai pas le bac".
        await pilot.click("#bac-edit")
        await pilot.pause()
        await pilot.click("#bac-has-bac-non")
        await pilot.pause()
        form = app.screen
        assert not form.query_one("#bac-annee-field").display
        assert form.query_one("#bac-situation-field").display
        await fill(pilot, "bac-situation", "En reprise d'études")
        await save(app, pilot)
        row = stored(harness, Baccalaureat, account)
        assert (row.has_bac, row.situation, row.serie) == (False, "En reprise d'études", None)
        assert "Je n'ai pas le bac" in text_of(app, "#bac-summary")


# ------------------------------------------------------------------ lists


async def test_cursus_interne_empty_state_and_rows(harness, account):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account, tab="tab-cursus-interne")
        assert text_of(app, "#cursus-interne-notice") == (
            "En cas d'erreur, merci de vous rendre à votre service de scolarité")
        assert "pas été créé comme étudiant" in text_of(app, "#cursus-interne-empty")
        assert not app.screen.query_one("#cursus-interne-table").display
    with harness.services.db.session() as s:
        s.add(CursusInterne(account_id=account, annee_universitaire="2024-2025", code="L1DRO",
                            libelle="Licence 1 Droit", note="12.5", bareme="20", resultat="Admis"))
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account, tab="tab-cursus-interne")
        table = app.screen.query_one("#cursus-interne-table")
        assert table.display and table.row_count == 1
        assert table.get_row_at(0)[1] == "L1DRO"


async def test_stages_add_edit_delete(harness, account):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account, tab="tab-stages")
        assert app.screen.query_one("#stages-empty").display
        assert app.screen.query_one("#stages-delete").disabled
        await pilot.click("#stages-add")
        await pilot.pause()
        await pilot.press(*"2025", "tab", *"2 mois", "tab", *"quarante", "tab", *"Mairie", "tab")
        await save(app, pilot)
        assert error(app, "stage-heures-semaine") == "Indiquez un nombre d'heures entre 1 et 80"
        assert error(app, "stage-descriptif") == "Ce champ est obligatoire"
        assert rows(harness, Stage) == []
        await fill(pilot, "stage-heures-semaine", "35")
        await fill(pilot, "stage-descriptif", "Accueil du public")
        await save(app, pilot)
        table = app.screen.query_one("#stages-table")
        assert table.row_count == 1 and table.get_row_at(0)[3] == "Mairie"
        await pilot.click("#stages-edit")
        await pilot.pause()
        assert app.screen.query_one("#stage-organisme").value == "Mairie"
        await fill(pilot, "stage-organisme", "Mairie de Marseille")
        await save(app, pilot)
        [stage] = rows(harness, Stage)
        assert (stage.organisme, stage.version) == ("Mairie de Marseille", 2)
        await pilot.click("#stages-delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.click("#confirm-no")
        await pilot.pause()
        assert len(rows(harness, Stage)) == 1
        await pilot.click("#stages-delete")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
        assert rows(harness, Stage) == []
        assert app.screen.query_one("#stages-empty").display


async def test_experience_and_cursus_externe_added(harness, account):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account, tab="tab-experiences")
        await pilot.click("#experiences-add")
        await pilot.pause()
        await pilot.press(*"2024", "tab", *"Vendeur", "tab", *"6 mois", "tab", *"Fnac")
        await save(app, pilot)
        [exp] = rows(harness, ExperiencePro)
        assert (exp.intitule, exp.descriptif) == ("Vendeur", None)
        await open_tab(app, pilot, "tab-cursus-externe")
        await pilot.click("#cursus-externe-add")
        await pilot.pause()
        await fill(pilot, "cursus-etablissement", "Université Lyon 2")
        await fill(pilot, "cursus-departement", "rhône", pick=True)
        await fill(pilot, "cursus-commune", "Lyon")
        await fill(pilot, "cursus-annee", "2025")
        await fill(pilot, "cursus-formation", "Licence")
        await fill(pilot, "cursus-libelle-niveau", "L1 Économie")
        await save(app, pilot)
        assert error(app, "cursus-obtenu") == "Ce champ est obligatoire"
        await fill(pilot, "cursus-obtenu", "en cours", pick=True)
        await save(app, pilot)
        [cursus] = rows(harness, CursusExterne)
        assert (cursus.departement, cursus.obtenu) == ("69", "en_cours")
        assert app.screen.query_one("#cursus-externe-table").get_row_at(0)[5] == "En cours"


# ---------------------------------------------------------------- the gate


async def test_completeness_names_each_missing_piece_and_jumps_there(harness, account):
    profile = harness.services.profile
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mon_compte(app, pilot, account)
        assert profile.missing_for_candidature(account) == [
            "Informations perso.", "Adresse", "Baccalauréat"]
        harness.seed_profile(account, ine=None)
        app.screen.action_reload()
        await settle(app, pilot)
        text = text_of(app, "#profile-completeness")
        assert "✔ Adresse" in text and "✘ INE" in text
        assert profile.missing_for_candidature(account) == ["INE"]
        app.screen.show_tab("tab-bac")
        app.screen.show_missing(["INE"])
        await pilot.pause()
        assert app.screen.query_one("#profile-tabs").active == "tab-info"


async def test_contact_actions_open_the_account_modals(harness, account):
    from ecandidat_tui.screens.account_modals import ChangeMailModal, ChangePasswordModal

    app = harness.app()
    async with app.run_test(size=(100, 40)) as pilot:
        await open_mon_compte(app, pilot, account)
        await pilot.click("#info-change-mail")
        await pilot.pause()
        assert isinstance(app.screen, ChangeMailModal)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.click("#info-change-password")
        await pilot.pause()
        assert isinstance(app.screen, ChangePasswordModal)
