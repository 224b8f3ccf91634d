"""AccountService: creation, validation, login and lockout, recovery, mail change, purge, staff actions."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from ecandidat_tui.domain import CodeKind
from ecandidat_tui.services import accounts as accounts_module
from ecandidat_tui.services.account_rules import MSG_MAIL_CONFIRM, MSG_MAIL_SAME, MSG_MAIL_TAKEN
from ecandidat_tui.services.accounts import (
    MSG_BAD_CREDENTIALS,
    MSG_CODE_EXPIRED,
    MSG_CODE_UNKNOWN,
    MSG_CODE_USED,
    MSG_NOT_VALIDATED,
    MSG_RESET_EXPIRED,
    MSG_RESET_USED,
)
from ecandidat_tui.services.errors import DomainError, ValidationFailed
from ecandidat_tui.store.models import Account, AuditLog, IssuedLogin, OneTimeCode, OutboxMail
from ecandidat_tui.testing import make_harness

NEW_PASSWORD = "Nouveau-Mdp-2026!"
CREATED_SUBJECT = "Création de votre compte eCandidat"


def _account(h, login):
    with h.services.db.read_session() as s:
        return s.exec(select(Account).where(Account.login == login)).one()


def _create(h, mail="charlotte@example.org", nom="Gockel", prenom="Charlotte"):
    created = h.services.accounts.create_account(nom, prenom, mail, mail)
    welcome = h.last_mail(to=created.mail, subject=CREATED_SUBJECT)
    return created, welcome


def _shift(h, **delta):
    """Move the services' clock forward by `delta`."""
    base = h.services.ctx.clock
    h.services.ctx.clock = lambda: base() + timedelta(**delta)


# ------------------------------------------------------------------ creation


def test_create_account_stores_a_pending_account_and_mails_its_identifiers(ecandidat):
    created, welcome = _create(ecandidat, mail="Charlotte.Gockel@EXAMPLE.org", nom="Gockél", prenom="Chàrlotte")
    assert re.fullmatch(r"[0-9A-Z]{8}", created.login)
    assert created.mail == "Charlotte.Gockel@example.org"  # domain lower-cased, local part kept
    account = _account(ecandidat, created.login)
    assert (account.nom, account.prenom) == ("Gockél", "Chàrlotte")
    assert (account.nom_key, account.prenom_key) == ("GOCKEL", "CHARLOTTE")
    assert account.mail_key == "charlotte.gockel@example.org"
    assert not account.account_valid and not account.mail_validated and account.must_change_password
    now = ecandidat.services.ctx.now()
    assert timedelta(days=4, hours=23) < account.validity_deadline - now <= timedelta(days=5)

    assert welcome.subject == CREATED_SUBJECT
    assert ecandidat.mail_field(welcome, "Login") == created.login
    password = ecandidat.mail_field(welcome, "Mot de passe")
    code = ecandidat.mail_field(welcome, "Code d'activation")
    assert f"{ecandidat.settings.public_url}/#!validation/{code}" in welcome.body
    assert "Bonjour Chàrlotte Gockél" in welcome.body
    assert account.validity_deadline.astimezone().strftime("%d/%m/%Y") in welcome.body

    with ecandidat.services.db.read_session() as s:
        assert s.get(IssuedLogin, created.login) is not None
        code_row = s.exec(select(OneTimeCode).where(OneTimeCode.account_id == account.id)).one()
    assert code_row.kind == CodeKind.ACTIVATION
    # Secrets only as Argon2id hashes.
    assert account.password_hash.startswith("$argon2id$") and password not in account.password_hash
    assert code_row.code_hash.startswith("$argon2id$") and code not in code_row.code_hash
    assert code not in code_row.lookup


def test_login_prefix_counts_in_the_eight_characters(tmp_path):
    h = make_harness(tmp_path / "h", login_prefix="AB", demo_catalog=False)
    try:
        created = h.services.accounts.create_account("Doe", "Jane", "jane@example.org", "jane@example.org")
        assert re.fullmatch(r"AB[0-9A-Z]{6}", created.login)
    finally:
        h.services.close()


@pytest.mark.parametrize("nom, prenom, mail, confirm, field, message", [
    ("", "Jane", "j@example.org", "j@example.org", "nom", "Le nom est obligatoire"),
    ("D" * 31, "Jane", "j@example.org", "j@example.org", "nom", "Le nom ne peut pas dépasser 30 caractères"),
    ("Doe", "", "j@example.org", "j@example.org", "prenom", "Le prénom est obligatoire"),
    ("Doe", "J" * 21, "j@example.org", "j@example.org", "prenom", "Le prénom ne peut pas dépasser 20 caractères"),
    ("Doe2", "Jane", "j@example.org", "j@example.org", "nom",
     "Le nom ne peut contenir que des lettres, des espaces, des tirets et des apostrophes"),
    ("Doe", "Jane", "", "", "mail", "L'adresse mail est obligatoire"),
    ("Doe", "Jane", "pas-une-adresse", "pas-une-adresse", "mail",
     "L'adresse mail n'est pas valide (exemple : prenom.nom@exemple.fr)"),
    ("Doe", "Jane", "a" * 90 + "@example.org", "a" * 90 + "@example.org", "mail",
     "L'adresse mail ne peut pas dépasser 100 caractères"),
    ("Doe", "Jane", "j@example.org", "k@example.org", "mail_confirm", MSG_MAIL_CONFIRM),
])
def test_create_account_refuses_each_bad_input(ecandidat, nom, prenom, mail, confirm, field, message):
    with pytest.raises(ValidationFailed) as refused:
        ecandidat.services.accounts.create_account(nom, prenom, mail, confirm)
    assert refused.value.errors[field] == message
    with ecandidat.services.db.read_session() as s:
        assert s.exec(select(Account)).all() == []
    assert ecandidat.mails() == []


def test_compound_names_are_accepted(ecandidat):
    created = ecandidat.services.accounts.create_account("De La Tour-D'Auvergne", "Marie-Ève",
                                                         "marie@example.org", "marie@example.org")
    assert _account(ecandidat, created.login).nom_key == "DE LA TOUR-D'AUVERGNE"


def test_mail_is_unique_case_insensitively(ecandidat):
    _create(ecandidat, mail="jane@example.org")
    with pytest.raises(DomainError) as refused:
        ecandidat.services.accounts.create_account("Doe", "Jane", "JANE@Example.ORG", "jane@example.org")
    assert refused.value.message == MSG_MAIL_TAKEN and refused.value.field == "mail"


def test_losing_the_race_on_the_unique_index_gives_the_friendly_message(ecandidat, monkeypatch):
    _create(ecandidat, mail="jane@example.org")
    # As if the other terminal committed between our check and our insert.
    monkeypatch.setattr(accounts_module.AccountService, "_mail_taken", lambda self, s, key, except_id=None: False)
    with pytest.raises(DomainError) as refused:
        ecandidat.services.accounts.create_account("Doe", "Jane", "Jane@example.org", "Jane@example.org")
    assert refused.value.message == MSG_MAIL_TAKEN


def test_two_terminals_creating_the_same_address_at_once(ecandidat):
    results: list[object] = []
    barrier = threading.Barrier(2)

    def create():
        barrier.wait()
        try:
            results.append(ecandidat.services.accounts.create_account("Doe", "Jane", "race@example.org",
                                                                      "race@example.org"))
        except DomainError as exc:
            results.append(exc.message)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(r).__name__ for r in results) == ["CreatedAccount", "str"]
    assert MSG_MAIL_TAKEN in results


def test_a_login_is_never_issued_twice_even_after_deletion(ecandidat, monkeypatch):
    first, _ = _create(ecandidat, mail="first@example.org")
    ecandidat.services.accounts.delete_unvalidated(first.login, actor="support1")
    draws = iter([first.login, first.login, "ZZZZ0000"])
    monkeypatch.setattr(accounts_module, "new_login", lambda prefix="": next(draws))
    second = ecandidat.services.accounts.create_account("Doe", "Jane", "second@example.org", "second@example.org")
    assert second.login == "ZZZZ0000"


# ---------------------------------------------------------------- validation


def test_validate_with_code_then_reuse_is_refused(ecandidat):
    created, welcome = _create(ecandidat)
    code = ecandidat.mail_field(welcome, "Code d'activation")
    assert ecandidat.services.accounts.validate_account(f"  {code.lower()} ") == created.login
    account = _account(ecandidat, created.login)
    assert account.account_valid and account.mail_validated and account.validity_deadline is None
    with pytest.raises(DomainError) as refused:
        ecandidat.services.accounts.validate_account(code)
    assert refused.value.message == MSG_CODE_USED


def test_validate_with_the_pasted_link(ecandidat):
    created, welcome = _create(ecandidat)
    link = next(line for line in welcome.body.splitlines() if "#!validation/" in line)
    assert ecandidat.services.accounts.validate_account(link) == created.login


def test_wrong_and_expired_codes_are_refused(ecandidat):
    created, welcome = _create(ecandidat)
    with pytest.raises(DomainError) as wrong:
        ecandidat.services.accounts.validate_account("ABCDEFGH")
    assert wrong.value.message == MSG_CODE_UNKNOWN and wrong.value.field == "code"
    _shift(ecandidat, days=5, minutes=1)
    with pytest.raises(DomainError) as expired:
        ecandidat.services.accounts.validate_account(ecandidat.mail_field(welcome, "Code d'activation"))
    assert expired.value.message == MSG_CODE_EXPIRED
    assert not _account(ecandidat, created.login).account_valid


# --------------------------------------------------------------------- login


def _validated(h, mail="charlotte@example.org"):
    created, welcome = _create(h, mail=mail)
    h.services.accounts.validate_account(h.mail_field(welcome, "Code d'activation"))
    return created, h.mail_field(welcome, "Mot de passe")


def test_unvalidated_account_cannot_log_in(ecandidat):
    created, welcome = _create(ecandidat)
    password = ecandidat.mail_field(welcome, "Mot de passe")
    with pytest.raises(DomainError) as refused:
        ecandidat.services.accounts.authenticate(created.login, password)
    assert refused.value.message == MSG_NOT_VALIDATED
    with pytest.raises(DomainError) as wrong:
        ecandidat.services.accounts.authenticate(created.login, "not-the-password")
    assert wrong.value.message == MSG_BAD_CREDENTIALS  # says nothing about validation


def test_unknown_login_and_wrong_password_get_the_same_message(ecandidat):
    created, _password = _validated(ecandidat)
    with pytest.raises(DomainError) as unknown:
        ecandidat.services.accounts.authenticate("NOSUCH00", "whatever")
    with pytest.raises(DomainError) as wrong:
        ecandidat.services.accounts.authenticate(created.login, "whatever")
    assert unknown.value.message == wrong.value.message == MSG_BAD_CREDENTIALS


def test_first_login_forces_a_new_password(ecandidat):
    created, password = _validated(ecandidat)
    result = ecandidat.services.accounts.authenticate(created.login.lower(), password)
    assert result.must_change_password and result.login == created.login
    ecandidat.services.accounts.change_password(result.account_id, password, NEW_PASSWORD, NEW_PASSWORD)
    again = ecandidat.services.accounts.authenticate(created.login, NEW_PASSWORD)
    assert not again.must_change_password
    with pytest.raises(DomainError):
        ecandidat.services.accounts.authenticate(created.login, password)
    assert _account(ecandidat, created.login).last_login_at is not None


def test_change_password_rules(ecandidat):
    cand = ecandidat.seed_candidate()
    change = ecandidat.services.accounts.change_password
    with pytest.raises(ValidationFailed) as wrong_old:
        change(cand.account_id, "wrong", NEW_PASSWORD, NEW_PASSWORD)
    assert wrong_old.value.errors["old"] == "L'ancien mot de passe est incorrect"
    with pytest.raises(ValidationFailed) as weak:
        change(cand.account_id, cand.password, "court", "court")
    assert "au moins 10 caractères" in weak.value.errors["new"]
    with pytest.raises(ValidationFailed) as spaces:
        change(cand.account_id, cand.password, "Avec espace-1", "Avec espace-1")
    assert "aucun espace" in spaces.value.errors["new"]
    with pytest.raises(ValidationFailed) as mismatch:
        change(cand.account_id, cand.password, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert mismatch.value.errors["confirm"] == "La confirmation ne correspond pas au nouveau mot de passe"
    with pytest.raises(ValidationFailed) as same:
        change(cand.account_id, cand.password, cand.password, cand.password)
    assert same.value.errors["new"] == "Le nouveau mot de passe doit être différent de l'ancien"


def test_five_failures_lock_for_fifteen_minutes_then_login_works(ecandidat):
    cand = ecandidat.seed_candidate()
    auth = ecandidat.services.accounts.authenticate
    for _ in range(4):
        with pytest.raises(DomainError) as refused:
            auth(cand.login, "wrong")
        assert refused.value.message == MSG_BAD_CREDENTIALS
    with pytest.raises(DomainError) as locked:
        auth(cand.login, "wrong")
    until = _account(ecandidat, cand.login).locked_until
    assert abs(until - ecandidat.services.ctx.now() - timedelta(minutes=15)) < timedelta(seconds=5)
    assert f"Réessayez à partir de {until.astimezone():%H:%M}" in locked.value.message
    # Even the right password is refused while locked.
    with pytest.raises(DomainError) as still:
        auth(cand.login, cand.password)
    assert "Compte bloqué" in still.value.message
    _shift(ecandidat, minutes=16)
    assert auth(cand.login, cand.password).login == cand.login
    assert _account(ecandidat, cand.login).failed_attempts == 0
    with ecandidat.services.db.read_session() as s:
        assert s.exec(select(AuditLog).where(AuditLog.action == "account.lock")).first() is not None


def test_lockout_is_configurable_and_staff_can_unlock(tmp_path):
    h = make_harness(tmp_path / "h", max_failed_logins=2, lockout_minutes=60, demo_catalog=False)
    try:
        cand = h.seed_candidate()
        for _ in range(2):
            with pytest.raises(DomainError):
                h.services.accounts.authenticate(cand.login, "wrong")
        with pytest.raises(DomainError) as locked:
            h.services.accounts.authenticate(cand.login, cand.password)
        assert "après 2 tentatives" in locked.value.message
        assert h.services.accounts.account_info(cand.login).locked_until is not None
        h.services.accounts.unlock(cand.login, actor="support1")
        assert h.services.accounts.authenticate(cand.login, cand.password).login == cand.login
        with h.services.db.read_session() as s:
            row = s.exec(select(AuditLog).where(AuditLog.action == "account.unlock")).one()
        assert (row.actor_kind, row.actor, row.target_login) == ("staff", "support1", cand.login)
    finally:
        h.services.close()


# ------------------------------------------------------------------ recovery


def test_forgotten_identifiers_mail_login_and_reset_code(ecandidat):
    cand = ecandidat.seed_candidate()
    ecandidat.services.accounts.request_identifiers(cand.mail.upper())
    mail = ecandidat.last_mail(to=cand.mail, subject="Vos identifiants eCandidat")
    assert ecandidat.mail_field(mail, "Login") == cand.login
    code = ecandidat.mail_field(mail, "Code de réinitialisation")
    assert ecandidat.services.accounts.reset_password(code, NEW_PASSWORD, NEW_PASSWORD) == cand.login
    assert ecandidat.services.accounts.authenticate(cand.login, NEW_PASSWORD).login == cand.login
    with pytest.raises(DomainError):
        ecandidat.services.accounts.authenticate(cand.login, cand.password)
    with pytest.raises(DomainError) as reused:
        ecandidat.services.accounts.reset_password(code, "Autre-Mdp-2026!", "Autre-Mdp-2026!")
    assert reused.value.message == MSG_RESET_USED


def test_forgotten_identifiers_for_an_unknown_address_sends_nothing_and_says_nothing(ecandidat):
    before = len(ecandidat.mails())
    assert ecandidat.services.accounts.request_identifiers("nobody@example.org") is None
    assert len(ecandidat.mails()) == before


def test_reset_code_expires_after_two_hours(ecandidat):
    cand = ecandidat.seed_candidate()
    ecandidat.services.accounts.request_identifiers(cand.mail)
    code = ecandidat.mail_field(ecandidat.last_mail(to=cand.mail, subject="identifiants"), "Code de réinitialisation")
    _shift(ecandidat, hours=2, minutes=1)
    with pytest.raises(DomainError) as expired:
        ecandidat.services.accounts.reset_password(code, NEW_PASSWORD, NEW_PASSWORD)
    assert expired.value.message == MSG_RESET_EXPIRED


def test_lost_activation_code_issues_a_new_one_and_kills_the_old(ecandidat):
    created, welcome = _create(ecandidat)
    old = ecandidat.mail_field(welcome, "Code d'activation")
    ecandidat.services.accounts.resend_activation(created.mail)
    mail = ecandidat.last_mail(to=created.mail, subject="nouveau code d'activation")
    new = ecandidat.mail_field(mail, "Code d'activation")
    assert new != old
    with pytest.raises(DomainError) as dead:
        ecandidat.services.accounts.validate_account(old)
    assert dead.value.message == MSG_CODE_UNKNOWN
    assert ecandidat.services.accounts.validate_account(new) == created.login


def test_lost_activation_code_for_a_valid_or_unknown_address_sends_nothing(ecandidat):
    cand = ecandidat.seed_candidate()
    before = len(ecandidat.mails())
    ecandidat.services.accounts.resend_activation(cand.mail)
    ecandidat.services.accounts.resend_activation("nobody@example.org")
    assert len(ecandidat.mails()) == before


# ---------------------------------------------------------------- mail change


def test_change_mail_blocks_the_account_until_the_new_address_is_validated(ecandidat):
    cand = ecandidat.seed_candidate()
    accounts = ecandidat.services.accounts
    with pytest.raises(DomainError) as same:
        accounts.change_mail(cand.account_id, cand.mail.upper(), cand.mail)
    assert same.value.message == MSG_MAIL_SAME
    with pytest.raises(ValidationFailed) as mismatch:
        accounts.change_mail(cand.account_id, "new@example.org", "other@example.org")
    assert mismatch.value.errors["mail_confirm"] == MSG_MAIL_CONFIRM
    other = ecandidat.seed_candidate(mail="taken@example.org")
    with pytest.raises(DomainError) as taken:
        accounts.change_mail(cand.account_id, other.mail, other.mail)
    assert taken.value.message == MSG_MAIL_TAKEN

    assert accounts.change_mail(cand.account_id, "New@Example.org", "new@example.org") == "New@example.org"
    with pytest.raises(DomainError) as blocked:
        accounts.authenticate(cand.login, cand.password)
    assert blocked.value.message == MSG_NOT_VALIDATED
    assert accounts.account_info(cand.login).pending_mail == "New@example.org"
    mail = ecandidat.last_mail(to="New@example.org", subject="nouvelle adresse mail")
    assert accounts.validate_account(ecandidat.mail_field(mail, "Code d'activation")) == cand.login
    info = accounts.account_info(cand.login)
    assert info.mail == "New@example.org" and info.account_valid and info.pending_mail is None
    assert accounts.authenticate(cand.login, cand.password).login == cand.login
    # Not purged while blocked: it was validated once.
    assert accounts.purge_unvalidated() == []


# -------------------------------------------------------------------- purge


def test_purge_deletes_unvalidated_accounts_past_their_deadline(ecandidat):
    pending, _ = _create(ecandidat, mail="late@example.org")
    cand = ecandidat.seed_candidate()
    assert ecandidat.services.accounts.purge_unvalidated() == []
    _shift(ecandidat, days=5, minutes=1)
    assert ecandidat.services.accounts.purge_unvalidated() == [pending.login]
    with ecandidat.services.db.read_session() as s:
        logins = [a.login for a in s.exec(select(Account)).all()]
        assert s.get(IssuedLogin, pending.login) is not None
        assert s.exec(select(OneTimeCode).where(OneTimeCode.account_id == 1)).all() == []
    assert logins == [cand.login]
    deleted = ecandidat.last_mail(to="late@example.org", subject="Suppression")
    assert pending.login in deleted.body


# ------------------------------------------------------------ staff actions


def test_force_password_reset_kills_the_password_and_mails_a_code(ecandidat):
    cand = ecandidat.seed_candidate()
    ecandidat.services.accounts.force_password_reset(cand.login, actor="support1")
    with pytest.raises(DomainError) as refused:
        ecandidat.services.accounts.authenticate(cand.login, cand.password)
    assert refused.value.message == MSG_BAD_CREDENTIALS
    mail = ecandidat.last_mail(to=cand.mail, subject="Réinitialisation")
    code = ecandidat.mail_field(mail, "Code de réinitialisation")
    ecandidat.services.accounts.reset_password(code, NEW_PASSWORD, NEW_PASSWORD)
    assert ecandidat.services.accounts.authenticate(cand.login, NEW_PASSWORD).login == cand.login


def test_staff_correct_mail_and_resend_activation(ecandidat):
    created, welcome = _create(ecandidat, mail="typo@exmaple.org")
    accounts = ecandidat.services.accounts
    accounts.correct_mail(created.login, "right@example.org", actor="support1")
    mail = ecandidat.last_mail(to="right@example.org")
    with pytest.raises(DomainError):
        accounts.validate_account(ecandidat.mail_field(welcome, "Code d'activation"))
    accounts.resend_activation_for(created.login, actor="support1")
    newest = ecandidat.last_mail(to="right@example.org")
    assert newest.body != mail.body
    assert accounts.validate_account(ecandidat.mail_field(newest, "Code d'activation")) == created.login
    with pytest.raises(DomainError):
        accounts.resend_activation_for(created.login, actor="support1")
    with ecandidat.services.db.read_session() as s:
        actions = [r.action for r in s.exec(select(AuditLog).where(AuditLog.actor == "support1")).all()]
    assert actions == ["account.mail_correct", "account.activation_resend"]


def test_staff_deletes_only_unvalidated_accounts(ecandidat):
    cand = ecandidat.seed_candidate()
    with pytest.raises(DomainError):
        ecandidat.services.accounts.delete_unvalidated(cand.login, actor="support1")
    pending, _ = _create(ecandidat, mail="pending@example.org")
    ecandidat.services.accounts.delete_unvalidated(pending.login, actor="support1")
    with ecandidat.services.db.read_session() as s:
        assert s.exec(select(Account).where(Account.login == pending.login)).first() is None


# ------------------------------------------------------------------ secrets


def test_no_secret_is_stored_or_logged_in_clear(ecandidat):
    created, welcome = _create(ecandidat)
    password = ecandidat.mail_field(welcome, "Mot de passe")
    code = ecandidat.mail_field(welcome, "Code d'activation")
    ecandidat.services.accounts.validate_account(code)
    result = ecandidat.services.accounts.authenticate(created.login, password)
    ecandidat.services.accounts.change_password(result.account_id, password, NEW_PASSWORD, NEW_PASSWORD)
    ecandidat.services.accounts.request_identifiers(created.mail)
    reset = ecandidat.mail_field(ecandidat.last_mail(subject="identifiants"), "Code de réinitialisation")
    secrets_ = [password, code, NEW_PASSWORD, reset]
    with ecandidat.services.db.read_session() as s:
        rows = [*s.exec(select(Account)).all(), *s.exec(select(OneTimeCode)).all(),
                *s.exec(select(AuditLog)).all()]
        dumped = json.dumps([r.model_dump() for r in rows], default=str)
        mails = s.exec(select(OutboxMail)).all()
    for secret in secrets_:
        assert secret not in dumped
    # The outbox holds the mails that carry them, and nothing else does.
    assert all(m.kind in ("account_created", "identifiers_forgotten") for m in mails)
    log = ecandidat.settings.log_file
    if log.exists():
        text = log.read_text()
        assert not any(secret in text for secret in secrets_)


def test_parallel_failed_logins_all_count(ecandidat):
    cand = ecandidat.seed_candidate()
    barrier = threading.Barrier(5)
    messages: list[str] = []

    def fail():
        barrier.wait()
        try:
            ecandidat.services.accounts.authenticate(cand.login, "wrong")
        except DomainError as exc:
            messages.append(exc.message)

    threads = [threading.Thread(target=fail) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(messages) == 5 and any("Compte bloqué" in m for m in messages)
    with pytest.raises(DomainError) as locked:
        ecandidat.services.accounts.authenticate(cand.login, cand.password)
    assert "Compte bloqué" in locked.value.message
