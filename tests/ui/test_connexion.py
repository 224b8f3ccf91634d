"""Pilot tests of the Connexion screen: login, first-login password, lockout, ENT path, déconnexion."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import Input, Static

from ecandidat_tui.screens.account_modals import CreateAccountModal, NewPasswordScreen
from ecandidat_tui.screens.connexion import ConnexionScreen
from ecandidat_tui.services.accounts import MSG_BAD_CREDENTIALS, MSG_BAD_ENT_CREDENTIALS, MSG_NOT_VALIDATED
from ecandidat_tui.store.models import Account, CursusInterne
from ecandidat_tui.testing import settle, text_of, type_ahead

SIZE = (100, 40)
NEW_PASSWORD = "Nouveau-Mdp-2026!"
DEMO_PASSWORD = "Etudiant-2026!"


async def login(app, pilot, user: str, password: str) -> None:
    await pilot.click("#login-user")
    await pilot.press("ctrl+a", "ctrl+k", *user)
    await pilot.press("enter")  # Enter moves to the password
    await pilot.press(*password, "enter")
    await settle(app, pilot)


def new_account(ecandidat, mail="jane@example.org", validate=True):
    created = ecandidat.services.accounts.create_account("Doe", "Jane", mail, mail)
    welcome = ecandidat.last_mail(to=mail)
    if validate:
        ecandidat.services.accounts.validate_account(ecandidat.mail_field(welcome, "Code d'activation"))
    return created, ecandidat.mail_field(welcome, "Mot de passe")


async def test_connexion_shows_both_panels_and_the_links(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()  # let the first layout settle
        screen = app.screen
        assert isinstance(screen, ConnexionScreen)
        titles = [str(w.content) for w in screen.query(".panel-title")]
        assert titles == ["Je suis étudiant à l'université", "Je ne suis pas étudiant à l'université"]
        labels = {b.id: str(b.label) for b in screen.query("Button")}
        assert labels["login-submit"] == "Connexion"
        assert labels["link-forgot"] == "J'ai oublié mes identifiants"
        assert labels["link-lost-code"] == "J'ai perdu mon code d'activation"
        assert labels["link-create-account"] == "Créer un compte"
        assert labels["link-validate"] == "Valider mon compte"
        assert screen.focused.id == "login-user"


async def test_first_login_forces_a_new_password_with_a_live_checklist(ecandidat):
    created, one_time = new_account(ecandidat)
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        await login(app, pilot, created.login.lower(), one_time)
        assert isinstance(app.screen, NewPasswordScreen)
        assert app.candidate is None  # not in before choosing a password
        rule = lambda i: app.screen.query_one(f"#newpw-rule-{i}").classes  # noqa: E731
        await pilot.click("#newpw-password")
        await pilot.press(*"abc")
        assert "rule-ok" in rule(2) and "rule-ko" in rule(1) and "rule-ko" in rule(3)
        await pilot.press(*"DEF12345")
        assert "rule-ok" in rule(1) and "rule-ok" in rule(3) and "rule-ok" in rule(4) and "rule-ko" in rule(5)
        await pilot.press("space")
        assert "rule-ko" in rule(6)
        await pilot.press("backspace", "!")
        assert all("rule-ok" in rule(i) for i in range(1, 7))
        await pilot.click("#newpw-confirm")
        await pilot.press(*"different", "enter")
        await settle(app, pilot)
        assert text_of(app, "#newpw-confirm-error") == "La confirmation ne correspond pas au nouveau mot de passe"
        await pilot.press("ctrl+a", "ctrl+k", *"abcDEF12345!", "enter")
        await settle(app, pilot)
        assert app.candidate is not None and app.candidate.login == created.login
        assert not any(isinstance(s, (ConnexionScreen, NewPasswordScreen)) for s in app.screen_stack)
    result = ecandidat.services.accounts.authenticate(created.login, "abcDEF12345!")
    assert not result.must_change_password


async def test_login_errors_generic_and_not_validated(ecandidat):
    pending, one_time = new_account(ecandidat, mail="pending@example.org", validate=False)
    cand = ecandidat.seed_candidate()
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        await login(app, pilot, "NOSUCH00", "whatever")
        assert text_of(app, "#login-error") == MSG_BAD_CREDENTIALS
        assert app.screen.query_one("#login-password", Input).value == ""
        await login(app, pilot, cand.login, "whatever")
        assert text_of(app, "#login-error") == MSG_BAD_CREDENTIALS
        await login(app, pilot, pending.login, one_time)
        assert text_of(app, "#login-error") == MSG_NOT_VALIDATED
        await pilot.click("#login-submit")  # empty password
        await pilot.pause()
        assert "Saisissez" in text_of(app, "#login-error")
        assert app.candidate is None


async def test_lockout_after_five_failures_and_login_after_the_delay(ecandidat):
    cand = ecandidat.seed_candidate()
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        for _ in range(5):
            await login(app, pilot, cand.login, "wrong-password")
        message = text_of(app, "#login-error")
        assert "Compte bloqué" in message and "Réessayez à partir de" in message
        await login(app, pilot, cand.login, cand.password)
        assert "Compte bloqué" in text_of(app, "#login-error") and app.candidate is None
        ecandidat.clock.advance(minutes=15, seconds=30)
        await login(app, pilot, cand.login, cand.password)
        assert app.candidate is not None and app.candidate.login == cand.login


async def test_ent_first_login_prefills_creation_then_second_login_opens_the_account(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        await pilot.click("#ent-login")
        await pilot.press(*"cmartin", "enter", *"wrong", "enter")
        await settle(app, pilot)
        assert text_of(app, "#ent-error") == MSG_BAD_ENT_CREDENTIALS
        await pilot.click("#ent-password")
        await pilot.press(*DEMO_PASSWORD, "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CreateAccountModal)
        values = {i.id: i.value for i in app.screen.query(Input)}
        assert values == {"create-nom": "Martin", "create-prenom": "Camille",
                          "create-mail": "camille.martin@etu.univ.example", "create-mail-confirm": ""}
        assert "21900001" in text_of(app, "#create-numero-etudiant")
        assert app.screen.focused.id == "create-mail-confirm"
        await pilot.press(*"camille.martin@etu.univ.example", "enter")
        await settle(app, pilot)
        assert "Consultez vos courriels" in text_of(app, "#create-success")
        await pilot.click("#create-close")
        await pilot.pause()

        # Not validated yet: the ENT login says so.
        await pilot.click("#ent-login")
        await pilot.press("ctrl+a", "ctrl+k", *"cmartin")
        await pilot.click("#ent-password")
        await pilot.press(*DEMO_PASSWORD, "enter")
        await settle(app, pilot)
        assert text_of(app, "#ent-error") == MSG_NOT_VALIDATED

        welcome = ecandidat.last_mail(to="camille.martin@etu.univ.example")
        ecandidat.services.accounts.validate_account(ecandidat.mail_field(welcome, "Code d'activation"))
        await pilot.click("#ent-password")
        await pilot.press(*DEMO_PASSWORD, "enter")
        await settle(app, pilot)
        assert app.candidate is not None
        assert app.candidate.login == ecandidat.mail_field(welcome, "Login")
        assert not isinstance(app.screen, NewPasswordScreen)
    with ecandidat.services.db.read_session() as s:
        account = s.exec(select(Account).where(Account.ent_login == "cmartin")).one()
        cursus = s.exec(select(CursusInterne).where(CursusInterne.account_id == account.id)).all()
    assert account.numero_etudiant == "21900001" and len(cursus) == 3


async def test_deconnexion_leaves_nothing_of_the_candidate(ecandidat):
    cand = ecandidat.seed_candidate(nom="Gockel", prenom="Charlotte")
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # let the first layout settle
        await login(app, pilot, cand.login, cand.password)
        assert app.candidate is not None
        first_connexion = [s for s in app.screen_stack if isinstance(s, ConnexionScreen)]
        assert first_connexion == []  # the screen where the login was typed is gone
        await pilot.press("f10")  # Déconnexion
        await pilot.pause()
        assert app.candidate is None
        assert isinstance(app.screen, ConnexionScreen)
        assert len(app.screen_stack) == 2  # the default screen and the fresh Connexion
        for screen in app.screen_stack:
            assert all(i.value == "" for i in screen.query(Input))
            shown = " ".join(str(w.content) for w in screen.query(Static)).upper()
            assert cand.login not in shown and "GOCKEL" not in shown and "CHARLOTTE" not in shown
        assert app.screen.query_one("#login-error").display is False
        assert app.screen.focused.id == "login-user"


async def test_a_login_arriving_in_one_burst_lands_in_the_right_fields(ecandidat):
    """A password manager or a badge reader types faster than Textual moves the
    focus: every key is queued before the first is handled."""
    cand = ecandidat.seed_candidate()
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.focused.id == "login-user"
        type_ahead(app, *cand.login, "enter", *cand.password, "enter")
        await settle(app, pilot)
        await settle(app, pilot)
        assert app.candidate is not None and app.candidate.login == cand.login


async def test_keys_typed_right_after_tab_go_to_the_next_field(ecandidat):
    """Tab moves the focus as the key arrives: what is typed behind it, even in
    one burst, goes to the next field, never into the one being left (a
    password into the visible login field)."""
    app = ecandidat.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.focused.id == "login-user"
        type_ahead(app, *"E2YQLXU7", "tab", *"Secret-42")
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one("#login-user", Input).value == "E2YQLXU7"
        assert app.screen.query_one("#login-password", Input).value == "Secret-42"
        type_ahead(app, "shift+tab", *"X")
        await pilot.pause()
        await pilot.pause()
        assert app.focused.id == "login-user"
        # back in the field, its text selected on focus and replaced, the password untouched
        assert app.screen.query_one("#login-user", Input).value == "X"
        assert app.screen.query_one("#login-password", Input).value == "Secret-42"
