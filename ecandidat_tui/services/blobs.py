"""File blobs (content-addressed by SHA-256): store once, safely under concurrency.

Two kiosks storing the same bytes at once (the blank Formulaire complémentaire
every candidate sends back) must both succeed. A "look, then insert" lets both
see no row on PostgreSQL and the second insert fails on `file_blob_pkey`; so the
blob is written with `INSERT … ON CONFLICT (sha256) DO NOTHING`, which waits
for the other transaction and then does nothing.

When the row already existed, it is locked `FOR KEY SHARE` until the caller
commits: a concurrent orphan clean-up (another candidate replacing the last
file with those bytes) cannot delete it between our insert and the reference
we are about to write. Clean-up deletes inside a savepoint and keeps a blob
that gained a reference meanwhile (see `delete_blob_if_unused`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from ..store.models import FileBlob

_ATTEMPTS = 5


def _insert(dialect: str) -> Callable[[type[FileBlob]], Any] | None:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        return sqlite_insert
    return None  # pragma: no cover - the two supported engines


def store_blob(session: Session, *, sha256: str, mime: str, size: int, data: bytes, now: datetime) -> None:
    """Make sure the blob `sha256` exists (and stays) until the caller's transaction ends."""
    dialect = session.get_bind().dialect.name
    insert = _insert(dialect)
    if insert is None:  # pragma: no cover
        if session.get(FileBlob, sha256) is None:
            with session.begin_nested():
                session.add(FileBlob(sha256=sha256, mime=mime, size=size, data=data, created_at=now))
        return
    stmt = (insert(FileBlob)
            .values(sha256=sha256, mime=mime, size=size, data=data, created_at=now)
            .on_conflict_do_nothing(index_elements=["sha256"])
            .returning(FileBlob.sha256))
    for _ in range(_ATTEMPTS):
        if session.execute(stmt).first() is not None:
            return  # ours: no one else can delete it before we commit
        if dialect == "sqlite":
            return  # writers are serialised (BEGIN IMMEDIATE): the row is there and stays
        held = session.execute(select(col(FileBlob.sha256)).where(col(FileBlob.sha256) == sha256)
                               .with_for_update(key_share=True)).first()
        if held is not None:
            return
        # Deleted by a clean-up that committed between the two statements: insert again.
    raise RuntimeError(f"file blob {sha256} kept vanishing while being stored")  # pragma: no cover


def delete_blob_if_unused(session: Session, sha256: str) -> None:
    """Delete a blob the caller found unreferenced; keep it if a reference appeared meanwhile."""
    try:
        with session.begin_nested():
            session.execute(delete(FileBlob).where(col(FileBlob.sha256) == sha256))
    except IntegrityError:
        pass  # another transaction committed a reference to these bytes: the blob stays


__all__ = ["delete_blob_if_unused", "store_blob"]
