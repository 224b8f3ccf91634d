"""The staff console's read models: plain frozen dataclasses, no store imports.

Screens import these (and the constants) without pulling SQL in;
`services.staff` returns them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from ..domain import Confirmation, Decision, Role, StatutDossier, StatutPiece
from .errors import Forbidden

SEARCH_CAP = 200
SEARCH_MIN_CHARS = 2
CSV_DELIMITER = ";"  # what a French spreadsheet expects by default




class StaffSessionEnded(Forbidden):
    """The console's user was disabled (or removed) since logging in: the session ends."""


# ------------------------------------------------------------ read models


@dataclass(frozen=True)
class StaffPrincipal:
    """Who is using the console (returned by `authenticate_staff`)."""

    login: str
    role: Role
    centres: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


@dataclass(frozen=True)
class StaffUserView:
    login: str
    role: str
    disabled: bool
    centres: tuple[str, ...]
    created_at: datetime
    last_login_at: datetime | None
    locked: bool


@dataclass(frozen=True)
class CandidateHit:
    login: str
    nom: str
    prenom: str
    mail: str
    numero_etudiant: str | None
    ine: str | None
    account_valid: bool


@dataclass(frozen=True)
class SearchResult:
    hits: tuple[CandidateHit, ...]
    truncated: bool  # more matches exist than the cap


@dataclass(frozen=True)
class CandidateAdminView:
    login: str
    nom: str
    prenom: str
    mail: str
    created_at: datetime
    validity_deadline: datetime | None
    mail_validated: bool
    account_valid: bool
    must_change_password: bool
    from_directory: bool
    numero_etudiant: str | None
    ine: str | None
    locked: bool
    locked_until: datetime | None
    failed_attempts: int
    last_login_at: datetime | None
    candidatures: int
    version: int


@dataclass(frozen=True)
class CandidatureSummary:
    id: int
    login: str
    formation_code: str
    formation_titre: str
    centre_code: str
    statut: StatutDossier
    decision: Decision | None
    decision_rang: int | None
    decision_validated: bool
    confirmation: Confirmation | None  # the candidate's answer to a Favorable decision
    created_at: datetime
    transmitted_at: datetime | None
    version: int


@dataclass(frozen=True)
class PieceReview:
    id: int
    code: str
    libelle: str
    conditional: bool
    statut: StatutPiece
    file_name: str | None
    blob_sha256: str | None
    mime: str | None
    size: int | None
    commentaire: str | None
    version: int


@dataclass(frozen=True)
class StaffRecap:
    candidature: CandidatureSummary
    nom: str
    prenom: str
    mail: str
    decision_commentaire: str | None
    commentaire: str | None
    confirmation: Confirmation | None
    date_limite_retour: date
    date_jury: date | None
    date_publication: date | None
    date_confirmation: date | None
    pieces: tuple[PieceReview, ...]
    has_letter: bool = False  # the decision letter produced at validation (none before letters existed)


@dataclass(frozen=True)
class PieceReviewResult:
    """What `review_pieces` did: the dossier after it, how many pieces changed and
    how many it left as they were (Validée asked for a piece without a file:
    "En attente", or "Non concerné" as the candidate declared)."""

    recap: StaffRecap
    changed: int
    skipped: int


@dataclass(frozen=True)
class PieceFile:
    file_name: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class FormationRow:
    id: int
    code: str
    titre: str
    centre_code: str
    candidatures: int


@dataclass(frozen=True)
class FormationCandidatureRow:
    candidature_id: int
    login: str
    nom: str
    prenom: str
    mail: str
    ine: str | None
    date_naissance: date | None
    bac_annee: int | None
    bac_serie: str | None
    bac_mention: str | None
    statut: StatutDossier
    decision: Decision | None
    decision_rang: int | None
    decision_validated: bool
    confirmation: Confirmation | None
    created_at: datetime
    transmitted_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None
    action: str | None = None  # exact action, or a prefix ending with "*"
    target_login: str | None = None
    candidature_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 500


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_kind: str
    actor: str
    action: str
    target_login: str | None
    candidature_id: int | None
    details: str


@dataclass(frozen=True)
class DossierCounts:
    """How many candidatures stand at each step, and the decisions recorded (validated or not)."""

    en_attente: int = 0  # created, not transmitted yet: what is still coming
    receptionne: int = 0
    complet: int = 0
    incomplet: int = 0
    decisions: dict[Decision, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.en_attente + self.receptionne + self.complet + self.incomplet

    def by_statut(self, statut: StatutDossier) -> int:
        return getattr(self, statut.name.lower())

    def __add__(self, other: DossierCounts) -> DossierCounts:
        return DossierCounts(
            self.en_attente + other.en_attente, self.receptionne + other.receptionne,
            self.complet + other.complet, self.incomplet + other.incomplet,
            {d: self.decisions.get(d, 0) + other.decisions.get(d, 0) for d in Decision
             if self.decisions.get(d, 0) + other.decisions.get(d, 0)})


@dataclass(frozen=True)
class FormationCounts:
    centre_code: str
    formation_code: str
    titre: str
    counts: DossierCounts


@dataclass(frozen=True)
class PendingCounts:
    """Per formation, per centre and in all: what a commission has and what is still coming."""

    formations: tuple[FormationCounts, ...]
    centres: tuple[tuple[str, DossierCounts], ...]
    total: DossierCounts
