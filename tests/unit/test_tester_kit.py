"""The tester's kit: a cheap plugin, the test clock, the seeds at every stage, the mailbox helpers."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from ecandidat_tui.clock import TestClock
from ecandidat_tui.services import DomainError


def test_loading_the_plugin_imports_nothing_of_the_app():
    code = ("import sys, pytest; import ecandidat_tui.testing; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'sqlalchemy', 'sqlmodel')"
            " or m.startswith('ecandidat_tui.') and m != 'ecandidat_tui.testing'))")
    heavy = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert heavy.strip() == "[]"


def test_a_frozen_clock_moves_only_when_advanced_and_tells_its_subscribers():
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    clock = TestClock(frozen_at=start)
    seen: list[datetime] = []
    unsubscribe = clock.subscribe(lambda: seen.append(clock.now()))
    mono = clock.monotonic()
    assert clock() == clock.now() == start
    clock.advance(90, minutes=1)
    assert clock.now() == start + timedelta(seconds=150)
    assert clock.monotonic() == mono + 150
    assert seen == [start + timedelta(seconds=150)]
    unsubscribe()
    clock.advance(days=1)
    assert len(seen) == 1
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.freeze(datetime(2026, 3, 2))  # naive


def test_a_frozen_clock_advanced_by_a_timeout_lands_exactly_on_it(monkeypatch):
    """In floats, 367.964923584 + 299 + 1 - 367.964923584 is 299.99999999999994: a kiosk
    waiting for 300 s of inactivity never warned, whatever instant the clock froze at."""
    monkeypatch.setattr("ecandidat_tui.clock.time.monotonic", lambda: 367.964923584)
    clock = TestClock()
    clock.freeze()
    start = clock.monotonic()
    assert start >= 367.964923584  # frozen forward, never back
    clock.advance(299)
    clock.advance(1)
    assert clock.monotonic() - start == 300
    for _ in range(10):
        clock.advance(0.1)
    assert clock.monotonic() - start >= 301


def test_a_running_test_clock_follows_the_real_one_plus_what_was_advanced():
    clock = TestClock()
    clock.advance(hours=2)
    before = datetime.now(UTC)
    shown = clock.now()
    assert before + timedelta(hours=2) <= shown < before + timedelta(hours=2, seconds=5)


def test_code_expiry_follows_the_harness_clock(ecandidat):
    pending = ecandidat.seed_pending_account()
    ecandidat.clock.advance(days=30)  # far past the validation deadline
    with pytest.raises(DomainError):
        ecandidat.services.accounts.validate_account(pending.code)


def test_seeds_at_every_stage_and_the_mailbox_helpers(ecandidat):
    pending = ecandidat.seed_pending_account(mail="pending@example.org")
    assert pending.code in ecandidat.mail_link(pending.welcome)
    assert ecandidat.mail_code(pending.welcome) == pending.code
    assert not ecandidat.services.accounts.account_info(pending.login).account_valid

    first = ecandidat.seed_first_login()
    assert ecandidat.services.accounts.authenticate(first.login, first.password).must_change_password

    cand = ecandidat.seed_candidate()
    ecandidat.clear_mails()
    assert ecandidat.mails() == []
    attached = ecandidat.seed_pieces_attached(cand.account_id)
    recap = ecandidat.services.candidatures.recap(cand.account_id, attached)
    assert recap.statut == "en_attente" and all(p.file_name for p in recap.pieces if p.can_attach or p.file_name)
    assert recap.can_transmit
    transmitted = ecandidat.seed_transmitted(cand.account_id)
    assert ecandidat.services.candidatures.recap(cand.account_id, transmitted).statut == "receptionne"
    assert ecandidat.last_mail(to=cand.mail, subject="a été transmise")
    decided = ecandidat.seed_decided(cand.account_id, decision="favorable")
    assert ecandidat.services.candidatures.recap(cand.account_id, decided).decision == "favorable"
