"""The staff search for candidates: one index-friendly statement per shape of search text."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, NamedTuple
from collections.abc import Sequence

from sqlalchemy import BindParameter, Row, Select, and_, bindparam, case, func, or_, union
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from ..domain import Role
from ..store.models import Account, InformationsPerso
from .account_rules import name_key
from .errors import ValidationFailed, refuse_unstorable
from .staff_views import SEARCH_CAP, SEARCH_MIN_CHARS, CandidateHit, SearchResult, StaffPrincipal
from .staff_access import StaffBase


# --------------------------------------------------------------- helpers


def search_key(text: str) -> str:
    """Upper-case, accent-free form of a name, as `Account.nom_key` stores it."""
    return name_key(text)


def prefix_successor(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _starts_with(column, lo, hi, like):
    # The range lets both SQLite and PostgreSQL scan the btree; the LIKE only
    # filters inside that range, so a linguistic collation (PostgreSQL
    # en_US…, where "LEGA" sorts between "LE G" and "LE H") cannot add false hits.
    return and_(column >= lo, column < hi, column.like(like, escape="/"))


def _prefix_values(prefix: str) -> tuple[str, str, str]:
    """The range (`prefix`, its successor) and the escaped LIKE pattern."""
    like = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    return prefix, prefix_successor(prefix), like


def _prefix(column, prefix: str):
    """`column` starts with `prefix`, as an index range scan."""
    return _starts_with(column, *_prefix_values(prefix))


def _prefix_params(name: str, prefix: str) -> dict[str, str]:
    """The values of `_bound_prefix(column, name)` for `prefix`."""
    return dict(zip((f"{name}_lo", f"{name}_hi", f"{name}_like"), _prefix_values(prefix), strict=True))


def _bound_prefix(column, name: str):
    """`_prefix` with its values bound at execution (see `_search_statement`)."""
    return _starts_with(column, bindparam(f"{name}_lo"), bindparam(f"{name}_hi"), bindparam(f"{name}_like"))


class _SearchShape(NamedTuple):
    """Which lookups a search text calls for (see `search_candidates`)."""

    login: bool
    numero: bool
    numero_raw: bool
    mail: bool
    names: bool
    nom_prenom: bool
    ine: bool


@cache  # at most 2**7 shapes per engine
def _search_statement(shape: _SearchShape, postgresql: bool):
    """The search's one statement for texts of this shape, values bound at execution.

    Building it took about half of a search's Python time (~1.5 ms): it is
    built once per shape. Each lookup is its own index range scan capped at
    `fetch` (a LIMIT inside its branch); the branches are glued with UNION
    (each account once), and only the first `fetch` accounts in the order
    shown (exact matches first, then by nom, prénom, login) are read, with
    their INE. A common prefix fills several branches (up to ~600 rows):
    ordering and cutting them in the database keeps the rows sent and turned
    into hits to `fetch`.
    """
    lookups = []
    if shape.login:
        lookups.append(_bound_prefix(Account.login, "login"))
    if shape.numero:
        lookups.append(_bound_prefix(Account.numero_etudiant, "numero"))
    if shape.numero_raw:
        lookups.append(_bound_prefix(Account.numero_etudiant, "numero_raw"))
    if shape.mail:
        lookups.append(_bound_prefix(Account.mail_key, "mail"))
    if shape.names:
        lookups.append(_bound_prefix(Account.nom_key, "name"))
        lookups.append(_bound_prefix(Account.prenom_key, "name"))
    if shape.nom_prenom:  # "DUPONT JE" -> nom DUPONT and prénom starting JE (composite index)
        lookups.append(and_(col(Account.nom_key) == bindparam("first"), _bound_prefix(col(Account.prenom_key), "rest")))
    fetch: BindParameter[int] = bindparam("fetch")
    branches: list[Select[Any]] = [select(col(Account.id).label("aid")).where(condition).limit(fetch)
                                   for condition in lookups]
    if shape.ine:
        branches.append(select(col(InformationsPerso.account_id).label("aid"))
                        .where(_bound_prefix(InformationsPerso.ine, "ine")).limit(fetch))
    if not branches:
        return None
    hits_found = union(*(select(b.subquery().c.aid) for b in branches)).subquery("hits_found")
    upper: BindParameter[str] = bindparam("upper")
    exact = or_(col(Account.login) == upper, col(Account.nom_key) == upper, col(Account.prenom_key) == upper,
                func.upper(Account.numero_etudiant) == upper, func.upper(InformationsPerso.ine) == upper,
                col(Account.mail_key) == bindparam("lower"), col(Account.nom_key) == bindparam("key"))

    def in_byte_order(column):
        # as Python compares: a linguistic collation (PostgreSQL en_US…)
        # would sort "LE GOFF" among the LEG… names
        return column.collate("C") if postgresql else column

    return (sa_select(col(Account.login), col(Account.nom), col(Account.prenom), col(Account.mail),
                      col(Account.numero_etudiant), col(InformationsPerso.ine),
                      col(Account.account_valid))  # CandidateHit's fields, in order
            .select_from(hits_found)
            .join(Account, col(Account.id) == hits_found.c.aid)
            .outerjoin(InformationsPerso, col(InformationsPerso.account_id) == col(Account.id))
            .order_by(case((exact, 0), else_=1), in_byte_order(col(Account.nom_key)),
                      in_byte_order(col(Account.prenom_key)), in_byte_order(col(Account.login)))
            .limit(fetch))



class StaffSearch(StaffBase):
    # ------------------------------------------------------------ search

    def search_candidates(self, principal: StaffPrincipal, text: str, limit: int = SEARCH_CAP) -> SearchResult:
        """Candidates whose login, nom, prénom, mail, INE or numéro étudiant is or starts with `text`.

        Every lookup is an index range scan (see `_prefix`, `_search_statement`);
        results are capped. Two round trips: the principal, then the search.
        """
        refuse_unstorable("staff-search", text)
        raw = (text or "").strip()
        if len(raw) < SEARCH_MIN_CHARS:
            raise ValidationFailed({"staff-search": f"Saisissez au moins {SEARCH_MIN_CHARS} caractères."})
        limit = max(1, min(limit, SEARCH_CAP))
        fetch = limit + 1
        upper, lower, key = raw.upper(), raw.lower(), search_key(raw)
        first, _, rest = key.partition(" ")
        rest = rest.strip()
        alnum = re.fullmatch(r"[0-9A-Za-z]+", raw) is not None
        shape = _SearchShape(
            login=alnum and len(raw) <= 8, numero=alnum, numero_raw=alnum and raw != upper,
            mail="@" in raw or "." in raw or re.fullmatch(r"[\w.+-]+", raw) is not None,
            names=bool(key), nom_prenom=bool(key and rest), ine=alnum and len(raw) <= 11)
        params: dict[str, Any] = {"upper": upper, "lower": lower, "key": key, "first": first, "fetch": fetch}
        for name, prefix in (("login", upper), ("numero", upper), ("numero_raw", raw), ("mail", lower),
                             ("name", key), ("rest", rest), ("ine", upper)):
            if prefix:
                params.update(_prefix_params(name, prefix))
        stmt = _search_statement(shape, self.ctx.db.is_postgresql)
        rows: Sequence[Row[*tuple[Any, ...]]] = []
        with self.ctx.db.read_session() as s:
            self._principal(s, principal, Role.SUPPORT, Role.GESTIONNAIRE, Role.ADMIN)
            if stmt is not None:
                rows = s.execute(stmt, params).all()
        hits = tuple(CandidateHit(*row) for row in rows[:limit])
        return SearchResult(hits, len(rows) > limit)
