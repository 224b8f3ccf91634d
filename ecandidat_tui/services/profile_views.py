"""Read models of Mon compte (the candidate's profile): frozen dataclasses
the service returns and the screens show."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from . import reference

TAB_INFORMATIONS = "Informations perso."
TAB_ADRESSE = "Adresse"
TAB_BAC = "Baccalauréat"
MISSING_INE = "INE"


# ------------------------------------------------------------- read models


@dataclass(frozen=True)
class InformationsView:
    exists: bool
    version: int
    nationalite: str
    ine: str
    civilite: str
    nom_naissance: str
    nom_usage: str
    prenom: str
    autre_prenom: str
    date_naissance: str            # dd/mm/yyyy, as typed in the form
    pays_naissance: str
    departement_naissance: str
    commune_naissance: str
    ville_naissance: str
    telephone: str
    portable: str
    mail: str                      # the account's contact mail (Adresse de contact)
    locked_fields: frozenset[str]  # fields that came from the student system
    read_only: bool                # the candidate already has a candidature


@dataclass(frozen=True)
class AdresseView:
    exists: bool
    version: int
    pays: str
    code_postal: str
    commune: str
    commune_etrangere: str
    adresse: str
    complement1: str
    complement2: str
    cedex: str

    def one_line(self) -> str:
        if not self.exists:
            return ""
        town = (f"{self.code_postal} {self.commune}" if self.pays == reference.FRANCE
                else self.commune_etrangere)
        parts = [self.adresse, self.complement1, self.complement2, town, self.cedex,
                 reference.label("pays", self.pays)]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class BaccalaureatView:
    exists: bool
    version: int
    has_bac: bool
    annee: str
    serie: str
    mention: str
    pays: str
    departement: str
    commune: str
    etablissement: str
    specialites: str
    situation: str
    from_directory: bool


@dataclass(frozen=True)
class CursusInterneRow:
    id: int
    annee_universitaire: str
    code: str
    libelle: str
    note: str
    bareme: str
    mention: str
    resultat: str


@dataclass(frozen=True)
class CursusExterneRow:
    id: int
    version: int
    pays: str
    etablissement: str
    departement: str
    commune: str
    annee: str
    formation: str
    libelle_niveau: str
    obtenu: str
    mention: str


@dataclass(frozen=True)
class StageRow:
    id: int
    version: int
    annee: str
    duree: str
    heures_semaine: str
    organisme: str
    descriptif: str


@dataclass(frozen=True)
class ExperienceRow:
    id: int
    version: int
    annee: str
    intitule: str
    duree: str
    organisme: str
    descriptif: str


@dataclass(frozen=True)
class Completeness:
    informations: bool
    adresse: bool
    baccalaureat: bool
    ine_required: bool
    ine: bool

    @property
    def missing(self) -> list[str]:
        missing = []
        if not self.informations:
            missing.append(TAB_INFORMATIONS)
        if not self.adresse:
            missing.append(TAB_ADRESSE)
        if not self.baccalaureat:
            missing.append(TAB_BAC)
        if self.informations and self.ine_required and not self.ine:
            missing.append(MISSING_INE)
        return missing

    @property
    def complete(self) -> bool:
        return not self.missing


def view_values(view: Any) -> dict[str, Any]:
    """A read model's fields as a plain dict (what a form starts from)."""
    return {f.name: getattr(view, f.name) for f in fields(view)}
