"""Engine, units of work and optimistic locking, for SQLite and PostgreSQL.

A service opens one `Database.session()` per use case: it commits when the
block ends and rolls back on any exception. SQLite is opened in WAL mode
with foreign keys and a busy timeout; write transactions take the write lock
up front (`BEGIN IMMEDIATE`) so two kiosks never deadlock upgrading a read
lock, and a busy database waits instead of failing.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import event, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000


class StaleVersion(Exception):
    """The row changed (or vanished) since the caller read it."""


def _normalise_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = _normalise_url(url)
    if url.startswith("sqlite"):
        if make_url(url).database in (None, "", ":memory:"):
            # One shared connection, or every session would see its own empty database.
            kwargs.setdefault("poolclass", StaticPool)
        else:
            # The connection used last, not the one idle longest: a kiosk's
            # reads come one after another, and each pooled connection keeps
            # its own page cache (up to 2 MiB): going round the pool filled
            # several with the same catalog pages (+2 MiB of a kiosk's memory).
            kwargs.setdefault("pool_use_lifo", True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("pool_use_lifo", True)  # as for SQLite: the warm connection first
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # pragma: no cover - exercised via every test
        # Take over transaction control from the sqlite3 module so BEGIN is ours.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # pragma: no cover - exercised via every test
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write", True) else "BEGIN")


class Database:
    """One engine and the sessions opened on it."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = _normalise_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commit at the end of the block, roll back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A read-only unit of work (on SQLite it does not take the write lock)."""
        with self.engine.connect() as conn:
            conn.info["write"] = False
            try:
                # Closing (not rolling back) the session ends its transaction
                # without expiring what it loaded, so rows read here stay
                # readable after the block.
                with Session(bind=conn, expire_on_commit=False) as session:
                    yield session
            finally:
                conn.info.pop("write", None)

    def dispose(self) -> None:
        self.engine.dispose()


def update_versioned(session: Session, model: type, key: Any, expected_version: int, **values: Any) -> int:
    """UPDATE one row only if its version is still `expected_version`.

    Returns the new version; raises StaleVersion when another terminal wrote
    first. The check and the write are one statement, so it holds under races.
    """
    pk = list(model.__table__.primary_key.columns)[0]
    stmt = (
        update(model)
        .where(pk == key, model.version == expected_version)
        .values(**values, version=expected_version + 1)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(stmt)
    if result.rowcount != 1:
        raise StaleVersion(f"{model.__name__} {key} changed since version {expected_version}")
    return expected_version + 1


__all__ = ["Database", "StaleVersion", "make_engine", "update_versioned"]
