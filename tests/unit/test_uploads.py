"""services.uploads: every check a picked file goes through, and the preview facts."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from ecandidat_tui.services.uploads import (
    MIME_JPEG, MIME_PDF, MIME_PNG, UploadRefused, check_upload, file_facts, pdf_page_count,
)
from ecandidat_tui.testing import make_harness

CAP = 1024


@pytest.fixture
def h(tmp_path):
    harness = make_harness(tmp_path / "home", upload_max_bytes=CAP, demo_catalog=False)
    yield harness
    harness.services.close()


def roots(h) -> list[Path]:
    return h.settings.effective_upload_roots()


def refused(h, path) -> str:
    with pytest.raises(UploadRefused) as info:
        check_upload(path, roots(h), CAP)
    assert info.value.field == "file"
    return info.value.message


def test_pdf_png_jpeg_accepted_by_content(h):
    pdf = h.make_pdf("cv.pdf", pages=2)
    checked = check_upload(pdf, roots(h), 10 ** 6)
    assert checked.mime == MIME_PDF
    assert checked.sha256 == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert checked.size == pdf.stat().st_size and checked.name == "cv.pdf"
    # The name does not matter, the content does.
    png = h.make_png("photo.pdf", 35, 45)
    assert check_upload(png, roots(h), CAP).mime == MIME_PNG
    jpg = h.make_jpeg("scan.bin", 640, 480)
    assert check_upload(jpg, roots(h), CAP).mime == MIME_JPEG


def test_text_renamed_pdf_refused(h):
    path = h.upload_path("faux.pdf")
    path.write_text("Ceci n'est pas un PDF\n")
    assert "ni un PDF, ni une image JPEG ou PNG" in refused(h, path)


def test_empty_file_refused(h):
    path = h.upload_path("vide.pdf")
    path.write_bytes(b"")
    assert "est vide" in refused(h, path)


def test_cap_exact_accepted_one_byte_over_refused(h):
    path = h.upload_path("juste.pdf")
    path.write_bytes(b"%PDF-1.4\n" + b"x" * (CAP - 9))
    assert check_upload(path, roots(h), CAP).size == CAP
    path.write_bytes(b"%PDF-1.4\n" + b"x" * (CAP - 8))
    assert "dépasse la taille maximale" in refused(h, path)


def test_fifo_refused_without_hanging(h):
    path = h.upload_path("tube.pdf")
    os.mkfifo(path)
    assert "n'est pas un fichier ordinaire" in refused(h, path)


def test_device_refused(h):
    # /dev/null is outside the roots; with /dev as a root the device check itself answers.
    assert "en dehors des dossiers autorisés" in refused(h, "/dev/null")
    with pytest.raises(UploadRefused, match="n'est pas un fichier ordinaire"):
        check_upload("/dev/zero", [Path("/dev")], CAP)


def test_symlink_escaping_root_refused(h, tmp_path):
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(b"%PDF-1.4 secret")
    link = h.upload_path("lien.pdf")
    link.symlink_to(outside)
    assert "en dehors des dossiers autorisés" in refused(h, link)
    dev = h.upload_path("zero.pdf")
    dev.symlink_to("/dev/zero")
    assert "en dehors des dossiers autorisés" in refused(h, dev)


def test_symlink_inside_root_accepted(h):
    target = h.make_pdf("vrai.pdf")
    link = h.upload_path("alias.pdf")
    link.symlink_to(target)
    assert check_upload(link, roots(h), 10 ** 6).name == "alias.pdf"


def test_broken_symlink_refused(h):
    link = h.upload_path("casse.pdf")
    link.symlink_to(h.upload_path("nulle-part.pdf"))
    assert "lien symbolique cassé" in refused(h, link)


def test_folder_refused(h):
    folder = h.upload_path("dossier.pdf")
    folder.mkdir()
    assert "est un dossier" in refused(h, folder)


def test_dotdot_escape_refused(h, tmp_path):
    outside = tmp_path / "x.pdf"
    outside.write_bytes(b"%PDF-1.4")
    sneaky = roots(h)[0] / ".." / ".." / "x.pdf"
    assert "en dehors des dossiers autorisés" in refused(h, sneaky)


def test_missing_and_relative_paths_refused(h):
    assert "n'existe pas" in refused(h, h.upload_path("absent.pdf"))
    assert "chemin complet" in refused(h, "cv.pdf")
    assert "Choisissez un fichier" in refused(h, "  ")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file_refused(h):
    path = h.make_pdf("prive.pdf")
    path.chmod(0)
    try:
        assert "n'est pas lisible" in refused(h, path)
    finally:
        path.chmod(0o600)


def test_facts_pages_and_image_sizes(h):
    pdf = h.make_pdf("trois.pdf", pages=3)
    facts = file_facts("trois.pdf", pdf.read_bytes(), MIME_PDF)
    assert facts.pages == 3 and facts.type_label == "PDF" and "3 page" in facts.details
    png = h.make_png("p.png", 35, 45).read_bytes()
    assert (file_facts("p.png", png, MIME_PNG).width, file_facts("p.png", png, MIME_PNG).height) == (35, 45)
    jpg = h.make_jpeg("j.jpg", 640, 480).read_bytes()
    facts = file_facts("j.jpg", jpg, MIME_JPEG)
    assert (facts.width, facts.height) == (640, 480) and "640 × 480" in facts.details


def test_page_count_agrees_with_pypdf_on_compressed_pdf(h, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    for _ in range(4):
        writer.add_blank_page(100, 100)
    writer.compress_identical_objects()
    out = tmp_path / "w.pdf"
    with out.open("wb") as fh:
        writer.write(fh)
    assert pdf_page_count(out.read_bytes()) == len(pypdf.PdfReader(out).pages) == 4
