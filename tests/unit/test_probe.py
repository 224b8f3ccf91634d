"""The schema probe: the bare driver's answer to "opened and migrated?"."""

from __future__ import annotations

from pathlib import Path

from ecandidat_tui.store.probe import HEAD_REVISION, is_at_head, schema_revision


def test_a_migrated_database_is_at_head(migrated_url: str):
    assert schema_revision(migrated_url) == HEAD_REVISION
    assert is_at_head(migrated_url)


def test_an_empty_database_has_no_revision(db_url: str):
    assert schema_revision(db_url) is None
    assert not is_at_head(db_url)


def test_a_missing_sqlite_file_is_not_created(tmp_path: Path):
    path = tmp_path / "nowhere" / "ecandidat.db"
    assert schema_revision(f"sqlite:///{path}") is None
    assert not path.exists() and not path.parent.exists()


def test_what_the_probe_cannot_answer_is_left_to_the_long_way(tmp_path: Path):
    assert schema_revision("sqlite:///:memory:") is None
    assert schema_revision("sqlite://") is None
    assert schema_revision("mysql://u@h/db") is None
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    assert not is_at_head(f"sqlite:///{garbage}")  # an error is "no", never a crash


def test_an_unreachable_server_is_not_at_head():
    assert not is_at_head("postgresql+psycopg://nobody@127.0.0.1:1/none")
