"""The SQL store on both engines: migrations, constraints, optimistic locking, SQLite set-up."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from ecandidat_tui.store import migrate
from ecandidat_tui.store.db import SQLITE_BUSY_TIMEOUT_MS, Database, StaleVersion, update_versioned
from ecandidat_tui.store.migrate import HEAD_REVISION, current_revision, ensure_schema
from ecandidat_tui.store.models import (
    Account,
    Candidature,
    Centre,
    Commission,
    Formation,
    InformationsPerso,
    OutboxMail,
    utcnow,
)


def _account(n: int, **values) -> Account:
    fields = dict(login=f"L{n:07d}", nom="Lopez", prenom="Ana", nom_key="LOPEZ", prenom_key="ANA",
                  mail=f"ana{n}@example.org", mail_key=f"ana{n}@example.org")
    fields.update(values)
    return Account(**fields)


def _all_at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run `calls` in threads released together; what each returned or raised, in order."""
    results: list[object] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = calls[i]()
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _formation(session, code: str = "L-DROIT") -> Formation:
    centre = Centre(code=f"C-{code}", libelle="Centre")
    session.add(centre)
    session.flush()
    commission = Commission(centre_id=centre.id, code="COM", libelle="Commission")
    session.add(commission)
    session.flush()
    today = date.today()
    formation = Formation(code=code, titre="Licence Droit", commission_id=commission.id,
                          date_debut_depot=today, date_fin_depot=today + timedelta(days=30),
                          date_limite_retour=today + timedelta(days=40))
    session.add(formation)
    session.flush()
    return formation


# ------------------------------------------------------------- migrations


def test_migrations_reach_head_then_do_nothing(db_url, monkeypatch):
    from alembic.script import ScriptDirectory

    db = Database(db_url)
    try:
        assert current_revision(db) is None
        assert ensure_schema(db) is True
        assert current_revision(db) == HEAD_REVISION
        script_head = ScriptDirectory.from_config(migrate.alembic_config(db)).get_current_head()
        assert script_head == HEAD_REVISION

        def _no_upgrade(*_a, **_k):
            raise AssertionError("a migration ran on a database already at head")

        monkeypatch.setattr(migrate, "upgrade", _no_upgrade)
        assert ensure_schema(db) is False
        with db.session() as s:  # the schema is usable
            s.add(_account(1))
        with db.read_session() as s:
            assert s.exec(select(Account.login)).all() == ["L0000001"]
    finally:
        db.dispose()


def test_models_and_migration_agree(database):
    """The migration creates exactly what models.py declares (guards regenerating 0001)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with database.engine.connect() as conn:
        conn.info["write"] = False
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(ctx, SQLModel.metadata)
        conn.rollback()
    assert diffs == []


# ------------------------------------------------------------ constraints


def test_mail_key_is_unique(database):
    with database.session() as s:
        s.add(_account(1, mail_key="same@example.org"))
    with pytest.raises(IntegrityError), database.session() as s:
        s.add(_account(2, mail_key="same@example.org"))
    with database.read_session() as s:
        assert len(s.exec(select(Account)).all()) == 1


def test_login_is_unique(database):
    with database.session() as s:
        s.add(_account(1, login="ABC12345"))
    with pytest.raises(IntegrityError), database.session() as s:
        s.add(_account(2, login="ABC12345"))


def test_ine_is_unique(database):
    with database.session() as s:
        first, second = _account(1), _account(2)
        s.add_all([first, second])
        s.flush()
        s.add(InformationsPerso(account_id=first.id, ine="1234567890A", civilite="M.", nom_naissance="LOPEZ",
                                prenom="Ana", date_naissance=date(2005, 3, 1), pays_naissance="FRA"))
        ids = first.id, second.id
    with pytest.raises(IntegrityError), database.session() as s:
        s.add(InformationsPerso(account_id=ids[1], ine="1234567890A", civilite="M.", nom_naissance="LOPEZ",
                                prenom="Ana", date_naissance=date(2005, 3, 1), pays_naissance="FRA"))


def test_one_candidature_per_formation(database):
    with database.session() as s:
        account = _account(1)
        s.add(account)
        formation = _formation(s)
        s.add(Candidature(account_id=account.id, formation_id=formation.id))
        ids = account.id, formation.id
    with pytest.raises(IntegrityError), database.session() as s:
        s.add(Candidature(account_id=ids[0], formation_id=ids[1]))


def test_foreign_keys_are_enforced(database):
    with pytest.raises(IntegrityError), database.session() as s:
        s.add(Candidature(account_id=999_999, formation_id=999_999))


def test_failed_unit_of_work_leaves_nothing(database):
    with pytest.raises(RuntimeError), database.session() as s:
        s.add(_account(1))
        s.flush()
        raise RuntimeError("boom")
    with database.read_session() as s:
        assert s.exec(select(Account)).all() == []


# ------------------------------------------------------ optimistic locking


def test_update_versioned_refuses_a_stale_version(database):
    with database.session() as s:
        account = _account(1)
        s.add(account)
        s.flush()
        account_id = account.id

    # Two terminals read the same row at version 1.
    with database.read_session() as s:
        seen_by_a = s.get(Account, account_id).version
    with database.read_session() as s:
        seen_by_b = s.get(Account, account_id).version
    assert seen_by_a == seen_by_b == 1

    with database.session() as s:
        assert update_versioned(s, Account, account_id, seen_by_a, nom="Martin") == 2
    with pytest.raises(StaleVersion), database.session() as s:
        update_versioned(s, Account, account_id, seen_by_b, nom="Durand")

    with database.read_session() as s:
        row = s.get(Account, account_id)
        assert (row.nom, row.version) == ("Martin", 2)


def test_update_versioned_on_a_vanished_row(database):
    with pytest.raises(StaleVersion), database.session() as s:
        update_versioned(s, Account, 424242, 1, nom="X")


def test_datetimes_come_back_aware_utc(database):
    with database.session() as s:
        s.add(OutboxMail(kind="k", to_addr="a@example.org", subject="s", body="b", message_id="<m>"))
    with database.read_session() as s:
        row = s.exec(select(OutboxMail)).one()
    assert row.created_at.utcoffset() == timedelta(0)
    assert abs(row.created_at - utcnow()) < timedelta(minutes=1)


# ----------------------------------------------------------------- SQLite


def test_sqlite_pragmas(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar().lower() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
    finally:
        db.dispose()


def test_reads_one_after_another_use_the_same_connection(tmp_path):
    """Each pooled SQLite connection has its own page cache: a kiosk reading
    the catalog, then a formation, then its candidatures must not warm a
    different one each time (the pool hands out the connection used last)."""
    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        with db.read_session() as s1, db.read_session() as s2:  # two at once: two connections
            first, second = s1.connection().connection.dbapi_connection, s2.connection().connection.dbapi_connection
            assert first is not second
        used = set()
        for _ in range(4):
            with db.read_session() as s:
                used.add(id(s.connection().connection.dbapi_connection))
        assert len(used) == 1
    finally:
        db.dispose()


def test_sqlite_concurrent_writers_wait_instead_of_failing(tmp_path, _sqlite_template):
    import shutil

    path = tmp_path / "busy.db"
    shutil.copyfile(_sqlite_template, path)
    # Two engines, as two kiosks sharing one file would have.
    dbs = [Database(f"sqlite:///{path}") for _ in range(2)]

    def writer(db: Database, worker: int) -> None:
        for i in range(15):
            with db.session() as s:
                # read-then-write in one unit of work: the classic SQLite deadlock
                # when the read lock has to be upgraded; BEGIN IMMEDIATE avoids it.
                s.exec(select(Account.id)).all()
                s.add(_account(worker * 100 + i))

    results = _all_at_once([partial(writer, dbs[w % 2], w) for w in range(4)])
    try:
        errors = [r for r in results if isinstance(r, BaseException)]
        assert errors == []
        with dbs[0].read_session() as s:
            assert len(s.exec(select(Account)).all()) == 60
    finally:
        for db in dbs:
            db.dispose()


def test_sqlite_reader_is_not_blocked_by_a_writer(tmp_path, _sqlite_template):
    import shutil

    path = tmp_path / "wal.db"
    shutil.copyfile(_sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    try:
        with db.session() as writer:
            writer.add(_account(1))
            writer.flush()
            # The write transaction is open; WAL lets a reader see the last commit.
            with db.read_session() as reader:
                assert reader.exec(select(Account)).all() == []
        with db.read_session() as reader:
            assert len(reader.exec(select(Account)).all()) == 1
    finally:
        db.dispose()


@pytest.mark.pg
def test_postgresql_url_without_driver_uses_psycopg(pg_migrated_url):
    plain = pg_migrated_url.replace("postgresql+psycopg://", "postgresql://")
    db = Database(plain)
    try:
        assert db.engine.dialect.driver == "psycopg"
        with db.read_session() as s:
            assert s.exec(text("SELECT version_num FROM alembic_version")).one()[0] == HEAD_REVISION
    finally:
        db.dispose()


def test_a_fleet_starting_at_once_migrates_once(db_url):
    """Several terminals start on an empty database together: all end at head, none fails."""
    dbs = [Database(db_url) for _ in range(3)]
    results = _all_at_once([partial(ensure_schema, db) for db in dbs])
    try:
        assert all(isinstance(r, bool) for r in results), results
        assert True in results
        assert {current_revision(db) for db in dbs} == {HEAD_REVISION}
    finally:
        for db in dbs:
            db.dispose()


def test_in_memory_sqlite_is_one_database():
    db = Database("sqlite://")
    try:
        ensure_schema(db)
        with db.session() as s:
            s.add(_account(1))
        with db.read_session() as s:
            assert len(s.exec(select(Account)).all()) == 1
    finally:
        db.dispose()


@pytest.mark.pg
def test_update_versioned_under_a_real_race_on_postgresql(pg_migrated_url):
    """Two terminals write the same row at once: the one that waited on the lock is refused."""
    db = Database(pg_migrated_url)
    try:
        with db.session() as s:
            account = _account(1)
            s.add(account)
            s.flush()
            account_id = account.id
        first_wrote = threading.Event()
        outcome: list[object] = []

        def second_terminal() -> None:
            first_wrote.wait()
            try:
                with db.session() as s:  # blocks on the row lock until the first commits
                    outcome.append(update_versioned(s, Account, account_id, 1, nom="Durand"))
            except StaleVersion as exc:
                outcome.append(exc)

        thread = threading.Thread(target=second_terminal)
        thread.start()
        with db.session() as s:
            assert update_versioned(s, Account, account_id, 1, nom="Martin") == 2
            first_wrote.set()
            # Still inside the first transaction: the second terminal is now waiting.
            with db.engine.connect() as probe:
                waiting = 0
                for _ in range(200):
                    waiting = probe.exec_driver_sql(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND datname = current_database()").scalar()
                    probe.rollback()  # pg_stat_activity is a snapshot per transaction
                    if waiting:
                        break
                    threading.Event().wait(0.01)
                assert waiting == 1
        thread.join(timeout=10)
        assert len(outcome) == 1 and isinstance(outcome[0], StaleVersion)
        with db.read_session() as s:
            row = s.get(Account, account_id)
            assert (row.nom, row.version) == ("Martin", 2)
    finally:
        db.dispose()


def _journal_mode(db: Database) -> object:
    with db.engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA journal_mode").scalar()


def test_connections_opening_a_new_sqlite_file_together_all_get_wal(tmp_path):
    """SQLite refuses a switch to WAL at once, busy handler or not, while another
    connection opens the same new file: each connection must wait its turn."""
    for attempt in range(40):
        url = f"sqlite:///{tmp_path}/fresh-{attempt}.db"
        dbs = [Database(url) for _ in range(4)]
        modes = _all_at_once([partial(_journal_mode, db) for db in dbs])
        for db in dbs:
            db.dispose()
        assert modes == ["wal"] * len(dbs), (attempt, modes)
