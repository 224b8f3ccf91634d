"""The `Candidatures` tab of Mon compte: the candidate's candidatures."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static


class CandidaturesPanel(Vertical):
    def compose(self) -> ComposeResult:
        yield Static("Vous n'avez pas encore de candidature.", id="candidatures-empty")
