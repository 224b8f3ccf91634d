"""SQLModel tables for the whole domain of DOMAIN.md.

Conventions: times are timezone-aware UTC (`utcnow()`; SQLModel refuses
naive ones); statuses are the short codes
of `ecandidat_tui.domain`; rows a screen edits carry `version` for optimistic
locking (see `store.db.update_versioned`); `*_key` columns hold the
upper-case, accent-free form of a name, used for search and for the student
system.

A surrogate `id` is typed `int`: it is None only between a row's
construction and the flush that inserts it, and the services read ids only
of rows loaded or flushed (the column itself is NOT NULL).
"""

from __future__ import annotations

from datetime import date, datetime, UTC

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..domain import OutboxStatus, StatutDossier, StatutPiece


class _Table(SQLModel):
    """Base of every table. Pydantic builds a model's validation schema only
    when something first validates or dumps one (`defer_build`): the tables
    are built from the database, never validated, and building 22 schemas
    up front was a third of the time to import the store (~70 ms at start-up)."""

    model_config = {"defer_build": True}


def utcnow() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------- accounts


class Account(_Table, table=True):
    """A candidate's eCandidat account (the numéro de dossier is `login`)."""

    __tablename__ = "account"
    __table_args__ = (
        Index("ix_account_nom_key_prenom_key", "nom_key", "prenom_key"),
    )

    id: int = Field(default=None, primary_key=True)
    login: str = Field(max_length=8, unique=True)
    nom: str = Field(max_length=30)
    prenom: str = Field(max_length=20)
    nom_key: str = Field(max_length=30)
    prenom_key: str = Field(max_length=20, index=True)
    mail: str = Field(max_length=100)
    mail_key: str = Field(max_length=100, unique=True)
    password_hash: str | None = None
    must_change_password: bool = True
    mail_validated: bool = False
    account_valid: bool = False
    from_directory: bool = False
    ent_login: str | None = Field(default=None, max_length=64, unique=True)
    numero_etudiant: str | None = Field(default=None, max_length=20, index=True)
    failed_attempts: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    validity_deadline: datetime | None = None
    last_login_at: datetime | None = None
    version: int = 1


class IssuedLogin(_Table, table=True):
    """Every login ever issued, so a deleted account's login is never reused."""

    __tablename__ = "issued_login"

    login: str = Field(primary_key=True, max_length=8)
    issued_at: datetime = Field(default_factory=utcnow)


class OneTimeCode(_Table, table=True):
    """Activation, reset and mail-change codes: stored only as hashes."""

    __tablename__ = "one_time_code"

    id: int = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    lookup: str = Field(max_length=64, index=True)
    code_hash: str
    payload: str | None = None
    expires_at: datetime
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------- profile


class InformationsPerso(_Table, table=True):
    __tablename__ = "informations_perso"

    account_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    nationalite: str = Field(default="FRA", max_length=3)
    ine: str | None = Field(default=None, max_length=11, unique=True)
    civilite: str = Field(max_length=8)
    nom_naissance: str = Field(max_length=30)
    nom_usage: str | None = Field(default=None, max_length=30)
    prenom: str = Field(max_length=20)
    autre_prenom: str | None = Field(default=None, max_length=20)
    date_naissance: date
    pays_naissance: str = Field(max_length=3)
    departement_naissance: str | None = Field(default=None, max_length=3)
    commune_naissance: str | None = Field(default=None, max_length=50)
    ville_naissance: str | None = Field(default=None, max_length=50)
    telephone: str | None = Field(default=None, max_length=20)
    portable: str | None = Field(default=None, max_length=20)
    locked_fields: str = ""
    version: int = 1


class Adresse(_Table, table=True):
    __tablename__ = "adresse"

    account_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    pays: str = Field(max_length=3)
    code_postal: str | None = Field(default=None, max_length=5)
    commune: str | None = Field(default=None, max_length=50)
    commune_etrangere: str | None = Field(default=None, max_length=50)
    adresse: str = Field(max_length=32)
    complement1: str | None = Field(default=None, max_length=32)
    complement2: str | None = Field(default=None, max_length=32)
    cedex: str | None = Field(default=None, max_length=32)
    version: int = 1


class Baccalaureat(_Table, table=True):
    __tablename__ = "baccalaureat"

    account_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    has_bac: bool = True
    annee: int | None = None
    serie: str | None = Field(default=None, max_length=60)
    mention: str | None = Field(default=None, max_length=30)
    pays: str | None = Field(default=None, max_length=3)
    departement: str | None = Field(default=None, max_length=3)
    commune: str | None = Field(default=None, max_length=50)
    etablissement: str | None = Field(default=None, max_length=100)
    specialites: str | None = Field(default=None, max_length=200)
    situation: str | None = Field(default=None, max_length=500)
    from_directory: bool = False
    version: int = 1


class CursusInterne(_Table, table=True):
    """Read-only for the candidate: synchronised from the student directory."""

    __tablename__ = "cursus_interne"

    id: int = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    annee_universitaire: str = Field(max_length=9)
    code: str = Field(max_length=20)
    libelle: str = Field(max_length=200)
    note: str | None = Field(default=None, max_length=10)
    bareme: str | None = Field(default=None, max_length=10)
    mention: str | None = Field(default=None, max_length=30)
    resultat: str | None = Field(default=None, max_length=30)


class CursusExterne(_Table, table=True):
    __tablename__ = "cursus_externe"

    id: int = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    pays: str = Field(max_length=3)
    etablissement: str = Field(max_length=100)
    departement: str | None = Field(default=None, max_length=3)
    commune: str | None = Field(default=None, max_length=50)
    annee: int
    formation: str = Field(max_length=100)
    libelle_niveau: str = Field(max_length=100)
    obtenu: str = Field(max_length=8)
    mention: str | None = Field(default=None, max_length=30)
    version: int = 1


class Stage(_Table, table=True):
    __tablename__ = "stage"

    id: int = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    annee: int
    duree: str = Field(max_length=30)
    heures_semaine: int | None = None
    organisme: str = Field(max_length=100)
    descriptif: str = Field(max_length=500)
    version: int = 1


class ExperiencePro(_Table, table=True):
    __tablename__ = "experience_pro"

    id: int = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    annee: int
    intitule: str = Field(max_length=100)
    duree: str = Field(max_length=30)
    organisme: str = Field(max_length=100)
    descriptif: str | None = Field(default=None, max_length=500)
    version: int = 1


# ---------------------------------------------------------------- catalog


class Centre(_Table, table=True):
    """A centre de candidature."""

    __tablename__ = "centre"

    id: int = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    libelle: str = Field(max_length=200)
    max_candidatures: int | None = None


class Commission(_Table, table=True):
    __tablename__ = "commission"
    __table_args__ = (UniqueConstraint("centre_id", "code", name="uq_commission_centre_code"),)

    id: int = Field(default=None, primary_key=True)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    code: str = Field(max_length=20)
    libelle: str = Field(max_length=200)
    adresse: str = Field(default="", max_length=300)
    telephone: str = Field(default="", max_length=30)
    mail: str = Field(default="", max_length=100)


class Formation(_Table, table=True):
    __tablename__ = "formation"

    id: int = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    titre: str = Field(max_length=200)
    mots_cles: str = Field(default="", max_length=300)
    url: str = Field(default="", max_length=300)
    commission_id: int = Field(foreign_key="commission.id", index=True)
    mode: str = Field(default="dematerialise", max_length=16)
    date_debut_depot: date
    date_fin_depot: date
    date_limite_retour: date
    date_preanalyse: date | None = None
    date_jury: date | None = None
    date_publication: date | None = None
    date_confirmation: date | None = None
    # False: closed to new candidatures whatever the dates (the Campagne's "fermée").
    ouverte: bool = True


class PieceType(_Table, table=True):
    """A kind of pièce justificative, asked by one or more formations."""

    __tablename__ = "piece_type"

    id: int = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    libelle: str = Field(sa_column=Column(Text, nullable=False))
    conditional: bool = False
    shared: bool = False
    ordre: int = 0


class FormationPiece(_Table, table=True):
    __tablename__ = "formation_piece"

    formation_id: int = Field(foreign_key="formation.id", primary_key=True, ondelete="CASCADE")
    piece_type_id: int = Field(foreign_key="piece_type.id", primary_key=True)


# ----------------------------------------------------------- candidatures


class Candidature(_Table, table=True):
    __tablename__ = "candidature"
    __table_args__ = (
        UniqueConstraint("account_id", "formation_id", name="uq_candidature_account_formation"),
        Index("ix_candidature_formation_statut", "formation_id", "statut"),
    )

    id: int = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    formation_id: int = Field(foreign_key="formation.id")
    statut: str = Field(default=StatutDossier.EN_ATTENTE, max_length=16)
    decision: str | None = Field(default=None, max_length=24)
    decision_rang: int | None = None
    decision_commentaire: str | None = Field(default=None, max_length=500)
    decision_validated: bool = False
    # The decision letter (PDF) produced when the decision was validated; None before,
    # and for decisions validated before letters existed.
    decision_letter_sha256: str | None = Field(default=None, foreign_key="file_blob.sha256", index=True)
    confirmation: str | None = Field(default=None, max_length=16)
    commentaire: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    transmitted_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class FileBlob(_Table, table=True):
    """An uploaded file's bytes, addressed by SHA-256 and shared by submissions."""

    __tablename__ = "file_blob"

    sha256: str = Field(primary_key=True, max_length=64)
    mime: str = Field(max_length=40)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class PieceSubmission(_Table, table=True):
    """One pièce justificative of one candidature: its file and status."""

    __tablename__ = "piece_submission"
    __table_args__ = (
        UniqueConstraint("candidature_id", "piece_type_id", name="uq_piece_candidature_type"),
    )

    id: int = Field(default=None, primary_key=True)
    candidature_id: int = Field(foreign_key="candidature.id", index=True, ondelete="CASCADE")
    piece_type_id: int = Field(foreign_key="piece_type.id")
    statut: str = Field(default=StatutPiece.EN_ATTENTE, max_length=16)
    blob_sha256: str | None = Field(default=None, foreign_key="file_blob.sha256", index=True)
    file_name: str | None = Field(default=None, max_length=255)
    commentaire: str | None = Field(default=None, max_length=500)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


# ------------------------------------------------------------ mail outbox


class OutboxMail(_Table, table=True):
    """A mail written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_mail"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: int = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    to_addr: str = Field(max_length=100)
    subject: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    attachment_name: str | None = Field(default=None, max_length=255)
    attachment_sha256: str | None = Field(default=None, foreign_key="file_blob.sha256")
    status: str = Field(default=OutboxStatus.PENDING, max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    message_id: str = Field(max_length=200)
    # The one-time secrets (codes, first password, links) `body` holds in clear
    # until delivery, as a JSON list; `_mark_sent` masks them in `body` and
    # clears this (see mail/dispatch.py).
    secrets: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


# ----------------------------------------------------------- staff, audit


class StaffUser(_Table, table=True):
    __tablename__ = "staff_user"

    id: int = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True)
    password_hash: str
    role: str = Field(max_length=16)
    centre_codes: str = ""
    disabled: bool = False
    failed_attempts: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class LoginAttempt(_Table, table=True):
    """Failed logins for a login that names no account, counted like an account's
    (`services/throttle.py`), so a lockout does not reveal which logins exist.
    `key` is a SHA-256 of the scope and the login, not the typed text."""

    __tablename__ = "login_attempt"

    scope: str = Field(primary_key=True, max_length=10)
    key: str = Field(primary_key=True, max_length=64)
    failed_attempts: int = 0
    locked_until: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class AuditLog(_Table, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_at", "at"),)

    id: int = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor_kind: str = Field(max_length=10)
    actor: str = Field(max_length=64, index=True)
    action: str = Field(max_length=40, index=True)
    target_login: str | None = Field(default=None, max_length=8, index=True)
    candidature_id: int | None = None
    details: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class ReminderSent(_Table, table=True):
    """A reminder before the date limite de retour, sent once per candidature and delay.

    The primary key makes "at most once" hold when two machines run
    `ecandidat mail remind` at the same time: the second insert fails.
    """

    __tablename__ = "reminder_sent"

    candidature_id: int = Field(foreign_key="candidature.id", primary_key=True, ondelete="CASCADE")
    days: int = Field(primary_key=True)
    sent_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------- local student directory


class DirectoryStudent(_Table, table=True):
    """The `local` directory backend: the institution's students, for the ENT path."""

    __tablename__ = "directory_student"

    numero_etudiant: str = Field(primary_key=True, max_length=20)
    ent_login: str = Field(max_length=64, unique=True)
    password_hash: str
    nom: str = Field(max_length=30)
    prenom: str = Field(max_length=20)
    mail: str = Field(max_length=100)
    ine: str | None = Field(default=None, max_length=11)
    date_naissance: date | None = None
    civilite: str | None = Field(default=None, max_length=8)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
