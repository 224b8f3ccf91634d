"""The demo Offre de formation, and a seeded generator of large catalogs.

`demo_catalog(today)` returns the demo catalog in the import schema of
docs/catalog.md (a plain dict), with dates relative to `today` so that some
formations are open now, some closed and some not yet open. The catalog
service loads it through the same validation and upsert as `ecandidat
catalog import`.

`generate_catalog(db_or_session, n_formations, n_centres, seed)` bulk-inserts
a deterministic synthetic catalog (benchmarks and tests: 10,000 formations
in 60 centres).
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any
from collections.abc import Iterator

from sqlalchemy import insert, select, text
from sqlmodel import Session, col

from .models import Centre, Commission, Formation, FormationPiece, PieceType

# The ten pièces justificatives of the seed procedure, in its order, with the
# exact labels. Conditional ones offer "Si vous n'êtes pas concerné par cette
# pièce, cliquez ici"; shared ones are uploaded once for every candidature.
STANDARD_PIECES: tuple[dict[str, Any], ...] = (
    {"code": "INFO_COMPL", "conditional": True, "shared": False,
     "libelle": "Informations complémentaires jugées utiles pour l'appréciation de votre candidature"},
    {"code": "IDENTITE", "conditional": False, "shared": True,
     "libelle": "Justificatif d'identité en cours de validité (copie de la carte nationale d'identité "
                "ou du passeport ou de tout autre document officiel attestant de l'identité)"},
    {"code": "PHOTO", "conditional": False, "shared": True,
     "libelle": "Une photo d'identité récente et conforme aux normes, format 35x45mm"},
    {"code": "RELEVES", "conditional": False, "shared": False,
     "libelle": "Relevés de notes somestriels ou trimestriels obtenus depuis le baccalauréat ou le "
                "diplôme d'études secondaires"},
    {"code": "LANGUE", "conditional": True, "shared": False,
     "libelle": "Etudiant d'un pays dont le français n'est pas la seule langue officielle ou n'ayant "
                "pas fait ses études dans un établissement français : résultats du TCF ou du DELF "
                "(ou DALF) ou du TEF ou du TEFI"},
    {"code": "TRADUCTION", "conditional": True, "shared": False,
     "libelle": "Traduction en français des diplômes étrangers et des relevés de notes obligatoirement "
                "authentifiés par le Conseiller Culturel de l'Ambassade de France du pays d'origine ou "
                "par tout traducteur assermenté"},
    {"code": "CV", "conditional": False, "shared": True, "libelle": "Curriculum vitae"},
    {"code": "LETTRE", "conditional": False, "shared": False, "libelle": "Lettre de motivation"},
    {"code": "FORM_COMPL", "conditional": False, "shared": False,
     "libelle": "Formulaire complémentaire à télécharger en PDF"},
    {"code": "DIPLOMES", "conditional": False, "shared": False, "libelle": "Attestation des diplômes obtenus"},
)
for _ordre, _piece in enumerate(STANDARD_PIECES, start=1):
    _piece["ordre"] = _ordre
del _ordre, _piece

ALL_PIECES = tuple(p["code"] for p in STANDARD_PIECES)
# Subsets some formations ask instead of all ten.
_NO_FORM = tuple(c for c in ALL_PIECES if c != "FORM_COMPL")
_DU_PIECES = ("IDENTITE", "PHOTO", "CV", "LETTRE", "DIPLOMES", "INFO_COMPL")
_LP_PIECES = tuple(c for c in ALL_PIECES if c not in ("FORM_COMPL", "TRADUCTION"))

# --------------------------------------------------------------- the demo

# (centre code, libellé, max candidatures or None, [commissions])
# commission: (code, libellé, adresse, téléphone, mail, [formations])
# formation: (code, titre, mots-clés, mode, pieces or None for all ten)
_P = "papier"
_D = "dematerialise"

_DEMO: tuple = (
    ("SCI", "Faculté des Sciences", None, [
        ("SCI-LIC", "Commission des licences de sciences",
         "Faculté des Sciences, Scolarité licences, 3 place Victor Hugo, 13003 Marseille",
         "04 13 55 10 20", "sciences-licences@univ.example", [
             ("LIC-INFO", "Licence Informatique", "informatique programmation algorithmique réseaux", _D, None),
             ("LIC-MATH", "Licence Mathématiques", "mathématiques algèbre analyse probabilités", _D, None),
             ("LIC-PHYS", "Licence Physique, chimie", "physique chimie matière énergie", _D, None),
             ("LIC-SVT", "Licence Sciences de la vie et de la Terre", "biologie géologie écologie", _D, None),
             ("LIC-MIASHS", "Licence MIASHS", "mathématiques informatique sciences humaines statistique", _D, None),
             ("LIC-BIO", "Licence Sciences de la vie", "biologie cellulaire génétique biochimie", _D, None),
             ("LIC-ELEC", "Licence Électronique, énergie électrique, automatique",
              "électronique automatique EEA", _D, None),
         ]),
        ("SCI-MAS", "Commission des masters de sciences",
         "Faculté des Sciences, Scolarité masters, 163 avenue de Luminy, 13009 Marseille",
         "04 13 55 10 40", "sciences-masters@univ.example", [
             ("MAS-INFO-IA", "Master Informatique parcours Intelligence artificielle",
              "IA apprentissage données", _D, None),
             ("MAS-INFO-GL", "Master Informatique parcours Génie logiciel",
              "logiciel développement architecture", _D, None),
             ("MAS-MATH-AP", "Master Mathématiques appliquées, statistique",
              "statistique data science modélisation", _D, None),
             ("MAS-PHYS-FOND", "Master Physique fondamentale et applications",
              "physique quantique astrophysique", _D, None),
             ("MAS-CHIMIE", "Master Chimie parcours Chimie verte", "chimie environnement durable", _D, None),
             ("MAS-BIOINFO", "Master Bio-informatique",
              "génomique bioinformatique biologie computationnelle", _D, None),
             ("MAS-OCEANO", "Master Sciences de la mer, océanographie", "océan mer biologie marine", _D, None),
             ("MAS-ECOLOGIE", "Master Biodiversité, écologie et évolution",
              "écologie biodiversité évolution", _D, None),
         ]),
    ]),
    ("DROIT", "Faculté de Droit et de Science Politique", None, [
        ("DROIT-LIC", "Commission des licences de droit",
         "Faculté de Droit, 3 avenue Robert Schuman, 13628 Aix-en-Provence Cedex 1",
         "04 42 17 28 00", "droit-licences@univ.example", [
             ("LIC-DROIT", "Licence Droit", "droit civil constitutionnel", _D, None),
             ("LIC-AES", "Licence Administration économique et sociale",
              "AES administration économie social", _D, None),
             ("LIC-SCPO", "Licence Science politique", "politique institutions relations internationales", _D, None),
             ("LIC-DROIT-ECO", "Licence Droit-Économie", "droit économie double licence", _D, _NO_FORM),
         ]),
        ("DROIT-MAS", "Commission des masters de droit",
         "Faculté de Droit, Bâtiment Pouillon, 3 avenue Robert Schuman, 13628 Aix-en-Provence Cedex 1",
         "04 42 17 28 40", "droit-masters@univ.example", [
             ("MAS-DR-AFF", "Master Droit des affaires", "entreprise sociétés commercial", _D, None),
             ("MAS-DR-PUB", "Master Droit public", "administratif collectivités", _D, None),
             ("MAS-DR-PENAL", "Master Droit pénal et sciences criminelles", "pénal criminologie procédure", _D, None),
             ("MAS-DR-SOC", "Master Droit social", "travail sécurité sociale", _D, None),
             ("MAS-DR-INTL", "Master Droit international et européen", "international européen", _D, None),
             ("MAS-DR-NUM", "Master Droit du numérique", "numérique données RGPD propriété intellectuelle", _D, None),
             ("MAS-DR-NOTAR", "Master Droit notarial", "notariat patrimoine famille", _P, None),
         ]),
    ]),
    ("ALLSH", "Faculté des Arts, Lettres, Langues et Sciences Humaines", None, [
        ("ALLSH-LET", "Commission lettres et langues",
         "Faculté ALLSH, 29 avenue Robert Schuman, 13621 Aix-en-Provence Cedex 1",
         "04 13 55 30 00", "allsh-lettres@univ.example", [
             ("LIC-LETTRES", "Licence Lettres modernes", "littérature française lettres", _D, None),
             ("LIC-LLCER-ANG", "Licence LLCER Anglais", "anglais langue civilisation", _D, None),
             ("LIC-LLCER-ESP", "Licence LLCER Espagnol", "espagnol langue civilisation", _D, None),
             ("LIC-LEA", "Licence Langues étrangères appliquées", "LEA langues commerce traduction", _D, None),
             ("MAS-FLE", "Master Français langue étrangère", "FLE didactique enseignement", _D, None),
             ("MAS-TRAD", "Master Traduction et interprétation", "traduction interprétation langues", _D, None),
         ]),
        ("ALLSH-SHS", "Commission sciences humaines",
         "Faculté ALLSH, Maison de la recherche, 29 avenue Robert Schuman, 13621 Aix-en-Provence Cedex 1",
         "04 13 55 30 40", "allsh-shs@univ.example", [
             ("LIC-HIST", "Licence Histoire", "histoire médiévale moderne contemporaine", _D, None),
             ("LIC-GEO", "Licence Géographie et aménagement", "géographie territoire urbanisme", _D, None),
             ("LIC-PSYCHO", "Licence Psychologie", "psychologie cognition clinique", _D, None),
             ("LIC-SOCIO", "Licence Sociologie", "sociologie société enquête", _D, None),
             ("LIC-ARTS", "Licence Arts plastiques", "arts plastiques création", _P, None),
             ("LIC-MUSIQUE", "Licence Musique et musicologie", "musique musicologie", _D, None),
             ("MAS-PSY-CLIN", "Master Psychologie clinique", "psychologie clinique psychopathologie", _D, None),
             ("MAS-ARCHEO", "Master Archéologie", "archéologie préhistoire patrimoine", _D, None),
         ]),
    ]),
    ("FEG", "Faculté d'Économie et de Gestion", None, [
        ("FEG-COM", "Commission économie et gestion",
         "Faculté d'Économie et de Gestion, 14 rue Puvis de Chavannes, 13001 Marseille",
         "04 91 14 07 00", "feg-scolarite@univ.example", [
             ("LIC-ECO", "Licence Économie et gestion", "économie gestion", _D, None),
             ("LIC-GESTION", "Licence Gestion", "gestion comptabilité management", _D, None),
             ("MAS-ECO-FIN", "Master Économie parcours Finance", "finance marchés banque", _D, None),
             ("MAS-CCA", "Master Comptabilité, contrôle, audit", "comptabilité audit CCA expertise", _D, None),
             ("MAS-MKT", "Master Marketing et vente", "marketing vente commerce", _D, None),
             ("MAS-RH", "Master Gestion des ressources humaines", "RH ressources humaines", _D, None),
             ("MAS-ECO-ENV", "Master Économie de l'environnement et de l'énergie", "environnement énergie", _D, None),
         ]),
    ]),
    ("IUT", "Institut Universitaire de Technologie", 10, [
        ("IUT-LP", "Commission des licences professionnelles",
         "IUT, 413 avenue Gaston Berger, 13625 Aix-en-Provence Cedex 1",
         "04 42 93 90 00", "iut-lp@univ.example", [
             ("LP-DEVWEB", "Licence professionnelle Métiers de l'informatique : développement web",
              "web développement applications", _D, _LP_PIECES),
             ("LP-RESEAUX", "Licence professionnelle Métiers des réseaux informatiques et télécommunications",
              "réseaux télécoms administration systèmes", _D, _LP_PIECES),
             ("LP-LOGISTIQUE", "Licence professionnelle Logistique et pilotage des flux",
              "logistique transport supply chain", _D, _LP_PIECES),
             ("LP-COMMERCE", "Licence professionnelle Commerce et distribution",
              "commerce vente distribution", _D, _LP_PIECES),
             ("LP-GRH", "Licence professionnelle Métiers de la GRH : assistant",
              "paie RH gestion du personnel", _D, _LP_PIECES),
             ("LP-ENERGIE", "Licence professionnelle Maîtrise de l'énergie, électricité, développement durable",
              "énergie électricité renouvelable", _P, _LP_PIECES),
             ("LP-QUALITE", "Licence professionnelle Qualité, hygiène, sécurité, santé, environnement",
              "qualité QHSE sécurité", _D, _LP_PIECES),
             ("LP-BANQUE", "Licence professionnelle Assurance, banque, finance : chargé de clientèle",
              "banque assurance clientèle", _D, _LP_PIECES),
             ("LP-ROBOTIQUE", "Licence professionnelle Robotique et vision industrielles",
              "robotique automatisme industrie", _D, _LP_PIECES),
         ]),
    ]),
    ("STAPS", "Faculté des Sciences du Sport", None, [
        ("STAPS-COM", "Commission STAPS",
         "Faculté des Sciences du Sport, 163 avenue de Luminy, 13009 Marseille",
         "04 91 17 22 00", "staps-scolarite@univ.example", [
             ("LIC-STAPS-EM", "Licence STAPS Entraînement sportif", "sport entraînement", _D, None),
             ("LIC-STAPS-APAS", "Licence STAPS Activité physique adaptée et santé", "APA santé handicap", _D, None),
             ("LIC-STAPS-MS", "Licence STAPS Management du sport", "management sport événementiel", _D, None),
             ("MAS-STAPS-IEAP", "Master Ingénierie et ergonomie de l'activité physique",
              "ergonomie mouvement", _D, None),
             ("MAS-STAPS-EOPS", "Master Entraînement et optimisation de la performance sportive",
              "performance préparation physique", _D, None),
         ]),
    ]),
    ("SANTE", "Faculté des Sciences Médicales et Paramédicales", 5, [
        ("SANTE-DU", "Commission des diplômes d'université santé",
         "Faculté de Santé, 27 boulevard Jean Moulin, 13385 Marseille Cedex 5",
         "04 91 32 43 00", "sante-du@univ.example", [
             ("DU-ECHO", "DU Échographie générale", "échographie imagerie médecine", _P, _DU_PIECES),
             ("DU-NUTRITION", "DU Nutrition et diététique", "nutrition alimentation santé", _D, _DU_PIECES),
             ("DU-SOINS-PAL", "DU Soins palliatifs et accompagnement", "palliatifs fin de vie soins", _D, _DU_PIECES),
             ("DU-ADDICTO", "DU Addictologie", "addictions dépendances", _D, _DU_PIECES),
             ("DU-MED-SPORT", "DU Médecine du sport", "sport médecine traumatologie", _D, _DU_PIECES),
             ("DU-URGENCES", "DU Médecine d'urgence", "urgences SAMU réanimation", _D, _DU_PIECES),
         ]),
    ]),
    ("FC", "Service de Formation Continue", None, [
        ("FC-DU", "Commission des diplômes d'université de formation continue",
         "Service de Formation Continue, 117 rue de Breteuil, 13006 Marseille",
         "04 13 94 22 00", "formation-continue@univ.example", [
             ("DU-DAEU-A", "DAEU A (Diplôme d'accès aux études universitaires, option littéraire)",
              "DAEU reprise d'études bac", _D, ("IDENTITE", "PHOTO", "CV", "LETTRE", "INFO_COMPL")),
             ("DU-FLE", "DU Français langue étrangère", "FLE français étrangers", _D, (*_DU_PIECES, "LANGUE")),
             ("DU-CYBER", "DU Cybersécurité", "sécurité informatique cyber", _D, _DU_PIECES),
             ("DU-MEDIATION", "DU Médiation", "médiation conflits", _P, _DU_PIECES),
             ("DU-DATA", "DU Analyse de données", "data statistique Python", _D, _DU_PIECES),
             ("DU-ENTREPRENEURIAT", "DU Création d'entreprise", "entrepreneuriat création start-up", _D, _DU_PIECES),
         ]),
    ]),
)


def demo_dates(today: date, index: int) -> dict[str, str]:
    """Dates of the `index`-th demo formation: mostly open, some closed, some future.

    Pattern over 10 formations: 6 open now, 2 closed, 2 not yet open.
    """
    slot = index % 10
    if slot in (3, 8):      # closed: the dépôt period ended
        debut = today - timedelta(days=120 + index % 7)
        fin = today - timedelta(days=10 + index % 20)
    elif slot in (5, 9):    # not yet open
        debut = today + timedelta(days=10 + index % 15)
        fin = debut + timedelta(days=45)
    else:                   # open now
        debut = today - timedelta(days=15 + index % 30)
        fin = today + timedelta(days=20 + index % 40)
    retour = fin + timedelta(days=7)
    jury = retour + timedelta(days=14)
    publication = jury + timedelta(days=7)
    confirmation = publication + timedelta(days=14)
    dates = {
        "date_debut_depot": debut, "date_fin_depot": fin, "date_limite_retour": retour,
        "date_jury": jury, "date_publication": publication, "date_confirmation": confirmation,
    }
    if index % 3 == 0:
        dates["date_preanalyse"] = fin + timedelta(days=3)
    return {k: v.isoformat() for k, v in dates.items()}


def demo_catalog(today: date) -> dict[str, Any]:
    """The demo catalog as an import document (see docs/catalog.md)."""
    centres = []
    index = 0
    for c_code, c_libelle, c_max, commissions in _DEMO:
        c_doc: dict[str, Any] = {"code": c_code, "libelle": c_libelle, "commissions": []}
        if c_max is not None:
            c_doc["max_candidatures"] = c_max
        for k_code, k_libelle, adresse, tel, mail, formations in commissions:
            k_doc: dict[str, Any] = {"code": k_code, "libelle": k_libelle, "adresse": adresse,
                                     "telephone": tel, "mail": mail, "formations": []}
            for f_code, titre, mots, mode, pieces in formations:
                f_doc = {"code": f_code, "titre": titre, "mots_cles": mots, "mode": mode,
                         "url": f"https://formations.univ.example/{f_code.lower()}",
                         "pieces": list(pieces or ALL_PIECES)}
                f_doc.update(demo_dates(today, index))
                index += 1
                k_doc["formations"].append(f_doc)
            c_doc["commissions"].append(k_doc)
        centres.append(c_doc)
    return {"pieces": [dict(p) for p in STANDARD_PIECES], "centres": centres}


# ------------------------------------------------------------ generator

_DISCIPLINES = (
    "Informatique", "Mathématiques", "Physique", "Chimie", "Biologie", "Géographie", "Histoire",
    "Économie", "Gestion", "Droit", "Psychologie", "Sociologie", "Philosophie", "Lettres",
    "Anglais", "Espagnol", "Allemand", "Italien", "Arts", "Musique", "Sciences de l'éducation",
    "Électronique", "Mécanique", "Génie civil", "Énergétique", "Océanographie", "Écologie",
    "Santé publique", "Pharmacie", "Sport", "Urbanisme", "Archéologie", "Linguistique",
    "Communication", "Journalisme", "Information et documentation", "Marketing", "Finance",
)
_PARCOURS = (
    "parcours recherche", "parcours professionnel", "parcours international", "en alternance",
    "à distance", "parcours enseignement", "parcours ingénierie", "parcours données",
)
_GRADES = ("Licence", "Licence professionnelle", "Master", "DU")
_FACULTES = (
    "Faculté des Sciences", "Faculté de Droit", "Faculté des Lettres", "Faculté d'Économie",
    "Institut de Technologie", "Faculté de Santé", "École d'Ingénieurs", "Institut de Management",
    "Faculté des Sports", "Institut d'Études Politiques",
)
_VILLES = ("Marseille", "Aix-en-Provence", "Avignon", "Toulon", "Nice", "Arles", "Gap", "Digne")


_PG_DEMO_LOCK_KEY = 0x0EC4_DE40  # one advisory lock: a fleet starting at once loads the demo once


def lock_demo_load(session: Session) -> None:
    """Serialise demo loads until `session` ends: on PostgreSQL an advisory
    transaction lock (SQLite's `BEGIN IMMEDIATE` already took the write lock).
    After it, "is the catalog still empty?" cannot race another loader."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_DEMO_LOCK_KEY})


@contextmanager
def _as_session(db_or_session: Any) -> Iterator[Session]:
    if isinstance(db_or_session, Session):
        yield db_or_session
    else:
        with db_or_session.session() as session:
            yield session


def ensure_standard_pieces(session: Session) -> dict[str, int]:
    """Create the ten standard piece types that are missing; code -> id."""
    existing = dict(session.execute(select(col(PieceType.code), col(PieceType.id))).all())
    missing = [dict(p) for p in STANDARD_PIECES if p["code"] not in existing]
    if missing:
        session.execute(insert(PieceType), missing)
        existing = dict(session.execute(select(col(PieceType.code), col(PieceType.id))).all())
    return existing


def generate_catalog(db_or_session: Any, n_formations: int = 10_000, n_centres: int = 60,
                     seed: int = 0, *, today: date | None = None, with_pieces: bool = True,
                     code_prefix: str = "G") -> dict[str, int]:
    """Bulk-insert a deterministic synthetic catalog; returns counts.

    Same arguments, same catalog (titles, codes, dates relative to `today`).
    Codes are `<prefix><seed>C<centre>` and `<prefix><seed>F<n>` so two seeds
    can live in one database. Each centre has two commissions.
    """
    rng = random.Random(seed)
    today = today or date.today()
    pfx = f"{code_prefix}{seed}"
    with _as_session(db_or_session) as session:
        piece_ids = ensure_standard_pieces(session) if with_pieces else {}
        centre_rows = []
        for c in range(n_centres):
            fac = _FACULTES[c % len(_FACULTES)]
            ville = _VILLES[(c // len(_FACULTES)) % len(_VILLES)]
            centre_rows.append({"code": f"{pfx}C{c:03d}", "libelle": f"{fac} de {ville} ({c + 1})",
                                "max_candidatures": None})
        session.execute(insert(Centre), centre_rows)
        centre_ids = dict(session.execute(
            select(col(Centre.code), col(Centre.id))
            .where(col(Centre.code).in_([r["code"] for r in centre_rows]))).all())
        commission_rows = []
        for c, row in enumerate(centre_rows):
            for k in range(2):
                commission_rows.append({
                    "centre_id": centre_ids[row["code"]], "code": f"K{k}",
                    "libelle": f"Commission {'des licences' if k == 0 else 'des masters'} ({c + 1})",
                    "adresse": f"{rng.randint(1, 200)} avenue de l'Université, 13{rng.randint(0, 99):03d} "
                               f"{_VILLES[c % len(_VILLES)]}",
                    "telephone": f"04 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                                 f"{rng.randint(10, 99)}",
                    "mail": f"scol-{c + 1}-{k}@univ.example",
                })
        session.execute(insert(Commission), commission_rows)
        commission_ids = [
            cid for (cid,) in session.execute(
                select(col(Commission.id)).where(col(Commission.centre_id).in_(list(centre_ids.values())))
                .order_by(col(Commission.id))).all()
        ]
        formation_rows = []
        for i in range(n_formations):
            grade = _GRADES[rng.randrange(len(_GRADES))]
            disc = _DISCIPLINES[rng.randrange(len(_DISCIPLINES))]
            parcours = _PARCOURS[rng.randrange(len(_PARCOURS))]
            dates = {k: date.fromisoformat(v) for k, v in demo_dates(today, rng.randrange(1000)).items()}
            formation_rows.append({
                "code": f"{pfx}F{i:06d}",
                "titre": f"{grade} {disc} {parcours} n°{i + 1}",
                "mots_cles": f"{disc.lower()} {grade.lower()} {parcours.split()[-1]}",
                "url": "",
                "commission_id": commission_ids[i % len(commission_ids)],
                "mode": "papier" if rng.random() < 0.1 else "dematerialise",
                "date_preanalyse": None,
                **dates,
            })
        session.execute(insert(Formation), formation_rows)
        n_links = 0
        if with_pieces:
            formation_ids = [fid for (fid,) in session.execute(
                select(col(Formation.id)).where(col(Formation.code).like(f"{pfx}F%"))
                .order_by(col(Formation.id))).all()]
            all_ids = [piece_ids[c] for c in ALL_PIECES]
            links = [{"formation_id": fid, "piece_type_id": pid} for fid in formation_ids for pid in all_ids]
            n_links = len(links)
            for start in range(0, len(links), 20_000):
                session.execute(insert(FormationPiece), links[start:start + 20_000])
    return {"centres": len(centre_rows), "commissions": len(commission_rows),
            "formations": len(formation_rows), "formation_pieces": n_links}


__all__ = ["ALL_PIECES", "STANDARD_PIECES", "demo_catalog", "demo_dates", "ensure_standard_pieces",
           "generate_catalog"]
