"""Issue 14, item 3: no usable secret at rest.

A copy of the database (a stolen backup) holds no first password, activation
or reset code in clear once its mail is delivered, and the codes' index is a
slow hash, so the copy does not let anyone recover a live code offline faster
than guessing it online. Engine errors and logs carry no SQL parameters.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from ecandidat_tui.domain import OutboxStatus
from ecandidat_tui.mail.backends import MailDeliveryError
from ecandidat_tui.mail.dispatch import Dispatcher
from ecandidat_tui.mail.outbox import SECRET_MASK
from ecandidat_tui.services import security
from ecandidat_tui.store.db import Database
from ecandidat_tui.store.models import Account, OneTimeCode, OutboxMail


@pytest.fixture
def harness(engine_name: str, request: pytest.FixtureRequest):
    return request.getfixturevalue("ecandidat" if engine_name == "sqlite" else "ecandidat_pg")


class RefusingBackend:
    name = "refusing"

    def send(self, message) -> None:
        raise MailDeliveryError("451 try again later")


def _database_copy(db) -> str:
    """Every value of every table, as text: what a stolen backup shows."""
    with db.read_session() as s:
        names = inspect(s.connection()).get_table_names()
        rows = [str(tuple(row)) for name in names for row in s.execute(text(f'SELECT * FROM "{name}"'))]
    return "\n".join(rows)


def _outbox(db, to: str) -> list[OutboxMail]:
    with db.read_session() as s:
        return list(s.exec(select(OutboxMail).where(OutboxMail.to_addr == to).order_by(OutboxMail.id)).all())


def test_a_delivered_mail_leaves_no_secret_in_the_store(harness, caplog):
    caplog.set_level(logging.DEBUG)
    db = harness.services.db
    mail = f"{harness.unique()}@example.org"
    created = harness.services.accounts.create_account("Lacour", "Ines", mail, mail)
    real_backend = harness.services.dispatcher.backend

    # Delivery fails: the mail keeps its secrets, so the retry still carries them.
    refused = Dispatcher(db, RefusingBackend(), sender=harness.settings.mail_from).dispatch_pending()
    assert len(refused.retrying) == 1
    [pending] = _outbox(db, mail)
    assert pending.status == OutboxStatus.PENDING and pending.secrets

    welcome = harness.last_mail(to=mail, subject="Création")  # the retry, delivered
    password = harness.mail_field(welcome, "Mot de passe")
    code = harness.mail_field(welcome, "Code d'activation")
    assert welcome in real_backend.messages and f"#!validation/{code}" in welcome.body

    [sent] = _outbox(db, mail)
    assert sent.status == OutboxStatus.SENT and sent.secrets is None
    assert f"Code d'activation : {SECRET_MASK}" in sent.body and f"Mot de passe : {SECRET_MASK}" in sent.body
    stolen = _database_copy(db)
    for secret in (password, code):
        assert secret not in stolen
    assert code not in caplog.text and password not in caplog.text

    # What the person received still works.
    assert harness.services.accounts.validate_account(code) == created.login
    assert harness.services.accounts.authenticate(created.login, password).login == created.login


def test_reset_codes_are_masked_once_delivered(harness):
    cand = harness.seed_candidate()
    harness.services.accounts.request_identifiers(cand.mail)
    code = harness.mail_field(harness.last_mail(to=cand.mail, subject="identifiants"), "Code de réinitialisation")
    assert code not in _database_copy(harness.services.db)
    assert harness.services.accounts.reset_password(code, "Nouveau-Passe-2026", "Nouveau-Passe-2026") == cand.login


def test_a_copy_of_the_codes_costs_an_argon2id_hash_per_guess(harness, monkeypatch):
    mail = f"{harness.unique()}@example.org"
    harness.services.accounts.create_account("Lacour", "Ines", mail, mail)
    code = harness.mail_field(harness.last_mail(to=mail), "Code d'activation")
    with harness.services.db.read_session() as s:
        row = s.exec(select(OneTimeCode).join(Account).where(Account.mail == mail)).one()
    # The index is not a fast hash of the code an attacker could enumerate (31^8 codes).
    for fast in (code, "ecandidat-code:" + code):
        assert row.lookup != hashlib.sha256(fast.encode()).hexdigest()
    assert row.lookup == security.code_lookup(code)
    assert row.code_hash.startswith("$argon2id$") and code not in row.code_hash

    # With the production parameters, one guess costs what checking a password costs.
    monkeypatch.setattr(security, "_hasher", security.production_hasher())
    started = time.perf_counter()
    security.code_lookup(code)
    # Argon2id with 19 MiB takes tens of ms (a SHA-256 of 8 characters, about a microsecond);
    # a loaded machine can only make it slower.
    assert time.perf_counter() - started > 0.005


def test_engine_errors_and_logs_carry_no_sql_parameters(harness, caplog):
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    db = harness.services.db
    db.engine.echo = True  # what an operator turning SQL logging on would see
    try:
        cand = harness.seed_candidate(nom="Secretnom", prenom="Secretprenom")
        with pytest.raises(IntegrityError) as duplicate, db.session() as s:
            s.add(Account(login=cand.login, nom="Secretnom", prenom="Secretprenom", nom_key="SECRETNOM",
                          prenom_key="SECRETPRENOM", mail=cand.mail, mail_key=cand.mail.upper()))
    finally:
        db.engine.echo = False
    assert "INSERT INTO account" in caplog.text  # the statements are logged…
    for private in (cand.mail, "Secretnom", cand.login):
        assert private not in caplog.text and private not in str(duplicate.value)  # …not their values
    assert "parameters hidden" in str(duplicate.value)


def test_upgrading_masks_the_secrets_of_mails_already_delivered(db_url):
    from ecandidat_tui.store.migrate import upgrade

    db = Database(db_url)
    try:
        upgrade(db, "0001_initial")
        body = ("Bonjour,\n\nLogin : AB12CD34\nMot de passe : xY7@secret-pw\nCode d'activation : K7M2P9QR\n\n"
                "https://ecandidat.univ.example/#!validation/K7M2P9QR\n")
        with db.engine.begin() as conn:
            for status in ("sent", "pending"):
                conn.execute(text(
                    "INSERT INTO outbox_mail (kind, to_addr, subject, body, status, attempts, next_attempt_at, "
                    "created_at, message_id) VALUES ('account_created', 'a@example.org', 'Création', :body, "
                    ":status, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :status)"), {"body": body, "status": status})
        upgrade(db)
        with db.engine.connect() as conn:
            bodies = dict(conn.execute(text("SELECT status, body FROM outbox_mail")).all())
            listed = conn.execute(text("SELECT secrets FROM outbox_mail WHERE status = 'pending'")).scalar_one()
    finally:
        db.dispose()
    assert bodies["pending"] == body  # still to deliver: whole, its secrets listed for masking once sent
    assert json.loads(listed) == ["xY7@secret-pw", "K7M2P9QR", "K7M2P9QR"]
    for secret in ("xY7@secret-pw", "K7M2P9QR"):
        assert secret not in bodies["sent"]
    assert "Login : AB12CD34" in bodies["sent"] and f"#!validation/{SECRET_MASK}" in bodies["sent"]
