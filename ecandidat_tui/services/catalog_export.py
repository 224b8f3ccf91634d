"""`ecandidat catalog export`: the catalog in the import format (docs/catalog.md),
so that importing an export changes nothing (every row "unchanged").

JSON carries everything the import sets: every piece type, every centre
(with no commission too), every commission (with no formation too). CSV has
one line per formation, so it carries centres and commissions that have
formations, and piece types only by their codes (they must exist where the
file is imported: in the same database, or the standard ones).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from ..store.models import Centre, Commission, Formation, FormationPiece, PieceType
from .catalog_import import CSV_COLUMNS, DATE_FIELDS

FORMATION_FIELDS = ("code", "titre", "mots_cles", "url", "mode", *DATE_FIELDS, "ouverte")


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def catalog_document(s: Session) -> dict[str, Any]:
    """The whole catalog as the JSON import document, sorted by codes."""
    pieces = s.execute(select(PieceType).order_by(PieceType.code)).scalars().all()
    piece_codes = {p.id: p.code for p in pieces}
    links: dict[int, list[str]] = {}
    for fid, pid in s.execute(select(col(FormationPiece.formation_id), col(FormationPiece.piece_type_id))):
        links.setdefault(fid, []).append(piece_codes[pid])
    by_commission: dict[int, list[dict[str, Any]]] = {}
    for f in s.execute(select(Formation).order_by(Formation.code)).scalars():
        record = {name: _iso(getattr(f, name)) for name in FORMATION_FIELDS}
        record["pieces"] = sorted(links.get(f.id or 0, []))
        by_commission.setdefault(f.commission_id, []).append(record)
    by_centre: dict[int, list[dict[str, Any]]] = {}
    for k in s.execute(select(Commission).order_by(Commission.code)).scalars():
        by_centre.setdefault(k.centre_id, []).append({
            "code": k.code, "libelle": k.libelle, "adresse": k.adresse, "telephone": k.telephone,
            "mail": k.mail, "formations": by_commission.get(k.id or 0, []),
        })
    centres = [{"code": c.code, "libelle": c.libelle, "max_candidatures": c.max_candidatures,
                "commissions": by_centre.get(c.id or 0, [])}
               for c in s.execute(select(Centre).order_by(Centre.code)).scalars()]
    return {
        "pieces": [{"code": p.code, "libelle": p.libelle, "conditional": p.conditional, "shared": p.shared,
                    "ordre": p.ordre} for p in pieces],
        "centres": centres,
    }


def catalog_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def catalog_csv(document: dict[str, Any]) -> str:
    """One line per formation with its centre and commission (the CSV import format)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in document["centres"]:
        for k in c["commissions"]:
            for f in k["formations"]:
                row = {
                    "centre_code": c["code"], "centre_libelle": c["libelle"],
                    "centre_max_candidatures": c["max_candidatures"] or "",
                    **{f"commission_{name}": k[name] for name in ("code", "libelle", "adresse", "telephone", "mail")},
                    "formation_code": f["code"],
                    **{name: f[name] or "" for name in FORMATION_FIELDS if name not in ("code", "ouverte")},
                    "ouverte": "true" if f["ouverte"] else "false",
                    "pieces": " ".join(f["pieces"]),
                }
                writer.writerow([row[column] for column in CSV_COLUMNS])
    return out.getvalue()
