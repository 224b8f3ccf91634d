"""Issue 14, item 11: exports are safe.

A CSV cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
neutralised (OWASP "CSV injection"): a spreadsheet shows it as text, never
runs it. An export (the staff CSV, a piece saved by staff, the candidate's
PDF dossier) never replaces an existing file without asking.
"""

from __future__ import annotations

import csv

import pytest
from sqlmodel import select
from textual.widgets import Input

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.display import csv_cell
from ecandidat_tui.services.errors import TargetExists
from ecandidat_tui.store.models import AuditLog
from ecandidat_tui.testing import click_visible, open_recap, settle, staff_log_in, text_of, wait_until

HOSTILE = {
    "AA000001": '=HYPERLINK("http://e.x/";"x")',
    "AA000002": "+33 6 12 34 56 78",
    "AA000003": "-2+3+cmd|' /C calc'!A0",
    "AA000004": "@SUM(1+1)*cmd|' /C calc'!A0",
    "AA000005": "\t=1+1",
    "AA000006": "\r=1+1",
    "AA000007": "  =1+1",
}


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@a", "'@a"), ("\t=1", "' =1"), ("\r=1", "'^M=1"),
    (" =1", "' =1"), ("Dupré", "Dupré"), ("Jean-Paul", "Jean-Paul"), ("", ""), (None, ""), (3, 3),
])
def test_csv_cell(value, cell):
    assert csv_cell(value) == cell


def exports(h):
    with h.services.db.read_session() as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == "formation_exported")).all())


def seed(h):
    h.seed_staff_formation("CTR-A", "FA1")
    staff = h.seed_staff("gestionnaire", ["CTR-A"], login="paul")
    for login, nom in HOSTILE.items():
        cand = h.insert_candidate(nom, "Léa", login=login)
        h.seed_dossier(cand.account_id, "FA1", "CTR-A")
    return staff


def read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_no_cell_of_the_export_is_a_formula(ecandidat_both, tmp_path):
    h = ecandidat_both
    staff = seed(h)
    target = tmp_path / "fa1.csv"
    h.services.staff.export_formation_csv(staff.principal, "FA1", target)
    rows = {r["Numéro de dossier"]: r["Nom"] for r in read_csv(target)}
    assert rows == {
        "AA000001": "'" + HOSTILE["AA000001"], "AA000002": "'+33 6 12 34 56 78",
        "AA000003": "'" + HOSTILE["AA000003"], "AA000004": "'" + HOSTILE["AA000004"],
        "AA000005": "' =1+1", "AA000006": "'^M=1+1", "AA000007": "'  =1+1",
    }
    for row in read_csv(target):
        assert all(not cell or cell[0] not in "=+-@\t\r" for cell in row.values())


def test_an_existing_file_is_not_replaced_unasked(ecandidat_both, tmp_path):
    h = ecandidat_both
    staff = seed(h)
    target = tmp_path / "fa1.csv"
    target.write_text("mes notes\n", encoding="utf-8")
    with pytest.raises(TargetExists) as caught:
        h.services.staff.export_formation_csv(staff.principal, "FA1", target)
    assert caught.value.message == f"Le fichier {target} existe déjà."
    assert target.read_text(encoding="utf-8") == "mes notes\n" and exports(h) == []
    h.services.staff.export_formation_csv(staff.principal, "FA1", target, overwrite=True)
    assert len(read_csv(target)) == len(HOSTILE) and len(exports(h)) == 1


def test_saving_a_piece_never_replaces_a_file(ecandidat, tmp_path):
    h = ecandidat
    h.seed_staff_formation("CTR-A", "FA1")
    staff = h.seed_staff("support")
    cand = h.insert_candidate()
    dossier = h.seed_dossier(cand.account_id, "FA1", "CTR-A")
    (tmp_path / "ident.pdf").write_bytes(b"le mien")
    saved = h.services.staff.save_piece_file(staff.principal, dossier.piece_ids[0], tmp_path)
    assert saved.name == "ident-2.pdf" and (tmp_path / "ident.pdf").read_bytes() == b"le mien"


async def export_to(app, pilot, path):
    field = app.screen.query_one("#staff-export-path", Input)
    field.value = str(path)
    await click_visible(app, pilot, "#staff-export")
    await settle(app, pilot)


async def test_the_console_asks_before_replacing_a_file(ecandidat, tmp_path):
    h = ecandidat
    staff = seed(h)
    target = tmp_path / "fa1.csv"
    target.write_text("mes notes\n", encoding="utf-8")
    app = h.staff_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await staff_log_in(app, pilot, staff)
        await pilot.press("f5")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await export_to(app, pilot, target)
        assert text_of(app, "#confirm-message") == f"Le fichier {target} existe déjà. Le remplacer par cet export ?"
        await pilot.click("#confirm-no")
        await settle(app, pilot)
        assert target.read_text(encoding="utf-8") == "mes notes\n" and exports(h) == []
        assert not app.screen.query("#confirm-message")
        await export_to(app, pilot, target)
        await pilot.click("#confirm-yes")
        await wait_until(pilot, lambda: "exportée" in text_of(app, "#staff-formation-status"), timeout=5)
        assert f"{len(HOSTILE)} candidature(s) exportée(s) dans {target}" in text_of(app, "#staff-formation-status")
    assert len(read_csv(target)) == len(HOSTILE) and len(exports(h)) == 1


# ------------------------------------------------------- the PDF dossier


def test_the_dossier_pdf_never_replaces_a_file_unasked(ecandidat, tmp_path):
    h = ecandidat
    cand = h.insert_candidate()
    h.seed_profile(cand)
    cid = h.seed_candidature(cand.account_id)
    pdf = h.services.dossier_pdf
    folder = tmp_path / "cle-usb"
    folder.mkdir()
    first = pdf.save_to(cand.account_id, cid, folder)
    first.write_bytes(b"mes annotations")
    with pytest.raises(TargetExists) as caught:
        pdf.save_to(cand.account_id, cid, folder)
    assert caught.value.message == f"Le fichier {first} existe déjà." and caught.value.field == "folder"
    assert first.read_bytes() == b"mes annotations"
    assert [p.name for p in folder.iterdir()] == [first.name]  # no temporary file left
    assert pdf.save_to(cand.account_id, cid, folder, overwrite=True).read_bytes().startswith(b"%PDF-")


async def save_dossier(app, pilot):
    await click_visible(app, pilot, "#recap-download")
    await pilot.click("#download-save")
    await settle(app, pilot)


async def test_the_candidate_is_asked_before_the_dossier_replaces_a_file(ecandidat):
    h = ecandidat
    cand = h.insert_candidate()
    h.seed_profile(cand)
    cid = h.seed_candidature(cand.account_id)
    root = h.settings.effective_upload_roots()[0]
    existing = h.services.dossier_pdf.save_to(cand.account_id, cid, root)
    existing.write_bytes(b"mes annotations")
    app = h.app()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))
        await open_recap(pilot)
        question = f"Le fichier {existing} existe déjà. Le remplacer ?"
        await save_dossier(app, pilot)
        assert text_of(app, "#confirm-message") == question
        await pilot.click("#confirm-no")
        await settle(app, pilot)
        assert existing.read_bytes() == b"mes annotations" and not app.screen.query("#confirm-message")
        await save_dossier(app, pilot)
        assert text_of(app, "#confirm-message") == question
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
        assert any(n.message == f"Dossier enregistré : {existing}" for n in app._notifications)
    assert existing.read_bytes().startswith(b"%PDF-")
