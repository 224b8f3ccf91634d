"""Issue 14, item 5: domain rules hold under concurrency, on PostgreSQL as on SQLite.

Real processes (spawned by concurrent_worker.py) act at the same moment on
one SQLite file or one PostgreSQL database: the per-centre candidature limit,
one-time codes used exactly once, the demo catalog loaded once. Each test
checks what every process was told and what the store holds afterwards.
"""

from __future__ import annotations

import runpy
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from ecandidat_tui.services.accounts import MSG_CODE_USED, MSG_RESET_USED
from ecandidat_tui.services.security import verify_secret
from ecandidat_tui.store.db import Database
from ecandidat_tui.store.demo import demo_catalog
from ecandidat_tui.store.models import Account, AuditLog, Candidature, Formation, OneTimeCode

run_at_once = runpy.run_path(str(Path(__file__).with_name("concurrent_worker.py")))["run_at_once"]

NEW_PASSWORD = "Nouveau-Passe-2026"


@pytest.fixture
def harness(engine_name: str, request: pytest.FixtureRequest):
    """The `ecandidat` harness on SQLite (a file the worker processes share) or PostgreSQL."""
    return request.getfixturevalue("ecandidat" if engine_name == "sqlite" else "ecandidat_pg")


def _count(db: Database, query) -> int:
    with db.read_session() as s:
        return s.exec(query).one()


def test_four_processes_applying_to_a_centre_limited_to_one_get_one_candidature(harness, tmp_path):
    cand = harness.seed_candidate()
    harness.seed_profile(cand)
    formations = [harness.seed_open_formation(centre_code="CLIM1", centre_max=1) for _ in range(4)]

    outcomes = run_at_once("apply", harness.settings.database_url, tmp_path, processes=4,
                           account_id=cand.account_id, formation_ids=formations)

    assert sum(o["ok"] for o in outcomes) == 1, outcomes
    refusals = [o["message"] for o in outcomes if not o["ok"]]
    assert len(refusals) == 3
    assert all("nombre maximum de candidatures (1)" in m for m in refusals), refusals
    db = harness.services.db
    assert _count(db, select(func.count()).select_from(Candidature)
                  .where(Candidature.account_id == cand.account_id)) == 1


@pytest.mark.parametrize("kind", ["reset", "activation"])
def test_four_processes_with_one_code_succeed_once(harness, tmp_path, kind):
    db = harness.services.db
    if kind == "reset":
        cand = harness.seed_candidate()
        harness.services.accounts.request_identifiers(cand.mail)
        code = harness.mail_field(harness.last_mail(to=cand.mail, subject="identifiants"),
                                  "Code de réinitialisation")
        login, args, used = cand.login, {"code": code, "password": NEW_PASSWORD}, MSG_RESET_USED
    else:
        mail = f"{harness.unique()}@example.org"
        login = harness.services.accounts.create_account("Lacour", "Ines", mail, mail).login
        code = harness.mail_field(harness.last_mail(to=mail), "Code d'activation")
        args, used = {"code": code}, MSG_CODE_USED

    outcomes = run_at_once(kind if kind == "reset" else "validate", harness.settings.database_url, tmp_path,
                           processes=4, **args)

    assert [o["value"] for o in outcomes if o["ok"]] == [login], outcomes
    assert [o["message"] for o in outcomes if not o["ok"]] == [used] * 3
    with db.read_session() as s:
        account = s.exec(select(Account).where(Account.login == login)).one()
        codes = s.exec(select(OneTimeCode).where(OneTimeCode.account_id == account.id, OneTimeCode.kind == kind,
                                                 OneTimeCode.used_at.is_not(None))).all()
        done = s.exec(select(func.count()).select_from(AuditLog).where(
            AuditLog.target_login == login,
            AuditLog.action == ("account.password_reset" if kind == "reset" else "account.validate"))).one()
    assert len(codes) == 1 and done == 1
    if kind == "reset":
        assert verify_secret(account.password_hash, NEW_PASSWORD)
    else:
        assert account.account_valid


def test_a_fleet_starting_at_once_loads_the_demo_catalog_once(migrated_url, tmp_path):
    outcomes = run_at_once("demo", migrated_url, tmp_path, processes=4)

    assert [o["value"] for o in outcomes].count(True) == 1, outcomes
    assert all(o["ok"] for o in outcomes)
    db = Database(migrated_url)
    try:
        expected = len({f["code"] for f in _formations(demo_catalog(date.today()))})
        assert _count(db, select(func.count()).select_from(Formation)) == expected
    finally:
        db.dispose()


def _formations(doc):
    """Every formation of an import document (centres > commissions > formations)."""
    for centre in doc["centres"]:
        for commission in centre["commissions"]:
            yield from commission["formations"]
