"""The deadline rush: 200 candidates upload their last pièces and transmit within one minute.

The last hours before the date limite de retour, as eCandidat's users know
them. Everybody already has a validated account, a profile and one
candidature with every pièce attached but the last 3 (set up first, untimed).
Then, spread over one 60-second window, each candidate uploads those 3
pièces (PDFs and JPEGs of 1 to 5 MiB, bytes never seen before) and
transmits, from 20 processes at once (`rush_worker.py`, role `candidates`);
at the same time 5 staff processes search candidates and open their
dossiers, and one dispatcher process delivers the outbox to a real SMTP
server (aiosmtpd, on the loopback) every second.

Figures: p50 / p95 / p99 of each action, throughput, errors. Afterwards the
store and the SMTP server are counted: every transmitted candidature is
Réceptionnée with all its pièces, each exactly once; every mail of the rush
reached the SMTP server exactly once (by Message-ID) and is marked sent.

PostgreSQL (targets: transmit p95 ≤ 1 s, 5 MiB upload p95 ≤ 1.5 s), and
SQLite in WAL mode with as many candidate processes as it holds without an
error (20, else 10, else 5). Smoke: 6 candidates in 3 processes, 1 staff,
a 5-second window, on SQLite only.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import nullcontext
from email import message_from_bytes
from pathlib import Path

from .bench_fleet import _open_formations
from .envs import PG_SKIP_NOTE, pg_server, scratch_pg, services_for
from .harness import Figure, check, percentile, skipped

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = ("upload", "upload 5 MiB", "transmit", "staff search", "staff candidatures", "staff dossier")


class SmtpSink:
    """A real SMTP server on the loopback that keeps the Message-ID and recipients of every mail."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received: list[tuple[str, tuple[str, ...]]] = []
        self.lock = threading.Lock()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        message_id = message_from_bytes(envelope.content).get("Message-ID", "")
        with self.lock:
            self.received.append((message_id, tuple(envelope.rcpt_tos)))
        return "250 OK"


def _ready(proc: subprocess.Popen) -> None:
    line = proc.stdout.readline()
    if line.strip() != "ready":
        raise RuntimeError(f"rush worker did not start: {line[-2000:]} {proc.stderr.read()[-2000:]}")


def _start(cfg: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "benchmarks.rush_worker", json.dumps(cfg)], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _result(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=1800)
    lines = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
    if not lines:
        return {"timings": {}, "errors": [f"worker crashed: {err[-1500:]}"]}
    return json.loads(lines[-1][len("RESULT "):])


def _drain_setup_mail(services) -> int:
    """The set-up's mails are not the rush's: deliver them to memory first. Returns the last outbox id."""
    from sqlalchemy import func, select

    from ecandidat_tui.mail.backends import MemoryBackend
    from ecandidat_tui.mail.dispatch import Dispatcher
    from ecandidat_tui.store.models import OutboxMail

    dispatcher = Dispatcher(services.db, MemoryBackend(), sender="noreply@univ.example")
    while dispatcher.pending_count():
        dispatcher.dispatch_pending(ignore_backoff=True, limit=1000)
    with services.db.read_session() as s:
        return s.execute(select(func.max(OutboxMail.id))).scalar() or 0


def _check_store(services, done: list[dict], first_mail: int, sink: SmtpSink) -> list[str]:
    """What is lost or duplicated after the rush, in the store and at the SMTP server."""
    from sqlalchemy import func, select

    from ecandidat_tui.domain import MailKind
    from ecandidat_tui.store.models import Candidature, FormationPiece, OutboxMail, PieceSubmission

    problems = []
    with services.db.read_session() as s:
        for person in done:
            cand = s.get(Candidature, person["candidature"])
            if cand is None or cand.statut != "receptionne":
                problems.append(f"{person['login']}: candidature not Réceptionnée")
                continue
            expected = s.execute(select(func.count()).select_from(FormationPiece)
                                 .where(FormationPiece.formation_id == cand.formation_id)).scalar()
            rows = s.execute(select(PieceSubmission.blob_sha256)
                             .where(PieceSubmission.candidature_id == cand.id)).scalars().all()
            if len(rows) != expected or any(sha is None for sha in rows):
                problems.append(f"{person['login']}: {len(rows)} pièces, "
                                f"{sum(sha is None for sha in rows)} without a file, {expected} expected")
        mails = s.execute(select(OutboxMail.kind, OutboxMail.status, OutboxMail.to_addr)
                          .where(OutboxMail.id > first_mail)).all()
    transmitted = [m for m in mails if m.kind == MailKind.CANDIDATURE_TRANSMITTED.value]
    if len(transmitted) != len(done):
        problems.append(f"{len(transmitted)} 'candidature transmitted' mails for {len(done)} transmissions")
    unsent = [m for m in mails if m.status != "sent"]
    if unsent:
        problems.append(f"{len(unsent)} mails of the rush not marked sent")
    ids = [mid for mid, _ in sink.received]
    if len(sink.received) != len(mails):
        problems.append(f"the SMTP server received {len(sink.received)} mails, the outbox holds {len(mails)}")
    if len(set(ids)) != len(ids):
        problems.append(f"{len(ids) - len(set(ids))} mails received twice")
    return problems


def _rush(engine: str, url: str, processes: int, tmp: Path, smoke: bool) -> tuple[list[Figure], bool]:
    run = uuid.uuid4().hex[:6]
    n_candidates, n_staff, window = (6, 1, 5.0) if smoke else (200, 5, 60.0)
    tag = f"rush [{engine}, {n_candidates} candidates, {processes} processes]"
    services = services_for(tmp / f"{engine}-{processes}-setup", url, demo_catalog=True)
    sink = SmtpSink()
    sink.controller.start()
    procs = []
    try:
        formations = _open_formations(services, 10)
        from ecandidat_tui.domain import Role

        staff_logins = [f"rush-staff-{run}-{i}" for i in range(n_staff)]
        for login in staff_logins:
            services.staff.add_staff_user(login, "Rush-Staff-2026!", Role.ADMIN.value)
        # Candidate i starts at i/N of the window; each process takes every P-th candidate.
        offsets = {str(i): i * window / n_candidates for i in range(n_candidates)}
        base = {"database_url": services.db.url, "run": run, "formation_ids": formations, "offsets": offsets,
                "ine_base": 3_000_000 + (os.getpid() % 1000) * 10_000, "seconds": window}
        for p in range(processes):
            procs.append(_start({**base, "role": "candidates", "home": str(tmp / f"{engine}-{run}-c{p}"),
                                 "indices": list(range(p, n_candidates, processes)), "seed": p}))
        for p in procs:  # set up (accounts, profiles, candidatures) before the staff looks them up
            _ready(p)
        first_mail = _drain_setup_mail(services)
        from sqlalchemy import select

        from ecandidat_tui.store.models import Account

        with services.db.read_session() as s:
            logins = s.execute(select(Account.login).where(Account.mail_key.like(f"rush-{run}-%"))).scalars().all()
        others = [_start({**base, "role": "staff", "home": str(tmp / f"{engine}-{run}-s{i}"), "login": login,
                          "logins": logins, "seed": 100 + i}) for i, login in enumerate(staff_logins)]
        others.append(_start({**base, "role": "dispatcher", "home": str(tmp / f"{engine}-{run}-d"),
                              "smtp_port": sink.port}))
        for p in others:
            _ready(p)
        procs += others
        go = time.time() + 0.5
        for p in procs:
            p.stdin.write(f"go {go}\n")
            p.stdin.flush()
        results = [_result(p) for p in procs]
        wall = time.time() - go
        done = [person for r in results for person in r.get("done", [])]
        problems = _check_store(services, done, first_mail, sink)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        sink.controller.stop()
        services.close()

    timings: dict[str, list[float]] = {}
    for r in results:
        for name, samples in r["timings"].items():
            timings.setdefault(name, []).extend(samples)
    errors = [e for r in results for e in r["errors"] if not e.startswith("Traceback")]
    figures = []
    for name in ACTIONS:
        samples = timings.get(name, [])
        if not samples:
            continue
        fig = Figure(f"{tag}: {name}", "ms", samples,
                     note=f"p99 {percentile(samples, 0.99):.0f} ms, {len(samples)} calls")
        if engine == "PostgreSQL" and name == "transmit":
            check(fig, max_ms=1000, on="p95")
        if engine == "PostgreSQL" and name == "upload 5 MiB":
            check(fig, max_ms=1500, on="p95")
        figures.append(fig)
    figures.append(Figure(f"{tag}: throughput", "transmissions/min", [len(done) / wall * 60],
                          note=f"{len(done)} of {n_candidates} transmitted in {wall:.1f} s, mails included"))
    errs = Figure(f"{tag}: errors", "", [float(len(errors))], target="0", note="; ".join(errors[:3]) or "none")
    errs.ok = not errors
    lost = Figure(f"{tag}: rows or mails lost or duplicated", "", [float(len(problems))], target="0",
                  note="; ".join(problems[:3]) or f"{len(done)} candidatures and {len(sink.received)} mails counted")
    lost.ok = not problems
    figures += [errs, lost]
    if smoke and (errors or problems):
        raise RuntimeError(f"{tag}: {(errors + problems)[:3]}")
    return figures, not errors and not problems


def run(smoke: bool = False) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if not smoke:
            if pg_server() is None:
                figures.append(skipped("rush [PostgreSQL]", PG_SKIP_NOTE))
            else:
                with scratch_pg("rush") as url:
                    figures += _rush("PostgreSQL", url, 20, tmp, smoke)[0]
        for processes in ([3] if smoke else [20, 10, 5]):
            with nullcontext(f"sqlite:///{tmp / f'rush-{processes}.db'}") as url:
                more, held = _rush("SQLite", url, processes, tmp, smoke)
            figures += more
            if held:
                break
    return figures
