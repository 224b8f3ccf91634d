"""Schema migrations: `ecandidat db upgrade`, and the check the app runs on start.

The start-up check reads `alembic_version` with one query and compares it
with `HEAD_REVISION`; Alembic itself is imported only when there is
something to apply, so a migrated database costs no Alembic import.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from .db import Database, is_unavailable
from .probe import HEAD_REVISION

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 0x0EC4_D1DA  # one advisory lock so a fleet starting at once migrates once


def current_revision(db: Database) -> str | None:
    try:
        with db.engine.connect() as conn:
            conn.info["write"] = False
            try:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            finally:
                conn.info.pop("write", None)
    except DBAPIError as exc:
        if is_unavailable(exc):  # no answer is not "no schema": do not wait a second time
            raise
        return None


def alembic_config(db: Database):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config(db)
    with db.engine.begin() as conn:
        if db.is_postgresql:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def ensure_schema(db: Database) -> bool:
    """Bring the schema to head; returns True when a migration ran."""
    if current_revision(db) == HEAD_REVISION:
        return False
    upgrade(db)
    return True
