"""Throw-away installations for the benchmarks: SQLite files and scratch PostgreSQL databases.

PostgreSQL is `ECANDIDAT_TEST_PG_URL` (default
postgresql+psycopg://postgres@127.0.0.1:5432/test), as for the tests. Each
run creates its own uniquely named database and drops it afterwards. When no
server answers, `pg_server()` returns None and the PostgreSQL figures are
skipped with a note (smoke runs in CI without PostgreSQL stay green).
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class PgServer:
    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.url = make_url(url).set(drivername="postgresql+psycopg")

    def conninfo(self, database: str | None = None) -> str:
        url = self.url.set(drivername="postgresql")
        if database is not None:
            url = url.set(database=database)
        return url.render_as_string(hide_password=False)

    def sqlalchemy_url(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    def _admin(self):
        import psycopg

        return psycopg.connect(self.conninfo(), autocommit=True, connect_timeout=3)

    def check(self) -> None:
        with self._admin() as conn:
            conn.execute("SELECT 1")

    def create(self, stem: str) -> str:
        name = f"ecandidat_bench_{stem}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return name

    def drop(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                         " WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

    def max_connections(self) -> int:
        with self._admin() as conn:
            return int(conn.execute("SHOW max_connections").fetchone()[0])

    def version(self) -> str:
        with self._admin() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]


_PG_CHECKED: list[PgServer | None] = []
PG_SKIP_NOTE = "skipped: no PostgreSQL answers at ECANDIDAT_TEST_PG_URL"


def pg_server() -> PgServer | None:
    """The PostgreSQL server, or None when none answers (checked once per run)."""
    if not _PG_CHECKED:
        server = PgServer(os.environ.get("ECANDIDAT_TEST_PG_URL", DEFAULT_PG_URL))
        try:
            server.check()
        except Exception:  # noqa: BLE001 - any failure means "no server"
            server = None
        _PG_CHECKED.append(server)
    return _PG_CHECKED[0]


@contextmanager
def scratch_pg(stem: str) -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty PostgreSQL database, dropped afterwards."""
    server = pg_server()
    assert server is not None, "check pg_server() first"
    name = server.create(stem)
    try:
        yield server.sqlalchemy_url(name)
    finally:
        server.drop(name)


def settings_for(home: Path, database_url: str | None = None, **overrides: Any):
    """Settings of an installation living in `home` (memory mail, uploads under home)."""
    from ecandidat_tui.config import load_settings

    (home / "uploads").mkdir(parents=True, exist_ok=True)
    env = {"ECANDIDAT_HOME": str(home), "ECANDIDAT_MAIL_BACKEND": "memory"}
    if database_url:
        overrides["database_url"] = database_url
    overrides.setdefault("upload_roots", [home / "uploads"])
    overrides.setdefault("mail_dispatch_seconds", 3600.0)
    return load_settings(env=env, **overrides)


def services_for(home: Path, database_url: str | None = None, *, demo_catalog: bool = False,
                 **overrides: Any):
    """Migrated services on that installation; the memory mail backend."""
    from ecandidat_tui.mail.backends import MemoryBackend
    from ecandidat_tui.services import build_services

    settings = settings_for(home, database_url, demo_catalog=demo_catalog, **overrides)
    return build_services(settings, mail_backend=MemoryBackend())


def admin_principal(services, login: str = "bench-admin"):
    """A staff administrator in the store, and its principal."""
    from ecandidat_tui.services.staff import StaffPrincipal

    from ecandidat_tui.domain import Role

    services.staff.add_staff_user(login, "Admin-Bench-2026!", Role.ADMIN.value)
    return StaffPrincipal(login, Role.ADMIN)
