"""Is the database reachable and at the schema's head revision?

Answered with the bare database driver (the standard `sqlite3`, or
psycopg), without SQLAlchemy: importing SQLAlchemy, SQLModel and building
the table models takes longer than starting Textual and painting the first
screen, so an app can know its database is opened and migrated — ready for
a login — while the ORM is still loading in the background. `migrate`
imports `HEAD_REVISION` from here, so there is one source for it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlsplit

HEAD_REVISION = "0005_campaign_formation_open"
_CONNECT_TIMEOUT_S = 10


def schema_revision(url: str) -> str | None:
    """The revision in `alembic_version`, or None when the database does not
    exist yet, has no schema, or is not one this probe knows (in-memory
    SQLite, another driver). Connection errors propagate."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme == "sqlite":
        return _sqlite_revision(url)
    if scheme in ("postgresql", "postgres"):
        return _postgresql_revision(parts._replace(scheme="postgresql").geturl())
    return None


def _sqlite_revision(url: str) -> str | None:
    # sqlite:///relative/path or sqlite:////absolute/path (SQLAlchemy's form).
    rest = url.partition(":///")[2]
    if not rest or rest.startswith(":memory:") or "?" in rest:
        return None
    path = Path(unquote(rest))
    if not path.is_file():
        return None
    # Read-only: probing must never create the file or take a write lock.
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=_CONNECT_TIMEOUT_S)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no such table: not migrated yet
        return None
    finally:
        conn.close()
    return row[0] if row else None


def _postgresql_revision(conninfo: str) -> str | None:
    import psycopg

    with psycopg.connect(conninfo, connect_timeout=_CONNECT_TIMEOUT_S, autocommit=True) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except psycopg.errors.UndefinedTable:
            return None
    return row[0] if row else None


def is_at_head(url: str) -> bool:
    """True when the database answers at `HEAD_REVISION`; any failure is False
    (the caller then goes the long way, which reports errors properly)."""
    try:
        return schema_revision(url) == HEAD_REVISION
    except Exception:
        return False
