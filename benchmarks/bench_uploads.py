"""Uploads on SQLite: a 10 MiB PDF checked and stored; the recap of a 20-piece candidature.

- attach: `services.pieces.attach_file` with a 10 MiB PDF (a real fpdf2
  document padded with PDF comments to exactly 10 MiB, different bytes each
  time so every run stores a new blob): every check of
  `services.uploads.check_upload` (roots, regular file, size cap while
  reading, magic bytes), SHA-256, the blob and the piece written in one
  transaction. Target ≤ 150 ms (median). Reference: copying the same file
  with `shutil.copyfile` and hashing it (the floor: the bytes read once,
  hashed and written once).
- recap: `services.candidatures.recap` of a candidature whose formation asks
  20 pièces (the ten standard ones and ten more), half of them with a file.
  Target ≤ 100 ms (median). Also the Récapitulatif screen (Pilot, headless)
  pushed until its pieces table shows the 20 rows (timed to the composed
  frame), with a one-Static screen as its reference.
Smoke: 1 MiB file, few repeats.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from .frames import Frames, until_painted
from .harness import Figure, check, timed_ms

MIB = 1024 * 1024


def _padded_pdf(path: Path, size: int, seed: int) -> Path:
    """A real PDF followed by comment lines (readers skip them) up to `size` bytes."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for page in range(3):
        pdf.add_page()
        pdf.cell(text=f"Relevé de notes - page {page + 1} - {seed}")
    head = bytes(pdf.output())
    filler = bytearray()
    remaining = size - len(head)
    rnd = os.urandom(remaining // 2 + 64).hex().encode()
    offset = 0
    while remaining > 0:
        line = min(remaining, 4096)
        if line < 2:
            filler += b"\n" * line
            break
        filler += b"%" + rnd[offset:offset + line - 2] + b"\n"
        offset += line - 2
        remaining -= line
    data = head + bytes(filler)
    assert len(data) == size
    path.write_bytes(data)
    return path


def _twenty_piece_formation(h) -> int:
    """A formation open today that asks 20 pièces: the ten standard ones and ten more."""
    from sqlmodel import select

    from ecandidat_tui.store.models import FormationPiece, PieceType

    formation_id = h.seed_open_formation(centre_code="CBENCH")
    with h.services.db.session() as s:
        for n in range(10):
            code = f"BENCH{n:02d}"
            ptype = s.exec(select(PieceType).where(PieceType.code == code)).first()
            if ptype is None:
                ptype = PieceType(code=code, libelle=f"Pièce complémentaire n°{n + 1} demandée par la commission",
                                  conditional=n % 3 == 0, shared=False, ordre=20 + n)
                s.add(ptype)
                s.flush()
            s.add(FormationPiece(formation_id=formation_id, piece_type_id=ptype.id))
    return formation_id


async def _recap_screen(h, cand, candidature_id: int, repeat: int) -> tuple[list[float], list[float]]:
    from textual.screen import Screen
    from textual.widgets import DataTable, Static

    from ecandidat_tui.app import CandidateSession
    from ecandidat_tui.screens.recap import RecapScreen

    class Plain(Screen):
        def compose(self):
            yield Static("Récapitulatif de votre candidature")

    frames = Frames()
    uninstall = frames.install()
    screen_ms: list[float] = []
    ref_ms: list[float] = []
    app = h.app()
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            # The app started with a services factory (as `ecandidat` starts it)
            # freezes its start-up heap once the services are ready
            # (startup_gc), so the collector's full passes walk only what the
            # session made since. Handed ready services, as here, it does not:
            # freeze as it would, or every full pass walks the whole ORM and
            # the generated data (150-250 ms, one sample in five).
            gc.freeze()
            app.candidate = CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom)
            for i in range(repeat + 1):
                t0 = time.perf_counter()
                plain = Plain()
                app.push_screen(plain)
                ref = (await until_painted(frames, lambda plain=plain: plain.is_current and plain.is_mounted,
                                           lambda plain=plain: plain.query("*")) - t0) * 1000
                app.pop_screen()
                await pilot.pause()
                t0 = time.perf_counter()
                screen = RecapScreen(candidature_id)
                app.push_screen(screen)
                shown = (await until_painted(frames, lambda screen=screen: screen.is_mounted
                                             and screen.recap is not None
                                             and screen.query_one("#pieces-table", DataTable).row_count == 20,
                                             lambda screen=screen: [screen.query_one("#pieces-table", DataTable)])
                         - t0) * 1000
                if i:
                    screen_ms.append(shown)
                    ref_ms.append(ref)
                await pilot.pause()
                app.pop_screen()
                await pilot.pause()
    finally:
        gc.unfreeze()
        uninstall()
    return screen_ms, ref_ms


def run(smoke: bool = False) -> list[Figure]:
    from ecandidat_tui.testing import make_harness

    size = 1 * MIB if smoke else 10 * MIB
    repeat = 3 if smoke else 15
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        h = make_harness(Path(tmp) / "home")
        try:
            cand = h.seed_candidate()
            h.seed_profile(cand)
            pieces = h.services.pieces
            candidatures = h.services.candidatures
            # Enough 20-piece candidatures that every sample fills a fresh piece.
            targets = []
            while len(targets) < repeat + 1:
                cid = h.seed_candidature(cand.account_id, _twenty_piece_formation(h))
                recap = candidatures.recap(cand.account_id, cid)
                targets += [(p.submission_id, p.version) for p in recap.pieces if not p.shared]
            files = [_padded_pdf(h.upload_path(f"releve-{i}.pdf"), size, i) for i in range(repeat + 1)]
            attach_ms = []
            for i, (path, (sub_id, version)) in enumerate(zip(files, targets, strict=False)):  # targets may be longer
                t0 = time.perf_counter()
                result = pieces.attach_file(cand.account_id, sub_id, str(path), version)
                if i:  # the first one warms the code paths
                    attach_ms.append((time.perf_counter() - t0) * 1000)
                assert result.size == size
            copies = Path(tmp) / "copies"
            copies.mkdir()

            state = {"n": 0}

            def copy_and_hash():
                state["n"] += 1
                src = files[state["n"] % len(files)]
                dst = copies / f"{state['n']}.pdf"
                shutil.copyfile(src, dst)
                hashlib.sha256(src.read_bytes()).hexdigest()

            ref = Figure("uploads: copy + SHA-256 of the same file (reference)", "ms",
                         timed_ms(copy_and_hash, repeat, 1))
            label = f"{size // MIB} MiB PDF"
            attach = Figure(f"uploads: {label} checked and stored (SQLite)", "ms", attach_ms,
                            reference="copy + SHA-256")
            attach.ratio = round(attach.median / ref.median, 2)
            figures += [ref, check(attach, max_ms=150)]

            # recap of a candidature with 20 pieces, half of them with a file
            cid = h.seed_candidature(cand.account_id, _twenty_piece_formation(h))
            recap = candidatures.recap(cand.account_id, cid)
            assert len(recap.pieces) == 20, len(recap.pieces)
            small = h.make_pdf("petit.pdf")
            for p in recap.pieces[::2]:
                if p.can_attach:
                    pieces.attach_file(cand.account_id, p.submission_id, str(small), p.version)
            recap_ms = timed_ms(lambda: candidatures.recap(cand.account_id, cid), repeat * 4, 2)
            figures.append(check(Figure("uploads: recap of a 20-piece candidature (service call)", "ms",
                                        recap_ms), max_ms=100))
            screen_ms, ref_ms = asyncio.run(_recap_screen(h, cand, cid, 3 if smoke else 10))
            ref_fig = Figure("uploads: push a one-Static screen (reference)", "ms", ref_ms)
            screen_fig = Figure("uploads: Récapitulatif screen with 20 pieces shown", "ms", screen_ms,
                                reference="one-Static screen")
            screen_fig.ratio = round(screen_fig.median / ref_fig.median, 2)
            figures += [ref_fig, check(screen_fig, max_ms=100)]
        finally:
            h.services.close()
    return figures
