"""Account races on PostgreSQL, where transactions really run side by side (no SQLite write lock)."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from ecandidat_tui.services.account_rules import MSG_MAIL_TAKEN
from ecandidat_tui.services.errors import DomainError
from ecandidat_tui.store.models import Account

pytestmark = pytest.mark.pg


def _in_parallel(n, target):
    barrier = threading.Barrier(n)
    results: list[object] = []

    def run(i):
        barrier.wait()
        try:
            results.append(target(i))
        except DomainError as exc:
            results.append(exc.message)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_terminals_racing_for_one_address_get_the_friendly_message(ecandidat_pg):
    accounts = ecandidat_pg.services.accounts
    results = _in_parallel(4, lambda i: accounts.create_account(
        "Doe", "Jane", "race@example.org" if i % 2 else "RACE@example.org", "race@example.org"))
    created = [r for r in results if not isinstance(r, str)]
    assert len(created) == 1
    assert [r for r in results if isinstance(r, str)] == [MSG_MAIL_TAKEN] * 3
    with ecandidat_pg.services.db.read_session() as s:
        assert len(s.exec(select(Account)).all()) == 1


def test_parallel_failed_logins_all_count(ecandidat_pg):
    cand = ecandidat_pg.seed_candidate()
    accounts = ecandidat_pg.services.accounts
    results = _in_parallel(5, lambda i: accounts.authenticate(cand.login, "wrong"))
    assert any("Compte bloqué" in r for r in results)
    with pytest.raises(DomainError) as locked:
        accounts.authenticate(cand.login, cand.password)
    assert "Compte bloqué" in locked.value.message


def test_the_whole_account_life_on_postgresql(ecandidat_pg):
    from datetime import timedelta

    h = ecandidat_pg
    accounts = h.services.accounts
    cand = h.seed_candidate()
    accounts.change_mail(cand.account_id, "new@example.org", "new@example.org")
    accounts.resend_activation("new@example.org")
    code = h.mail_field(h.last_mail(to="new@example.org"), "Code d'activation")
    assert accounts.validate_account(code) == cand.login
    accounts.request_identifiers("new@example.org")
    reset = h.mail_field(h.last_mail(subject="identifiants"), "Code de réinitialisation")
    accounts.reset_password(reset, "Autre-Mdp-2026!", "Autre-Mdp-2026!")
    assert accounts.authenticate(cand.login, "Autre-Mdp-2026!").login == cand.login
    pending = accounts.create_account("Roe", "Jim", "jim@example.org", "jim@example.org")
    outcome = accounts.authenticate_ent("cmartin", "Etudiant-2026!")
    assert outcome.prefill is not None
    base = h.services.ctx.clock
    h.services.ctx.clock = lambda: base() + timedelta(days=6)
    assert accounts.purge_unvalidated() == [pending.login]
