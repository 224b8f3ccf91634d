"""The account dialogs of DOMAIN.md §1.

- `CreateAccountModal`: Création de compte (also pre-filled after a first ENT login);
- `ValidateAccountModal`: Valider mon compte (activation code or pasted link);
- `ForgotIdentifiersModal` then `ResetPasswordModal`: J'ai oublié mes identifiants;
- `LostCodeModal`: J'ai perdu mon code d'activation;
- `NewPasswordScreen`: the forced choice of a password at the first login;
- `ChangePasswordModal`, `ChangeMailModal`: from Mon compte > Informations perso.

Every call to the services runs in a thread worker; a refusal is shown under
its field (`#<field-id>-error`) or under the form (`#<prefix>-error`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, Static

from ..widgets.footer import Footer
from .account_forms import PasswordChecklist, field_error, set_error

if TYPE_CHECKING:
    from ..services.accounts import EntPrefill, LoginResult, Validated

CREATION_WARNING = (
    "Attention, lorsque vous aurez modifié votre compte, vous serez déconnecté.\n"
    "Vous devrez consulter vos courriels pour valider votre adresse, puis vous pourrez vous reconnecter."
)


class AccountDialog(ModalScreen[Any]):
    """A dialog of the account area: Échap cancels, refusals go under their field."""

    BINDINGS = [Binding("escape", "cancel", "Annuler", tooltip="Fermer sans enregistrer")]

    # service field name -> widget id (without '#'); None is the form-wide error line
    FIELDS: dict[str | None, str] = {}
    PREFIX = "account"

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _error_id(self, field: str | None) -> str:
        return self.FIELDS.get(field) or self.FIELDS.get(None) or f"{self.PREFIX}"

    def show_refusal(self, exc: Exception) -> None:
        """Put a DomainError (or ValidationFailed) message(s) under the right field(s)."""
        if not self.is_attached:
            return
        errors = getattr(exc, "errors", None) or {getattr(exc, "field", None): getattr(exc, "message", str(exc))}
        first = None
        for field, message in errors.items():
            widget_id = self._error_id(field)
            set_error(self, widget_id, message)
            first = first or widget_id
        self.set_busy(False)
        if first is not None:
            target = self.query(f"#{first}")
            if target and isinstance(target.first(), Input):
                target.first().focus()

    def clear_errors(self) -> None:
        for widget_id in set(self.FIELDS.values()):
            set_error(self, widget_id, None)

    def set_busy(self, busy: bool) -> None:
        for button in self.query(".submit-button"):
            button.disabled = busy

    def call_service(self, method: str, *args: Any, on_success, **kwargs: Any) -> None:
        self.set_busy(True)
        self._run_service(method, args, kwargs, on_success)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _run_service(self, method: str, args: tuple, kwargs: dict, on_success) -> None:
        from ..services.errors import DomainError

        try:
            result = getattr(self.app.services.accounts, method)(*args, **kwargs)
        except DomainError as exc:
            self.app.call_from_thread(self.show_refusal, exc)
            return
        self.app.call_from_thread(self._succeeded, on_success, result)

    def _succeeded(self, on_success, result: Any) -> None:
        if self.is_attached:
            self.set_busy(False)
            on_success(result)


def _field(label: str, widget_id: str, *, password: bool = False, value: str = "",
           placeholder: str = "") -> ComposeResult:
    yield Label(label, classes="field-label")
    yield Input(value=value, id=widget_id, password=password, placeholder=placeholder)
    yield field_error(widget_id)


# ------------------------------------------------------------ Création de compte


class CreateAccountModal(AccountDialog):
    """Création de compte; dismisses with the new login (or None when cancelled)."""

    FIELDS = {"nom": "create-nom", "prenom": "create-prenom", "mail": "create-mail",
              "mail_confirm": "create-mail-confirm", None: "create"}
    LIVE_FIELDS = {"create-nom": "nom", "create-prenom": "prenom", "create-mail": "mail",
                   "create-mail-confirm": "mail_confirm"}

    def __init__(self, prefill: "EntPrefill | None" = None) -> None:
        super().__init__(id="create-account")
        self.prefill = prefill
        self._touched: set[str] = set()

    def compose(self) -> ComposeResult:
        p = self.prefill
        with Vertical(id="create-dialog", classes="dialog account-dialog"):
            yield Static("Création de compte", id="create-title", classes="dialog-title")
            with VerticalScroll(id="create-form", classes="account-form"):
                yield Static(CREATION_WARNING, id="create-warning", classes="account-warning", markup=False)
                if p is not None:
                    yield Static(f"Informations issues de l'annuaire de l'université — "
                                 f"numéro étudiant : {p.numero_etudiant}",
                                 id="create-numero-etudiant", markup=False)
                yield from _field("Nom *", "create-nom", value=p.nom if p else "")
                yield from _field("Prénom *", "create-prenom", value=p.prenom if p else "")
                yield from _field("Adresse mail *", "create-mail", value=p.mail if p else "")
                yield from _field("Confirmation Adresse Mail *", "create-mail-confirm")
                yield field_error("create")
            with VerticalScroll(id="create-success-box", classes="account-form"):
                yield Static("", id="create-success", markup=False)
            with Horizontal(classes="dialog-buttons", id="create-buttons"):
                yield Button("Annuler", id="create-cancel")
                yield Button("Enregistrer", id="create-save", variant="primary", classes="submit-button")
            with Horizontal(classes="dialog-buttons", id="create-done-buttons"):
                yield Button("Fermer", id="create-close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#create-success-box").display = False
        self.query_one("#create-done-buttons").display = False
        first_empty = next((i for i in self.query(Input) if not i.value), None)
        (first_empty or self.query_one("#create-nom", Input)).focus()

    def _values(self) -> dict[str, str]:
        return {field: self.query_one(f"#{wid}", Input).value for wid, field in self.LIVE_FIELDS.items()}

    def _check(self, widget_id: str) -> None:
        """Re-check one field with the same rules the service applies."""
        from ..services import account_rules as rules

        v = self._values()
        problem = {
            "create-nom": lambda: rules.nom_problem(v["nom"]),
            "create-prenom": lambda: rules.prenom_problem(v["prenom"]),
            "create-mail": lambda: rules.mail_problem(v["mail"]),
            "create-mail-confirm": lambda: rules.mail_confirm_problem(v["mail"], v["mail_confirm"]),
        }[widget_id]()
        set_error(self, widget_id, problem)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        widget_id = event.input.id
        if widget_id not in self.LIVE_FIELDS:
            return
        set_error(self, "create", None)
        # Names are checked from the first key (length, characters); addresses once the field was left.
        if widget_id in self._touched or (widget_id in ("create-nom", "create-prenom") and event.value):
            self._check(widget_id)
        if widget_id == "create-mail" and "create-mail-confirm" in self._touched:
            self._check("create-mail-confirm")

    @on(Input.Blurred)
    def _blurred(self, event: Input.Blurred) -> None:
        widget_id = event.input.id
        if widget_id in self.LIVE_FIELDS and self.is_attached:
            if event.value or widget_id in self._touched:
                self._touched.add(widget_id)
                self._check(widget_id)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "create-mail-confirm":
            self._save()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "create-cancel":
            self.dismiss(None)
        elif event.button.id == "create-save":
            self._save()
        elif event.button.id == "create-close":
            self.dismiss(getattr(self, "_login", None))

    def _save(self) -> None:
        from ..services import account_rules as rules

        v = self._values()
        self._touched.update(self.LIVE_FIELDS)
        self.clear_errors()
        problems = rules.creation_problems(v["nom"], v["prenom"], v["mail"], v["mail_confirm"])
        if problems:
            from ..services.errors import ValidationFailed

            self.show_refusal(ValidationFailed(problems))
            return
        p = self.prefill
        self.call_service("create_account", v["nom"], v["prenom"], v["mail"], v["mail_confirm"],
                          numero_etudiant=p.numero_etudiant if p else None,
                          ent_login=p.ent_login if p else None, on_success=self._created)

    def _created(self, created) -> None:
        self._login = created.login
        for widget in self.query(Input):
            widget.value = ""
        self.query_one("#create-form").display = False
        self.query_one("#create-buttons").display = False
        self.query_one("#create-success", Static).update(
            "Votre compte a été créé.\n\n"
            f"Un courriel vient d'être envoyé à {created.mail}. Consultez vos courriels : "
            "ce message contient votre login, votre mot de passe et le code d'activation "
            "pour valider votre compte (« Valider mon compte » sur l'écran Connexion).\n\n"
            f"Sans validation avant le {created.validity_deadline.astimezone():%d/%m/%Y à %H:%M}, "
            "le compte sera supprimé."
        )
        self.query_one("#create-success-box").display = True
        self.query_one("#create-done-buttons").display = True
        self.query_one("#create-close", Button).focus()


# ------------------------------------------------------------ Valider mon compte


class ValidateAccountModal(AccountDialog):
    """Valider mon compte; dismisses with the validated login (or None)."""

    FIELDS = {"code": "validate-code", None: "validate-code"}

    def __init__(self) -> None:
        super().__init__(id="validate-account")
        self._login: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="validate-dialog", classes="dialog account-dialog"):
            yield Static("Valider mon compte", id="validate-title", classes="dialog-title")
            with VerticalScroll(classes="account-form", id="validate-form"):
                yield Static("Saisissez le code d'activation reçu par mail, ou collez le lien de "
                             "validation qu'il contient.", markup=False)
                yield from _field("Code d'activation *", "validate-code")
            yield Static("", id="validate-success", markup=False)
            with Horizontal(classes="dialog-buttons", id="validate-buttons"):
                yield Button("Annuler", id="validate-cancel")
                yield Button("Valider", id="validate-submit", variant="primary", classes="submit-button")
            with Horizontal(classes="dialog-buttons", id="validate-done-buttons"):
                yield Button("Fermer", id="validate-close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#validate-success").display = False
        self.query_one("#validate-done-buttons").display = False
        self.query_one("#validate-code", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._submit()

    def action_cancel(self) -> None:
        self.dismiss(self._login)  # once validated, Échap closes as Fermer does

    def on_input_changed(self, event: Input.Changed) -> None:
        set_error(self, "validate-code", None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "validate-cancel":
            self.dismiss(None)
        elif event.button.id == "validate-submit":
            self._submit()
        elif event.button.id == "validate-close":
            self.dismiss(self._login)

    def _submit(self) -> None:
        code = self.query_one("#validate-code", Input).value
        if not code.strip():
            set_error(self, "validate-code", "Saisissez le code d'activation reçu par mail")
            return
        self.call_service("validate", code, on_success=self._validated)

    def _validated(self, validated: Validated) -> None:
        self._login = validated.login
        self.query_one("#validate-code", Input).value = ""
        self.query_one("#validate-form").display = False
        self.query_one("#validate-buttons").display = False
        self.query_one("#validate-success", Static).update(validated.advice)
        self.query_one("#validate-success").display = True
        self.query_one("#validate-done-buttons").display = True
        self.query_one("#validate-close", Button).focus()


# ------------------------------------------------------------ recovery by mail


class _MailRequestModal(AccountDialog):
    """Ask an address, call the service, show the same answer whatever happened."""

    PREFIX = ""
    TITLE_TEXT = ""
    INTRO = ""
    DONE = ""
    METHOD = ""

    def __init__(self) -> None:
        super().__init__(id=f"{self.PREFIX}-dialog-screen")
        self.FIELDS = {"mail": f"{self.PREFIX}-mail", None: f"{self.PREFIX}-mail"}

    def compose(self) -> ComposeResult:
        p = self.PREFIX
        with Vertical(id=f"{p}-dialog", classes="dialog account-dialog"):
            yield Static(self.TITLE_TEXT, id=f"{p}-title", classes="dialog-title")
            with VerticalScroll(classes="account-form", id=f"{p}-form"):
                yield Static(self.INTRO, markup=False)
                yield from _field("Adresse mail *", f"{p}-mail")
            yield Static("", id=f"{p}-done", markup=False)
            with Horizontal(classes="dialog-buttons", id=f"{p}-buttons"):
                yield from self.request_buttons()
            with Horizontal(classes="dialog-buttons", id=f"{p}-done-buttons"):
                yield from self.done_buttons()

    def request_buttons(self) -> ComposeResult:
        yield Button("Annuler", id=f"{self.PREFIX}-cancel")
        yield Button("Envoyer", id=f"{self.PREFIX}-submit", variant="primary", classes="submit-button")

    def done_buttons(self) -> ComposeResult:
        yield Button("Fermer", id=f"{self.PREFIX}-close", variant="primary")

    def on_mount(self) -> None:
        self.query_one(f"#{self.PREFIX}-done").display = False
        self.query_one(f"#{self.PREFIX}-done-buttons").display = False
        self.query_one(f"#{self.PREFIX}-mail", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._submit()

    def on_input_changed(self, event: Input.Changed) -> None:
        set_error(self, f"{self.PREFIX}-mail", None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        # Subclasses do not override this: Textual would call both handlers.
        event.stop()
        name = (event.button.id or "").removeprefix(f"{self.PREFIX}-").removesuffix("-done")
        if name == "cancel" or name == "close":
            self.dismiss(None)
        elif name == "submit":
            self._submit()
        else:
            self.dismiss(name)  # e.g. "have-code", "validate": the caller opens the next dialog

    def _submit(self) -> None:
        from ..services.account_rules import mail_problem

        mail = self.query_one(f"#{self.PREFIX}-mail", Input).value
        problem = mail_problem(mail)
        if problem:
            set_error(self, f"{self.PREFIX}-mail", problem)
            return
        self.call_service(self.METHOD, mail, on_success=self._done)

    def _done(self, _result: Any) -> None:
        p = self.PREFIX
        self.query_one(f"#{p}-mail", Input).value = ""
        self.query_one(f"#{p}-form").display = False
        self.query_one(f"#{p}-buttons").display = False
        self.query_one(f"#{p}-done", Static).update(self.DONE)
        self.query_one(f"#{p}-done").display = True
        self.query_one(f"#{p}-done-buttons").display = True
        self.query_one(f"#{p}-done-buttons Button", Button).focus()


class ForgotIdentifiersModal(_MailRequestModal):
    """J'ai oublié mes identifiants; dismisses "have-code" to open the reset dialog."""

    PREFIX = "forgot"
    TITLE_TEXT = "J'ai oublié mes identifiants"
    INTRO = ("Saisissez l'adresse mail de votre compte : vous recevrez votre login et un code "
             "pour choisir un nouveau mot de passe.")
    METHOD = "request_identifiers"

    @property
    def DONE(self) -> str:  # noqa: N802 - reads like the class constants of the other dialogs
        hours = self.app.settings.reset_code_hours
        return ("Si un compte correspond à cette adresse, un courriel contenant votre login et un code "
                f"de réinitialisation (valable {hours} heure{'s' if hours > 1 else ''}) vient de lui être "
                "envoyé. Choisissez ensuite « J'ai reçu un code ».")

    def request_buttons(self) -> ComposeResult:
        yield from super().request_buttons()
        yield Button("J'ai reçu un code", id="forgot-have-code")

    def done_buttons(self) -> ComposeResult:
        yield Button("J'ai reçu un code", id="forgot-have-code-done", variant="primary")
        yield Button("Fermer", id="forgot-close")


class LostCodeModal(_MailRequestModal):
    """J'ai perdu mon code d'activation; dismisses "validate" to open Valider mon compte."""

    PREFIX = "lost"
    TITLE_TEXT = "J'ai perdu mon code d'activation"
    INTRO = ("Saisissez l'adresse mail de votre compte : un nouveau code d'activation vous sera "
             "envoyé (l'ancien ne fonctionnera plus).")
    DONE = ("Si un compte en attente de validation correspond à cette adresse, un nouveau code "
            "d'activation vient de lui être envoyé. L'ancien code ne fonctionne plus.")
    METHOD = "resend_activation"

    def done_buttons(self) -> ComposeResult:
        yield Button("Valider mon compte", id="lost-validate", variant="primary")
        yield Button("Fermer", id="lost-close")


# ------------------------------------------------------------ passwords


class _PasswordForm:
    """A new password, its live checklist and its confirmation (ids from `prefix`)."""

    def password_fields(self, prefix: str, new_id: str, confirm_id: str, new_label: str,
                        confirm_label: str) -> ComposeResult:
        yield from _field(new_label, new_id, password=True)
        yield PasswordChecklist(prefix, id=f"{prefix}-checklist", classes="password-checklist")
        yield from _field(confirm_label, confirm_id, password=True)

    def live_password(self, event: Input.Changed, prefix: str, new_id: str, confirm_id: str) -> None:
        node = self  # a Screen
        if event.input.id == new_id:
            node.query_one(f"#{prefix}-checklist", PasswordChecklist).update_for(event.value)
            set_error(node, new_id, None)
        if event.input.id == confirm_id:
            set_error(node, confirm_id, None)


class ResetPasswordModal(_PasswordForm, AccountDialog):
    """The code received by mail and a new password twice; dismisses with the login."""

    FIELDS = {"code": "reset-code", "new": "reset-password", "confirm": "reset-confirm", None: "reset"}

    def __init__(self) -> None:
        super().__init__(id="reset-password-screen")
        self._login: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="reset-dialog", classes="dialog account-dialog"):
            yield Static("Choisir un nouveau mot de passe", id="reset-title", classes="dialog-title")
            with VerticalScroll(classes="account-form", id="reset-form"):
                yield from _field("Code de réinitialisation *", "reset-code")
                yield from self.password_fields("reset", "reset-password", "reset-confirm",
                                                "Nouveau mot de passe *", "Confirmation du mot de passe *")
                yield field_error("reset")
            yield Static("", id="reset-done", markup=False)
            with Horizontal(classes="dialog-buttons", id="reset-buttons"):
                yield Button("Annuler", id="reset-cancel")
                yield Button("Enregistrer", id="reset-submit", variant="primary", classes="submit-button")
            with Horizontal(classes="dialog-buttons", id="reset-done-buttons"):
                yield Button("Fermer", id="reset-close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#reset-done").display = False
        self.query_one("#reset-done-buttons").display = False
        self.query_one("#reset-code", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "reset-code":
            set_error(self, "reset-code", None)
        self.live_password(event, "reset", "reset-password", "reset-confirm")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "reset-confirm":
            self._submit()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "reset-cancel":
            self.dismiss(None)
        elif event.button.id == "reset-submit":
            self._submit()
        elif event.button.id == "reset-close":
            self.dismiss(self._login)

    def _submit(self) -> None:
        from ..services.account_rules import new_password_problems
        from ..services.errors import ValidationFailed

        self.clear_errors()
        code = self.query_one("#reset-code", Input).value
        new = self.query_one("#reset-password", Input).value
        confirm = self.query_one("#reset-confirm", Input).value
        problems = new_password_problems(new, confirm)
        if not code.strip():
            problems = {"code": "Saisissez le code de réinitialisation reçu par mail", **problems}
        if problems:
            self.show_refusal(ValidationFailed(problems))
            return
        self.call_service("reset_password", code, new, confirm, on_success=self._reset)

    def _reset(self, login: str) -> None:
        self._login = login
        for widget in self.query(Input):
            widget.value = ""
        self.query_one("#reset-form").display = False
        self.query_one("#reset-buttons").display = False
        self.query_one("#reset-done", Static).update(
            "Votre mot de passe a été changé. Connectez-vous avec votre login (rappelé dans le "
            "courriel) et ce nouveau mot de passe.")
        self.query_one("#reset-done").display = True
        self.query_one("#reset-done-buttons").display = True
        self.query_one("#reset-close", Button).focus()


class NewPasswordScreen(_PasswordForm, Screen):
    """First login: the candidate replaces the one-time password before anything else."""

    BINDINGS = [Binding("escape", "cancel", "Annuler", tooltip="Revenir à l'écran Connexion")]
    FIELDS = {"old": "newpw", "new": "newpw-password", "confirm": "newpw-confirm", None: "newpw"}

    def __init__(self, result: "LoginResult", one_time_password: str) -> None:
        super().__init__(id="new-password")
        self.result = result
        self._one_time_password = one_time_password

    def compose(self) -> ComposeResult:
        yield Static(f"{self.app.settings.institution} — eCandidat", id="app-title")
        with VerticalScroll(id="newpw-body"):
            yield Static("Choisissez votre mot de passe", classes="screen-title")
            yield Static(f"Bienvenue {self.result.prenom} {self.result.nom}. Pour votre première "
                         "connexion, remplacez le mot de passe reçu par mail par votre propre mot de passe.",
                         id="newpw-intro", markup=False)
            yield from self.password_fields("newpw", "newpw-password", "newpw-confirm",
                                            "Nouveau mot de passe *", "Confirmation du mot de passe *")
            yield field_error("newpw")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Annuler", id="newpw-cancel")
                yield Button("Enregistrer", id="newpw-submit", variant="primary", classes="submit-button")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#newpw-password", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        set_error(self, "newpw", None)
        self.live_password(event, "newpw", "newpw-password", "newpw-confirm")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "newpw-confirm":
            self._submit()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "newpw-cancel":
            self.action_cancel()
        elif event.button.id == "newpw-submit":
            self._submit()

    def action_cancel(self) -> None:
        self._one_time_password = ""
        self.app.logout()

    def _submit(self) -> None:
        from ..services.account_rules import new_password_problems

        new = self.query_one("#newpw-password", Input).value
        confirm = self.query_one("#newpw-confirm", Input).value
        for widget_id in set(self.FIELDS.values()):
            set_error(self, widget_id, None)
        problems = new_password_problems(new, confirm)
        if problems:
            self._show({"new": problems.get("new"), "confirm": problems.get("confirm")})
            return
        for button in self.query(".submit-button"):
            button.disabled = True
        self._change(new, confirm)

    def _show(self, errors: dict[str | None, str | None]) -> None:
        if not self.is_attached:
            return
        for button in self.query(".submit-button"):
            button.disabled = False
        for field, message in errors.items():
            if message:
                set_error(self, self.FIELDS.get(field, "newpw"), message)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _change(self, new: str, confirm: str) -> None:
        from ..services.errors import DomainError

        try:
            self.app.services.accounts.change_password(self.result.account_id, self._one_time_password,
                                                       new, confirm)
        except DomainError as exc:
            errors = getattr(exc, "errors", None) or {exc.field: exc.message}
            self.app.call_from_thread(self._show, errors)
            return
        self.app.call_from_thread(self._changed)

    def _changed(self) -> None:
        from ..app import CandidateSession

        self._one_time_password = ""
        r = self.result
        self.app.start_session(CandidateSession(account_id=r.account_id, login=r.login, nom=r.nom,
                                                prenom=r.prenom))
        self.app.notify("Votre mot de passe a été enregistré.")


class ChangePasswordModal(_PasswordForm, AccountDialog):
    """Changer de mot de passe (Mon compte > Informations perso.); dismisses True when done."""

    FIELDS = {"old": "chpw-old", "new": "chpw-new", "confirm": "chpw-confirm", None: "chpw"}

    def __init__(self, account_id: int) -> None:
        super().__init__(id="change-password")
        self.account_id = account_id

    def compose(self) -> ComposeResult:
        with Vertical(id="chpw-dialog", classes="dialog account-dialog"):
            yield Static("Changer de mot de passe", id="chpw-title", classes="dialog-title")
            with VerticalScroll(classes="account-form", id="chpw-form"):
                yield from _field("Ancien mot de passe *", "chpw-old", password=True)
                yield from self.password_fields("chpw", "chpw-new", "chpw-confirm",
                                                "Nouveau mot de passe *", "Confirmation du mot de passe *")
                yield field_error("chpw")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Annuler", id="chpw-cancel")
                yield Button("Enregistrer", id="chpw-save", variant="primary", classes="submit-button")

    def on_mount(self) -> None:
        self.query_one("#chpw-old", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "chpw-old":
            set_error(self, "chpw-old", None)
        self.live_password(event, "chpw", "chpw-new", "chpw-confirm")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "chpw-confirm":
            self._submit()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "chpw-cancel":
            self.dismiss(False)
        elif event.button.id == "chpw-save":
            self._submit()

    def _submit(self) -> None:
        from ..services.account_rules import new_password_problems
        from ..services.errors import ValidationFailed

        self.clear_errors()
        old = self.query_one("#chpw-old", Input).value
        new = self.query_one("#chpw-new", Input).value
        confirm = self.query_one("#chpw-confirm", Input).value
        problems = new_password_problems(new, confirm)
        if not old:
            problems = {"old": "L'ancien mot de passe est obligatoire", **problems}
        if problems:
            self.show_refusal(ValidationFailed(problems))
            return
        self.call_service("change_password", self.account_id, old, new, confirm, on_success=self._changed)

    def _changed(self, _result: Any) -> None:
        for widget in self.query(Input):
            widget.value = ""
        self.app.notify("Votre mot de passe a été modifié.")
        self.dismiss(True)


class ChangeMailModal(AccountDialog):
    """Changer d'adresse mail: on success the candidate is logged out until the new address is validated."""

    FIELDS = {"mail": "chmail-mail", "mail_confirm": "chmail-confirm", None: "chmail"}

    def __init__(self, account_id: int, current_mail: str | None = None) -> None:
        super().__init__(id="change-mail")
        self.account_id = account_id
        self.current_mail = current_mail

    def compose(self) -> ComposeResult:
        with Vertical(id="chmail-dialog", classes="dialog account-dialog"):
            yield Static("Changer d'adresse mail", id="chmail-title", classes="dialog-title")
            with VerticalScroll(classes="account-form", id="chmail-form"):
                yield Static(CREATION_WARNING, classes="account-warning", markup=False)
                if self.current_mail:
                    yield Static(f"Adresse actuelle : {self.current_mail}", id="chmail-current", markup=False)
                yield from _field("Nouvelle adresse mail *", "chmail-mail")
                yield from _field("Confirmation Adresse Mail *", "chmail-confirm")
                yield field_error("chmail")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Annuler", id="chmail-cancel")
                yield Button("Enregistrer", id="chmail-save", variant="primary", classes="submit-button")

    def on_mount(self) -> None:
        self.query_one("#chmail-mail", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        set_error(self, f"{event.input.id}", None)
        set_error(self, "chmail", None)

    @on(Input.Blurred, "#chmail-mail")
    def _mail_left(self, event: Input.Blurred) -> None:
        from ..services.account_rules import mail_problem

        if event.value and self.is_attached:
            set_error(self, "chmail-mail", mail_problem(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "chmail-confirm":
            self._submit()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "chmail-cancel":
            self.dismiss(False)
        elif event.button.id == "chmail-save":
            self._submit()

    def _submit(self) -> None:
        from ..services import account_rules as rules
        from ..services.errors import ValidationFailed

        self.clear_errors()
        mail = self.query_one("#chmail-mail", Input).value
        confirm = self.query_one("#chmail-confirm", Input).value
        problems = {}
        if rules.mail_problem(mail):
            problems["mail"] = rules.mail_problem(mail)
        if rules.mail_confirm_problem(mail, confirm):
            problems["mail_confirm"] = rules.mail_confirm_problem(mail, confirm)
        if problems:
            self.show_refusal(ValidationFailed(problems))
            return
        self.call_service("change_mail", self.account_id, mail, confirm, on_success=self._changed)

    def _changed(self, new_mail: str) -> None:
        self.app.logout()
        self.app.notify(f"Un courriel de validation a été envoyé à {new_mail}. Votre compte est bloqué "
                        "jusqu'à la validation de cette adresse ; vous pourrez ensuite vous reconnecter.",
                        timeout=20)
