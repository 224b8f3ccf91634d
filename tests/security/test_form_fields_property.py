"""Issue 14, item 9: every form field refuses, never raises.

Property-based (Hypothesis): every service entry point a form calls is given
arbitrary text, alone or in one field of an otherwise valid form, including
what a person really types or pastes: NUL, lone surrogates, "²" (its own key
on AZERTY) in a year, a 1 MB paste, "31/02/2004" (a date that does not exist).
Each call either succeeds or raises a DomainError whose French message names
the field; any other exception fails the test. On SQLite and PostgreSQL (which
refuses NUL in text, where SQLite stores it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual import events

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.screens.profile_forms import ProfileForm
from ecandidat_tui.services.errors import DomainError, ValidationFailed
from ecandidat_tui.store.models import Account, Baccalaureat, InformationsPerso
from ecandidat_tui.testing import settle

NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
PASSWORD = "Adm1n-Pa55word!"
PASTE_1MB = "Lorem ipsum dolor sit amet, é " * (1024 * 1024 // 30)

HOSTILE = [
    "", " ", "\x00", "Gockel\x00", "\ud800", "a\udfffb", "²", "2²", "202²", "٢٠٢٤", "2024\n", "1e3", "-1", "NaN",
    "31/02/2004", "29/02/2005", "00/00/0000", "14/07/2004 ", "14/7/04", "99/99/9999", "14/07/20040", "1" * 5000,
    PASTE_1MB, "\x1b[2J\x1b]0;pwned\x07", "\u202eevil", "O'Brien", "Zoé-Ève", "\t", "\r\n", "﻿", "𝟚𝟘𝟚𝟜",  # noqa: RUF001 - look-alike digits on purpose
]
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(st.characters(exclude_categories=()), max_size=60))
SETTINGS = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.large_base_example])

INFO = {
    "nationalite": "FRA", "ine": "1234567890V", "civilite": "Mme", "nom_naissance": "Gockel",
    "nom_usage": "", "prenom": "Charlotte", "autre_prenom": "", "date_naissance": "14/07/2004",
    "pays_naissance": "FRA", "departement_naissance": "13", "commune_naissance": "Marseille",
    "ville_naissance": "", "telephone": "04 91 00 00 00", "portable": "+33 6 12 34 56 78",
}
ADRESSE = {"pays": "FRA", "code_postal": "13001", "commune": "Marseille", "adresse": "3 place Victor Hugo",
           "complement1": "Bât. B", "complement2": "", "complement3": "", "commune_etrangere": ""}
BAC = {"has_bac": True, "annee": "2024", "serie": "STMG", "mention": "B", "pays": "FRA",
       "departement": "13", "commune": "Marseille", "etablissement": "Lycée Thiers", "specialites": ""}
CURSUS = {"annee": "2025", "pays": "FRA", "departement": "13", "commune": "Marseille",
          "etablissement": "Université X", "formation": "Licence 1", "libelle_niveau": "L1",
          "obtenu": "oui", "mention": ""}
STAGE = {"annee": "2025", "duree": "2 mois", "heures_semaine": "35", "organisme": "Mairie",
         "descriptif": "Accueil"}
EXPERIENCE = {"annee": "2025", "intitule": "Vendeur", "duree": "6 mois", "organisme": "Boulangerie",
              "descriptif": ""}


def one_field_changed(valid: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid form with one field replaced by arbitrary text, or every field arbitrary."""
    one = st.sampled_from(sorted(valid)).flatmap(lambda name: TEXT.map(lambda text: {**valid, name: text}))
    every = st.fixed_dictionaries({name: TEXT for name in valid})
    return st.one_of(one, every)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def harness(request):
    h = request.getfixturevalue("ecandidat" if request.param == "sqlite" else "ecandidat_pg")
    h.services.ctx.clock = lambda: NOW
    return h


def make_account(harness) -> int:
    n = harness.unique("acc")
    with harness.services.db.session() as s:
        account = Account(login=n[-8:].upper().rjust(8, "X"), nom="Gockel", prenom="Charlotte",
                          nom_key="GOCKEL", prenom_key="CHARLOTTE", mail=f"{n}@example.org",
                          mail_key=f"{n}@example.org", mail_validated=True, account_valid=True)
        s.add(account)
        s.flush()
        return account.id


def refuses_or_succeeds(call: Callable[[], Any], fields: set[str] | None = None) -> DomainError | None:
    """The property: success, or a DomainError with a French message (naming a field of the form)."""
    try:
        call()
    except DomainError as refusal:
        errors = refusal.errors if isinstance(refusal, ValidationFailed) else {refusal.field: refusal.message}
        for field, message in errors.items():
            assert isinstance(message, str) and message.strip() and message[0].isalnum(), errors
            assert "Traceback" not in message and "Error" not in message, errors
            if fields is not None and isinstance(refusal, ValidationFailed):
                assert field in fields, f"{field!r} is not a field of the form: {errors}"
        return refusal
    return None


# --------------------------------------------------------------- the profile


PROFILE_FORMS = {
    "informations": (INFO, "save_informations", "get_informations"),
    "adresse": (ADRESSE, "save_adresse", "get_adresse"),
    "baccalaureat": (BAC, "save_baccalaureat", "get_baccalaureat"),
}


@pytest.mark.parametrize("form", list(PROFILE_FORMS))
def test_a_profile_form_refuses_any_text_with_a_message_and_stores_nothing(harness, form):
    valid, save_name, get_name = PROFILE_FORMS[form]
    profile = harness.services.profile
    account = make_account(harness)
    save, get = getattr(profile, save_name), getattr(profile, get_name)

    @SETTINGS
    @given(values=one_field_changed(valid))
    def check(values):
        before = get(account)
        refusal = refuses_or_succeeds(lambda: save(account, values, before.version), set(valid) | {"has_bac"})
        if refusal is not None:
            assert get(account) == before  # nothing stored

    check()


LIST_FORMS = {
    "cursus_externe": CURSUS,
    "stage": STAGE,
    "experience": EXPERIENCE,
}


@pytest.mark.parametrize("form", list(LIST_FORMS))
def test_a_list_form_refuses_any_text_with_a_message_and_stores_nothing(harness, form):
    valid = LIST_FORMS[form]
    profile = harness.services.profile
    account = make_account(harness)
    add, edit = getattr(profile, f"add_{form}"), getattr(profile, f"edit_{form}")
    listing = getattr(profile, f"list_{form}s" if form != "cursus_externe" else "list_cursus_externe")
    row_id = add(account, valid)

    @SETTINGS
    @given(values=one_field_changed(valid), editing=st.booleans())
    def check(values, editing):
        before = listing(account)
        version = next(r.version for r in before if r.id == row_id)
        call = (lambda: edit(account, row_id, version, values)) if editing else (lambda: add(account, values))
        if refuses_or_succeeds(call, set(valid)) is not None:
            assert listing(account) == before

    check()


def test_an_impossible_date_is_not_called_a_bad_format(harness):
    profile = harness.services.profile
    account = make_account(harness)
    with pytest.raises(ValidationFailed) as refused:
        profile.save_informations(account, {**INFO, "date_naissance": "31/02/2004"}, 0)
    assert refused.value.errors == {"date_naissance": "Le 31/02/2004 n'existe pas : vérifiez le jour et le mois"}


@pytest.mark.parametrize("year", ["²", "202²", "٢٠٢٤", "𝟚𝟘𝟚𝟜", "9" * 5000])  # noqa: RUF001 - look-alike digits on purpose
def test_a_year_is_four_plain_digits(harness, year):
    profile = harness.services.profile
    account = make_account(harness)
    with pytest.raises(ValidationFailed) as refused:
        profile.save_baccalaureat(account, {**BAC, "annee": year}, 0)
    assert refused.value.errors == {"annee": "L'année doit être comprise entre 1900 et 2026"}


@pytest.mark.parametrize(("text", "message"), [
    ("Goc\x00kel", "Ce champ contient des caractères non autorisés"),
    ("Goc\ud800kel", "Ce champ contient des caractères non autorisés"),
    ("Gockel\x1b[2J", "Ce champ contient des caractères non autorisés"),
    (PASTE_1MB, "30 caractères maximum"),
])
def test_control_characters_surrogates_and_pastes_are_refused_by_name(harness, text, message):
    profile = harness.services.profile
    account = make_account(harness)
    with pytest.raises(ValidationFailed) as refused:
        profile.save_informations(account, {**INFO, "nom_naissance": text}, 0)
    assert refused.value.errors == {"nom_naissance": message}
    assert not profile.get_informations(account).exists


# -------------------------------------------------------------- the accounts


def test_account_forms_refuse_any_text(harness):
    accounts = harness.services.accounts
    account = make_account(harness)

    @SETTINGS
    @given(a=TEXT, b=TEXT, c=TEXT, d=TEXT)
    def check(a, b, c, d):
        refuses_or_succeeds(lambda: accounts.create_account(a, b, c, d), {"nom", "prenom", "mail", "mail_confirm"})
        refuses_or_succeeds(lambda: accounts.create_account("Gockel", "Ana", f"x{abs(hash(c))}@example.org", c))
        refuses_or_succeeds(lambda: accounts.validate_account(a))
        refuses_or_succeeds(lambda: accounts.authenticate(a, b))
        refuses_or_succeeds(lambda: accounts.authenticate_ent(a, b))
        refuses_or_succeeds(lambda: accounts.change_password(account, a, b, c), {"old", "new", "confirm"})
        refuses_or_succeeds(lambda: accounts.request_identifiers(a))
        refuses_or_succeeds(lambda: accounts.reset_password(a, b, c))
        refuses_or_succeeds(lambda: accounts.resend_activation(a))
        refuses_or_succeeds(lambda: accounts.change_mail(account, a, b))

    check()


# ----------------------------------------------------------------- the staff


def test_staff_forms_refuse_any_text(harness):
    staff = harness.services.staff
    staff.add_staff_user("admin1", PASSWORD, "admin")
    admin = staff.authenticate_staff("admin1", PASSWORD)

    @SETTINGS
    @given(a=TEXT, b=TEXT)
    def check(a, b):
        refuses_or_succeeds(lambda: staff.authenticate_staff(a, b))
        refuses_or_succeeds(lambda: staff.search_candidates(admin, a))
        refuses_or_succeeds(lambda: staff.candidate_admin_view(admin, a))
        refuses_or_succeeds(lambda: staff.list_candidatures(admin, a))
        refuses_or_succeeds(lambda: staff.correct_mail(admin, a, b))
        refuses_or_succeeds(lambda: staff.formation_candidatures(admin, a, b or None))
        refuses_or_succeeds(lambda: staff.add_staff_user(a, b, "support"))
        refuses_or_succeeds(lambda: staff.disable_staff_user(a, by=admin))

    check()


def test_staff_comments_refuse_any_text(harness):
    staff = harness.services.staff
    harness.seed_staff_formation("CTR-A", "FA1")
    admin = harness.seed_staff("admin").principal
    dossier = harness.seed_dossier(make_account(harness))

    def version() -> int:
        return staff.staff_recap(admin, dossier.candidature_id).candidature.version

    def piece_versions() -> list[tuple[int, int]]:
        return [(p.id, p.version) for p in staff.staff_recap(admin, dossier.candidature_id).pieces][:1]

    @SETTINGS
    @given(comment=TEXT, decision=st.sampled_from(["favorable", "defavorable", "liste_attente"]))
    def check(comment, decision):
        before = staff.staff_recap(admin, dossier.candidature_id)
        if refuses_or_succeeds(lambda: staff.review_pieces(admin, dossier.candidature_id, piece_versions(),
                                                           "refusee", comment)) is not None:
            assert staff.staff_recap(admin, dossier.candidature_id) == before
        if refuses_or_succeeds(lambda: staff.record_decision(admin, dossier.candidature_id, version(), decision,
                                                             commentaire=comment)) is not None:
            assert staff.staff_recap(admin, dossier.candidature_id).decision_commentaire == before.decision_commentaire

    check()


# ------------------------------------------- what the person sees, on screen


async def _open_form(pilot, account: int, tab: str | None, edit_button: str) -> None:
    app = pilot.app
    await pilot.pause()
    app.start_session(CandidateSession(account, "XXXXACC1", "Gockel", "Charlotte"))
    await settle(app, pilot)
    if tab:
        app.screen.query_one("#profile-tabs Tabs").focus()
        for _ in range(8):
            if app.screen.query_one("#profile-tabs").active == tab:
                break
            await pilot.press("right")
            await pilot.pause()
    await pilot.click(f"#{edit_button}")
    await pilot.pause()


async def _enter(pilot, field_id: str, *, typed: str = "", pasted: str = "") -> None:
    """Clear a field, then type keys or paste text into it (as a terminal's bracketed paste)."""
    widget = pilot.app.screen.query_one(f"#{field_id}")
    widget.focus()
    widget.scroll_visible(animate=False)
    await pilot.pause()
    await pilot.press("ctrl+a", "ctrl+k")
    if typed:
        await pilot.press(*typed)
    if pasted:
        widget.post_message(events.Paste(pasted))
    await pilot.pause()


@pytest.mark.parametrize(("field_id", "typed", "pasted", "message"), [
    ("info-date-naissance", "31/02/2004", "", "Le 31/02/2004 n'existe pas : vérifiez le jour et le mois"),
    ("info-nom-naissance", "", "Goc\x00kel", "Ce champ contient des caractères non autorisés"),
    ("info-nom-naissance", "", "Gockel\x1b[2J", "Ce champ contient des caractères non autorisés"),
    ("info-nom-naissance", "", PASTE_1MB, "30 caractères maximum"),
])
async def test_the_informations_form_shows_the_refusal_next_to_the_field(ecandidat, field_id, typed, pasted,
                                                                         message):
    ecandidat.services.ctx.clock = lambda: NOW
    account = make_account(ecandidat)
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_form(pilot, account, None, "info-edit")
        for fid, value, pick in [("info-civilite", "Mme", True), ("info-date-naissance", "14/07/2004", False),
                                 ("info-departement-naissance", "13", True),
                                 ("info-commune-naissance", "Marseille", False)]:
            await _enter(pilot, fid, typed=value)
            if pick:
                await pilot.press("enter")
        await _enter(pilot, field_id, typed=typed, pasted=pasted)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileForm), "the form stays open"
        assert str(app.screen.query_one(f"#{field_id}-error").content) == message
        with ecandidat.services.db.read_session() as s:
            assert s.get(InformationsPerso, account) is None


@pytest.mark.parametrize("year", ["²", "202²"])
async def test_a_superscript_year_is_refused_next_to_the_field(ecandidat, year):
    ecandidat.services.ctx.clock = lambda: NOW
    account = make_account(ecandidat)
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_form(pilot, account, "tab-bac", "bac-edit")
        await _enter(pilot, "bac-annee", typed=year)
        for fid, value in [("bac-serie", "sti2d"), ("bac-departement", "13")]:
            await _enter(pilot, fid, typed=value)
            await pilot.press("enter")
        await _enter(pilot, "bac-commune", typed="Marseille")
        await _enter(pilot, "bac-etablissement", typed="Lycée Thiers")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen.query_one("#bac-annee").value == year, "what was typed is kept"
        assert str(app.screen.query_one("#bac-annee-error").content) == "L'année doit être comprise entre 1900 et 2026"
        with ecandidat.services.db.read_session() as s:
            assert s.get(Baccalaureat, account) is None
