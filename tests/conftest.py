"""Shared fixtures. The `ecandidat` harness fixture comes from the package's pytest plugin.

Databases:

- `db_url` (parametrised: sqlite, postgresql): the URL of a fresh, EMPTY database
  (no schema). The PostgreSQL case is marked `pg`.
- `database`: a migrated `store.db.Database` on that engine, clean for each test.
- `ecandidat_pg`: a Harness (see `ecandidat_tui.testing`) on a clean PostgreSQL database.

PostgreSQL: the server is `ECANDIDAT_TEST_PG_URL` (default
postgresql+psycopg://postgres@127.0.0.1:5432/test). One uniquely named database
is created and migrated per run (per xdist worker); before each test that uses
it every table is emptied and the ids restarted (~20 ms; a fresh database per
test costs ~300 ms). Tests that need an empty database without schema
(`db_url`, `pg_url`) get a brand-new one, dropped after the test. Everything is
dropped at the end of the run. When no server answers the
PostgreSQL tests are skipped with the reason, except under `CI=true`, where
they fail: the CI must prove both engines.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from collections.abc import Iterator

import pytest

from ecandidat_tui.store.db import Database
from ecandidat_tui.store.migrate import ensure_schema
from ecandidat_tui.testing import DEFAULT_PG_URL, PgServer

def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    url = os.environ.get("ECANDIDAT_TEST_PG_URL", DEFAULT_PG_URL)
    server = PgServer(url)
    try:
        server.check()
    except Exception as exc:  # any failure means "no server"
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        reason = f"no PostgreSQL server at ECANDIDAT_TEST_PG_URL ({server.url!r}): {why}"
        if _truthy(os.environ.get("CI")):
            pytest.fail(reason)
        pytest.skip(reason)
    yield server
    if server.template is not None:
        server.drop(server.template)


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    name = pg_server.create()
    yield pg_server.sqlalchemy_url(name)
    pg_server.drop(name)


@pytest.fixture
def pg_migrated_url(pg_server: PgServer) -> str:
    """The run's PostgreSQL database at the head revision, emptied for this test."""
    name = pg_server.migrated()
    pg_server.clean(name)
    return pg_server.sqlalchemy_url(name)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per run; tests copy it instead of migrating."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    db = Database(f"sqlite:///{path}")
    try:
        ensure_schema(db)
    finally:
        db.dispose()
    conn = sqlite3.connect(path)  # fold the WAL into the main file before copying it
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return path


ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.pg),
]


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_url(engine_name: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, empty database (no schema) on each engine."""
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def migrated_url(engine_name: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh database at the head revision on each engine."""
    if engine_name == "sqlite":
        path = tmp_path / "store.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("pg_migrated_url")


@pytest.fixture
def database(migrated_url: str) -> Iterator[Database]:
    """A migrated `Database`, clean for each test, on each engine."""
    db = Database(migrated_url)
    yield db
    db.dispose()


@pytest.fixture
def ecandidat_pg(pg_migrated_url: str, tmp_path: Path):
    """Like `ecandidat`, on a clean PostgreSQL database."""
    from ecandidat_tui.testing import make_harness

    harness = make_harness(tmp_path / "home", database_url=pg_migrated_url)
    yield harness
    harness.services.close()


@pytest.fixture
def ecandidat_both(engine_name: str, request: pytest.FixtureRequest, tmp_path: Path):
    """Like `ecandidat` (no demo catalog), once on SQLite and once on PostgreSQL."""
    from ecandidat_tui.testing import make_harness

    url = {} if engine_name == "sqlite" else {"database_url": request.getfixturevalue("pg_migrated_url")}
    harness = make_harness(tmp_path / "home", demo_catalog=False, **url)
    yield harness
    harness.services.close()


# ------------------------------------------------------------------ SMTP


class RecordingHandler:
    """An aiosmtpd handler that keeps what it received."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self):
        from email import policy
        from email.parser import BytesParser

        return [BytesParser(policy=policy.default).parsebytes(e.content) for e in self.envelopes]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """A real aiosmtpd server on loopback; `start()` and `stop()` it as a test needs."""

    def __init__(self, handler: RecordingHandler | None = None, **smtp_parameters) -> None:
        self.port = free_port()
        self.handler = handler or RecordingHandler()
        self.parameters = smtp_parameters
        self.controller = None

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **self.parameters)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    """A factory: `smtp_server(**aiosmtpd SMTP parameters)` -> SmtpServer (not started)."""
    servers: list[SmtpServer] = []

    def make(handler: RecordingHandler | None = None, **parameters) -> SmtpServer:
        server = SmtpServer(handler, **parameters)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
