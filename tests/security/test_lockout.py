"""Issue 14, item 4: a lockout that holds under parallel attempts and reveals no login.

40 attempts at once (8 real processes of 5 threads, on one SQLite file and on
PostgreSQL) check at most `max_failed_logins` passwords; a correct password
during the lock neither logs in nor clears it (typed in the app, as a person
would); unknown logins cost one Argon2id check and lock like known ones; the
kiosk unlock code is throttled too.
"""

from __future__ import annotations

import re
import runpy
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from textual.widgets import Static

from ecandidat_tui.screens.kiosk import UnlockScreen, unlock_throttle
from ecandidat_tui.services import security
from ecandidat_tui.services.accounts import MSG_BAD_CREDENTIALS
from ecandidat_tui.services.errors import DomainError
from ecandidat_tui.services.security import hash_secret
from ecandidat_tui.services.staff import MSG_BAD_CREDENTIALS as MSG_STAFF_BAD_CREDENTIALS
from ecandidat_tui.store.models import Account, AuditLog, StaffUser
from ecandidat_tui.testing import make_harness, text_of, wait_until

run_at_once = runpy.run_path(str(Path(__file__).with_name("concurrent_worker.py")))["run_at_once"]

LOCKED = "Compte bloqué après 5 tentatives de connexion infructueuses"
STAFF_LOCKED = "Trop d'échecs de connexion : ce compte est verrouillé"


@pytest.fixture
def harness(engine_name: str, request: pytest.FixtureRequest):
    """The `ecandidat` harness on SQLite (a file the worker processes share) or PostgreSQL."""
    return request.getfixturevalue("ecandidat" if engine_name == "sqlite" else "ecandidat_pg")


def _row(harness, model, **where):
    with harness.services.db.read_session() as s:
        row = s.exec(select(model).filter_by(**where)).one()
        s.expunge(row)
        return row


def _audit(harness, action: str) -> int:
    with harness.services.db.read_session() as s:
        return len(s.exec(select(AuditLog).where(AuditLog.action == action)).all())


async def _type_login(app, pilot, login: str, password: str) -> None:
    await pilot.click("#login-user")
    await pilot.press(*login)
    await pilot.click("#login-password")
    await pilot.press(*password, "enter")
    await wait_until(pilot, lambda: not app.screen.query_one("#login-submit").disabled
                     and text_of(app, "#login-error") != "")


async def test_forty_parallel_candidate_logins_check_five_passwords(harness, tmp_path):
    cand = harness.seed_candidate()
    before = _row(harness, Account, login=cand.login)

    outcomes = run_at_once("login", harness.settings.database_url, tmp_path, processes=8, threads=5,
                           login=cand.login, password="Wrong-Password-1")

    assert len(outcomes) == 40 and not any(o["ok"] for o in outcomes)
    assert sum(o["checked"] for o in outcomes) == 5
    messages = [o["message"] for o in outcomes]
    assert messages.count(MSG_BAD_CREDENTIALS) == 4
    assert sum(m.startswith(LOCKED) for m in messages) == 36
    assert _audit(harness, "account.lock") == 1
    locked = _row(harness, Account, login=cand.login)
    assert locked.locked_until is not None and locked.password_hash == before.password_hash

    # The right password, typed during the lock: refused, and the lock stays as it was.
    app = harness.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await _type_login(app, pilot, cand.login, cand.password)
        assert text_of(app, "#login-error").startswith(LOCKED)
        assert app.candidate is None
    after = _row(harness, Account, login=cand.login)
    assert (after.locked_until, after.failed_attempts, after.last_login_at) == (
        locked.locked_until, locked.failed_attempts, before.last_login_at)

    # Once the lock has expired, the right password logs in.
    base = harness.services.ctx.clock
    harness.services.ctx.clock = lambda: base() + timedelta(minutes=16)
    assert harness.services.accounts.authenticate(cand.login, cand.password).login == cand.login


async def test_forty_parallel_staff_logins_check_five_passwords(harness, tmp_path):
    staff = harness.seed_staff()
    before = _row(harness, StaffUser, login=staff.login)

    outcomes = run_at_once("staff_login", harness.settings.database_url, tmp_path, processes=8, threads=5,
                           login=staff.login, password="Wrong-Password-1")

    assert sum(o["checked"] for o in outcomes) == 5
    messages = [o["message"] for o in outcomes]
    assert messages.count(MSG_STAFF_BAD_CREDENTIALS) == 4
    assert sum(m.startswith(STAFF_LOCKED) for m in messages) == 36
    locked = _row(harness, StaffUser, login=staff.login)
    assert locked.locked_until is not None

    app = harness.staff_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.click("#staff-login")
        await pilot.press(*staff.login)
        await pilot.click("#staff-password")
        await pilot.press(*staff.password, "enter")
        await wait_until(pilot, lambda: text_of(app, "#staff-password-error") != "")
        assert text_of(app, "#staff-password-error").startswith(STAFF_LOCKED)
        assert app.principal is None
    after = _row(harness, StaffUser, login=staff.login)
    assert (after.locked_until, after.last_login_at) == (locked.locked_until, before.last_login_at)


class _RecordingHasher:
    """security's Argon2id hasher, recording the parameters of every hash it verifies."""

    def __init__(self, real) -> None:
        self.real, self.verified = real, []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def verify(self, hashed, secret):
        self.verified.append(hashed.rsplit("$", 2)[0])  # $argon2id$v=19$m=…,t=…,p=…
        return self.real.verify(hashed, secret)


def _failures(call, login: str, times: int) -> list[str]:
    messages = []
    for _ in range(times):
        with pytest.raises(DomainError) as refused:
            call(login, "Wrong-Password-1")
        messages.append(re.sub(r"\d+", "N", refused.value.message))  # the hour or minutes left differ
    return messages


@pytest.mark.parametrize("who", ["candidate", "staff"])
def test_unknown_and_known_logins_cost_and_answer_the_same(harness, monkeypatch, who):
    if who == "candidate":
        known, unknown = harness.seed_candidate().login, "ZZZZ9999"
        call = harness.services.accounts.authenticate
    else:
        known, unknown = harness.seed_staff().login, "nobody-here"
        call = harness.services.staff.authenticate_staff
    recorder = _RecordingHasher(security._hasher)
    monkeypatch.setattr(security, "_hasher", recorder)

    known_answers = _failures(call, known, 7)
    known_checks, recorder.verified = recorder.verified, []
    unknown_answers = _failures(call, unknown, 7)

    assert unknown_answers == known_answers  # 4 wrong, then locked, on both
    assert "N" in known_answers[-1] and known_answers[0] != known_answers[-1]
    # One Argon2id check with the same parameters per checked attempt, none once locked.
    assert recorder.verified == known_checks and len(known_checks) == 5
    assert len(set(known_checks)) == 1


async def test_kiosk_unlock_code_is_throttled(tmp_path):
    code = "Staff-Kiosk-42"
    kiosk = make_harness(tmp_path / "home", kiosk=True, kiosk_unlock_hash=hash_secret(code))
    try:
        app = kiosk.app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()

            async def try_code(text: str) -> str:
                if not isinstance(app.screen, UnlockScreen):
                    await pilot.press("ctrl+q")
                    await wait_until(pilot, lambda: isinstance(app.screen, UnlockScreen))
                app.screen.query_one("#unlock-code-error", Static).update("")
                await pilot.press(*text, "enter")
                await wait_until(pilot, lambda: app.return_code is not None
                                 or str(app.screen.query_one("#unlock-code-error", Static).content) != "")
                return "" if app.return_code is not None else str(
                    app.screen.query_one("#unlock-code-error", Static).content)

            for _ in range(5):
                assert await try_code("wrong-code") == "Code de déverrouillage incorrect."
            assert (await try_code(code)).startswith("Trop de codes incorrects")
            await pilot.press("escape")  # closing and reopening the dialog does not reset it
            await wait_until(pilot, lambda: not isinstance(app.screen, UnlockScreen))
            assert (await try_code(code)).startswith("Trop de codes incorrects")
            assert app.return_code is None

            throttle = unlock_throttle(app)
            now = throttle.clock()
            throttle.clock = lambda: now + 15 * 60 + 1
            assert await try_code(code) == ""
        assert app.return_code == 0
    finally:
        kiosk.services.close()
