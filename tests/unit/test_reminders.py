"""`ecandidat mail remind`: reminders before the date limite de retour, once per candidature and delay.

Driven with a fixed clock that the test moves day by day; the last tests run
the real command in two processes at once, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, UTC

import pytest
from sqlmodel import select

from ecandidat_tui.domain import MailKind, StatutDossier
from ecandidat_tui.store.models import AuditLog, Candidature, Formation, OutboxMail

NOON = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def h(request):
    return request.getfixturevalue("ecandidat" if request.param == "sqlite" else "ecandidat_pg")


class Days:
    """The services' clock, moved by the test."""

    def __init__(self, h) -> None:
        self.now = NOON
        h.services.ctx.clock = lambda: self.now

    def move_to(self, deadline, days_before: int) -> None:
        self.now = datetime.combine(deadline - timedelta(days=days_before), NOON.timetz())


def reminders(h):
    with h.services.db.read_session() as s:
        return s.exec(select(OutboxMail).where(OutboxMail.kind == MailKind.REMINDER.value)
                      .order_by(OutboxMail.id)).all()


def seed(h, *, limit_in_days=20, pieces=("CV", "LETTRE", "PHOTO")):
    clock = Days(h)
    cand = h.seed_candidate(mail=h.unique("rappel") + "@example.org")
    h.seed_profile(cand, ine=None, bac_annee=2015)  # no INE needed: many candidates
    fid = h.seed_open_formation(titre="Licence Histoire", pieces=pieces, limit_in_days=limit_in_days)
    cid = h.seed_candidature(cand.account_id, fid)
    with h.services.db.read_session() as s:
        deadline = s.get(Formation, fid).date_limite_retour
    return clock, cand, cid, deadline


def test_each_delay_is_mailed_once_and_names_the_missing_pieces(h):
    clock, cand, cid, deadline = seed(h)
    row = next(p for p in h.services.candidatures.recap(cand.account_id, cid).pieces if p.code == "CV")
    h.services.pieces.attach_file(cand.account_id, row.submission_id, h.make_pdf("cv.pdf"), row.version)

    clock.move_to(deadline, 8)
    assert h.services.reminders.send_reminders().sent == 0
    clock.move_to(deadline, 7)
    report = h.services.reminders.send_reminders()
    assert (report.sent, report.already) == (1, 0)
    [mail] = reminders(h)
    assert mail.to_addr == cand.mail
    assert "dans 7 jour(s)" in mail.body and f"le {deadline:%d/%m/%Y}" in mail.body
    assert "- Lettre de motivation" in mail.body and "- Une photo d'identité" in mail.body
    assert "Curriculum" not in mail.body  # attached: not missing

    assert h.services.reminders.send_reminders().summary() == "0 rappel(s) mis en file d'envoi, 1 déjà envoyé(s)."
    for days in (6, 2):
        clock.move_to(deadline, days)
        assert h.services.reminders.send_reminders().sent == 0
    clock.move_to(deadline, 1)
    assert h.services.reminders.send_reminders().sent == 1
    clock.move_to(deadline, 0)
    assert h.services.reminders.send_reminders().sent == 0
    clock.move_to(deadline, -1)
    assert h.services.reminders.send_reminders().sent == 0
    assert ["dans 7 jour(s)" in m.body for m in reminders(h)] == [True, False]
    assert "dans 1 jour(s)" in reminders(h)[1].body
    with h.services.db.read_session() as s:
        audited = s.exec(select(AuditLog).where(AuditLog.action == "reminder")).all()
    assert [(a.target_login, a.candidature_id) for a in audited] == [(cand.login, cid)] * 2


def test_a_missed_run_sends_the_delay_that_applies_then_and_never_the_longer_one(h):
    clock, _cand, _cid, deadline = seed(h)
    clock.move_to(deadline, 1)
    assert h.services.reminders.send_reminders().sent == 1
    clock.move_to(deadline, 0)
    assert h.services.reminders.send_reminders().sent == 0
    assert len(reminders(h)) == 1 and "dans 1 jour(s)" in reminders(h)[0].body


def test_transmitted_and_complete_candidatures(h):
    clock, cand, cid, deadline = seed(h, pieces=("CV",))
    row = h.services.candidatures.recap(cand.account_id, cid).pieces[0]
    h.services.pieces.attach_file(cand.account_id, row.submission_id, h.make_pdf("cv.pdf"), row.version)
    clock.move_to(deadline, 7)
    assert h.services.reminders.send_reminders().sent == 1
    assert "il ne reste qu'à transmettre" in reminders(h)[0].body
    recap = h.services.candidatures.recap(cand.account_id, cid)
    h.services.candidatures.transmit_candidature(cand.account_id, cid, recap.version)
    clock.move_to(deadline, 1)
    assert h.services.reminders.send_reminders().sent == 0
    with h.services.db.read_session() as s:
        assert s.get(Candidature, cid).statut == StatutDossier.RECEPTIONNE


def test_two_machines_running_the_command_at_once_mail_each_reminder_once(h):
    """The real command, twice at the same moment, on one database (the real clock: 7 days before)."""
    for _ in range(5):
        cand = h.seed_candidate(mail=h.unique("cron") + "@example.org")
        h.seed_profile(cand, ine=None, bac_annee=2015)  # no INE needed: many candidates
        h.seed_candidature(cand.account_id, h.seed_open_formation(pieces=("CV",), limit_in_days=7))
    env = dict(os.environ, ECANDIDAT_HOME=str(h.home), ECANDIDAT_DATABASE_URL=h.settings.database_url,
               ECANDIDAT_MAIL_BACKEND="memory", ECANDIDAT_DEMO_CATALOG="false")
    runs = [subprocess.Popen([sys.executable, "-m", "ecandidat_tui", "mail", "remind"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    sent = sorted(int(out.split()[0]) for out, _ in outputs)
    assert sum(sent) == 5, outputs  # split between the two runs in any way, never twice
    assert all(out.strip().endswith("déjà envoyé(s).") for out, _ in outputs)
    assert len(reminders(h)) == 5
    assert len({m.to_addr for m in reminders(h)}) == 5
