"""The whole installation on PostgreSQL: the `ecandidat_pg` harness, as a fleet of kiosks would run."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from ecandidat_tui.domain import MAIL_FOOTER, MailKind
from ecandidat_tui.store.migrate import HEAD_REVISION, current_revision
from ecandidat_tui.store.models import Account, Formation

pytestmark = pytest.mark.pg


def test_harness_runs_on_postgresql(ecandidat_pg):
    db = ecandidat_pg.services.db
    assert db.is_postgresql
    assert current_revision(db) == HEAD_REVISION
    with db.read_session() as s:
        assert s.exec(select(func.count()).select_from(Formation)).one() > 0  # the demo catalog loaded


def test_outbox_on_postgresql(ecandidat_pg):
    with ecandidat_pg.services.db.session() as s:
        ecandidat_pg.services.ctx.outbox.enqueue(
            s, MailKind.CONFIRMATION, "ana@example.org", prenom="Ana", nom="Lopez", formation="Licence Droit")
    [mail] = ecandidat_pg.mails(to="ana@example.org")
    assert mail.subject == "Confirmation de votre inscription à la formation Licence Droit"
    assert mail.body.rstrip().endswith(MAIL_FOOTER)
    assert len(ecandidat_pg.mails(to="ana@example.org")) == 1


def test_seeded_candidate_on_postgresql(ecandidat_pg):
    cand = ecandidat_pg.seed_candidate()
    with ecandidat_pg.services.db.read_session() as s:
        account = s.exec(select(Account).where(Account.login == cand.login)).one()
    assert account.account_valid and not account.must_change_password
    assert ecandidat_pg.mails(to=cand.mail)


def test_each_test_gets_a_clean_database(ecandidat_pg):
    with ecandidat_pg.services.db.read_session() as s:
        assert s.exec(select(func.count()).select_from(Account)).one() == 0
