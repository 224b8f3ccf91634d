"""CandidateSession: who is logged in to the candidate app.

Screens build one at login and hand it to the app (`app.start_session`);
living here rather than in `app.py`, it lets screens never import the app.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CandidateSession:
    """Who is logged in. Dropped whole at Déconnexion."""

    account_id: int
    login: str
    nom: str
    prenom: str

    @property
    def display_name(self) -> str:
        return f"{self.prenom} {self.nom}".upper()
