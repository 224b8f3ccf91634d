"""Throw-away installations for the benchmarks: SQLite files and scratch PostgreSQL databases.

PostgreSQL is `ECANDIDAT_TEST_PG_URL` (default
postgresql+psycopg://postgres@127.0.0.1:5432/test), as for the tests. Each
run creates its own uniquely named database and drops it afterwards. When no
server answers, `pg_server()` returns None and the PostgreSQL figures are
skipped with a note (smoke runs in CI without PostgreSQL stay green).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from collections.abc import Iterator

from ecandidat_tui.testing import DEFAULT_PG_URL, PgServer

_PG_CHECKED: list[PgServer | None] = []
PG_SKIP_NOTE = "skipped: no PostgreSQL answers at ECANDIDAT_TEST_PG_URL"


def pg_server() -> PgServer | None:
    """The PostgreSQL server, or None when none answers (checked once per run)."""
    if not _PG_CHECKED:
        server = PgServer(os.environ.get("ECANDIDAT_TEST_PG_URL", DEFAULT_PG_URL))
        try:
            server.check()
        except Exception:  # any failure means "no server"
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
