"""The navigation header of every logged-in screen (as in the seed procedure)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Static


class NavHeader(Horizontal):
    """Candidate name, then `Accueil`, `Assistance`, `Offre de formation`, `Déconnexion`.

    Each button runs the app action of the same destination, so keys
    (F2, F3, F4, F10), mouse and the command palette all go through one path.
    Before login (Assistance opened from Connexion) only the destinations
    open to everyone are shown.
    """

    DEFAULT_CSS = """
    NavHeader { height: 1; dock: top; background: $primary; color: $text; padding: 0 1; }
    NavHeader #candidate-name { width: 1fr; height: 1; text-style: bold; text-wrap: nowrap; text-overflow: ellipsis; }
    NavHeader Button { min-width: 8; margin: 0 0 0 1; }
    NavHeader Button:focus { text-style: bold reverse; }
    """

    DESTINATIONS = (
        ("nav-accueil", "Accueil", "app.accueil", "accueil"),
        ("nav-assistance", "Assistance", "app.assistance", "assistance"),
        ("nav-offre", "Offre de formation", "app.offre_formation", "offre_formation"),
        ("nav-deconnexion", "Déconnexion", "app.deconnexion", "deconnexion"),
    )

    def compose(self) -> ComposeResult:
        candidate = getattr(self.app, "candidate", None)
        yield Static(candidate.display_name if candidate else "", id="candidate-name")
        allowed = getattr(self.app, "destination_allowed", None)
        for widget_id, label, action, name in self.DESTINATIONS:
            button = Button(label, id=widget_id, action=action, compact=True)
            button.display = allowed is None or allowed(name)
            yield button
