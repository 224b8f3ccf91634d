"""Read models of the Offre de formation: the tree (centres and their
formations), the centres' overview and a formation's detail.

The tree's formations carry a precomputed accent-free, lower-case search
key, so a screen filters 10,000 formations in memory without going back to
the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from ..domain import ModeFormation
from ..text import fold, format_date

# ------------------------------------------------------------- helpers


def du_au(debut: date, fin: date) -> str:
    return f"Du {format_date(debut)} au {format_date(fin)}"


# The tree's formations share a few hundred dépôt periods: one label string each.
_period_label = lru_cache(maxsize=4096)(du_au)


def mode_label(mode: str) -> str:
    try:
        return ModeFormation(mode).label
    except ValueError:
        return mode


def period_state(today: date, debut: date, fin: date, ouverte: bool = True) -> str:
    """`open` inside the dépôt period, `closed` after it (or when the formation
    is closed, `ouverte` False), `future` before it."""
    if not ouverte:
        return "closed"
    if today < debut:
        return "future"
    if today > fin:
        return "closed"
    return "open"


# --------------------------------------------------------- read models


# Read models use slots: the tree holds 10,000 FormationSummary objects per
# kiosk process, and slots keep each one without a per-instance __dict__.


@dataclass(frozen=True, slots=True)
class PieceTypeView:
    id: int
    code: str
    libelle: str
    conditional: bool
    shared: bool
    ordre: int


class _DepotPeriod:
    """What a formation says of its dépôt period (the tree's nodes and the detail)."""

    __slots__ = ()
    state: str
    date_debut_depot: date
    date_fin_depot: date

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    @property
    def dates_label(self) -> str:
        return _period_label(self.date_debut_depot, self.date_fin_depot)


@dataclass(frozen=True, slots=True)
class FormationSummary(_DepotPeriod):
    """One formation node of the Offre de formation tree.

    The mots-clés are only in `search_key` (the detail, FormationDetail, shows
    them): 10,000 copies kept for nothing were ~1 MiB of every kiosk."""

    id: int
    code: str
    titre: str
    centre_id: int
    commission_id: int
    mode: str
    mode_label: str
    date_debut_depot: date
    date_fin_depot: date
    date_limite_retour: date
    state: str  # open | closed | future, against ctx.today() when read
    search_key: str = field(repr=False, compare=False, default="")


@dataclass(frozen=True, slots=True)
class CentreNode:
    id: int
    code: str
    libelle: str
    max_candidatures: int | None
    formations: tuple[FormationSummary, ...]

    @property
    def formation_count(self) -> int:
        return len(self.formations)

    @property
    def open_count(self) -> int:
        return sum(1 for f in self.formations if f.is_open)


@dataclass(frozen=True, slots=True)
class CentreOverview:
    """A centre and how many formations it offers, without the formations:
    what the Offre de formation shows first, read in one small query."""

    id: int
    code: str
    libelle: str
    max_candidatures: int | None
    formation_count: int
    open_count: int


def _query_words(query: str) -> list[str]:
    return fold(query).split()


@dataclass(frozen=True, slots=True)
class CatalogTree:
    """The whole Offre de formation, read once; filtering happens in memory."""

    today: date
    centres: tuple[CentreNode, ...]

    @property
    def formation_count(self) -> int:
        return sum(len(c.formations) for c in self.centres)

    def formation(self, formation_id: int) -> FormationSummary | None:
        for centre in self.centres:
            for f in centre.formations:
                if f.id == formation_id:
                    return f
        return None

    def filter(self, query: str) -> CatalogTree:
        """Centres with the formations whose titre, code or mots-clés contain
        every word of `query` (case and accent insensitive). An empty query
        returns the tree itself; centres left without formations are dropped."""
        words = _query_words(query)
        if not words:
            return self
        centres = []
        single = words[0] if len(words) == 1 else None
        for centre in self.centres:
            if single is not None:  # the common case, without a call per formation
                kept = tuple(f for f in centre.formations if single in f.search_key)
            else:
                kept = tuple(f for f in centre.formations if all(w in f.search_key for w in words))
            if kept:
                centres.append(CentreNode(centre.id, centre.code, centre.libelle, centre.max_candidatures, kept))
        return CatalogTree(self.today, tuple(centres))


@dataclass(frozen=True, slots=True)
class FormationDetail(_DepotPeriod):
    id: int
    code: str
    titre: str
    mots_cles: str
    url: str
    mode: str
    mode_label: str
    centre_id: int
    centre_code: str
    centre_libelle: str
    centre_max_candidatures: int | None
    commission_id: int
    commission_code: str
    commission_libelle: str
    adresse: str
    telephone: str
    mail: str
    date_debut_depot: date
    date_fin_depot: date
    date_limite_retour: date
    date_preanalyse: date | None
    date_jury: date | None
    date_publication: date | None
    date_confirmation: date | None
    state: str
    pieces: tuple[PieceTypeView, ...]
