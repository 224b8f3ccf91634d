"""Connexion: the two panels of the eCandidat home page."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static


class ConnexionScreen(Screen):
    """Log in (ENT or eCandidat account) or start creating an account."""

    def compose(self) -> ComposeResult:
        yield Static(f"{self.app.settings.institution} — eCandidat", id="app-title")
        with VerticalScroll(id="connexion-body"):
            yield Static("Connexion", classes="screen-title")
            with Horizontal(id="connexion-panels"):
                with Vertical(id="panel-ent", classes="panel"):
                    yield Static("Je suis étudiant à l'université", classes="panel-title")
                    yield Label("Identifiant ENT *")
                    yield Input(id="ent-login")
                    yield Label("Mot de passe ENT *")
                    yield Input(id="ent-password", password=True)
                    yield Button("Connexion ENT", id="ent-connexion", variant="primary")
                with Vertical(id="panel-ecandidat", classes="panel"):
                    yield Static("Je ne suis pas étudiant à l'université", classes="panel-title")
                    yield Static("Veuillez vous connecter avec votre compte eCandidat")
                    yield Label("Utilisateur *")
                    yield Input(id="login-user")
                    yield Label("Mot de passe *")
                    yield Input(id="login-password", password=True)
                    yield Button("Connexion", id="login-submit", variant="primary")
        yield Footer()
