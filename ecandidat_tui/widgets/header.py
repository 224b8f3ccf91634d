"""The navigation header of every logged-in screen (as in the seed procedure)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Static


class NavHeader(Horizontal):
    """Candidate name, then `Accueil`, `Assistance`, `Offre de formation`, `Déconnexion`.

    Each button runs the app action of the same destination, so keys,
    mouse and the command palette all go through one path.
    """

    DEFAULT_CSS = """
    NavHeader { height: 3; dock: top; background: $panel; padding: 0 1; }
    NavHeader #candidate-name { width: 1fr; content-align: left middle; height: 3; text-style: bold; }
    NavHeader Button { min-width: 8; margin: 0 0 0 1; }
    """

    DESTINATIONS = (
        ("nav-accueil", "Accueil", "app.accueil"),
        ("nav-assistance", "Assistance", "app.assistance"),
        ("nav-offre", "Offre de formation", "app.offre_formation"),
        ("nav-deconnexion", "Déconnexion", "app.deconnexion"),
    )

    def compose(self) -> ComposeResult:
        candidate = getattr(self.app, "candidate", None)
        yield Static(candidate.display_name if candidate else "", id="candidate-name")
        for widget_id, label, action in self.DESTINATIONS:
            yield Button(label, id=widget_id, action=action, compact=True)
