"""Issue 14, item 7: parsing uploaded content is bounded.

The Aperçu reads a stored file's page count or image size. A 400 KiB PDF
whose catalog sits in a deflate bomb (it inflates to 400 MiB) must cost a
few MiB and a moment, and say "nombre de pages inconnu"; an image claiming
20 000 x 20 000 pixels is never decoded.
"""

from __future__ import annotations

import struct
import time
import tracemalloc
import zlib

import PIL.Image  # noqa: F401 - imported before measuring: a module's first import is no parsing cost
import pypdf  # noqa: F401
import pytest

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.services.uploads import MIME_PDF, MIME_PNG, file_facts
from ecandidat_tui.testing import click_visible, open_recap, settle, text_of

INFLATED_MIB = 400
BUDGET = 8 * 1024 * 1024  # "no more than a few MiB"


def bomb_pdf() -> bytes:
    """A PDF 1.5 whose catalog is object 2 of an object stream inflating to 400 MiB of spaces."""
    header = b"2 0 "
    deflate = zlib.compressobj(9)
    parts = [deflate.compress(header + b"<< /Type /Catalog /Pages 3 0 R >>")]
    spaces = b" " * (1 << 20)
    parts += [deflate.compress(spaces) for _ in range(INFLATED_MIB)]
    parts.append(deflate.flush())
    stream = b"".join(parts)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    objstm = len(out)
    out += (b"1 0 obj\n<< /Type /ObjStm /N 1 /First %d /Length %d /Filter /FlateDecode >>\nstream\n"
            % (len(header), len(stream)) + stream + b"\nendstream\nendobj\n")
    pages = len(out)
    out += b"3 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    xref = len(out)
    rows = [(0, 0, 65535), (1, objstm, 0), (2, 1, 0), (1, pages, 0), (1, xref, 0)]
    table = b"".join(struct.pack(">BIH", *row) for row in rows)
    out += (b"4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 2] /Root 2 0 R /Length %d >>\nstream\n" % len(table)
            + table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref)
    return bytes(out)


def huge_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A PNG header claiming width x height, its pixels a deflate bomb never to be inflated."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    deflate = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    pixels = b"".join(deflate.compress(row) for _ in range(200)) + deflate.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = bomb_pdf()
    assert len(data) < 420 * 1024
    return data


def measured(call):
    """(result, peak bytes allocated, seconds) of `call()`."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak, time.perf_counter() - start


def test_the_bomb_is_a_real_bomb(bomb):
    """The fixture does inflate to 400 MiB: the test below would catch an unbounded parser."""
    stream = bomb[bomb.index(b"stream\n") + 7:]
    inflated = zlib.decompressobj().decompress(stream, 64 * 1024 * 1024)
    assert len(inflated) == 64 * 1024 * 1024


def test_deflate_bomb_pdf_costs_a_few_mib(bomb):
    facts, peak, seconds = measured(lambda: file_facts("bombe.pdf", bomb, MIME_PDF))
    assert facts.pages is None and facts.details == "nombre de pages inconnu"
    assert peak - len(bomb) < BUDGET, f"{peak / 2**20:.1f} MiB"
    assert seconds < 10


def test_an_image_claiming_a_huge_size_is_never_decoded():
    png = huge_png()
    facts, peak, seconds = measured(lambda: file_facts("immense.png", png, MIME_PNG))
    assert facts.details in ("20000 × 20000 pixels", "dimensions inconnues")
    assert peak - len(png) < BUDGET and seconds < 5


def test_a_real_pdf_still_shows_its_pages(ecandidat):
    path = ecandidat.make_pdf("trois.pdf", pages=3)
    assert file_facts("trois.pdf", path.read_bytes(), MIME_PDF).details == "3 page(s)"


def test_the_apercu_of_a_stored_bomb_is_bounded(ecandidat_both, bomb):
    h = ecandidat_both
    cand = h.insert_candidate()
    h.seed_profile(cand)
    cid = h.seed_candidature(cand.account_id)
    row = next(p for p in h.services.candidatures.recap(cand.account_id, cid).pieces if p.code == "LETTRE")
    path = h.upload_path("bombe.pdf")
    path.write_bytes(bomb)
    h.services.pieces.attach_file(cand.account_id, row.submission_id, path, row.version)
    facts, peak, _ = measured(lambda: h.services.pieces.preview(cand.account_id, row.submission_id))
    assert facts.details == "nombre de pages inconnu" and facts.size == len(bomb)
    assert peak - 2 * len(bomb) < BUDGET, f"{peak / 2**20:.1f} MiB"


async def test_the_candidate_sees_pages_unknown(ecandidat, bomb):
    h = ecandidat
    cand = h.insert_candidate()
    h.seed_profile(cand)
    cid = h.seed_candidature(cand.account_id)
    row = next(p for p in h.services.candidatures.recap(cand.account_id, cid).pieces if p.code == "LETTRE")
    path = h.upload_path("bombe.pdf")
    path.write_bytes(bomb)
    h.services.pieces.attach_file(cand.account_id, row.submission_id, path, row.version)
    app = h.app()
    async with app.run_test(size=(100, 40)) as pilot:
        app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))
        await open_recap(pilot)
        table = app.screen.query_one("#pieces-table")
        table.focus()
        codes = [p.code for p in app.screen.recap.pieces]
        while table.cursor_row < codes.index("LETTRE"):
            await pilot.press("down")
        await click_visible(app, pilot, "#piece-preview")
        await settle(app, pilot)
        assert "Pages : nombre de pages inconnu" in text_of(app, "#preview-facts")
