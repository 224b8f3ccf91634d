"""Mon compte: the candidate's profile (DOMAIN.md §2) and the candidature gate.

Use cases for Informations perso., Adresse, Baccalauréat (get / save), the
read-only Cursus Interne, and the lists Cursus Externe, Stages, Expériences
pro. (list / add / edit / delete). Every save is one transaction; edits
carry the version the form was loaded with, and a stale write raises
`ConcurrentEdit` (nothing is overwritten). Values come from forms as text;
each refusal names its field in a `ValidationFailed`.

Values are passed as plain mappings keyed by the column names of the store
(`nom_naissance`, `code_postal`, …); read models are frozen dataclasses
(`profile_views`), the checks of each field live in `profile_checks`.

The gate (`missing_for_candidature`): a candidature needs Informations perso.,
Adresse and Baccalauréat, and the INE when the candidate is French with a
French bac obtained in the last `INE_RECENT_YEARS` years (since 1995 every
French bac holder has an INE printed on the relevé de notes; ten years keeps
the rule to people who can still find it easily).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from ..store.db import StaleVersion, update_versioned
from ..store.models import (
    Account, Adresse, Baccalaureat, Candidature, CursusExterne, CursusInterne, ExperiencePro,
    InformationsPerso, Stage,
)
from ..text import format_date
from . import reference
from .context import ServiceContext
from .errors import ConcurrentEdit, Forbidden, NotFound, ValidationFailed
from .ine import check_ine, normalise_ine
from .profile_checks import MSG_POSTAL, MSG_REQUIRED, POSTAL_RE, Checker
from .profile_views import (
    AdresseView, BaccalaureatView, Completeness, CursusExterneRow, CursusInterneRow, ExperienceRow,
    InformationsView, StageRow, view_values,
)

INE_RECENT_YEARS = 10

# The candidate's lists the generic engine (`_list`, `_add`, `_edit`, `_delete`) serves.
_ListRow = TypeVar("_ListRow", CursusExterne, Stage, ExperiencePro)

MSG_INE_TAKEN = "Cet INE a déjà été attribué à un candidat"
MSG_LOCKED_CANDIDATURE = ("Vos informations personnelles ne sont plus modifiables : "
                          "vous avez déjà déposé une candidature.")
MSG_LOCKED_DIRECTORY = ("Cette information provient du système d'information de l'université "
                        "et ne peut pas être modifiée")
MSG_BAC_DIRECTORY = ("Votre baccalauréat provient du système d'information de l'université "
                     "et ne peut pas être modifié.")
MSG_NOT_FOUND = "Cette ligne n'existe plus : elle a été supprimée depuis un autre poste."

def _s(value: Any) -> str:
    return "" if value is None else str(value)


# ----------------------------------------------------------------- service


# What the directory may hold (its `extra` fields) that Informations perso. asks too.
DIRECTORY_EXTRA_FIELDS = ("nationalite", "nom_usage", "autre_prenom", "pays_naissance", "departement_naissance",
                          "commune_naissance", "ville_naissance", "telephone", "portable")


class ProfileService:
    def __init__(self, ctx: ServiceContext, directory: Any = None) -> None:
        self.ctx = ctx
        self.directory = directory  # a DirectoryService: pre-fills an ENT student's Informations perso.

    def _directory_prefill(self, account: Any) -> dict[str, str]:
        """What the directory holds for an ENT student who has not saved Informations perso. yet."""
        if self.directory is None or not account.from_directory or not account.numero_etudiant:
            return {}
        person = self.directory.lookup(account.numero_etudiant)
        if person is None:
            return {}
        values = {name: str(person.extra[name]) for name in DIRECTORY_EXTRA_FIELDS if person.extra.get(name)}
        values.update({k: v for k, v in (("civilite", person.civilite or ""), ("ine", person.ine or ""),
                                         ("date_naissance", format_date(person.date_naissance))) if v})
        return values

    # ------------------------------------------------------ helpers

    @staticmethod
    def _has_candidature(s: Session, account_id: int) -> bool:
        count = s.execute(select(func.count()).select_from(Candidature)
                          .where(col(Candidature.account_id) == account_id)).scalar_one()
        return count > 0

    @staticmethod
    def _account(s: Session, account_id: int) -> Account:
        account = s.get(Account, account_id)
        if account is None:
            raise NotFound("Ce compte n'existe pas.")
        return account

    def _save_singleton(self, s: Session, model: type, account_id: int, version: int | None,
                        values: dict[str, Any]) -> None:
        """Insert when the form started empty (version None or 0), else a versioned update."""
        if not version:
            if s.get(model, account_id) is not None:
                raise ConcurrentEdit()
            s.add(model(account_id=account_id, version=1, **values))
            try:
                s.flush()
            except IntegrityError as exc:  # a second terminal inserted first (PostgreSQL)
                raise ConcurrentEdit() from exc
            return
        try:
            update_versioned(s, model, account_id, version, **values)
        except StaleVersion as exc:
            raise ConcurrentEdit() from exc

    # ------------------------------------------- Informations perso.

    def get_informations(self, account_id: int) -> InformationsView:
        with self.ctx.db.read_session() as s:
            account = self._account(s, account_id)
            row = s.get(InformationsPerso, account_id)
            read_only = self._has_candidature(s, account_id)
            if row is None:
                blank = dict(nationalite=reference.FRANCE, ine="", civilite="", nom_naissance=account.nom,
                             nom_usage="", prenom=account.prenom, autre_prenom="", date_naissance="",
                             pays_naissance=reference.FRANCE, departement_naissance="", commune_naissance="",
                             ville_naissance="", telephone="", portable="")
                return InformationsView(
                    exists=False, version=0, **{**blank, **self._directory_prefill(account)}, mail=account.mail,
                    locked_fields=frozenset(), read_only=read_only)
            return InformationsView(
                exists=True, version=row.version, nationalite=row.nationalite, ine=_s(row.ine),
                civilite=row.civilite, nom_naissance=row.nom_naissance,
                nom_usage=_s(row.nom_usage), prenom=row.prenom,
                autre_prenom=_s(row.autre_prenom), date_naissance=format_date(row.date_naissance),
                pays_naissance=row.pays_naissance,
                departement_naissance=_s(row.departement_naissance),
                commune_naissance=_s(row.commune_naissance),
                ville_naissance=_s(row.ville_naissance), telephone=_s(row.telephone),
                portable=_s(row.portable), mail=account.mail,
                locked_fields=frozenset(f for f in row.locked_fields.split(",") if f),
                read_only=read_only)

    def _check_informations(self, values: Mapping[str, Any]) -> dict[str, Any]:
        c = Checker(values)
        today = self.ctx.today()
        out: dict[str, Any] = {}
        out["nationalite"] = c.choice("nationalite", "pays", required=True)
        ine = normalise_ine(c.raw("ine"))
        if ine:
            result = check_ine(ine)
            if result.problem is not None:
                c.fail("ine", result.problem)
        out["ine"] = ine or None
        out["civilite"] = c.choice("civilite", "civilites", required=True)
        out["nom_naissance"] = c.text("nom_naissance", 30, required=True)
        out["nom_usage"] = c.text("nom_usage", 30)
        out["prenom"] = c.text("prenom", 20, required=True)
        out["autre_prenom"] = c.text("autre_prenom", 20)
        out["date_naissance"] = c.birth_date("date_naissance", today)
        out["pays_naissance"] = c.choice("pays_naissance", "pays", required=True)
        if out["pays_naissance"] == reference.FRANCE:
            out["departement_naissance"] = c.choice("departement_naissance", "departements",
                                                    required=True)
            out["commune_naissance"] = c.text("commune_naissance", 50, required=True)
            out["ville_naissance"] = None
        else:
            out["departement_naissance"] = out["commune_naissance"] = None
            out["ville_naissance"] = c.text("ville_naissance", 50, required=True)
        out["telephone"] = c.phone("telephone")
        out["portable"] = c.phone("portable")
        c.done()
        return out

    def save_informations(self, account_id: int, values: Mapping[str, Any],
                          version: int | None) -> InformationsView:
        """Validate and save Informations perso. (`version`: as loaded; 0 for a new one)."""
        cleaned = self._check_informations(values)
        with self.ctx.db.session() as s:
            self._account(s, account_id)
            if self._has_candidature(s, account_id):
                raise Forbidden(MSG_LOCKED_CANDIDATURE)
            current = s.get(InformationsPerso, account_id)
            if current is not None and current.locked_fields:
                errors = {}
                for name in filter(None, current.locked_fields.split(",")):
                    if name in cleaned and cleaned[name] != getattr(current, name):
                        errors[name] = MSG_LOCKED_DIRECTORY
                if errors:
                    raise ValidationFailed(errors)
            if cleaned["ine"]:
                taken = s.execute(select(col(InformationsPerso.account_id)).where(
                    InformationsPerso.ine == cleaned["ine"],
                    col(InformationsPerso.account_id) != account_id)).first()
                if taken:
                    raise ValidationFailed({"ine": MSG_INE_TAKEN})
            try:
                self._save_singleton(s, InformationsPerso, account_id, version, cleaned)
                s.flush()
            except IntegrityError as exc:  # the INE was taken meanwhile by another terminal
                raise ValidationFailed({"ine": MSG_INE_TAKEN}) from exc
        return self.get_informations(account_id)

    # ------------------------------------------------------- Adresse

    def get_adresse(self, account_id: int) -> AdresseView:
        with self.ctx.db.read_session() as s:
            row = s.get(Adresse, account_id)
            if row is None:
                return AdresseView(False, 0, reference.FRANCE, "", "", "", "", "", "", "")
            return AdresseView(True, row.version, row.pays, _s(row.code_postal), _s(row.commune),
                               _s(row.commune_etrangere), row.adresse, _s(row.complement1),
                               _s(row.complement2), _s(row.cedex))

    def _check_adresse(self, values: Mapping[str, Any]) -> dict[str, Any]:
        c = Checker(values)
        out: dict[str, Any] = {"pays": c.choice("pays", "pays", required=True)}
        if out["pays"] == reference.FRANCE:
            postal = c.raw("code_postal")
            if not postal:
                c.fail("code_postal", MSG_REQUIRED)
            elif not POSTAL_RE.match(postal):
                c.fail("code_postal", MSG_POSTAL)
            out["code_postal"] = postal or None
            out["commune"] = c.text("commune", 50, required=True)
            out["commune_etrangere"] = None
        else:
            out["code_postal"] = out["commune"] = None
            out["commune_etrangere"] = c.text("commune_etrangere", 50, required=True)
        out["adresse"] = c.text("adresse", 32, required=True)
        out["complement1"] = c.text("complement1", 32)
        out["complement2"] = c.text("complement2", 32)
        out["cedex"] = c.text("cedex", 32)
        c.done()
        return out

    def save_adresse(self, account_id: int, values: Mapping[str, Any],
                     version: int | None) -> AdresseView:
        cleaned = self._check_adresse(values)
        with self.ctx.db.session() as s:
            self._account(s, account_id)
            self._save_singleton(s, Adresse, account_id, version, cleaned)
        return self.get_adresse(account_id)

    # ------------------------------------------------- Baccalauréat

    def get_baccalaureat(self, account_id: int) -> BaccalaureatView:
        with self.ctx.db.read_session() as s:
            row = s.get(Baccalaureat, account_id)
            if row is None:
                return BaccalaureatView(False, 0, True, "", "", "", reference.FRANCE, "", "", "",
                                        "", "", False)
            return BaccalaureatView(
                True, row.version, row.has_bac, _s(row.annee), _s(row.serie), _s(row.mention),
                _s(row.pays), _s(row.departement), _s(row.commune), _s(row.etablissement),
                _s(row.specialites), _s(row.situation), row.from_directory)

    def _check_baccalaureat(self, values: Mapping[str, Any]) -> dict[str, Any]:
        c = Checker(values)
        has_bac = values.get("has_bac", True)
        if isinstance(has_bac, str):
            has_bac = has_bac.lower() not in ("", "0", "false", "non", "no")
        out: dict[str, Any] = {"has_bac": bool(has_bac)}
        blank = dict.fromkeys(("annee", "serie", "mention", "pays", "departement", "commune",
                               "etablissement", "specialites", "situation"))
        out.update(blank)
        if out["has_bac"]:
            out["annee"] = c.year("annee", self.ctx.today())
            out["serie"] = c.choice("serie", "series_bac", required=True)
            out["mention"] = c.choice("mention", "mentions")
            out["pays"] = c.choice("pays", "pays", required=True)
            if out["pays"] == reference.FRANCE:
                out["departement"] = c.choice("departement", "departements", required=True)
                out["commune"] = c.text("commune", 50, required=True)
                out["etablissement"] = c.text("etablissement", 100, required=True)
            out["specialites"] = c.text("specialites", 200)
        else:
            out["situation"] = c.text("situation", 500)
        c.done()
        return out

    def save_baccalaureat(self, account_id: int, values: Mapping[str, Any],
                          version: int | None) -> BaccalaureatView:
        cleaned = self._check_baccalaureat(values)
        with self.ctx.db.session() as s:
            self._account(s, account_id)
            current = s.get(Baccalaureat, account_id)
            if current is not None and current.from_directory:
                raise Forbidden(MSG_BAC_DIRECTORY)
            self._save_singleton(s, Baccalaureat, account_id, version, cleaned)
        return self.get_baccalaureat(account_id)

    # ----------------------------------------------- Cursus Interne

    def list_cursus_interne(self, account_id: int) -> list[CursusInterneRow]:
        with self.ctx.db.read_session() as s:
            rows = s.execute(select(CursusInterne).where(col(CursusInterne.account_id) == account_id)
                             .order_by(col(CursusInterne.annee_universitaire).desc(),
                                       col(CursusInterne.id))).scalars().all()
            return [CursusInterneRow(r.id, r.annee_universitaire, r.code, r.libelle, _s(r.note),
                                     _s(r.bareme), _s(r.mention), _s(r.resultat)) for r in rows]

    def is_internal_student(self, account_id: int) -> bool:
        """True when the account came from the student directory (Cursus Interne can be filled)."""
        with self.ctx.db.read_session() as s:
            return bool(self._account(s, account_id).from_directory)

    # ---------------------------------------- lists: generic engine

    def _list(self, model: type[_ListRow], account_id: int, to_row) -> list:
        with self.ctx.db.read_session() as s:
            rows = s.execute(select(model).where(col(model.account_id) == account_id)
                             .order_by(col(model.annee).desc(), col(model.id))).scalars().all()
            return [to_row(r) for r in rows]

    def _add(self, model: type[_ListRow], account_id: int, cleaned: dict[str, Any]) -> int:
        with self.ctx.db.session() as s:
            self._account(s, account_id)
            row = model(account_id=account_id, version=1, **cleaned)
            s.add(row)
            s.flush()
            return row.id

    def _edit(self, model: type[_ListRow], account_id: int, row_id: int, version: int,
              cleaned: dict[str, Any]) -> None:
        with self.ctx.db.session() as s:
            row = s.get(model, row_id)
            if row is None or row.account_id != account_id:
                raise NotFound(MSG_NOT_FOUND)
            try:
                update_versioned(s, model, row_id, version, **cleaned)
            except StaleVersion as exc:
                raise ConcurrentEdit() from exc

    def _delete(self, model: type[_ListRow], account_id: int, row_id: int, version: int | None) -> None:
        with self.ctx.db.session() as s:
            stmt = delete(model).where(col(model.id) == row_id, col(model.account_id) == account_id)
            if version is not None:
                stmt = stmt.where(col(model.version) == version)
            result = cast(CursorResult[Any], s.execute(stmt.execution_options(synchronize_session=False)))
            if result.rowcount != 1:
                row = s.get(model, row_id)
                if row is None or row.account_id != account_id:
                    raise NotFound(MSG_NOT_FOUND)
                raise ConcurrentEdit()

    # ----------------------------------------------- Cursus Externe

    def _check_cursus_externe(self, values: Mapping[str, Any]) -> dict[str, Any]:
        c = Checker(values)
        out: dict[str, Any] = {"pays": c.choice("pays", "pays", required=True)}
        out["etablissement"] = c.text("etablissement", 100, required=True)
        if out["pays"] == reference.FRANCE:
            out["departement"] = c.choice("departement", "departements", required=True)
            out["commune"] = c.text("commune", 50, required=True)
        else:
            out["departement"] = out["commune"] = None
        out["annee"] = c.year("annee", self.ctx.today())
        out["formation"] = c.text("formation", 100, required=True)
        out["libelle_niveau"] = c.text("libelle_niveau", 100, required=True)
        out["obtenu"] = c.choice("obtenu", "obtenu", required=True)
        out["mention"] = c.choice("mention", "mentions")
        c.done()
        return out

    @staticmethod
    def _cursus_row(r: CursusExterne) -> CursusExterneRow:
        return CursusExterneRow(r.id, r.version, r.pays, r.etablissement, _s(r.departement),
                                _s(r.commune), str(r.annee), r.formation, r.libelle_niveau,
                                r.obtenu, _s(r.mention))

    def list_cursus_externe(self, account_id: int) -> list[CursusExterneRow]:
        return self._list(CursusExterne, account_id, self._cursus_row)

    def add_cursus_externe(self, account_id: int, values: Mapping[str, Any]) -> int:
        return self._add(CursusExterne, account_id, self._check_cursus_externe(values))

    def edit_cursus_externe(self, account_id: int, row_id: int, version: int,
                            values: Mapping[str, Any]) -> None:
        self._edit(CursusExterne, account_id, row_id, version, self._check_cursus_externe(values))

    def delete_cursus_externe(self, account_id: int, row_id: int, version: int | None = None) -> None:
        self._delete(CursusExterne, account_id, row_id, version)

    # --------------------------------------------------------- Stages

    def _check_stage(self, values: Mapping[str, Any]) -> dict[str, Any]:
        c = Checker(values)
        out: dict[str, Any] = {"annee": c.year("annee", self.ctx.today())}
        out["duree"] = c.text("duree", 30, required=True)
        hours = c.raw("heures_semaine")
        out["heures_semaine"] = None
        if hours:
            if len(hours) <= 2 and hours.isascii() and hours.isdigit() and 1 <= int(hours) <= 80:
                out["heures_semaine"] = int(hours)
            else:
                c.fail("heures_semaine", "Indiquez un nombre d'heures entre 1 et 80")
        out["organisme"] = c.text("organisme", 100, required=True)
        out["descriptif"] = c.text("descriptif", 500, required=True)
        c.done()
        return out

    @staticmethod
    def _stage_row(r: Stage) -> StageRow:
        return StageRow(r.id, r.version, str(r.annee), r.duree, _s(r.heures_semaine),
                        r.organisme, r.descriptif)

    def list_stages(self, account_id: int) -> list[StageRow]:
        return self._list(Stage, account_id, self._stage_row)

    def add_stage(self, account_id: int, values: Mapping[str, Any]) -> int:
        return self._add(Stage, account_id, self._check_stage(values))

    def edit_stage(self, account_id: int, row_id: int, version: int,
                   values: Mapping[str, Any]) -> None:
        self._edit(Stage, account_id, row_id, version, self._check_stage(values))

    def delete_stage(self, account_id: int, row_id: int, version: int | None = None) -> None:
        self._delete(Stage, account_id, row_id, version)

    # ---------------------------------------------- Expériences pro.

    def _check_experience(self, values: Mapping[str, Any]) -> dict[str, Any]:
        c = Checker(values)
        out: dict[str, Any] = {"annee": c.year("annee", self.ctx.today())}
        out["intitule"] = c.text("intitule", 100, required=True)
        out["duree"] = c.text("duree", 30, required=True)
        out["organisme"] = c.text("organisme", 100, required=True)
        out["descriptif"] = c.text("descriptif", 500)
        c.done()
        return out

    @staticmethod
    def _experience_row(r: ExperiencePro) -> ExperienceRow:
        return ExperienceRow(r.id, r.version, str(r.annee), r.intitule, r.duree, r.organisme,
                             _s(r.descriptif))

    def list_experiences(self, account_id: int) -> list[ExperienceRow]:
        return self._list(ExperiencePro, account_id, self._experience_row)

    def add_experience(self, account_id: int, values: Mapping[str, Any]) -> int:
        return self._add(ExperiencePro, account_id, self._check_experience(values))

    def edit_experience(self, account_id: int, row_id: int, version: int,
                        values: Mapping[str, Any]) -> None:
        self._edit(ExperiencePro, account_id, row_id, version, self._check_experience(values))

    def delete_experience(self, account_id: int, row_id: int, version: int | None = None) -> None:
        self._delete(ExperiencePro, account_id, row_id, version)

    # ------------------------------------------------------- the gate

    def completeness(self, account_id: int) -> Completeness:
        """Which of the tabs a candidature needs are done (and whether the INE is needed)."""
        with self.ctx.db.read_session() as s:
            info = s.get(InformationsPerso, account_id)
            adresse = s.get(Adresse, account_id)
            bac = s.get(Baccalaureat, account_id)
        ine_required = bool(
            info is not None and info.nationalite == reference.FRANCE and bac is not None
            and bac.has_bac and bac.pays == reference.FRANCE and bac.annee is not None
            and bac.annee >= self.ctx.today().year - INE_RECENT_YEARS)
        return Completeness(informations=info is not None, adresse=adresse is not None,
                            baccalaureat=bac is not None, ine_required=ine_required,
                            ine=bool(info is not None and info.ine))

    def missing_for_candidature(self, account_id: int) -> list[str]:
        """What must still be filled before a candidature: names of tabs, and "INE"."""
        return self.completeness(account_id).missing


__all__ = [
    "INE_RECENT_YEARS", "MSG_INE_TAKEN", "AdresseView", "BaccalaureatView", "Completeness", "CursusExterneRow",
    "CursusInterneRow", "ExperienceRow", "InformationsView", "ProfileService", "StageRow", "view_values",
]
