"""Reference lists of the profile forms: pays, départements, séries du bac, mentions, civilités.

The lists are data files under `ecandidat_tui/data/` (JSON, shipped with
the package), loaded once and cached. Each entry is a `RefItem(code, nom)`:
the code is what the store keeps, the nom what a person reads.

`pays.json` is generated from pycountry (ISO 3166-1 alpha-3 codes, French
names from its `iso3166-1` gettext catalogue): run
`python -m ecandidat_tui.services.reference` to regenerate it after a
pycountry upgrade.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ..text import fold

FRANCE = "FRA"


@dataclass(frozen=True)
class RefItem:
    code: str
    nom: str


def _load(name: str, key: str) -> tuple[RefItem, ...]:
    raw = resources.files("ecandidat_tui").joinpath("data", name).read_text(encoding="utf-8")
    return tuple(RefItem(row["code"], row["nom"]) for row in json.loads(raw)[key])


@cache
def pays() -> tuple[RefItem, ...]:
    """Countries sorted by French name, France first (the default everywhere)."""
    items = _load("pays.json", "countries")
    france = [i for i in items if i.code == FRANCE]
    return tuple(france + [i for i in items if i.code != FRANCE])


@cache
def departements() -> tuple[RefItem, ...]:
    return _load("departements.json", "departements")


@cache
def series_bac() -> tuple[RefItem, ...]:
    return _load("series_bac.json", "series")


@cache
def mentions() -> tuple[RefItem, ...]:
    return _load("mentions.json", "mentions")


@cache
def civilites() -> tuple[RefItem, ...]:
    return _load("civilites.json", "civilites")


OBTENU = (RefItem("oui", "Oui"), RefItem("non", "Non"), RefItem("en_cours", "En cours"))

LISTS: dict[str, Callable[[], tuple[RefItem, ...]]] = {
    "pays": pays, "departements": departements, "series_bac": series_bac,
    "mentions": mentions, "civilites": civilites, "obtenu": lambda: OBTENU,
}


@cache
def _index(list_name: str) -> dict[str, str]:
    return {item.code: item.nom for item in LISTS[list_name]()}


def label(list_name: str, code: str | None) -> str:
    """The French name of `code` in a list ('' for None, the code itself if unknown)."""
    if not code:
        return ""
    return _index(list_name).get(code, code)


def is_known(list_name: str, code: str | None) -> bool:
    return bool(code) and code in _index(list_name)


def search(list_name: str, text: str, limit: int | None = None) -> list[RefItem]:
    """Entries whose code or name contains `text` (accent- and case-insensitive).

    Names starting with the text come first, so "fr" finds France before Afrique.
    """
    needle = fold(text.strip())
    items = LISTS[list_name]()
    if not needle:
        found = list(items)
    else:
        starts = [i for i in items if fold(i.nom).startswith(needle) or fold(i.code) == needle]
        contains = [i for i in items if i not in starts and needle in fold(i.nom)]
        found = starts + contains
    return found[:limit] if limit else found


def _generate_pays(path: Path) -> int:  # pragma: no cover - a maintenance script
    import gettext

    import pycountry

    fr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    rows = [{"code": c.alpha_3, "nom": fr.gettext(c.name)} for c in pycountry.countries]
    rows.sort(key=lambda r: fold(r["nom"]))
    doc = {"source": "pycountry (ISO 3166-1, French names of the iso3166-1 gettext domain)",
           "countries": rows}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(rows)


if __name__ == "__main__":  # pragma: no cover
    target = Path(__file__).resolve().parent.parent / "data" / "pays.json"
    print(f"{_generate_pays(target)} pays -> {target}")
