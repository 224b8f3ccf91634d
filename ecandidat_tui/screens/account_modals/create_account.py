"""Création de compte (also pre-filled after a first ENT login)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from ...text import format_date
from ..account_forms import field_error, set_error
from .base import CREATION_WARNING, AccountDialog, labelled_input

if TYPE_CHECKING:
    from ...services.accounts import CreatedAccount, EntPrefill


class CreateAccountModal(AccountDialog):
    """Création de compte; dismisses with the new login (or None when cancelled)."""

    PREFIX = "create"
    FIELDS: ClassVar = {"nom": "create-nom", "prenom": "create-prenom", "mail": "create-mail",
                        "mail_confirm": "create-mail-confirm", None: "create"}
    LAST_INPUT = "create-mail-confirm"
    TITLE_TEXT = "Création de compte"
    DONE_ID = "create-success"
    LIVE_FIELDS: ClassVar = {"create-nom": "nom", "create-prenom": "prenom", "create-mail": "mail",
                             "create-mail-confirm": "mail_confirm"}

    def __init__(self, prefill: EntPrefill | None = None) -> None:
        super().__init__(id="create-account")
        self.prefill = prefill
        self._touched: set[str] = set()

    def compose_form(self) -> ComposeResult:
        p = self.prefill
        yield Static(CREATION_WARNING, id="create-warning", classes="account-warning", markup=False)
        if p is not None:
            yield Static(f"Informations issues de l'annuaire de l'université — "
                         f"numéro étudiant : {p.numero_etudiant}",
                         id="create-numero-etudiant", markup=False)
        yield from labelled_input("Nom *", "create-nom", value=p.nom if p else "")
        yield from labelled_input("Prénom *", "create-prenom", value=p.prenom if p else "")
        yield from labelled_input("Adresse mail *", "create-mail", value=p.mail if p else "")
        yield from labelled_input("Confirmation Adresse Mail *", "create-mail-confirm")
        yield field_error("create")

    def compose_done(self) -> ComposeResult:
        # A long message: in a panel that scrolls.
        yield VerticalScroll(Static("", id="create-success", markup=False),
                             id="create-success-box", classes="account-form")

    def _values(self) -> dict[str, str]:
        return {field: self.query_one(f"#{wid}", Input).value for wid, field in self.LIVE_FIELDS.items()}

    def _check(self, widget_id: str) -> None:
        """Re-check one field with the same rules the service applies."""
        from ...services import account_rules as rules

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
        if (widget_id in self.LIVE_FIELDS and self.is_attached
                and (event.value or widget_id in self._touched)):
            self._touched.add(widget_id)
            self._check(widget_id)

    def submit(self) -> None:
        from ...services import account_rules as rules

        v = self._values()
        self._touched.update(self.LIVE_FIELDS)
        self.clear_errors()
        problems = rules.creation_problems(v["nom"], v["prenom"], v["mail"], v["mail_confirm"])
        if problems:
            from ...services.errors import ValidationFailed

            self.show_refusal(ValidationFailed(problems))
            return
        p = self.prefill
        self.call_service("create_account", v["nom"], v["prenom"], v["mail"], v["mail_confirm"],
                          numero_etudiant=p.numero_etudiant if p else None,
                          ent_login=p.ent_login if p else None, on_success=self._created)

    def _created(self, created: CreatedAccount) -> None:
        self.outcome = created.login
        self.show_done(
            "Votre compte a été créé.\n\n"
            f"Un courriel vient d'être envoyé à {created.mail}. Consultez vos courriels : "
            "ce message contient votre login, votre mot de passe et le code d'activation "
            "pour valider votre compte (« Valider mon compte » sur l'écran Connexion).\n\n"
            f"Sans validation avant le {format_date(created.validity_deadline, at=' à ')}, "
            "le compte sera supprimé.")
