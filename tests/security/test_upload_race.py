"""Issue 14, item 6: upload roots cannot be raced.

The path a candidate picked is checked (inside a root, a regular file), then
opened. Swapping one of its folders for a symbolic link to elsewhere between
the two must never store a file from outside the roots: the file is opened
from its root down, one folder descriptor at a time, following no link.
"""

from __future__ import annotations

import os

import pytest
from sqlmodel import select

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.services import uploads
from ecandidat_tui.services.uploads import UploadRefused, check_upload
from ecandidat_tui.store.models import FileBlob, PieceSubmission
from ecandidat_tui.testing import open_recap, settle

SECRET = b"%PDF-1.4\nle dossier d'un autre candidat\n%%EOF\n"
MINE = b"%PDF-1.4\nma lettre\n%%EOF\n"
CHANGED = "a changé pendant la vérification"


def layout(h):
    """<root>/docs/cv.pdf (the candidate's) and, outside every root, secret/cv.pdf."""
    root = h.settings.effective_upload_roots()[0]
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "cv.pdf").write_bytes(MINE)
    outside = h.home.parent / "secret"
    outside.mkdir()
    (outside / "cv.pdf").write_bytes(SECRET)
    return root, outside


def swap_when_checked(monkeypatch, target, swap):
    """Run `swap()` right after the checks looked at `target`, before it is opened."""
    real_stat = os.stat
    done = []

    def stat(path, *args, **kwargs):
        if not done and os.fspath(path) == os.fspath(target):
            done.append(True)
            swap()
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(uploads.os, "stat", stat)
    return done


def folder_becomes_link(root, outside):
    def swap():
        os.rename(root / "docs", root / "docs.old")
        os.symlink(outside, root / "docs")
    return swap


def file_becomes_link(root, outside):
    def swap():
        os.rename(root / "docs" / "cv.pdf", root / "docs" / "cv.old")
        os.symlink(outside / "cv.pdf", root / "docs" / "cv.pdf")
    return swap


def store_state(h):
    with h.services.db.read_session() as s:
        return (sorted(b.sha256 for b in s.exec(select(FileBlob)).all()),
                sorted((p.id, p.statut, p.blob_sha256, p.file_name, p.version)
                       for p in s.exec(select(PieceSubmission)).all()))


@pytest.mark.parametrize("swap", [folder_becomes_link, file_becomes_link])
def test_a_swap_between_check_and_open_is_refused(ecandidat, monkeypatch, swap):
    root, outside = layout(ecandidat)
    done = swap_when_checked(monkeypatch, root / "docs" / "cv.pdf", swap(root, outside))
    with pytest.raises(UploadRefused) as caught:
        check_upload(root / "docs" / "cv.pdf", [root], 1 << 20)
    assert done and CHANGED in caught.value.message


def test_without_a_swap_the_same_file_is_read(ecandidat):
    root, _ = layout(ecandidat)
    assert check_upload(root / "docs" / "cv.pdf", [root], 1 << 20).data == MINE


def test_a_link_inside_the_roots_to_a_file_inside_them_still_works(ecandidat):
    root, _ = layout(ecandidat)
    (root / "raccourci.pdf").symlink_to(root / "docs" / "cv.pdf")
    assert check_upload(root / "raccourci.pdf", [root], 1 << 20).data == MINE


def test_attach_raced_leaves_the_store_unchanged(ecandidat_both, monkeypatch):
    h = ecandidat_both
    root, outside = layout(h)
    cand = h.insert_candidate()
    h.seed_profile(cand)
    cid = h.seed_candidature(cand.account_id)
    row = next(p for p in h.services.candidatures.recap(cand.account_id, cid).pieces if p.code == "LETTRE")
    before = store_state(h)
    swap_when_checked(monkeypatch, root / "docs" / "cv.pdf", folder_becomes_link(root, outside))
    with pytest.raises(UploadRefused) as caught:
        h.services.pieces.attach_file(cand.account_id, row.submission_id, root / "docs" / "cv.pdf", row.version)
    assert caught.value.message == ("« cv.pdf » a changé pendant la vérification (un dossier a été remplacé par "
                                    "un lien) : choisissez-le de nouveau.")
    assert store_state(h) == before


async def test_the_candidate_is_told_and_nothing_is_attached(ecandidat, monkeypatch):
    h = ecandidat
    root, outside = layout(h)
    cand = h.insert_candidate()
    h.seed_profile(cand)
    cid = h.seed_candidature(cand.account_id)
    before = store_state(h)
    swap_when_checked(monkeypatch, root / "docs" / "cv.pdf", folder_becomes_link(root, outside))
    app = h.app()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))
        await open_recap(pilot, cid)
        table = app.screen.query_one("#pieces-table")
        table.focus()
        codes = [p.code for p in app.screen.recap.pieces]
        while table.cursor_row < codes.index("LETTRE"):
            await pilot.press("down")
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"docs/cv.pdf", "enter")
        await settle(app, pilot)
        # The dialog stays open with the refusal next to the path and what was typed.
        assert CHANGED in str(app.screen.query_one("#file-path-error").content)
        assert app.screen.query_one("#file-path").value.endswith("docs/cv.pdf")
        await pilot.press("escape")
        await settle(app, pilot)
        lettre = app.screen.recap.pieces[codes.index("LETTRE")]
        assert (lettre.statut_label, lettre.file_name) == ("En attente", None)
    assert store_state(h) == before
