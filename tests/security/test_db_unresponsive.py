"""Issue 14, item 8: a database that does not answer is an error, not a hang.

A "silent" PostgreSQL is a local TCP socket that accepts connections and
never replies. In front of the real test server it can also be switched to
pass the bytes through, so a test can show the person retrying once the
server answers again.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import select

from ecandidat_tui.app import CandidateApp
from ecandidat_tui.config import replace
from ecandidat_tui.mail.backends import MemoryBackend
from ecandidat_tui.services import build_services
from ecandidat_tui.services.errors import DatabaseUnavailable
from ecandidat_tui.store.db import Database
from ecandidat_tui.store.models import Account
from ecandidat_tui.testing import text_of, wait_until

pytestmark = pytest.mark.pg

NO_ANSWER = "La base de données ne répond pas"
BOUND_S = 15  # a 2 s connect timeout, with room for a loaded machine


class SilentServer:
    """Accepts on 127.0.0.1 and says nothing; with `answer = True`, new connections reach `target`."""

    def __init__(self, target: tuple[str, int] | None = None) -> None:
        self.target = target
        self.answer = False
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(client)
            if self.answer and self.target is not None:
                upstream = socket.create_connection(self.target)
                self.held.append(upstream)
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def url(self, real_url: str) -> str:
        return make_url(real_url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def close(self) -> None:
        self.closed = True
        self.sock.close()
        for s in self.held:
            s.close()


@pytest.fixture
def silent():
    servers: list[SilentServer] = []

    def make(target: tuple[str, int] | None = None) -> SilentServer:
        servers.append(SilentServer(target))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


async def test_the_app_says_so_in_french_and_the_person_retries(ecandidat_pg, silent):
    cand = ecandidat_pg.seed_candidate()
    real = make_url(ecandidat_pg.settings.database_url)
    server = silent((real.host or "127.0.0.1", real.port or 5432))
    settings = replace(ecandidat_pg.settings, database_url=server.url(ecandidat_pg.settings.database_url),
                       db_connect_timeout_seconds=2)
    services = build_services(settings, mail_backend=MemoryBackend(), prepare=False)
    try:
        app = CandidateApp(settings, services=services, strict_errors=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.click("#login-user")
            await pilot.press(*cand.login)
            await pilot.click("#login-password")
            started = time.monotonic()
            await pilot.press(*cand.password, "enter")
            await wait_until(pilot, lambda: text_of(app, "#login-error") != "", timeout=BOUND_S)
            assert time.monotonic() - started < BOUND_S
            assert text_of(app, "#login-error").startswith(NO_ANSWER)
            assert app.candidate is None
            assert not app.screen.query_one("#login-submit").disabled  # the person can try again

            server.answer = True
            await pilot.click("#login-password")
            await pilot.press(*cand.password, "enter")
            await wait_until(pilot, lambda: app.candidate is not None, timeout=BOUND_S)
        with ecandidat_pg.services.db.read_session() as s:
            account = s.exec(select(Account).where(Account.login == cand.login)).one()
        assert account.failed_attempts == 0 and account.locked_until is None  # the silent try cost nothing
    finally:
        services.close()


@pytest.mark.parametrize("argv", [["mail", "list"], ["db", "upgrade"]])
def test_the_command_line_says_so_in_french_within_a_bounded_time(silent, tmp_path: Path, argv):
    server = silent()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECANDIDAT_")}
    env.update(ECANDIDAT_HOME=str(tmp_path / "home"), ECANDIDAT_DB_CONNECT_TIMEOUT_SECONDS="2",
               ECANDIDAT_DATABASE_URL=server.url("postgresql+psycopg://nobody:Hunter2-secret@host/x"))
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ecandidat_tui", *argv], env=env, capture_output=True,
                          text=True, timeout=60)
    assert time.monotonic() - started < BOUND_S + 10  # interpreter start-up included
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "la base de données ne répond pas" in done.stderr
    assert "Hunter2-secret" not in done.stderr


def test_a_statement_that_runs_too_long_is_cancelled(pg_migrated_url):
    db = Database(pg_migrated_url, statement_timeout=1, unavailable=lambda _exc: DatabaseUnavailable())
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as refused, db.read_session() as s:
            s.execute(text("SELECT pg_sleep(10)"))
        assert time.monotonic() - started < 5
        assert refused.value.message.startswith(NO_ANSWER)
    finally:
        db.dispose()
