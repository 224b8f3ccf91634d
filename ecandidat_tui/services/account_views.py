"""The read models of candidate accounts (services/accounts.py returns them): plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CreatedAccount:
    login: str
    mail: str
    nom: str
    prenom: str
    validity_deadline: datetime
    from_directory: bool = False


@dataclass(frozen=True)
class LoginResult:
    account_id: int
    login: str
    nom: str
    prenom: str
    must_change_password: bool


@dataclass(frozen=True)
class EntPrefill:
    """What Créer un compte shows after a first ENT login (the mail must still be validated)."""

    ent_login: str
    numero_etudiant: str
    nom: str
    prenom: str
    mail: str


@dataclass(frozen=True)
class Validated:
    """What a validation code validated: a new account or a new address, of an ENT student or not."""

    login: str
    mail_change: bool
    ent: bool

    @property
    def advice(self) -> str:
        """What to do next, for this kind of account."""
        done = ("Votre nouvelle adresse mail est validée." if self.mail_change
                else f"Votre compte {self.login} est validé.")
        if self.ent:
            return (f"{done} Connectez-vous avec votre identifiant ENT et le mot de passe de votre ENT, "
                    "dans le cadre « Je suis étudiant à l'université ».")
        if self.mail_change:
            return f"{done} Connectez-vous avec votre login {self.login} et votre mot de passe habituel."
        return f"{done} Vous pouvez vous connecter avec le login et le mot de passe reçus par mail."


@dataclass(frozen=True)
class EntOutcome:
    """An ENT login either opens the account (`login`) or starts creating one (`prefill`)."""

    login: LoginResult | None = None
    prefill: EntPrefill | None = None


@dataclass(frozen=True)
class AccountInfo:
    """An account as the staff console and Informations perso. show it (no secret)."""

    account_id: int
    login: str
    nom: str
    prenom: str
    mail: str
    created_at: datetime
    mail_validated: bool
    account_valid: bool
    validity_deadline: datetime | None
    locked_until: datetime | None
    failed_attempts: int
    from_directory: bool
    ent_login: str | None
    numero_etudiant: str | None
    last_login_at: datetime | None
    pending_mail: str | None

    @property
    def display_name(self) -> str:
        return f"{self.prenom} {self.nom}".upper()
