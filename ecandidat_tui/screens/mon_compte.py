"""Mon compte: the candidate's home once logged in (the profile tabs)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Button, Footer, Static


class MonCompteScreen(Screen):
    def compose(self) -> ComposeResult:
        candidate = self.app.candidate
        yield Static(candidate.display_name if candidate else "", id="candidate-name")
        yield Static("Mon compte", classes="screen-title")
        yield Button("Déconnexion", id="nav-deconnexion")
        yield Footer()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "nav-deconnexion":
            self.app.logout()
