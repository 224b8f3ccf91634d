"""Candidate admin view (support, admin): the account's state and the account actions.

Each action asks for confirmation, then calls StaffService (which checks the
role and goes through AccountService, which audits it).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from ...display import safe_text
from ...services.staff_views import CandidateAdminView
from ...widgets.safe_input import SafeInput
from ...widgets.confirm import ConfirmModal
from ...widgets.footer import Footer
from .common import StaffScreen, fmt_datetime, oui_non, compact_button

# button id -> (StaffService method, confirmation question, done message)
ACTIONS = {
    "staff-resend-activation": ("resend_activation", "Renvoyer un nouveau code d'activation à {mail} ? "
                                "L'ancien code cessera de fonctionner.", "Nouveau code d'activation envoyé."),
    "staff-unlock": ("unlock_account", "Déverrouiller le compte {login} et remettre à zéro ses échecs "
                     "de connexion ?", "Compte déverrouillé."),
    "staff-force-reset": ("force_password_reset", "Réinitialiser le mot de passe de {login} ? L'ancien "
                          "mot de passe cessera de fonctionner ; un code est envoyé à {mail}.",
                          "Réinitialisation envoyée par mail."),
    "staff-correct-mail": ("correct_mail", "Remplacer l'adresse {mail} par {new_mail} ? Un mail de "
                           "validation est envoyé à la nouvelle adresse.", "Adresse mail corrigée."),
    "staff-delete-account": ("delete_unvalidated", "Supprimer définitivement le compte non validé {login} "
                             "et toutes ses données ?", "Compte supprimé."),
}


class CandidateAdminScreen(StaffScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        *StaffScreen.BINDINGS,
        Binding("f7", "dossiers", "Candidatures", id="staff-open-dossiers-key"),
        Binding("ctrl+r", "reload", "Actualiser", id="staff-reload", show=False),
    ]

    def __init__(self, login: str) -> None:
        super().__init__()
        self.login = login
        self.view: CandidateAdminView | None = None

    def compose(self) -> ComposeResult:
        yield Static("eCandidat — console du personnel", id="app-title")
        yield self.staff_header()
        with VerticalScroll(id="staff-candidate-body", can_focus=False):
            yield Static(f"Candidat {self.login}", classes="screen-title")
            yield Static("Chargement…", id="staff-candidate-info", markup=False)
            yield Label("Nouvelle adresse mail (correction)")
            yield SafeInput(id="staff-new-mail", placeholder="adresse@exemple.fr")
            yield Static("", id="staff-new-mail-error", classes="field-error")
            with Grid(id="staff-candidate-actions", classes="staff-actions"):
                yield compact_button("Renvoyer l'activation", id="staff-resend-activation")
                yield compact_button("Déverrouiller", id="staff-unlock")
                yield compact_button("Réinitialiser le MDP", id="staff-force-reset")
                yield compact_button("Corriger l'adresse mail", id="staff-correct-mail")
                yield compact_button("Supprimer le compte", id="staff-delete-account", variant="error")
                yield compact_button("Candidatures", id="staff-open-dossiers", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.call_staff(lambda staff: staff.candidate_admin_view(self.app.principal, self.login), self.show_view)

    def show_view(self, view: CandidateAdminView) -> None:
        self.view = view
        lock = f"Oui, jusqu'au {fmt_datetime(view.locked_until)}" if view.locked else "Non"
        lines = [
            f"Login : {view.login}",
            f"Nom : {view.nom}    Prénom : {view.prenom}",
            f"Adresse mail : {view.mail}",
            f"Créé le : {fmt_datetime(view.created_at)}    "
            f"Date limite de validation : {fmt_datetime(view.validity_deadline)}",
            f"Adresse validée : {oui_non(view.mail_validated)}    Compte validé : {oui_non(view.account_valid)}",
            f"Issu de l'annuaire : {oui_non(view.from_directory)}    "
            f"Mot de passe à changer : {oui_non(view.must_change_password)}",
            f"Verrouillé : {lock}    Échecs de connexion : {view.failed_attempts}",
            f"Dernière connexion : {fmt_datetime(view.last_login_at)}",
            f"INE : {view.ine or '—'}    Numéro étudiant : {view.numero_etudiant or '—'}",
            f"Candidatures : {view.candidatures}",
        ]
        self.query_one("#staff-candidate-info", Static).update(safe_text("\n".join(lines), multiline=True))
        self.query_one("#staff-unlock", Button).disabled = not (view.locked or view.failed_attempts)
        self.query_one("#staff-delete-account", Button).disabled = view.account_valid
        self.query_one("#staff-resend-activation", Button).disabled = view.account_valid and view.mail_validated

    def action_dossiers(self) -> None:
        from .dossiers import CandidaturesScreen

        self.app.push_screen(CandidaturesScreen(self.login))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id == "staff-open-dossiers":
            event.stop()
            self.action_dossiers()
            return
        if button_id not in ACTIONS or self.view is None:
            return
        event.stop()
        self.clear_errors()
        method, question, done = ACTIONS[button_id]
        new_mail = self.query_one("#staff-new-mail", Input).value.strip()
        if button_id == "staff-correct-mail" and not new_mail:
            self.set_error("staff-new-mail", "Saisissez la nouvelle adresse mail.")
            return
        message = question.format(login=self.view.login, mail=self.view.mail, new_mail=new_mail)

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_action(method, done, new_mail)

        self.app.push_screen(ConfirmModal(message, title="Confirmation"), answered)

    def run_action(self, method: str, done: str, new_mail: str) -> None:
        principal = self.app.principal
        login = self.view.login
        if method == "correct_mail":
            call = lambda staff: staff.correct_mail(principal, login, new_mail)  # noqa: E731
        else:
            call = lambda staff: getattr(staff, method)(principal, login)  # noqa: E731

        def after(_result) -> None:
            self.notify(done)
            if method == "delete_unvalidated":
                self.query_one("#staff-candidate-info", Static).update(f"Le compte {login} a été supprimé.")
                for button in self.query(Button):
                    button.disabled = True
                return
            if method == "correct_mail":
                self.query_one("#staff-new-mail", Input).value = ""
            self.action_reload()

        self.call_staff(call, after, field="staff-new-mail" if method == "correct_mail" else None)

    def show_error(self, exc, field=None) -> None:
        # AccountService names the mail field "mail": show it under our input
        if exc.field == "mail":
            self.set_error("staff-new-mail", exc.message)
            return
        super().show_error(exc, field)
