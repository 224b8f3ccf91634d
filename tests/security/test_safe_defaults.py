"""Issue 14, item 12 (upload roots): the application's own files are never an upload.

The default upload root is the user's home, which holds the application's
data folder: the database, the mail folder (other candidates' dossiers wait
there as PDFs), the logs. Whatever the roots, a file from there is refused.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from ecandidat_tui.config import load_settings
from ecandidat_tui.services.uploads import UploadRefused, check_upload
from ecandidat_tui.store.models import FileBlob, PieceSubmission

PDF = b"%PDF-1.4\nle dossier d'un autre candidat\n%%EOF\n"
REFUSED = "est un fichier de l'application eCandidat"


@pytest.fixture
def user_home(tmp_path, monkeypatch):
    """A person's home with no ECANDIDAT_HOME: the platform's folders under it."""
    home = tmp_path / "alice"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    return home


def test_the_default_root_is_home_but_never_the_data_folder(user_home):
    settings = load_settings(env={})
    assert settings.upload_roots == [user_home]
    assert user_home in settings.data_dir.parents  # the data folder is inside the default root…
    waiting = settings.mail_dir / "outbox" / "dossier.pdf"
    waiting.parent.mkdir(parents=True)
    waiting.write_bytes(PDF)
    database = settings.db_path
    for path in (waiting, database, settings.data_dir / "autre.pdf"):
        path.write_bytes(PDF)
        with pytest.raises(UploadRefused) as caught:  # … and refused
            check_upload(path, settings.upload_roots, settings.upload_max_bytes, settings.app_owned_paths())
        assert REFUSED in caught.value.message
    mine = user_home / "Documents" / "cv.pdf"
    mine.parent.mkdir()
    mine.write_bytes(PDF)
    assert check_upload(mine, settings.upload_roots, settings.upload_max_bytes, settings.app_owned_paths()).data == PDF


def test_a_link_into_the_data_folder_is_refused_too(user_home):
    settings = load_settings(env={})
    settings.mail_dir.mkdir(parents=True)
    (settings.mail_dir / "dossier.pdf").write_bytes(PDF)
    (user_home / "raccourci.pdf").symlink_to(settings.mail_dir / "dossier.pdf")
    with pytest.raises(UploadRefused) as caught:
        check_upload(user_home / "raccourci.pdf", settings.upload_roots, 1 << 20, settings.app_owned_paths())
    assert REFUSED in caught.value.message


def store_state(h):
    with h.services.db.read_session() as s:
        return (sorted(b.sha256 for b in s.exec(select(FileBlob)).all()),
                sorted((p.id, p.statut, p.blob_sha256, p.version) for p in s.exec(select(PieceSubmission)).all()))


def test_attaching_a_waiting_mail_is_refused_and_nothing_changes(ecandidat_both):
    """Under ECANDIDAT_HOME the roots may lie in the home: the app's own entries are still refused."""
    h = ecandidat_both
    h.settings.upload_roots = [h.home]  # a root holding the whole installation
    cand = h.insert_candidate()
    h.seed_profile(cand)
    cid = h.seed_candidature(cand.account_id)
    row = next(p for p in h.services.candidatures.recap(cand.account_id, cid).pieces if p.code == "LETTRE")
    waiting = h.settings.mail_dir / "dossier-AB12CD34.pdf"
    waiting.parent.mkdir(parents=True, exist_ok=True)
    waiting.write_bytes(PDF)
    before = store_state(h)
    with pytest.raises(UploadRefused) as caught:
        h.services.pieces.attach_file(cand.account_id, row.submission_id, waiting, row.version)
    assert caught.value.message == ("« dossier-AB12CD34.pdf » est un fichier de l'application eCandidat, pas l'un "
                                    "de vos documents : choisissez un autre fichier.")
    assert store_state(h) == before
    mine = h.upload_path("cv.pdf")  # <home>/uploads: the person's own folder
    mine.write_bytes(b"%PDF-1.4\nma lettre\n%%EOF\n")
    assert h.services.pieces.attach_file(cand.account_id, row.submission_id, mine, row.version).file_name == "cv.pdf"
