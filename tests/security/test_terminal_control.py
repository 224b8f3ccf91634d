"""Issue 14, item 1: no terminal control from data.

A file name, a nom, a comment may hold ESC/CSI/OSC sequences, C0/C1 controls,
bidi overrides or newlines. None reaches a terminal raw: the candidate's, the
staff console's (a file name must not set the staff terminal's title), the
CSV, the PDF dossier or the log.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text as sql
from sqlmodel import select
from textual.widgets import DataTable, Input

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.domain import StatutPiece
from ecandidat_tui.display import SafeFormatter, csv_cell, is_safe, safe_text
from ecandidat_tui.services.catalog import CatalogImportError
from ecandidat_tui.services.uploads import UploadRefused
from ecandidat_tui.store import migrate
from ecandidat_tui.store.models import PieceSubmission
from ecandidat_tui.testing import click_visible, open_recap, settle, staff_log_in, text_of

TITLE = "\x1b]0;pwned\x07"  # OSC 0: sets the terminal's title
CSI = "\x1b[2J\x1b[31m"  # clears the screen, then red
RLO = "\u202e"  # right-to-left override
HOSTILE_FILE = f"{TITLE}cv{RLO}fdp.exe.pdf"
SHOWN_FILE = "^[]0;pwned^Gcv<U+202E>fdp.exe.pdf"
RAW = ("\x1b", "\x07", "\x9b", RLO)


def assert_no_control(rendered: str) -> None:
    for char in RAW:
        assert char not in rendered, f"{char!r} from data reached the terminal"


# ------------------------------------------------------------ the helper


@pytest.mark.parametrize(("raw", "one_line", "multiline"), [
    (f"{TITLE}x", "^[]0;pwned^Gx", "^[]0;pwned^Gx"),
    (f"{CSI}rouge", "^[[2J^[[31mrouge", "^[[2J^[[31mrouge"),
    ("a\x9b31mb\x85c", "a<U+009B>31mb<U+0085>c", "a<U+009B>31mb<U+0085>c"),
    ("del\x7f nul\x00", "del^? nul^@", "del^? nul^@"),
    (f"{RLO}fdp.exe.pdf", "<U+202E>fdp.exe.pdf", "<U+202E>fdp.exe.pdf"),
    ("\u2066a\u2069\u200e\u200f\u061c\u202a", "<U+2066>a<U+2069><U+200E><U+200F><U+061C><U+202A>",
     "<U+2066>a<U+2069><U+200E><U+200F><U+061C><U+202A>"),
    ("ligne 1\r\nligne 2\nfin\ttab", "ligne 1↵ligne 2↵fin tab", "ligne 1\nligne 2\nfin\ttab"),
    ("retour\rchariot", "retour^Mchariot", "retour^Mchariot"),
    ("séparateur\u2028ici", "séparateur<U+2028>ici", "séparateur<U+2028>ici"),
    ("nom\udcff.pdf", "nom<U+DCFF>.pdf", "nom<U+DCFF>.pdf"),  # an undecodable byte of a file name
    ("Émilie Ñoël, 中文 👍 [bold]", "Émilie Ñoël, 中文 👍 [bold]", "Émilie Ñoël, 中文 👍 [bold]"),
])
def test_safe_text_shows_every_control_visibly(raw, one_line, multiline):
    assert safe_text(raw) == one_line
    assert safe_text(raw, multiline=True) == multiline
    assert is_safe(one_line) and safe_text(one_line) == one_line
    assert one_line.encode("utf-8")  # storable: no lone surrogate left


def test_safe_formatter_keeps_each_log_record_on_one_clean_line(tmp_path):
    path = tmp_path / "app.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(SafeFormatter("%(levelname)s %(message)s"))
    log = logging.getLogger("ecandidat_tui.test-security")
    log.addHandler(handler)
    try:
        log.warning("fichier %s", f"{TITLE}cv.pdf\nERROR faux enregistrement")
        try:
            raise ValueError(f"{CSI}bad")
        except ValueError:
            log.exception("échec")
    finally:
        log.removeHandler(handler)
        handler.close()
    written = path.read_text(encoding="utf-8")
    assert_no_control(written)
    lines = written.splitlines()
    assert lines[0] == "WARNING fichier ^[]0;pwned^Gcv.pdf↵ERROR faux enregistrement"
    assert lines[1] == "ERROR échec" and lines[2].startswith("Traceback")
    assert lines[-1] == "ValueError: ^[[2J^[[31mbad"


def test_csv_cells_are_safe_text():
    assert csv_cell(f"{TITLE}Dupont\nsuite") == "^[]0;pwned^GDupont↵suite"


# ------------------------------------------------------ upload and store


def attach(h, cand, cid, code, name):
    row = next(p for p in h.services.candidatures.recap(cand.account_id, cid).pieces if p.code == code)
    path = h.upload_path(name)
    path.write_bytes(b"%PDF-1.4\n" + name.encode("utf-8", "surrogateescape") + b"\n%%EOF\n")
    return h.services.pieces.attach_file(cand.account_id, row.submission_id, path, row.version)


def test_an_upload_stores_its_safe_display_name(ecandidat_both):
    h = ecandidat_both
    cand = h.insert_candidate()
    h.seed_profile(cand)
    cid = h.seed_candidature(cand.account_id)
    result = attach(h, cand, cid, "LETTRE", HOSTILE_FILE)
    assert result.file_name == SHOWN_FILE
    # A name that is not UTF-8 (a byte from another charset) was refused by the
    # database ("surrogates not allowed"); it is now stored and shown visibly.
    photo = attach(h, cand, cid, "PHOTO", "photo-\udce9t\udce9.pdf")
    assert photo.file_name == "photo-<U+DCE9>t<U+DCE9>.pdf"
    with h.services.db.read_session() as s:
        names = sorted(p.file_name for p in s.exec(select(PieceSubmission)).all() if p.file_name)
    assert names == sorted([SHOWN_FILE, "photo-<U+DCE9>t<U+DCE9>.pdf"])
    facts = h.services.pieces.preview(cand.account_id, next(
        p for p in h.services.candidatures.recap(cand.account_id, cid).pieces if p.code == "LETTRE").submission_id)
    assert facts.name == SHOWN_FILE


def test_a_refusal_quoting_a_hostile_name_is_safe(ecandidat_both):
    h = ecandidat_both
    cand = h.insert_candidate()
    h.seed_profile(cand)
    cid = h.seed_candidature(cand.account_id)
    row = next(p for p in h.services.candidatures.recap(cand.account_id, cid).pieces if p.code == "LETTRE")
    with pytest.raises(UploadRefused) as caught:
        h.services.pieces.attach_file(cand.account_id, row.submission_id, h.upload_path(f"{TITLE}absent.pdf"),
                                      row.version)
    assert caught.value.message == "Le fichier « ^[]0;pwned^Gabsent.pdf » n'existe pas."
    with h.services.db.read_session() as s:
        assert {(p.statut, p.file_name) for p in s.exec(select(PieceSubmission)).all()} == {
            (StatutPiece.EN_ATTENTE, None)}


def test_migration_backfills_names_stored_before(ecandidat_both):
    """Names attached before revision 0002 are rewritten to their safe form."""
    h = ecandidat_both
    h.seed_staff_formation("CTR-A", "FA1")
    cand = h.insert_candidate()
    dossier = h.seed_dossier(cand.account_id, "FA1", "CTR-A")
    first, second = dossier.piece_ids
    with h.services.db.session() as s:  # as an older version stored them
        s.execute(sql("UPDATE piece_submission SET file_name = :n WHERE id = :i"), {"n": HOSTILE_FILE, "i": first})
    from alembic import command

    db = h.services.db
    command.downgrade(migrate.alembic_config(db), "0001_initial")
    migrate.upgrade(db)
    with db.read_session() as s:
        assert s.get(PieceSubmission, first).file_name == SHOWN_FILE
        assert s.get(PieceSubmission, second).file_name == "releve.pdf"  # a safe name is left as it was


# ------------------------------------------------------------- screens


def rendered(app) -> str:
    """Every character the screen draws (the text of its segments, as the driver would write them)."""
    return app.export_screenshot()


async def test_staff_console_never_draws_a_candidates_controls(ecandidat):
    h = ecandidat
    h.seed_staff_formation("CTR-A", "FA1")
    staff = h.seed_staff("gestionnaire", ["CTR-A"])
    cand = h.insert_candidate(f"Dupont{CSI}", f"Léa{RLO}", login="AB12CD34")
    dossier = h.seed_dossier(cand.account_id, "FA1", "CTR-A")
    with h.services.db.session() as s:  # a file name as a candidate's picker or an import gave it
        s.get(PieceSubmission, dossier.piece_ids[0]).file_name = HOSTILE_FILE
        s.get(PieceSubmission, dossier.piece_ids[1]).commentaire = f"Voir{TITLE}\nligne 2"
    app = h.staff_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await staff_log_in(app, pilot, staff)
        app.screen.query_one("#staff-search", Input).focus()
        await pilot.press(*"AB12")
        await settle(app, pilot)
        assert_no_control(rendered(app))  # the search grid shows the nom
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        if app.screen.query("#staff-open-dossiers"):
            await pilot.press("f7")
            await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        table = app.screen.query_one("#staff-pieces", DataTable)
        assert table.row_count == 2
        assert "Dupont^[[2J^[[31m" in text_of(app, "#staff-recap-info")
        assert SHOWN_FILE in text_of(app, "#staff-piece-details")
        screen = rendered(app)
        assert_no_control(screen)
        assert "^[]0;pwned^Gcv" in screen


async def test_candidate_recap_never_draws_controls(ecandidat):
    h = ecandidat
    cand = h.insert_candidate()
    h.seed_profile(cand)
    cid = h.seed_candidature(cand.account_id)
    attach(h, cand, cid, "LETTRE", HOSTILE_FILE)
    row = next(p for p in h.services.candidatures.recap(cand.account_id, cid).pieces if p.code == "PHOTO")
    with h.services.db.session() as s:
        s.get(PieceSubmission, row.submission_id).commentaire = f"Floue{CSI}{RLO}"
    app = h.app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))
        await open_recap(pilot)
        screen = rendered(app)
        assert_no_control(screen)
        assert "^[]0;pwned^Gcv" in screen and "Floue^[[2J" in screen
        table = app.screen.query_one("#pieces-table")
        table.focus()
        codes = [p.code for p in app.screen.recap.pieces]
        while table.cursor_row < codes.index("LETTRE"):
            await pilot.press("down")
        await click_visible(app, pilot, "#piece-preview")  # the Aperçu
        await settle(app, pilot)
        assert f"Nom : {SHOWN_FILE}" in text_of(app, "#preview-facts")
        assert_no_control(rendered(app))


def hostile_nom(h, cand) -> None:
    """A nom holding a control, as an older version or a directory import stored it (the forms refuse it now)."""
    from ecandidat_tui.store.models import Account, InformationsPerso

    with h.services.db.session() as s:
        s.get(Account, cand.account_id).nom = f"Dupont{CSI}"
        s.get(InformationsPerso, cand.account_id).nom_naissance = f"Dupont{CSI}"


def test_pdf_dossier_carries_no_control(ecandidat):
    pypdf = pytest.importorskip("pypdf")
    import io

    h = ecandidat
    cand = h.insert_candidate()
    h.seed_profile(cand)
    hostile_nom(h, cand)
    cid = h.seed_candidature(cand.account_id)
    attach(h, cand, cid, "LETTRE", HOSTILE_FILE)
    pdf = h.services.dossier_pdf.build(cand.account_id, cid)
    extracted = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert_no_control(extracted)
    assert "^[]0;pwned" in extracted


def test_a_catalog_label_with_controls_is_refused_and_nothing_imported(ecandidat_both, tmp_path):
    """Catalog labels are shown on every candidate's terminal: an import holding a control is refused."""
    catalog = ecandidat_both.services.catalog
    header = ("centre_code,centre_libelle,commission_code,commission_libelle,formation_code,titre,"
              "date_debut_depot,date_fin_depot,date_limite_retour")
    row = "LANG,Institut des Langues{},LANG-LIC,Commission,LIC-IT,Licence Italien{},2026-03-01,2026-04-30,2026-05-07"
    path = tmp_path / "catalog.csv"
    path.write_text(f"{header}\n{row.format(TITLE, RLO)}\n", encoding="utf-8")
    before = catalog.counts()
    with pytest.raises(CatalogImportError) as caught:
        catalog.import_file(path)
    assert caught.value.errors == [
        "line 2: centre_libelle: holds a control character or a bidi override: Institut des Langues^[]0;pwned^G",
        "line 2: titre: holds a control character or a bidi override: Licence Italien<U+202E>",
    ]
    assert catalog.counts() == before
    path.write_text(f"{header}\n{row.format('', '')}\n", encoding="utf-8")
    assert catalog.import_file(path).formations == 1


def test_the_console_mail_backend_prints_no_control():
    """`mail_backend = console` prints each mail on the server's terminal."""
    import io

    from ecandidat_tui.mail.backends import ConsoleBackend
    from ecandidat_tui.mail.message import Message

    out = io.StringIO()
    ConsoleBackend(out).send(Message(to="lea@example.org", subject=f"Bonjour Léa{TITLE}",
                                     body=f"Bonjour Dupont{CSI},\nvotre dossier{RLO}.\n", sender="noreply@example.org"))
    printed = out.getvalue()
    assert_no_control(printed)
    assert "Subject: Bonjour Léa^[]0;pwned^G" in printed
    assert "Bonjour Dupont^[[2J^[[31m,\nvotre dossier<U+202E>." in printed


def test_mail_show_prints_no_control(ecandidat, capsys, monkeypatch):
    from ecandidat_tui import cli

    h = ecandidat
    cand = h.insert_candidate()
    h.seed_profile(cand)
    hostile_nom(h, cand)
    h.seed_candidature(cand.account_id)  # mails the candidate, by name
    monkeypatch.setenv("ECANDIDAT_HOME", str(h.home))
    monkeypatch.setenv("ECANDIDAT_MAIL_BACKEND", "maildir")
    assert cli.main(["mail", "list"]) == 0
    listed = capsys.readouterr().out
    ids = [line.split()[0] for line in listed.splitlines()]
    assert ids
    for mail_id in ids:
        assert cli.main(["mail", "show", mail_id]) == 0
    printed = listed + capsys.readouterr().out
    assert_no_control(printed)
    assert "Dupont^[[2J^[[31m" in printed


# ------------------------------------------------------- typed (pasted) text


def test_a_profile_field_holding_controls_is_refused(ecandidat_both):
    """A terminal's paste may carry an escape sequence into a field: refused next to it, nothing saved."""
    from ecandidat_tui.services.errors import ValidationFailed
    from ecandidat_tui.store.models import InformationsPerso

    h = ecandidat_both
    cand = h.insert_candidate()
    profile = h.services.profile
    current = profile.get_informations(cand.account_id)
    values = {"nationalite": "FRA", "ine": "", "civilite": "Mme", "nom_naissance": "Gockel",
              "prenom": "Charlotte", "date_naissance": "14/07/2004", "pays_naissance": "FRA",
              "departement_naissance": "13", "commune_naissance": f"Marseille{TITLE}"}
    with pytest.raises(ValidationFailed) as caught:
        profile.save_informations(cand.account_id, values, current.version)
    assert caught.value.errors == {"commune_naissance": "Ce champ contient des caractères non autorisés"}
    with h.services.db.read_session() as s:
        assert s.get(InformationsPerso, cand.account_id) is None


async def test_a_pasted_escape_sequence_shows_visibly_in_the_field(ecandidat):
    from textual import events

    from ecandidat_tui.screens.mon_compte import MonCompteScreen

    h = ecandidat
    cand = h.insert_candidate()
    app = h.app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))
        await settle(app, pilot)
        assert isinstance(app.screen, MonCompteScreen)
        await pilot.click("#info-edit")
        await pilot.pause()
        commune = app.screen.query_one("#info-commune-naissance", Input)
        commune.focus()
        commune.post_message(events.Paste(f"Marseille{CSI}{RLO}"))  # what a terminal sends on a paste
        await pilot.pause()
        assert commune.value == "Marseille^[[2J^[[31m<U+202E>"
        commune.scroll_visible(animate=False, immediate=True)
        await pilot.pause()
        assert_no_control(rendered(app))


async def test_the_file_picker_does_not_list_a_hostile_file_name(ecandidat):
    """fspicker draws names as is: a prepared USB key's hostile names are not listed."""
    from textual_fspicker.parts import DirectoryNavigation

    from ecandidat_tui.screens.file_picker import RootedFileOpen
    from ecandidat_tui.testing import wait_until

    h = ecandidat
    cand = h.insert_candidate()
    h.seed_profile(cand)
    h.seed_candidature(cand.account_id)
    h.make_pdf("lettre.pdf")
    h.make_pdf(HOSTILE_FILE)
    app = h.app()
    async with app.run_test(size=(100, 40)) as pilot:
        app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))
        await open_recap(pilot)
        await click_visible(app, pilot, "#piece-add")
        await pilot.pause()
        await pilot.click("#file-browse")
        await wait_until(pilot, lambda: isinstance(app.screen, RootedFileOpen))
        nav = app.screen.query_one(DirectoryNavigation)
        await wait_until(pilot, lambda: nav.option_count > 0)
        await pilot.pause()
        listed = rendered(app)
        assert "lettre.pdf" in listed and "fdp" not in listed
        assert_no_control(listed)
