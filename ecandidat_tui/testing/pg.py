"""Throw-away PostgreSQL databases for tests (the project's `tests/conftest.py`, tests/pg)."""

from __future__ import annotations

import os
import uuid

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class PgServer:
    """Creates and drops throw-away databases on one PostgreSQL server."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.url = make_url(url)
        if not self.url.drivername.startswith("postgres"):
            raise ValueError(f"ECANDIDAT_TEST_PG_URL is not a PostgreSQL URL: {url}")
        self.url = self.url.set(drivername="postgresql+psycopg")
        self.prefix = f"ecandidat_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self._count = 0
        self.template: str | None = None

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

    def create(self, stem: str = "", *, template: str | None = None) -> str:
        """A new database (empty, or a copy of `template`); returns its name."""
        self._count += 1
        name = f"{self.prefix}_{stem + '_' if stem else ''}{self._count}"
        with self._admin() as conn:
            # template0 gives an empty database whatever `template1` holds.
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template or "template0"}"')
        return name

    def drop(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

    def max_connections(self) -> int:
        with self._admin() as conn:
            return int(conn.execute("SHOW max_connections").fetchone()[0])

    def version(self) -> str:
        with self._admin() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def migrated(self) -> str:
        """The run's database, migrated once; returns its name."""
        from ..store.db import Database
        from ..store.migrate import ensure_schema

        if self.template is None:
            name = self.create()
            db = Database(self.sqlalchemy_url(name))
            try:
                ensure_schema(db)
            finally:
                db.dispose()
            self.template = name
        return self.template

    def clean(self, name: str) -> None:
        """Empty every table of `name` and restart its ids, keeping the schema.

        DELETE in dependency order costs ~20 ms where CREATE/DROP DATABASE
        costs ~300 ms on a busy machine. Connections a previous test left
        open are closed first so none holds a lock.
        """
        import psycopg
        from sqlmodel import SQLModel

        from ..store import models  # noqa: F401  (registers the tables)

        with self._admin() as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        with psycopg.connect(self.conninfo(name), connect_timeout=3) as conn:
            for table in reversed(SQLModel.metadata.sorted_tables):
                conn.execute(f'DELETE FROM "{table.name}"')
            for (sequence,) in conn.execute(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
            ).fetchall():
                conn.execute("SELECT setval(%s, 1, false)", (sequence,))
            conn.commit()
