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

import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .config import Settings, load_settings
from .mail.backends import MemoryBackend
from .mail.message import Message
from .services import Services, build_services
from .services.security import use_fast_hashing

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class PgServer:
    """Creates and drops throw-away databases on one PostgreSQL server."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.url = make_url(url)
        if not self.url.drivername.startswith("postgres"):
            raise ValueError(f"ECANDIDAT_TEST_PG_URL is not a PostgreSQL URL: {url}")
        self.url = self.url.set(drivername="postgresql+psycopg")
        self.prefix = f"ecandidat_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self._count = 0
        self.template: str | None = None

    def conninfo(self, database: str | None = None) -> str:
        url = self.url.set(drivername="postgresql")
        if database is not None:
            url = url.set(database=database)
        return url.render_as_string(hide_password=False)

    def sqlalchemy_url(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    def _admin(self):
        import psycopg

        return psycopg.connect(self.conninfo(), autocommit=True, connect_timeout=3)

    def check(self) -> None:
        with self._admin() as conn:
            conn.execute("SELECT 1")

    def create(self, stem: str = "", *, template: str | None = None) -> str:
        """A new database (empty, or a copy of `template`); returns its name."""
        self._count += 1
        name = f"{self.prefix}_{stem + '_' if stem else ''}{self._count}"
        with self._admin() as conn:
            # template0 gives an empty database whatever `template1` holds.
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template or "template0"}"')
        return name

    def drop(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

    def max_connections(self) -> int:
        with self._admin() as conn:
            return int(conn.execute("SHOW max_connections").fetchone()[0])

    def version(self) -> str:
        with self._admin() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def migrated(self) -> str:
        """The run's database, migrated once; returns its name."""
        from .store.db import Database
        from .store.migrate import ensure_schema

        if self.template is None:
            name = self.create()
            db = Database(self.sqlalchemy_url(name))
            try:
                ensure_schema(db)
            finally:
                db.dispose()
            self.template = name
        return self.template

    def clean(self, name: str) -> None:
        """Empty every table of `name` and restart its ids, keeping the schema.

        DELETE in dependency order costs ~20 ms where CREATE/DROP DATABASE
        costs ~300 ms on a busy machine. Connections a previous test left
        open are closed first so none holds a lock.
        """
        import psycopg
        from sqlmodel import SQLModel

        from .store import models  # noqa: F401  (registers the tables)

        with self._admin() as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        with psycopg.connect(self.conninfo(name), connect_timeout=3) as conn:
            for table in reversed(SQLModel.metadata.sorted_tables):
                conn.execute(f'DELETE FROM "{table.name}"')
            for (sequence,) in conn.execute(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
            ).fetchall():
                conn.execute("SELECT setval(%s, 1, false)", (sequence,))
            conn.commit()


DEFAULT_PASSWORD = "Candidat-2026!"


@dataclass
class SeededCandidate:
    account_id: int
    login: str
    password: str
    mail: str
    nom: str
    prenom: str


STAFF_PASSWORD = "Personnel-2026!"


@dataclass
class SeededStaff:
    login: str
    password: str
    principal: Any  # services.staff.StaffPrincipal


@dataclass
class SeededDossier:
    candidature_id: int
    formation_code: str
    centre_code: str
    piece_ids: tuple[int, ...]


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

        # Unexpected errors still show the dialog, and run_test re-raises them.
        kwargs.setdefault("strict_errors", True)
        return CandidateApp(self.settings, services=self.services, **kwargs)

    def staff_app(self, **kwargs: Any):
        from .staff_app import StaffApp

        kwargs.setdefault("strict_errors", True)
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

    # ------------------------------------------------ staff console seeding
    # Plain inserts, so staff tests do not depend on the candidate flow.

    def seed_staff(self, role: str = "support", centres: tuple[str, ...] | list[str] = (),
                   login: str | None = None, password: str = STAFF_PASSWORD) -> SeededStaff:
        """A staff user (its centres must exist: see `seed_staff_formation`)."""
        from .services.staff import StaffPrincipal
        from .domain import Role

        login = login or self.unique(f"staff-{role}-")
        self.services.staff.add_staff_user(login, password, role, centres=list(centres))
        return SeededStaff(login, password, StaffPrincipal(login, Role(role), tuple(centres)))

    def insert_candidate(self, nom: str = "Gockel", prenom: str = "Charlotte", mail: str | None = None, *,
                         login: str | None = None, numero_etudiant: str | None = None,
                         ine: str | None = None, valid: bool = True,
                         password: str = DEFAULT_PASSWORD) -> SeededCandidate:
        """An account row written directly (no mail); with `ine`, an Informations perso. row too."""
        from datetime import date, timedelta

        from .services.account_rules import name_key
        from .services.security import hash_secret, new_login
        from .store.models import Account, InformationsPerso, IssuedLogin

        mail = mail or f"{self.unique()}@example.org"
        login = login or new_login()
        now = self.services.ctx.now()
        with self.services.db.session() as s:
            account = Account(
                login=login, nom=nom, prenom=prenom, nom_key=name_key(nom), prenom_key=name_key(prenom),
                mail=mail, mail_key=mail.lower(), password_hash=hash_secret(password),
                must_change_password=False, mail_validated=valid, account_valid=valid,
                numero_etudiant=numero_etudiant, created_at=now,
                validity_deadline=None if valid else now + timedelta(days=5),
            )
            s.add(IssuedLogin(login=login, issued_at=now))
            s.add(account)
            s.flush()
            if ine is not None:
                s.add(InformationsPerso(account_id=account.id, ine=ine, civilite="M.", nom_naissance=nom,
                                        prenom=prenom, date_naissance=date(2005, 1, 1), pays_naissance="FRA"))
            account_id = account.id
        return SeededCandidate(account_id, login, password, mail, nom, prenom)

    def seed_staff_formation(self, centre_code: str = "CTR-A", formation_code: str = "FA1",
                             titre: str | None = None, pieces: tuple[str, ...] = ("IDENT", "RELEVE")) -> int:
        """A centre, commission and formation (created if missing) asking `pieces`; returns the formation id."""
        from datetime import timedelta

        from sqlmodel import select

        from .store.models import Centre, Commission, Formation, FormationPiece, PieceType

        today = self.services.ctx.today()
        with self.services.db.session() as s:
            centre = s.exec(select(Centre).where(Centre.code == centre_code)).first()
            if centre is None:
                centre = Centre(code=centre_code, libelle=f"Centre {centre_code}")
                s.add(centre)
                s.flush()
                s.add(Commission(centre_id=centre.id, code=f"COM-{centre_code}"[:20],
                                 libelle=f"Commission {centre_code}", mail="commission@example.org"))
                s.flush()
            commission = s.exec(select(Commission).where(Commission.centre_id == centre.id)).first()
            formation = s.exec(select(Formation).where(Formation.code == formation_code)).first()
            if formation is None:
                formation = Formation(
                    code=formation_code, titre=titre or f"Formation {formation_code}",
                    commission_id=commission.id, date_debut_depot=today - timedelta(days=10),
                    date_fin_depot=today + timedelta(days=20), date_limite_retour=today + timedelta(days=30),
                    date_jury=today + timedelta(days=40), date_confirmation=today + timedelta(days=60))
                s.add(formation)
                s.flush()
                for order, code in enumerate(pieces):
                    ptype = s.exec(select(PieceType).where(PieceType.code == code)).first()
                    if ptype is None:
                        ptype = PieceType(code=code, libelle=f"Pièce {code}", ordre=order)
                        s.add(ptype)
                        s.flush()
                    s.add(FormationPiece(formation_id=formation.id, piece_type_id=ptype.id))
            return formation.id

    def seed_dossier(self, account_id: int, formation_code: str = "FA1", centre_code: str = "CTR-A",
                     statut: str = "receptionne") -> SeededDossier:
        """A candidature (transmitted by default) whose every piece has a small PDF, Transmise."""
        import hashlib

        from sqlmodel import select

        from .store.models import Candidature, FileBlob, FormationPiece, PieceSubmission, PieceType

        formation_id = self.seed_staff_formation(centre_code, formation_code)
        now = self.services.ctx.now()
        with self.services.db.session() as s:
            cand = Candidature(account_id=account_id, formation_id=formation_id, statut=statut,
                               created_at=now, updated_at=now,
                               transmitted_at=None if statut == "en_attente" else now)
            s.add(cand)
            s.flush()
            piece_ids = []
            types = s.exec(select(PieceType).join(FormationPiece, FormationPiece.piece_type_id == PieceType.id)
                           .where(FormationPiece.formation_id == formation_id)
                           .order_by(PieceType.ordre, PieceType.code)).all()
            for ptype in types:
                data = f"%PDF-1.4 {account_id} {ptype.code}\n%%EOF\n".encode()
                sha = hashlib.sha256(data).hexdigest()
                if s.get(FileBlob, sha) is None:
                    s.add(FileBlob(sha256=sha, mime="application/pdf", size=len(data), data=data))
                    s.flush()
                piece = PieceSubmission(candidature_id=cand.id, piece_type_id=ptype.id, statut="transmise",
                                        blob_sha256=sha, file_name=f"{ptype.code.lower()}.pdf", updated_at=now)
                s.add(piece)
                s.flush()
                piece_ids.append(piece.id)
            return SeededDossier(cand.id, formation_code, centre_code, tuple(piece_ids))

    # ------------------------------------------ candidatures, pièces (seeding)

    def seed_open_formation(self, code: str | None = None, *, titre: str | None = None,
                            pieces: tuple[str, ...] | None = None, limit_in_days: int = 30,
                            depot_open: bool = True, confirmation_in_days: int | None = 60,
                            centre_code: str = "CTEST", centre_max: int | None = None) -> int:
        """A formation open for dépôt today, asking `pieces` (codes of the ten standard
        pièces of the seed procedure; all ten by default). Returns its id."""
        from datetime import timedelta

        from sqlmodel import select as _select

        from .store.demo import STANDARD_PIECES
        from .store.models import Centre, Commission, Formation, FormationPiece, PieceType

        code = code or self.unique("FTEST").upper()
        today = self.services.ctx.today()
        wanted = pieces if pieces is not None else tuple(p["code"] for p in STANDARD_PIECES)
        with self.services.db.session() as s:
            centre = s.exec(_select(Centre).where(Centre.code == centre_code)).first()
            if centre is None:
                centre = Centre(code=centre_code, libelle=f"Centre de test {centre_code}",
                                max_candidatures=centre_max)
                s.add(centre)
                s.flush()
                commission = Commission(centre_id=centre.id, code="COM", libelle="Commission de test",
                                        adresse="1 rue de l'Université, 13000 Marseille",
                                        telephone="04 00 00 00 00", mail="commission@univ.example")
                s.add(commission)
                s.flush()
            else:
                commission = s.exec(_select(Commission).where(Commission.centre_id == centre.id)).first()
            start = today - timedelta(days=10) if depot_open else today + timedelta(days=5)
            formation = Formation(
                code=code, titre=titre or f"Formation de test {code}", commission_id=commission.id,
                date_debut_depot=start, date_fin_depot=today + timedelta(days=max(limit_in_days - 5, 1)),
                date_limite_retour=today + timedelta(days=limit_in_days),
                date_jury=today + timedelta(days=limit_in_days + 10),
                date_publication=today + timedelta(days=limit_in_days + 20),
                date_confirmation=(today + timedelta(days=confirmation_in_days)
                                   if confirmation_in_days is not None else None))
            s.add(formation)
            s.flush()
            for spec in STANDARD_PIECES:
                if spec["code"] not in wanted:
                    continue
                ptype = s.exec(_select(PieceType).where(PieceType.code == spec["code"])).first()
                if ptype is None:
                    ptype = PieceType(**spec)
                    s.add(ptype)
                    s.flush()
                s.add(FormationPiece(formation_id=formation.id, piece_type_id=ptype.id))
            return formation.id

    def seed_candidature(self, account_id: int, formation_id: int | None = None) -> int:
        """A candidature of `account_id` (profile completed first when a helper exists)."""
        seed_profile = getattr(self, "seed_profile", None)
        if seed_profile is not None and self.services.profile.missing_for_candidature(account_id):
            seed_profile(account_id)
        if formation_id is None:
            formation_id = self.seed_open_formation()
        return self.services.candidatures.create_candidature(account_id, formation_id).id

    def upload_path(self, name: str) -> Path:
        """A path inside the first upload root (where the picker may look)."""
        root = self.settings.effective_upload_roots()[0]
        root.mkdir(parents=True, exist_ok=True)
        return root / name

    def make_pdf(self, name: str = "document.pdf", pages: int = 1, text: str = "Pièce justificative") -> Path:
        """A real PDF of `pages` pages in the upload root."""
        from fpdf import FPDF

        pdf = FPDF()
        pdf.set_font("helvetica", size=12)
        for number in range(pages):
            pdf.add_page()
            pdf.cell(text=f"{text} - page {number + 1}")
        path = self.upload_path(name)
        path.write_bytes(bytes(pdf.output()))
        return path

    def make_png(self, name: str = "photo.png", width: int = 35, height: int = 45) -> Path:
        """A real (grey) PNG image in the upload root."""
        import struct
        import zlib

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
        data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
        path = self.upload_path(name)
        path.write_bytes(data)
        return path

    def make_jpeg(self, name: str = "scan.jpg", width: int = 640, height: int = 480) -> Path:
        """A JPEG header (SOI, JFIF, SOF0) that type and size sniffing recognise."""
        import struct

        data = (b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
                + b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3)
                + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01" + b"\xff\xd9")
        path = self.upload_path(name)
        path.write_bytes(data)
        return path

    # ------------------------------------------ profile (Mon compte)

    def seed_profile(self, candidate: Any, *, ine: str | None = "1234567890V",
                     bac_annee: int | None = None) -> None:
        """Fill Informations perso., Adresse and Baccalauréat through the profile service.

        `candidate` is a SeededCandidate (or anything with `account_id`) or an
        account id. The result passes the candidature gate (a valid INE-BEA,
        French bac of `bac_annee`, default last year).
        """
        account_id = getattr(candidate, "account_id", candidate)
        profile = self.services.profile
        current = profile.get_informations(account_id)
        year = self.services.ctx.today().year
        profile.save_informations(account_id, {
            "nationalite": "FRA", "ine": ine or "", "civilite": "Mme",
            "nom_naissance": current.nom_naissance or "Gockel",
            "prenom": current.prenom or "Charlotte", "date_naissance": f"14/07/{year - 20}",
            "pays_naissance": "FRA", "departement_naissance": "13",
            "commune_naissance": "Marseille", "portable": "06 12 34 56 78",
        }, current.version)
        adresse = profile.get_adresse(account_id)
        profile.save_adresse(account_id, {
            "pays": "FRA", "code_postal": "13001", "commune": "Marseille",
            "adresse": "3 place Victor Hugo",
        }, adresse.version)
        bac = profile.get_baccalaureat(account_id)
        profile.save_baccalaureat(account_id, {
            "has_bac": True, "annee": str(bac_annee or year - 1), "serie": "GEN",
            "mention": "AB", "pays": "FRA", "departement": "13", "commune": "Marseille",
            "etablissement": "Lycée Thiers",
        }, bac.version)


def make_harness(home: Path, **overrides: Any) -> Harness:
    """Build a Harness on `home`; keyword arguments override settings."""
    # ECANDIDAT_CONFIG empty: a machine's /etc/ecandidat/config.toml stays out of tests
    env = {"ECANDIDAT_HOME": str(home), "ECANDIDAT_MAIL_BACKEND": "memory", "ECANDIDAT_CONFIG": ""}
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


# ------------------------------------------------------------ Pilot helpers
# Shared by the project's UI tests and offered to testers' scripted runs.


async def settle(app, pilot) -> None:
    """Let thread workers finish and the screen catch up (twice: a worker's
    result often starts another worker)."""
    for _ in range(2):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def hold_still(pilot) -> None:
    """`settle`, then stop the inputs' blinking cursors: two screenshots of one
    state are then equal, however long the machine took to get there. Takes
    the pilot alone, so it serves as a snapshot's `run_before`."""
    from textual.widgets import Input

    app = pilot.app
    await settle(app, pilot)
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()


def type_ahead(app, *keys: str) -> None:
    """Send keys as a terminal delivers them when a person (a password
    manager, a badge reader) types faster than the app handles them: all
    queued at once, none waiting for the previous one to be handled (Pilot's
    `press` waits after each key). Then `await pilot.pause()`."""
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:
            char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


async def wait_until(pilot, condition, timeout: float = 10.0) -> None:
    """Let the app run (its timers, a worker) until `condition()` holds;
    fail after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await pilot.pause(0.02)


async def click_visible(app, pilot, selector: str) -> None:
    """Bring a widget into view as a person would scroll to it, then click it.

    Focusing first makes the scroll happen before the click; toasts are cleared
    so none covers the target."""
    app.clear_notifications()
    widget = app.screen.query_one(selector)
    if widget.focusable:
        widget.focus()
    await pilot.pause()
    widget.scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    assert await pilot.click(selector), selector


async def staff_log_in(app, pilot, staff: SeededStaff) -> None:
    """Type a staff user's login and password on the console's login screen."""
    await click_visible(app, pilot, "#staff-login")
    await pilot.press(*staff.login)
    await click_visible(app, pilot, "#staff-password")
    await pilot.press(*staff.password, "enter")
    await settle(app, pilot)
    assert app.principal is not None and app.principal.login == staff.login


def text_of(app, selector: str) -> str:
    """The text a Static of the active screen shows."""
    return str(app.screen.query_one(selector).content)
