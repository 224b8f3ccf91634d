"""Helpers for scripted Pilot runs, also a pytest plugin (entry point `ecandidat_tui`).

A tester's repository gets the fixtures by installing the package:

    async def test_login(ecandidat):            # an Harness on a temp home
        cand = ecandidat.seed_candidate()       # validated, own password set
        async with ecandidat.app().run_test() as pilot:
            ...
        assert ecandidat.mails(to=cand.mail)

Everything runs on a temporary `ECANDIDAT_HOME` with SQLite and the memory
mail backend, unless `database_url` says otherwise (see tests/pg).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .config import Settings, load_settings
from .mail.backends import MemoryBackend
from .mail.message import Message
from .services import Services, build_services
from .services.security import use_fast_hashing

DEFAULT_PASSWORD = "Candidat-2026!"


@dataclass
class SeededCandidate:
    account_id: int
    login: str
    password: str
    mail: str
    nom: str
    prenom: str


@dataclass
class Harness:
    """One throw-away installation: settings, services, mail captured in memory."""

    home: Path
    settings: Settings
    services: Services
    backend: MemoryBackend
    _counter: int = field(default=0)

    # ----------------------------------------------------------- apps

    def app(self, **kwargs: Any):
        from .app import CandidateApp

        return CandidateApp(self.settings, services=self.services, **kwargs)

    def staff_app(self, **kwargs: Any):
        from .staff_app import StaffApp

        return StaffApp(self.settings, services=self.services, **kwargs)

    # ----------------------------------------------------------- mail

    def mails(self, to: str | None = None, subject: str | None = None) -> list[Message]:
        """Deliver what is pending, then every mail sent so far (filtered)."""
        self.services.dispatcher.dispatch_pending(ignore_backoff=True)
        found = list(self.backend.messages)
        if to is not None:
            found = [m for m in found if m.to.lower() == to.lower()]
        if subject is not None:
            found = [m for m in found if subject in m.subject]
        return found

    def last_mail(self, to: str | None = None, subject: str | None = None) -> Message:
        found = self.mails(to, subject)
        assert found, f"no mail to {to!r} with subject containing {subject!r}"
        return found[-1]

    @staticmethod
    def mail_field(message: Message, name: str) -> str:
        """The value of a `Name : value` line of a mail, e.g. `Login`."""
        match = re.search(rf"^{re.escape(name)} : (.+)$", message.body, re.MULTILINE)
        assert match, f"no line '{name} : …' in mail {message.subject!r}"
        return match.group(1).strip()

    def unique(self, stem: str = "candidat") -> str:
        self._counter += 1
        return f"{stem}{self._counter}"

    # -------------------------------------------------------- seeding

    def seed_candidate(self, nom: str = "Gockel", prenom: str = "Charlotte",
                       mail: str | None = None, password: str = DEFAULT_PASSWORD) -> SeededCandidate:
        """A validated account whose own password is `password`, as after the whole procedure."""
        mail = mail or f"{self.unique()}@example.org"
        created = self.services.accounts.create_account(nom, prenom, mail, mail)
        welcome = self.last_mail(to=mail, subject="Création de votre compte eCandidat")
        self.services.accounts.validate_account(self.mail_field(welcome, "Code d'activation"))
        first = self.mail_field(welcome, "Mot de passe")
        result = self.services.accounts.authenticate(created.login, first)
        self.services.accounts.change_password(result.account_id, first, password, password)
        return SeededCandidate(result.account_id, created.login, password, mail, nom, prenom)


def make_harness(home: Path, **overrides: Any) -> Harness:
    """Build a Harness on `home`; keyword arguments override settings."""
    env = {"ECANDIDAT_HOME": str(home), "ECANDIDAT_MAIL_BACKEND": "memory"}
    overrides.setdefault("upload_roots", [home / "uploads"])
    overrides.setdefault("mail_dispatch_seconds", 3600.0)
    use_fast_hashing()
    settings = load_settings(env=env, **overrides)
    (home / "uploads").mkdir(parents=True, exist_ok=True)
    backend = MemoryBackend()
    services = build_services(settings, mail_backend=backend)
    return Harness(home=home, settings=settings, services=services, backend=backend)


@pytest.fixture
def ecandidat(tmp_path: Path):
    """A Harness on a fresh temporary home (SQLite, memory mail, demo catalog)."""
    harness = make_harness(tmp_path / "home")
    yield harness
    harness.services.close()
