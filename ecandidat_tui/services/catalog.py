"""The Offre de formation service: the demo catalog, imports (validated and
upserted by `catalog_import`) and the read models of `catalog_views`.

The tree is read in two queries (centres; formations joined to their
commission) into frozen dataclasses, kept for `cached_tree` while the
catalog's fingerprint and the day stay the same.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from ..domain import ModeFormation
from ..store.models import Centre, Commission, Formation, FormationPiece, PieceType
from ..text import fold
from .catalog_views import (
    CatalogTree, CentreNode, CentreOverview, FormationDetail, FormationSummary, PieceTypeView, mode_label,
    period_state,
)
from .context import ServiceContext
from .errors import NotFound
from .import_files import read_import_text

if TYPE_CHECKING:
    from .catalog_import import CatalogImportError, ImportReport


def __getattr__(name: str) -> Any:
    """The importer's names, imported when first asked for: a kiosk that never
    imports a catalog does not build its record models (about 1 MiB)."""
    if name in ("CatalogImportError", "ImportReport"):
        from . import catalog_import

        return getattr(catalog_import, name)
    raise AttributeError(name)

# ------------------------------------------------------------- service


class CatalogService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        # The last tree read: (monotonic time, today, fingerprint, tree); see cached_tree().
        self._tree_cache: tuple[float, date, tuple, CatalogTree] | None = None

    def invalidate(self) -> None:
        """Forget the cached tree (after an import in this process)."""
        self._tree_cache = None

    # ---------------------------------------------------------- loading

    def is_empty(self) -> bool:
        with self.ctx.db.read_session() as s:
            return s.execute(select(col(Formation.id)).limit(1)).first() is None

    def load_demo_if_empty(self) -> bool:
        """Load the demo catalog when there is no formation; True when it did.

        One transaction. Two processes starting at once: on SQLite the write
        lock serialises them (the second sees formations and stops); on
        PostgreSQL an advisory lock does the same (`store.demo.lock_demo_load`).
        """
        if not self.is_empty():
            return False
        from ..store.demo import demo_catalog, lock_demo_load
        from .catalog_import import CatalogImportError, _parse_json, _Validator, apply_document

        v = _Validator()
        doc = demo_catalog(self.ctx.today())
        _parse_json(json.dumps(doc), v)
        if v.errors:  # pragma: no cover - the shipped demo is tested
            raise CatalogImportError(v.errors)
        try:
            with self.ctx.db.session() as s:
                lock_demo_load(s)
                if s.execute(select(col(Formation.id)).limit(1)).first() is not None:
                    return False
                apply_document(s, v.doc)
        except IntegrityError:
            return False
        finally:
            self.invalidate()
        return True

    def import_file(self, path: Path | str) -> ImportReport:
        """Validate then upsert a JSON or CSV catalog in one transaction."""
        path = Path(path)
        text = read_import_text(path)  # ImportFileRefused: a FIFO, a device, too large, not UTF-8
        kind = path.suffix.lower()
        if kind not in (".json", ".csv"):
            kind = ".json" if text.lstrip()[:1] in ("{", "[") else ".csv"
        return self.import_text(text, kind.lstrip("."))

    def import_text(self, text: str, kind: str) -> ImportReport:
        from .catalog_import import CatalogImportError, _parse_csv, _parse_json, _Validator, apply_document

        v = _Validator()
        if kind == "json":
            _parse_json(text, v)
        elif kind == "csv":
            _parse_csv(text, v)
        else:
            raise CatalogImportError([f"unknown catalog format {kind!r} (json or csv)"])
        if v.errors:
            raise CatalogImportError(v.errors)
        try:
            with self.ctx.db.session() as s:
                known = set(s.execute(select(col(PieceType.code))).scalars())
                v.check_piece_references(known)
                if v.errors:
                    raise CatalogImportError(v.errors)
                report = apply_document(s, v.doc, self.ctx.now())
            self.invalidate()
            return report
        except IntegrityError as exc:
            raise CatalogImportError([f"the database refused the import: {exc.orig}"]) from exc

    def export_text(self, kind: str) -> str:
        """The whole catalog in the import format `kind` ("json" or "csv"): importing it changes nothing."""
        from .catalog_export import catalog_csv, catalog_document, catalog_json
        from .catalog_import import CatalogImportError

        if kind not in ("json", "csv"):
            raise CatalogImportError([f"unknown catalog format {kind!r} (json or csv)"])
        with self.ctx.db.read_session() as s:
            document = catalog_document(s)
        return catalog_json(document) if kind == "json" else catalog_csv(document)

    # ------------------------------------------------------- read models

    def _fingerprint(self, conn: Any) -> tuple:
        """Numbers and highest ids of centres, commissions and formations."""
        return tuple(conn.execute(select(
            select(func.count(col(Formation.id))).scalar_subquery(),
            select(func.max(Formation.id)).scalar_subquery(),
            select(func.count(col(Centre.id))).scalar_subquery(),
            select(func.max(Centre.id)).scalar_subquery(),
            select(func.count(col(Commission.id))).scalar_subquery(),
            select(func.max(Commission.id)).scalar_subquery(),
        )).one())

    def cached_tree(self, max_age: float) -> CatalogTree | None:
        """The tree this service read less than `max_age` seconds ago, if the
        day is the same and the catalog's fingerprint has not changed; else None."""
        cached = self._tree_cache
        if cached is None or time.monotonic() - cached[0] >= max_age or cached[1] != self.ctx.today():
            return None
        with self.ctx.db.read_session() as s:
            if self._fingerprint(s.connection()) != cached[2]:
                return None
        return cached[3]

    def centre_overview(self) -> tuple[CentreOverview, ...]:
        """The centres, sorted as `catalog_tree` sorts them, each with its
        number of formations and of formations open today: one grouped query,
        a few milliseconds where the whole tree of 10,000 formations takes a
        few hundred, so a screen can show the centres before the formations."""
        today = self.ctx.today()
        is_open = case((and_(col(Formation.ouverte), col(Formation.date_debut_depot) <= today,
                             col(Formation.date_fin_depot) >= today), 1))
        with self.ctx.db.read_session() as s:
            rows = s.connection().execute(
                select(col(Centre.id), col(Centre.code), col(Centre.libelle), col(Centre.max_candidatures),
                       func.count(col(Formation.id)), func.count(is_open))
                .select_from(Centre)
                .outerjoin(Commission, col(Commission.centre_id) == col(Centre.id))
                .outerjoin(Formation, col(Formation.commission_id) == col(Commission.id))
                .group_by(col(Centre.id), col(Centre.code), col(Centre.libelle), col(Centre.max_candidatures))).all()
        return tuple(CentreOverview(*row) for row in sorted(rows, key=lambda c: fold(c[2])))

    def catalog_tree(self) -> CatalogTree:
        """The whole catalog in two queries, centres sorted by libellé, formations
        by titre; kept for `cached_tree` (an import through this service
        forgets it)."""
        today = self.ctx.today()
        with self.ctx.db.read_session() as s:
            conn = s.connection()  # Core rows: no ORM bookkeeping for 10,000 tuples
            fingerprint = self._fingerprint(conn)
            read_at = time.monotonic()
            centres = conn.execute(
                select(col(Centre.id), col(Centre.code), col(Centre.libelle), col(Centre.max_candidatures))).all()
            rows = conn.execute(
                select(col(Formation.id), col(Formation.code), col(Formation.titre), col(Formation.mots_cles),
                       col(Commission.centre_id), col(Formation.commission_id), col(Formation.mode),
                       col(Formation.date_debut_depot), col(Formation.date_fin_depot),
                       col(Formation.date_limite_retour), col(Formation.ouverte))
                .join(Commission, col(Commission.id) == col(Formation.commission_id)))
            by_centre: dict[int, list[FormationSummary]] = {}
            labels = {m.value: m.label for m in ModeFormation}
            # The driver returns a new object for every value; the tree keeps one
            # per distinct date, mode, centre id and commission id (a few
            # hundred for 10,000 formations: ids above 256 are not shared by Python).
            shared: dict[Any, Any] = {}
            one = shared.setdefault
            for (fid, code, titre, mots, centre_id, commission_id, mode, debut, fin, retour, ouverte) in rows:
                debut, fin, retour, mode = one(debut, debut), one(fin, fin), one(retour, retour), one(mode, mode)
                centre_id, commission_id = one(centre_id, centre_id), one(commission_id, commission_id)
                by_centre.setdefault(centre_id, []).append(FormationSummary(
                    id=fid, code=code, titre=titre, centre_id=centre_id,
                    commission_id=commission_id, mode=mode, mode_label=labels.get(mode, mode),
                    date_debut_depot=debut, date_fin_depot=fin, date_limite_retour=retour,
                    state=period_state(today, debut, fin, ouverte),
                    search_key=fold(f"{titre} {code} {mots or ''}"),
                ))
        nodes = []
        for cid, code, libelle, max_cand in sorted(centres, key=lambda c: fold(c[2])):
            formations = by_centre.get(cid, [])
            formations.sort(key=lambda f: f.search_key)  # titre, then code
            nodes.append(CentreNode(cid, code, libelle, max_cand, tuple(formations)))
        tree = CatalogTree(today, tuple(nodes))
        self._tree_cache = (read_at, today, fingerprint, tree)
        return tree

    def formation_detail(self, formation_id: int) -> FormationDetail:
        today = self.ctx.today()
        with self.ctx.db.read_session() as s:
            row = s.execute(
                select(Formation, Commission, Centre)
                .join(Commission, col(Commission.id) == col(Formation.commission_id))
                .join(Centre, col(Centre.id) == col(Commission.centre_id))
                .where(col(Formation.id) == formation_id)).first()
            if row is None:
                raise NotFound("Cette formation n'existe pas ou plus.")
            f, k, c = row
            pieces = s.execute(
                select(PieceType).join(FormationPiece, col(FormationPiece.piece_type_id) == col(PieceType.id))
                .where(col(FormationPiece.formation_id) == formation_id)
                .order_by(col(PieceType.ordre), col(PieceType.id))).scalars().all()
            return FormationDetail(
                id=f.id, code=f.code, titre=f.titre, mots_cles=f.mots_cles, url=f.url, mode=f.mode,
                mode_label=mode_label(f.mode), centre_id=c.id, centre_code=c.code, centre_libelle=c.libelle,
                centre_max_candidatures=c.max_candidatures, commission_id=k.id, commission_code=k.code,
                commission_libelle=k.libelle, adresse=k.adresse, telephone=k.telephone, mail=k.mail,
                date_debut_depot=f.date_debut_depot, date_fin_depot=f.date_fin_depot,
                date_limite_retour=f.date_limite_retour, date_preanalyse=f.date_preanalyse,
                date_jury=f.date_jury, date_publication=f.date_publication,
                date_confirmation=f.date_confirmation,
                state=period_state(today, f.date_debut_depot, f.date_fin_depot, f.ouverte),
                pieces=tuple(_piece_view(p) for p in pieces),
            )

    def formation_by_code(self, code: str) -> FormationDetail:
        with self.ctx.db.read_session() as s:
            fid = s.execute(select(col(Formation.id)).where(col(Formation.code) == code)).scalar_one_or_none()
        if fid is None:
            raise NotFound(f"La formation {code} n'existe pas.")
        return self.formation_detail(fid)

    def piece_types(self) -> list[PieceTypeView]:
        with self.ctx.db.read_session() as s:
            rows = s.execute(select(PieceType).order_by(col(PieceType.ordre), col(PieceType.id))).scalars().all()
            return [_piece_view(p) for p in rows]

    def counts(self) -> dict[str, int]:
        with self.ctx.db.read_session() as s:
            return {name: s.execute(select(func.count()).select_from(model)).scalar_one()
                    for name, model in (("centres", Centre), ("commissions", Commission),
                                        ("formations", Formation), ("pieces", PieceType),
                                        ("formation_pieces", FormationPiece))}


def _piece_view(p: PieceType) -> PieceTypeView:
    return PieceTypeView(id=p.id, code=p.code, libelle=p.libelle, conditional=p.conditional,
                         shared=p.shared, ordre=p.ordre)


__all__ = [
    "CatalogImportError", "CatalogService", "CatalogTree", "CentreNode", "CentreOverview", "FormationDetail",
    "FormationSummary", "ImportReport", "PieceTypeView",
]
