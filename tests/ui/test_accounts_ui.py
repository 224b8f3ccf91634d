"""Pilot tests of the account dialogs: Création de compte, Valider mon compte, recovery, passwords, mail."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import Input

from ecandidat_tui.screens.account_modals import (
    ChangeMailModal,
    ChangePasswordModal,
    CreateAccountModal,
    ValidateAccountModal,
)
from ecandidat_tui.services.accounts import MSG_CODE_EXPIRED, MSG_CODE_UNKNOWN, MSG_CODE_USED, MSG_NOT_VALIDATED
from ecandidat_tui.store.models import Account
from ecandidat_tui.testing import settle, text_of

SIZE = (100, 40)
NEW_PASSWORD = "Nouveau-Mdp-2026!"


async def type_into(pilot, selector: str, value: str) -> None:
    await pilot.click(selector)
    await pilot.press(*value)


async def open_create(app, pilot):
    await pilot.pause()
    await pilot.click("#link-create-account")
    await pilot.pause()
    assert isinstance(app.screen, CreateAccountModal)


def accounts(ecandidat):
    with ecandidat.services.db.read_session() as s:
        return s.exec(select(Account)).all()


# ---------------------------------------------------------- Création de compte


async def test_create_account_through_the_dialog(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        await open_create(app, pilot)
        assert "vous serez déconnecté" in text_of(app, "#create-warning")
        await type_into(pilot, "#create-nom", "Gockel")
        await type_into(pilot, "#create-prenom", "Charlotte")
        await type_into(pilot, "#create-mail", "charlotte@example.org")
        await type_into(pilot, "#create-mail-confirm", "charlotte@example.org")
        await pilot.click("#create-save")
        await settle(app, pilot)
        success = text_of(app, "#create-success")
        assert "Consultez vos courriels" in success and "charlotte@example.org" in success
        assert not app.screen.query_one("#create-form").display
        await pilot.click("#create-close")
        await pilot.pause()
        assert not isinstance(app.screen, CreateAccountModal)
    [account] = accounts(ecandidat)
    assert (account.nom, account.prenom, account.mail, account.account_valid) == (
        "Gockel", "Charlotte", "charlotte@example.org", False)
    welcome = ecandidat.last_mail(to="charlotte@example.org", subject="Création de votre compte eCandidat")
    assert ecandidat.mail_field(welcome, "Login") == account.login


async def test_each_bad_input_is_shown_under_its_field_as_the_person_types(ecandidat):
    ecandidat.seed_candidate(mail="taken@example.org")
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        await open_create(app, pilot)
        # Too long: shown while typing, gone when fixed.
        await type_into(pilot, "#create-nom", "N" * 31)
        assert text_of(app, "#create-nom-error") == "Le nom ne peut pas dépasser 30 caractères"
        await pilot.press("backspace")
        assert text_of(app, "#create-nom-error") == ""
        await type_into(pilot, "#create-prenom", "P" * 21)
        assert text_of(app, "#create-prenom-error") == "Le prénom ne peut pas dépasser 20 caractères"
        await pilot.press("backspace")
        # An address is checked when the person leaves the field.
        await type_into(pilot, "#create-mail", "pas-une-adresse")
        assert text_of(app, "#create-mail-error") == ""
        await pilot.press("tab")
        await pilot.pause()
        assert "n'est pas valide" in text_of(app, "#create-mail-error")
        await pilot.click("#create-mail")
        await pilot.press("ctrl+a", "ctrl+k", *"taken@example.org")
        assert text_of(app, "#create-mail-error") == ""
        await type_into(pilot, "#create-mail-confirm", "other@example.org")
        await pilot.press("tab")
        await pilot.pause()
        assert text_of(app, "#create-mail-confirm-error") == (
            "La confirmation de l'adresse mail ne correspond pas à l'adresse mail")
        await pilot.click("#create-mail-confirm")
        await pilot.press("ctrl+a", "ctrl+k", *"TAKEN@example.org")
        assert text_of(app, "#create-mail-confirm-error") == ""
        # The unique address is the store's business: said on Enregistrer.
        await pilot.click("#create-save")
        await settle(app, pilot)
        assert text_of(app, "#create-mail-error") == "Un compte avec cette adresse mail existe déjà"
        assert app.screen.query_one("#create-form").display
    assert len(accounts(ecandidat)) == 1


async def test_enregistrer_on_an_empty_form_shows_every_error(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        await open_create(app, pilot)
        await pilot.click("#create-save")
        await settle(app, pilot)
        assert text_of(app, "#create-nom-error") == "Le nom est obligatoire"
        assert text_of(app, "#create-prenom-error") == "Le prénom est obligatoire"
        assert text_of(app, "#create-mail-error") == "L'adresse mail est obligatoire"
        assert text_of(app, "#create-mail-confirm-error") == "La confirmation de l'adresse mail est obligatoire"
        assert app.screen.focused.id == "create-nom"
        await pilot.click("#create-cancel")
        await pilot.pause()
        assert not isinstance(app.screen, CreateAccountModal)
    assert accounts(ecandidat) == []


# ---------------------------------------------------------- Valider mon compte


async def _validate(app, pilot, code: str) -> None:
    # By keyboard: a second click on the same button within its 0.2 s press effect is ignored.
    app.screen.query_one("#link-validate").focus()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, ValidateAccountModal)
    await type_into(pilot, "#validate-code", code)
    await pilot.press("enter")
    await settle(app, pilot)


async def test_validate_good_wrong_reused_codes(ecandidat):
    created = ecandidat.services.accounts.create_account("Doe", "Jane", "jane@example.org", "jane@example.org")
    code = ecandidat.mail_field(ecandidat.last_mail(to="jane@example.org"), "Code d'activation")
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        await _validate(app, pilot, "WRONGCODE")
        assert text_of(app, "#validate-code-error") == MSG_CODE_UNKNOWN
        await pilot.click("#validate-code")
        await pilot.press("ctrl+a", "ctrl+k", *code.lower())
        assert text_of(app, "#validate-code-error") == ""
        await pilot.click("#validate-submit")
        await settle(app, pilot)
        assert f"Votre compte {created.login} est validé" in text_of(app, "#validate-success")
        await pilot.click("#validate-close")
        await pilot.pause()
        # Back on Connexion, the login is filled in for the person.
        assert app.screen.query_one("#login-user", Input).value == created.login
        await _validate(app, pilot, code)
        assert text_of(app, "#validate-code-error") == MSG_CODE_USED
    assert accounts(ecandidat)[0].account_valid


async def test_validate_with_the_pasted_link_and_an_expired_code(ecandidat):
    jane_login = ecandidat.services.accounts.create_account("Doe", "Jane", "jane@example.org",
                                                            "jane@example.org").login
    ecandidat.services.accounts.create_account("Roe", "Jim", "jim@example.org", "jim@example.org")
    jane = ecandidat.last_mail(to="jane@example.org")
    link = next(line for line in jane.body.splitlines() if "#!validation/" in line)
    jim_code = ecandidat.mail_field(ecandidat.last_mail(to="jim@example.org"), "Code d'activation")
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        await pilot.click("#link-validate")
        await pilot.pause()
        app.screen.query_one("#validate-code", Input).insert_text_at_cursor(link)  # a paste
        await pilot.click("#validate-submit")
        await settle(app, pilot)
        assert "est validé" in text_of(app, "#validate-success")
        await pilot.press("escape")  # once validated, Échap closes as Fermer does
        await pilot.pause()
        assert app.screen.query_one("#login-user", Input).value == jane_login
        ecandidat.clock.advance(days=6)
        await _validate(app, pilot, jim_code)
        assert text_of(app, "#validate-code-error") == MSG_CODE_EXPIRED


# ---------------------------------------------------------- recovery links


async def test_forgotten_identifiers_then_reset_with_the_code(ecandidat):
    cand = ecandidat.seed_candidate()
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        # Unknown address: the same answer, and no mail.
        await pilot.click("#link-forgot")
        await pilot.pause()
        await type_into(pilot, "#forgot-mail", "nobody@example.org")
        await pilot.press("enter")
        await settle(app, pilot)
        unknown_answer = text_of(app, "#forgot-done")
        await pilot.click("#forgot-close")
        await pilot.pause()
        assert ecandidat.mails(to="nobody@example.org") == []

        await pilot.click("#link-forgot")
        await pilot.pause()
        await type_into(pilot, "#forgot-mail", cand.mail)
        await pilot.click("#forgot-submit")
        await settle(app, pilot)
        assert text_of(app, "#forgot-done") == unknown_answer
        mail = ecandidat.last_mail(to=cand.mail, subject="Vos identifiants eCandidat")
        assert ecandidat.mail_field(mail, "Login") == cand.login
        code = ecandidat.mail_field(mail, "Code de réinitialisation")

        await pilot.click("#forgot-have-code-done")
        await pilot.pause()
        await type_into(pilot, "#reset-code", code)
        await type_into(pilot, "#reset-password", "court")
        assert "rule-ko" in app.screen.query_one("#reset-rule-1").classes
        await pilot.press(*"-Mdp-2026X")
        assert "rule-ok" in app.screen.query_one("#reset-rule-1").classes
        await type_into(pilot, "#reset-confirm", "court-Mdp-2026X")
        await pilot.click("#reset-submit")
        await settle(app, pilot)
        assert "Votre mot de passe a été changé" in text_of(app, "#reset-done")
        await pilot.click("#reset-close")
        await pilot.pause()
        assert app.screen.query_one("#login-user", Input).value == cand.login
    assert ecandidat.services.accounts.authenticate(cand.login, "court-Mdp-2026X").login == cand.login


async def test_reset_with_a_wrong_code_is_refused_under_the_code(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        await pilot.click("#link-forgot")
        await pilot.pause()
        await pilot.click("#forgot-have-code")
        await pilot.pause()
        await type_into(pilot, "#reset-code", "ZZZZZZZZ")
        await type_into(pilot, "#reset-password", NEW_PASSWORD)
        await type_into(pilot, "#reset-confirm", NEW_PASSWORD)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Code de réinitialisation incorrect" in text_of(app, "#reset-code-error")


async def test_lost_activation_code_then_validate(ecandidat):
    created = ecandidat.services.accounts.create_account("Doe", "Jane", "jane@example.org", "jane@example.org")
    old = ecandidat.mail_field(ecandidat.last_mail(to="jane@example.org"), "Code d'activation")
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        await pilot.click("#link-lost-code")
        await pilot.pause()
        await type_into(pilot, "#lost-mail", "jane@example.org")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "L'ancien code ne fonctionne plus" in text_of(app, "#lost-done")
        new = ecandidat.mail_field(ecandidat.last_mail(to="jane@example.org", subject="nouveau code"),
                                   "Code d'activation")
        await pilot.click("#lost-validate")
        await pilot.pause()
        assert isinstance(app.screen, ValidateAccountModal)
        await type_into(pilot, "#validate-code", old)
        await pilot.press("enter")
        await settle(app, pilot)
        assert text_of(app, "#validate-code-error") == MSG_CODE_UNKNOWN
        await pilot.click("#validate-code")
        await pilot.press("ctrl+a", "ctrl+k", *new, "enter")
        await settle(app, pilot)
        assert created.login in text_of(app, "#validate-success")


# ------------------------------------------------------ from Mon compte


async def _logged_in(ecandidat, app, pilot, cand):
    await type_into(pilot, "#login-user", cand.login)
    await type_into(pilot, "#login-password", cand.password)
    await pilot.press("enter")
    await settle(app, pilot)
    assert app.candidate is not None


async def test_change_password_dialog(ecandidat):
    cand = ecandidat.seed_candidate()
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        await _logged_in(ecandidat, app, pilot, cand)
        results = []
        app.push_screen(ChangePasswordModal(cand.account_id), results.append)
        await pilot.pause()
        await type_into(pilot, "#chpw-old", "wrong-password")
        await type_into(pilot, "#chpw-new", NEW_PASSWORD)
        assert all("rule-ok" in app.screen.query_one(f"#chpw-rule-{i}").classes for i in range(1, 7))
        await type_into(pilot, "#chpw-confirm", NEW_PASSWORD)
        await pilot.click("#chpw-save")
        await settle(app, pilot)
        assert text_of(app, "#chpw-old-error") == "L'ancien mot de passe est incorrect"
        await pilot.click("#chpw-old")
        await pilot.press("ctrl+a", "ctrl+k", *cand.password)
        await pilot.click("#chpw-save")
        await settle(app, pilot)
        assert results == [True]
    assert ecandidat.services.accounts.authenticate(cand.login, NEW_PASSWORD).login == cand.login


async def test_change_mail_dialog_logs_out_and_blocks_until_validated(ecandidat):
    cand = ecandidat.seed_candidate()
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        await _logged_in(ecandidat, app, pilot, cand)
        app.push_screen(ChangeMailModal(cand.account_id, cand.mail))
        await pilot.pause()
        await type_into(pilot, "#chmail-mail", cand.mail)
        await type_into(pilot, "#chmail-confirm", cand.mail)
        await pilot.click("#chmail-save")
        await settle(app, pilot)
        assert text_of(app, "#chmail-mail-error") == "Votre nouvelle adresse mail est identique à l'ancienne"
        await pilot.click("#chmail-mail")
        await pilot.press("ctrl+a", "ctrl+k", *"nouvelle@example.org")
        await pilot.click("#chmail-confirm")
        await pilot.press("ctrl+a", "ctrl+k", *"nouvelle@example.org", "enter")
        await settle(app, pilot)
        assert app.candidate is None
        assert app.screen.query_one("#login-user", Input).value == ""
        # Blocked until the new address is validated.
        await _type_login(app, pilot, cand.login, cand.password)
        assert text_of(app, "#login-error") == MSG_NOT_VALIDATED
        code = ecandidat.mail_field(ecandidat.last_mail(to="nouvelle@example.org"), "Code d'activation")
        await _validate(app, pilot, code)
        await pilot.press("escape")
        await pilot.pause()
        await _type_login(app, pilot, cand.login, cand.password)
        assert app.candidate is not None and app.candidate.login == cand.login


async def _type_login(app, pilot, login: str, password: str) -> None:
    await pilot.click("#login-user")
    await pilot.press("ctrl+a", "ctrl+k", *login)
    await type_into(pilot, "#login-password", password)
    await pilot.press("enter")
    await settle(app, pilot)
