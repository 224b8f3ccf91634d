"""Engine, units of work and optimistic locking, for SQLite and PostgreSQL.

A service opens one `Database.session()` per use case: it commits when the
block ends and rolls back on any exception. SQLite is opened in WAL mode
with foreign keys and a busy timeout; write transactions take the write lock
up front (`BEGIN IMMEDIATE`) so two kiosks never deadlock upgrading a read
lock, and a busy database waits instead of failing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import CursorResult, event, inspect, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 10.0  # defaults of settings.db_connect_timeout_seconds / db_statement_timeout_seconds
STATEMENT_TIMEOUT_S = 30.0


class StaleVersion(Exception):
    """The row changed (or vanished) since the caller read it."""


def _normalise_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, connect_timeout: float = CONNECT_TIMEOUT_S,
                statement_timeout: float = STATEMENT_TIMEOUT_S, **kwargs: Any) -> Engine:
    """An engine on `url`; on PostgreSQL, connecting and each statement are bounded in time."""
    url = _normalise_url(url)
    kwargs.setdefault("hide_parameters", True)
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
    connect_args = dict(kwargs.pop("connect_args", {}))
    # libpq's connect_timeout is whole seconds (0 would mean "wait forever").
    connect_args.setdefault("connect_timeout", max(1, round(connect_timeout)))
    connect_args.setdefault("options", f"-c statement_timeout={max(1, round(statement_timeout * 1000))}")
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    event.listen(engine, "handle_error", _without_row_values)
    return engine


def _without_row_values(context: Any) -> None:
    """Drop PostgreSQL's DETAIL from a driver error: "Key (mail_key)=(…) already exists"
    or "Failing row contains (…)" would put a person's data in tracebacks and logs."""
    for error in (context.original_exception, context.sqlalchemy_exception):
        if error is not None and error.args and isinstance(error.args[0], str) and "\nDETAIL:" in error.args[0]:
            error.args = (error.args[0].split("\nDETAIL:", 1)[0], *error.args[1:])


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be reached or did not answer in time.

    PostgreSQL: any operational or interface error (refused, timed out,
    cancelled by statement_timeout, connection lost). SQLite: a file that
    stays locked past the busy timeout or cannot be opened; its other
    operational errors (no such table, ...) are bugs and stay as they are.
    """
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    if exc.connection_invalidated:
        return True
    module = type(getattr(exc, "orig", None)).__module__ or ""
    if module.startswith("psycopg"):
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    return any(part in text for part in ("database is locked", "unable to open", "disk i/o"))


def _enter_wal(cur: Any) -> None:
    """Put the database file in WAL mode, waiting for other connections doing the same.

    SQLite answers SQLITE_BUSY at once, without its busy handler, when a
    connection switches a new file to WAL while another one is also opening
    it: a fleet of kiosks starting together on a fresh file lost one of them
    ("database is locked") about one time in ten. Retried here within the
    same bound as the busy timeout.
    """
    import sqlite3  # only SQLite engines get here

    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # pragma: no cover - exercised via every test
        # Take over transaction control from the sqlite3 module so BEGIN is ours.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            _enter_wal(cur)
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # pragma: no cover - exercised via every test
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write", True) else "BEGIN")


class Database:
    """One engine and the sessions opened on it."""

    def __init__(self, url: str, *, unavailable: Callable[[BaseException], BaseException] | None = None,
                 **engine_kwargs: Any) -> None:
        """`unavailable(error)`: the exception raised instead of a database that cannot
        be reached or does not answer in time (see `is_unavailable`); unchanged without it."""
        self.url = _normalise_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self._unavailable = unavailable

    @contextmanager
    def translate_unavailable(self) -> Iterator[None]:
        """Inside this block, an unreachable database raises `unavailable(error)`."""
        try:
            yield
        except DBAPIError as exc:
            if self._unavailable is None or not is_unavailable(exc):
                raise
            raise self._unavailable(exc) from exc

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commit at the end of the block, roll back on error."""
        with self.translate_unavailable(), Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A read-only unit of work (on SQLite it does not take the write lock)."""
        with self.translate_unavailable(), self.engine.connect() as conn:
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


def update_versioned(session: Session, model: type[SQLModel], key: Any, expected_version: int, **values: Any) -> int:
    """UPDATE one row only if its version is still `expected_version`.

    Returns the new version; raises StaleVersion when another terminal wrote
    first. The check and the write are one statement, so it holds under races.
    """
    mapper = inspect(model)
    stmt = (
        update(model)
        .where(mapper.primary_key[0] == key, mapper.columns["version"] == expected_version)
        .values(**values, version=expected_version + 1)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], session.execute(stmt))
    if result.rowcount != 1:
        raise StaleVersion(f"{model.__name__} {key} changed since version {expected_version}")
    return expected_version + 1


__all__ = ["Database", "StaleVersion", "is_unavailable", "make_engine", "update_versioned"]
