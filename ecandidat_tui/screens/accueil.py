"""Accueil: what the logged-in candidate should do next.

Computed from the services each time the screen opens: the profile tabs a
candidature still needs, for every open candidature the pieces still to
provide and the days left before its date limite de retour, a dossier
declared Incomplet, and a Favorable decision waiting for Confirmation or
Désistement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static

from ..domain import StatutDossier, StatutPiece
from ..text import format_date
from ..widgets.footer import Footer
from ..widgets.header import NavHeader

MISSING_PIECE_STATUSES = {StatutPiece.EN_ATTENTE.value, StatutPiece.REFUSEE.value}
OPEN_STATUSES = {StatutDossier.EN_ATTENTE.value, StatutDossier.INCOMPLET.value}


@dataclass(frozen=True)
class Todo:
    """One thing to do; `key` makes the widget id (`todo-<key>`)."""

    key: str
    text: str
    urgent: bool = False


def _days(days_left: int) -> str:
    if days_left < 0:
        return "date dépassée"
    if days_left == 0:
        return "c'est le dernier jour"
    return f"dans {days_left} jour{'s' if days_left > 1 else ''}"


def what_to_do_next(services: Any, account_id: int) -> list[Todo]:
    """The candidate's to-do list, most pressing first."""
    todos: list[Todo] = []
    missing = services.profile.missing_for_candidature(account_id)
    if missing:
        todos.append(Todo("profile", "Complétez votre profil dans Mon compte avant de candidater : "
                          + ", ".join(missing) + ".", urgent=True))
    summaries = services.candidatures.list_for_account(account_id)
    if not summaries and not missing:
        todos.append(Todo("start", "Votre profil est prêt. Choisissez une formation dans l'Offre de "
                          "formation (F4), ou onglet Candidatures de Mon compte puis « Nouvelle candidature »."))
    deadlines: list[tuple[int, Todo]] = []
    for summary in summaries:
        recap = services.candidatures.recap(account_id, summary.id)
        titre = recap.formation_titre
        if recap.can_confirm:
            when = f" avant le {format_date(recap.date_confirmation)}" if recap.date_confirmation else ""
            todos.append(Todo(f"decision-{summary.id}",
                              f"{titre} : avis {recap.decision_label}. Confirmez votre inscription "
                              f"ou désistez-vous{when} (Mon compte > Candidatures).", urgent=True))
            continue
        if recap.statut not in OPEN_STATUSES:
            continue
        limit = f"avant le {format_date(recap.date_limite_retour)} ({_days(recap.days_left)})"
        if recap.days_left < 0:
            text = (f"{titre} : la date limite de retour ({format_date(recap.date_limite_retour)}) est "
                    "dépassée ; la candidature ne peut plus être transmise.")
        elif recap.can_transmit:
            text = f"{titre} : toutes les pièces sont fournies. Transmettez votre candidature {limit}."
        else:
            to_provide = [p for p in recap.pieces if p.statut in MISSING_PIECE_STATUSES]
            n = len(to_provide)
            pieces = f"{n} pièce{'s' if n > 1 else ''} justificative{'s' if n > 1 else ''} à fournir"
            if recap.statut == StatutDossier.INCOMPLET.value:
                text = f"{titre} : dossier Incomplet, {pieces}, puis transmettez-le à nouveau {limit}."
            else:
                text = f"{titre} : {pieces}, puis transmettez votre candidature {limit}."
        deadlines.append((recap.days_left, Todo(f"candidature-{summary.id}", text,
                                                urgent=0 <= recap.days_left <= 7)))
    todos.extend(todo for _days_left, todo in sorted(deadlines, key=lambda d: d[0]))
    if not todos:
        todos.append(Todo("nothing", "Rien à faire pour l'instant : vos candidatures transmises sont "
                          "en cours d'examen. Vous recevrez un courriel à chaque étape."))
    return todos


class AccueilScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.mon_compte", "Mon compte", id="accueil-close",
                tooltip="Revenir à Mon compte"),
    ]

    def compose(self) -> ComposeResult:
        yield NavHeader()
        with VerticalScroll(id="accueil-body"):
            yield Static("Accueil", classes="screen-title")
            candidate = self.app.candidate
            prenom = candidate.prenom if candidate else ""
            yield Static(f"Bonjour {prenom}, voici ce qu'il vous reste à faire :", id="accueil-greeting")
            yield Vertical(id="accueil-todo")
            with Horizontal(classes="button-row"):
                yield Button("Mon compte", id="accueil-mon-compte", variant="primary",
                             action="app.mon_compte")
                yield Button("Offre de formation", id="accueil-offre", action="app.offre_formation")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#accueil-todo").loading = True
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        candidate = self.app.candidate
        if candidate is None:
            return
        todos = what_to_do_next(self.app.services, candidate.account_id)
        self.app.call_from_thread(self._show, todos)

    def _show(self, todos: list[Todo]) -> None:
        box = self.query_one("#accueil-todo", Vertical)
        box.loading = False
        box.remove_children()
        box.mount_all(Static(f"• {t.text}", id=f"todo-{t.key}",
                             classes="todo todo-urgent" if t.urgent else "todo") for t in todos)
