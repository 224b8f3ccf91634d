"""Campaign editing in the staff console: formations (their dates, their
pièces justificatives), commissions (the contact shown to candidates),
centres and piece types.

Rules, enforced here on every call:

- an admin edits everything; a gestionnaire edits the formations and the
  commissions of their centres (`check_centre`), may not create a centre nor
  edit piece types (they are shared by every centre);
- the fields are checked by the import's record models (`catalog_records`):
  one set of rules for a catalog file and for the console, refusals in French
  under their field;
- a change that would strand candidatures (a piece removed while
  candidatures not transmitted hold a file for it; the date de fin de dépôt
  or the date limite de retour moved into the past while candidatures are not
  transmitted) is not applied without `confirm=True`: the call first returns
  its `Impact` (how many candidatures it touches);
- a transmitted candidature never changes because the campaign changed: it
  keeps its pieces and their files; a candidature not transmitted loses the
  pieces removed from its formation and is asked for the ones added;
- the formation is locked for the write (`FOR UPDATE`; SQLite's write lock is
  taken at BEGIN) and compared with what the person edited: another terminal's
  change in between refuses the save (`ConcurrentEdit`), nothing is overwritten;
- every change writes an audit row in its transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from ..domain import Role
from ..store.models import (
    Candidature, Centre, Commission, Formation, FormationPiece, PieceSubmission, PieceType,
)
from .catalog_import import _DATE_ORDER, DATE_FIELDS, sync_candidature_pieces
from .catalog_records import CentreRecord, CommissionRecord, FormationRecord, PieceRecord, Record
from .context import ServiceContext
from .errors import ConcurrentEdit, DomainError, Forbidden, NotFound, ValidationFailed
from .staff import MSG_FORBIDDEN, check_centre, current_principal
from .staff_views import StaffPrincipal

FORMATION_COLUMNS = ("titre", "mots_cles", "url", "mode", *DATE_FIELDS, "ouverte")

# The record models' refusals (English, for catalog files) as the console says them.
_FRENCH = (
    (re.compile(r"^is required$"), "Champ obligatoire."),
    (re.compile(r"^is longer than (\d+) characters$"), r"\1 caractères au plus."),
    (re.compile(r"^must be text$"), "Texte attendu."),
    (re.compile(r"^holds a control character"), "Caractère de contrôle ou d'inversion interdit."),
    (re.compile(r"is not a valid code"), "Code invalide : lettres, chiffres, « _ », « - », « . »."),
    (re.compile(r"is not a date"), "Date invalide (JJ/MM/AAAA)."),
    (re.compile(r"^must be a date"), "Date invalide (JJ/MM/AAAA)."),
    (re.compile(r"is not true or false"), "Oui ou non attendu."),
    (re.compile(r"is not a whole number"), "Nombre entier attendu."),
    (re.compile(r"^must be at least (\d+)$"), r"Au moins \1."),
    (re.compile(r"is not a valid mail address"), "Adresse mail invalide."),
    (re.compile(r"may only hold digits"), "Chiffres et / + ( ) - . espace seulement."),
    (re.compile(r"is not dematerialise or papier"), "Dématérialisé ou papier."),
    (re.compile(r"lists a piece type twice"), "Une pièce est listée deux fois."),
)
_DATE_LABELS = {"date_debut_depot": "ouverture", "date_fin_depot": "fin de dépôt",
                "date_limite_retour": "date limite de retour", "date_publication": "publication",
                "date_confirmation": "confirmation"}


def french(message: str) -> str:
    for pattern, text in _FRENCH:
        if pattern.search(message):
            return pattern.sub(text, message) if "\\" in text else text
    return message


@dataclass(frozen=True)
class FormationForm:
    """A formation as the console edits it; also what the person saw, for the save's check."""

    code: str
    titre: str
    mots_cles: str
    url: str
    mode: str
    date_debut_depot: date
    date_fin_depot: date
    date_limite_retour: date
    date_preanalyse: date | None
    date_jury: date | None
    date_publication: date | None
    date_confirmation: date | None
    ouverte: bool
    centre_code: str
    commission_code: str
    pieces: tuple[str, ...]


@dataclass(frozen=True)
class Impact:
    """What a change would do to existing candidatures (see the module's rules)."""

    touched: int = 0
    reasons: tuple[str, ...] = ()

    def question(self) -> str:
        return (f"Cette modification touche {self.touched} candidature(s) : {' ; '.join(self.reasons)}. "
                "Continuer ?")


@dataclass(frozen=True)
class SaveResult:
    applied: bool
    impact: Impact
    form: FormationForm | None = None


@dataclass(frozen=True)
class CommissionChoice:
    centre_code: str
    centre_libelle: str
    code: str
    libelle: str


class CampaignService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def _audit(self, s: Session, principal: StaffPrincipal, action: str, **details: Any) -> None:
        self.ctx.audit(s, "staff", principal.login, action, **details)

    @staticmethod
    def _checked(model: type[Record], raw: Mapping[str, Any]) -> Any:
        """`raw` checked by the import's record model; refusals in French by field."""
        try:
            return model.model_validate(dict.fromkeys(model.model_fields) | dict(raw))
        except ValidationError as exc:
            errors: dict[str, str] = {}
            for problem in exc.errors(include_url=False):
                name = str(problem["loc"][0])
                errors.setdefault(name, "Champ inconnu." if problem["type"] == "extra_forbidden"
                                  else french(problem["msg"]))
            raise ValidationFailed(errors) from None

    # ------------------------------------------------------------ reading

    def commission_choices(self, principal: StaffPrincipal) -> list[CommissionChoice]:
        """The commissions a formation of this person may belong to (their centres; all for an admin)."""
        with self.ctx.db.read_session() as s:
            current = current_principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
            query = (select(col(Centre.code), col(Centre.libelle), col(Commission.code), col(Commission.libelle))
                     .join(Commission, col(Commission.centre_id) == col(Centre.id))
                     .order_by(col(Centre.code), col(Commission.code)))
            if current.role == Role.GESTIONNAIRE:
                query = query.where(col(Centre.code).in_(current.centres))
            return [CommissionChoice(*row) for row in s.execute(query)]

    def formation_form(self, principal: StaffPrincipal, code: str) -> FormationForm:
        with self.ctx.db.read_session() as s:
            current = current_principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
            _, form = self._form(s, code)
            check_centre(current, form.centre_code)
            return form

    @staticmethod
    def _form(s: Session, code: str, *, lock: bool = False) -> tuple[Formation, FormationForm]:
        query = select(Formation).where(col(Formation.code) == code)
        if lock:
            query = query.with_for_update()
        f = s.execute(query).scalar_one_or_none()
        if f is None:
            raise NotFound(f"La formation {code} n'existe pas ou plus.")
        centre_code, commission_code = s.execute(
            select(col(Centre.code), col(Commission.code)).join(Commission, col(Commission.centre_id) == col(Centre.id))
            .where(col(Commission.id) == f.commission_id)).one()
        pieces = s.execute(select(col(PieceType.code))
                           .join(FormationPiece, col(FormationPiece.piece_type_id) == col(PieceType.id))
                           .where(col(FormationPiece.formation_id) == f.id)
                           .order_by(col(PieceType.code))).scalars().all()
        values = {name: getattr(f, name) for name in FORMATION_COLUMNS}
        return f, FormationForm(code=f.code, centre_code=centre_code, commission_code=commission_code,
                                pieces=tuple(pieces), **values)

    # ------------------------------------------------------------ formations

    def save_formation(self, principal: StaffPrincipal, values: Mapping[str, Any], *,
                       original: FormationForm | None = None, confirm: bool = False) -> SaveResult:
        """Create (`original` None) or update the formation `values["code"]`.

        `values` holds the fields of `FormationRecord` (text as typed, dates
        `JJ/MM/AAAA` or ISO) plus `centre_code`, `commission_code` and
        `pieces` (codes). Returns without writing when the change strands
        candidatures and `confirm` is False (`applied` False, `impact` says why).
        """
        raw = {name: values.get(name) for name in FormationRecord.model_fields}
        record: FormationRecord = self._checked(FormationRecord, raw)
        order_errors = {later: f"Doit être après la date de {_DATE_LABELS[earlier]}."
                        for later, earlier in _DATE_ORDER
                        if getattr(record, later) and getattr(record, earlier)
                        and getattr(record, later) < getattr(record, earlier)}
        if order_errors:
            raise ValidationFailed(order_errors)
        centre_code = str(values.get("centre_code") or "")
        commission_code = str(values.get("commission_code") or "")
        today = self.ctx.today()
        with self.ctx.db.session() as s:
            current = current_principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
            check_centre(current, centre_code)
            commission_id = s.execute(
                select(col(Commission.id)).join(Centre, col(Centre.id) == col(Commission.centre_id))
                .where(col(Centre.code) == centre_code, col(Commission.code) == commission_code)).scalar_one_or_none()
            if commission_id is None:
                raise DomainError("Choisissez une commission d'un de vos centres.", "commission")
            piece_ids = dict(s.execute(select(col(PieceType.code), col(PieceType.id))
                                       .where(col(PieceType.code).in_(record.pieces))).all())
            unknown = [p for p in record.pieces if p not in piece_ids]
            if unknown:
                raise DomainError(f"Type de pièce inconnu : {', '.join(unknown)}.", "pieces")
            columns = {name: getattr(record, name) for name in FORMATION_COLUMNS}
            if original is None:
                if s.execute(select(col(Formation.id)).where(col(Formation.code) == record.code)).first() is not None:
                    raise DomainError(f"La formation {record.code} existe déjà.", "code")
                f = Formation(code=record.code, commission_id=commission_id, **columns)
                s.add(f)
                s.flush()
                if record.pieces:
                    s.execute(insert(FormationPiece),
                              [{"formation_id": f.id, "piece_type_id": piece_ids[p]} for p in record.pieces])
                self._audit(s, current, "formation_create", formation=record.code, centre=centre_code,
                            pieces=list(record.pieces))
                return SaveResult(True, Impact(), self._form(s, record.code)[1])
            if original.code != record.code:
                raise DomainError("Le code d'une formation ne change pas.", "code")
            f, seen = self._form(s, original.code, lock=True)
            check_centre(current, seen.centre_code)  # moving a formation out of one's centre is refused too
            if seen != original:
                raise ConcurrentEdit()
            old_ids = dict(s.execute(select(col(PieceType.code), col(PieceType.id))
                                     .where(col(PieceType.code).in_(seen.pieces))).all())
            removed = {old_ids[p] for p in set(seen.pieces) - set(record.pieces)}
            added = {piece_ids[p] for p in set(record.pieces) - set(seen.pieces)}
            impact = self._impact(s, f, record, removed, today)
            if impact.touched and not confirm:
                return SaveResult(False, impact, seen)
            for name, value in columns.items():
                setattr(f, name, value)
            f.commission_id = commission_id
            self._sync_pieces(s, f.id or 0, removed, added, self.ctx.now())
            changed = {name: str(getattr(record, name)) for name in FORMATION_COLUMNS
                       if getattr(record, name) != getattr(seen, name)}
            self._audit(s, current, "formation_update", formation=record.code, centre=centre_code,
                        changed=changed, pieces_added=sorted(set(record.pieces) - set(seen.pieces)),
                        pieces_removed=sorted(set(seen.pieces) - set(record.pieces)),
                        candidatures_touched=impact.touched)
            s.flush()
            return SaveResult(True, impact, self._form(s, record.code)[1])

    @staticmethod
    def _impact(s: Session, f: Formation, record: FormationRecord, removed: set[int], today: date) -> Impact:
        """The candidatures not transmitted that the change strands, and why."""
        waiting = (select(col(Candidature.id)).where(col(Candidature.formation_id) == f.id,
                                                col(Candidature.transmitted_at).is_(None)))
        touched: set[int] = set()
        reasons = []
        if removed:
            holders = set(s.execute(
                select(col(PieceSubmission.candidature_id)).distinct()
                .where(col(PieceSubmission.candidature_id).in_(waiting),
                       col(PieceSubmission.piece_type_id).in_(removed),
                       col(PieceSubmission.blob_sha256).is_not(None))).scalars())
            if holders:
                touched |= holders
                reasons.append(f"{len(holders)} avec un fichier pour une pièce retirée")
        for name, label in (("date_fin_depot", "fin de dépôt"), ("date_limite_retour", "date limite de retour")):
            new = getattr(record, name)
            if new < today and new != getattr(f, name):
                ids = set(s.execute(waiting).scalars())
                if ids:
                    touched |= ids
                    reasons.append(f"{len(ids)} non transmise(s), {label} passée")
        return Impact(len(touched), tuple(reasons))

    @staticmethod
    def _sync_pieces(s: Session, formation_id: int, removed: set[int], added: set[int], now: Any) -> None:
        """The formation's links, then its candidatures' pieces (the import's rule)."""
        if removed:
            s.execute(delete(FormationPiece).where(col(FormationPiece.formation_id) == formation_id,
                                                   col(FormationPiece.piece_type_id).in_(removed)))
        if added:
            s.execute(insert(FormationPiece),
                      [{"formation_id": formation_id, "piece_type_id": pid} for pid in sorted(added)])
        sync_candidature_pieces(s, {formation_id: (removed, added)}, now)

    # ------------------------------------------------ commissions, centres, pieces

    def stored_values(self, principal: StaffPrincipal, kind: str, code: str,
                      centre_code: str = "") -> dict[str, Any] | None:
        """What a centre, a commission (of `centre_code`) or a piece type (`kind`) holds now,
        as its form shows it; None for a code not used yet."""
        with self.ctx.db.read_session() as s:
            current = current_principal(s, principal, *((Role.ADMIN,) if kind == "piece" else
                                                         (Role.GESTIONNAIRE, Role.ADMIN)))
            if kind == "centre":
                check_centre(current, code)
                row: Any = s.execute(select(Centre).where(col(Centre.code) == code)).scalar_one_or_none()
                names: tuple[str, ...] = ("libelle", "max_candidatures")
            elif kind == "commission":
                check_centre(current, centre_code)
                row = s.execute(select(Commission).join(Centre, col(Centre.id) == col(Commission.centre_id))
                                .where(col(Centre.code) == centre_code, col(Commission.code) == code)
                                ).scalar_one_or_none()
                names = ("libelle", "adresse", "telephone", "mail")
            else:
                row = s.execute(select(PieceType).where(col(PieceType.code) == code)).scalar_one_or_none()
                names = ("libelle", "conditional", "shared", "ordre")
            return None if row is None else {name: getattr(row, name) for name in names}

    def save_commission(self, principal: StaffPrincipal, centre_code: str, values: Mapping[str, Any]) -> None:
        """Create or update a commission (its contact) of `centre_code`."""
        raw = {name: values.get(name) for name in CommissionRecord.model_fields if name != "formations"}
        record: CommissionRecord = self._checked(CommissionRecord, raw)
        with self.ctx.db.session() as s:
            current = current_principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
            check_centre(current, centre_code)
            centre_id = s.execute(select(col(Centre.id)).where(col(Centre.code) == centre_code)).scalar_one_or_none()
            if centre_id is None:
                raise NotFound(f"Le centre {centre_code} n'existe pas.")
            fields = record.model_dump(include={"libelle", "adresse", "telephone", "mail"})
            row = s.execute(select(Commission).where(col(Commission.centre_id) == centre_id,
                                                     col(Commission.code) == record.code).with_for_update()
                            ).scalar_one_or_none()
            if row is None:
                s.add(Commission(centre_id=centre_id, code=record.code, **fields))
            else:
                for name, value in fields.items():
                    setattr(row, name, value)
            self._audit(s, current, "commission_save", centre=centre_code, commission=record.code,
                        created=row is None)

    def save_centre(self, principal: StaffPrincipal, values: Mapping[str, Any], *, create: bool) -> None:
        """An admin creates or edits a centre; a gestionnaire edits one of theirs."""
        raw = {name: values.get(name) for name in CentreRecord.model_fields if name != "commissions"}
        record: CentreRecord = self._checked(CentreRecord, raw)
        with self.ctx.db.session() as s:
            current = current_principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
            if create and current.role != Role.ADMIN:
                raise Forbidden(MSG_FORBIDDEN)
            check_centre(current, record.code)
            row = s.execute(select(Centre).where(col(Centre.code) == record.code).with_for_update()
                            ).scalar_one_or_none()
            if create:
                if row is not None:
                    raise DomainError(f"Le centre {record.code} existe déjà.", "code")
                s.add(Centre(code=record.code, libelle=record.libelle, max_candidatures=record.max_candidatures))
            else:
                if row is None:
                    raise NotFound(f"Le centre {record.code} n'existe pas.")
                row.libelle, row.max_candidatures = record.libelle, record.max_candidatures
            self._audit(s, current, "centre_create" if create else "centre_update", centre=record.code)
            try:
                s.flush()
            except IntegrityError:
                raise DomainError(f"Le centre {record.code} existe déjà.", "code") from None

    def save_piece_type(self, principal: StaffPrincipal, values: Mapping[str, Any]) -> None:
        """Create or update a piece type (admins: every centre's formations share them)."""
        record: PieceRecord = self._checked(PieceRecord, {name: values.get(name) for name in PieceRecord.model_fields})
        with self.ctx.db.session() as s:
            current = current_principal(s, principal, Role.ADMIN)
            fields = record.model_dump(include={"libelle", "conditional", "shared", "ordre"})
            row = s.execute(select(PieceType).where(col(PieceType.code) == record.code).with_for_update()
                            ).scalar_one_or_none()
            if row is None:
                s.add(PieceType(code=record.code, **fields))
            else:
                for name, value in fields.items():
                    setattr(row, name, value)
            self._audit(s, current, "piece_type_save", piece=record.code, created=row is None, **fields)


def form_values(form: FormationForm) -> dict[str, Any]:
    """A form's values as `save_formation` takes them (dates as ISO text)."""
    values = asdict(form)
    for name in DATE_FIELDS:
        values[name] = values[name].isoformat() if values[name] else ""
    values["pieces"] = list(form.pieces)
    return values


__all__ = ["CampaignService", "CommissionChoice", "FormationForm", "Impact", "SaveResult", "form_values", "french"]
