"""ProfileService: every rule of DOMAIN.md §2, optimistic locking, the candidature gate."""

from __future__ import annotations

from datetime import datetime, UTC

import pytest
from sqlmodel import select

from ecandidat_tui.services.candidatures import CandidatureService
from ecandidat_tui.services.errors import ConcurrentEdit, Forbidden, NotFound, ValidationFailed
from ecandidat_tui.store.models import (
    Account, Adresse, Baccalaureat, Candidature, CursusInterne, Formation, InformationsPerso, Stage,
)

NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)


def make_account(harness, nom="Gockel", prenom="Charlotte", from_directory=False) -> int:
    """An account row straight in the store (the profile does not care how it was created)."""
    n = harness.unique("acc")
    with harness.services.db.session() as s:
        account = Account(login=n[-8:].upper().rjust(8, "X"), nom=nom, prenom=prenom,
                          nom_key=nom.upper(), prenom_key=prenom.upper(),
                          mail=f"{n}@example.org", mail_key=f"{n}@example.org",
                          mail_validated=True, account_valid=True, from_directory=from_directory)
        s.add(account)
        s.flush()
        return account.id


def add_candidature(harness, account_id: int) -> None:
    with harness.services.db.session() as s:
        formation = s.exec(select(Formation)).first()
        s.add(Candidature(account_id=account_id, formation_id=formation.id))


INFO = {
    "nationalite": "FRA", "ine": "1234567890V", "civilite": "Mme", "nom_naissance": "Gockel",
    "nom_usage": "", "prenom": "Charlotte", "autre_prenom": "", "date_naissance": "14/07/2004",
    "pays_naissance": "FRA", "departement_naissance": "13", "commune_naissance": "Marseille",
    "ville_naissance": "", "telephone": "04 91 00 00 00", "portable": "+33 6 12 34 56 78",
}
ADRESSE = {"pays": "FRA", "code_postal": "13001", "commune": "Marseille",
           "adresse": "3 place Victor Hugo", "complement1": "Bât. B"}
BAC = {"has_bac": True, "annee": "2024", "serie": "STMG", "mention": "B", "pays": "FRA",
       "departement": "13", "commune": "Marseille", "etablissement": "Lycée Thiers"}


@pytest.fixture
def profile(ecandidat):
    ecandidat.services.ctx.clock = lambda: NOW
    return ecandidat.services.profile


@pytest.fixture
def account(ecandidat):
    return make_account(ecandidat)


def stored(harness, model, key):
    with harness.services.db.read_session() as s:
        return s.get(model, key)


# ------------------------------------------------------ Informations perso.


def test_new_informations_are_prefilled_from_the_account(profile, account):
    view = profile.get_informations(account)
    assert not view.exists and view.version == 0
    assert (view.nom_naissance, view.prenom, view.nationalite) == ("Gockel", "Charlotte", "FRA")
    assert view.mail.endswith("@example.org")


def test_informations_saved_and_read_back(ecandidat, profile, account):
    view = profile.save_informations(account, INFO, 0)
    assert view.exists and view.version == 1
    assert view.date_naissance == "14/07/2004" and view.ine == "1234567890V"
    row = stored(ecandidat, InformationsPerso, account)
    assert row.commune_naissance == "Marseille" and row.ville_naissance is None
    again = profile.save_informations(account, {**INFO, "nom_usage": "Martin"}, view.version)
    assert again.version == 2 and again.nom_usage == "Martin"


def test_born_abroad_needs_a_ville_and_drops_departement(ecandidat, profile, account):
    values = {**INFO, "pays_naissance": "DEU", "departement_naissance": "13"}
    with pytest.raises(ValidationFailed) as err:
        profile.save_informations(account, values, 0)
    assert err.value.errors == {"ville_naissance": "Ce champ est obligatoire"}
    view = profile.save_informations(account, {**values, "ville_naissance": "Berlin"}, 0)
    assert view.departement_naissance == "" and view.ville_naissance == "Berlin"


@pytest.mark.parametrize("field, value, message", [
    ("ine", "1234567890A", "La clé de l'INE est incorrecte"),
    ("ine", "12345", "L'INE et sa clé comportent 11 caractères"),
    ("civilite", "", "Ce champ est obligatoire"),
    ("civilite", "Dr", "Choisissez une valeur de la liste"),
    ("nationalite", "XXX", "Choisissez une valeur de la liste"),
    ("nom_naissance", "", "Ce champ est obligatoire"),
    ("nom_naissance", "N" * 31, "30 caractères maximum"),
    ("nom_usage", "U" * 31, "30 caractères maximum"),
    ("prenom", "P" * 21, "20 caractères maximum"),
    ("autre_prenom", "A" * 21, "20 caractères maximum"),
    ("date_naissance", "", "Ce champ est obligatoire"),
    ("date_naissance", "2004-07-14", "La date doit être au format jj/mm/aaaa"),
    ("date_naissance", "31/02/2004", "Le 31/02/2004 n'existe pas : vérifiez le jour et le mois"),
    ("date_naissance", "01/01/2030",
     "La date de naissance doit être comprise entre le 15/03/1926 et le 15/03/2016"),
    ("date_naissance", "16/03/2016",
     "La date de naissance doit être comprise entre le 15/03/1926 et le 15/03/2016"),
    ("date_naissance", "14/03/1926",
     "La date de naissance doit être comprise entre le 15/03/1926 et le 15/03/2016"),
    ("departement_naissance", "", "Ce champ est obligatoire"),
    ("departement_naissance", "99", "Choisissez une valeur de la liste"),
    ("commune_naissance", "", "Ce champ est obligatoire"),
    ("telephone", "04 91 AB 00 00", "Seuls les chiffres et les caractères / + ( ) - . et l'espace sont acceptés"),
    ("portable", "12", "Ce numéro de téléphone n'est pas valide"),
    ("portable", "0" * 21, "20 caractères maximum"),
])
def test_each_invalid_informations_value_is_refused_and_nothing_saved(
        ecandidat, profile, account, field, value, message):
    with pytest.raises(ValidationFailed) as err:
        profile.save_informations(account, {**INFO, field: value}, 0)
    assert err.value.errors[field] == message
    assert stored(ecandidat, InformationsPerso, account) is None


def test_birth_date_bounds_are_inclusive(ecandidat, profile, account):
    assert profile.save_informations(account, {**INFO, "date_naissance": "15/03/2016"}, 0).exists
    other = make_account(ecandidat, nom="Martin", prenom="Paul")
    assert profile.save_informations(other, {**INFO, "ine": "", "date_naissance": "15/03/1926"}, 0).exists


def test_duplicate_ine_is_refused(ecandidat, profile, account):
    profile.save_informations(account, INFO, 0)
    other = make_account(ecandidat, nom="Martin", prenom="Paul")
    with pytest.raises(ValidationFailed) as err:
        profile.save_informations(other, {**INFO, "ine": "1234567890v"}, 0)
    assert err.value.errors == {"ine": "Cet INE a déjà été attribué à un candidat"}
    assert stored(ecandidat, InformationsPerso, other) is None


def test_informations_locked_once_a_candidature_exists(ecandidat, profile, account):
    view = profile.save_informations(account, INFO, 0)
    add_candidature(ecandidat, account)
    assert profile.get_informations(account).read_only
    with pytest.raises(Forbidden):
        profile.save_informations(account, {**INFO, "nom_usage": "Martin"}, view.version)
    assert stored(ecandidat, InformationsPerso, account).nom_usage is None


def test_fields_from_the_directory_cannot_change(ecandidat, profile, account):
    view = profile.save_informations(account, INFO, 0)
    with ecandidat.services.db.session() as s:
        s.get(InformationsPerso, account).locked_fields = "nom_naissance,date_naissance"
    assert profile.get_informations(account).locked_fields == {"nom_naissance", "date_naissance"}
    with pytest.raises(ValidationFailed) as err:
        profile.save_informations(account, {**INFO, "nom_naissance": "Autre"}, view.version)
    assert set(err.value.errors) == {"nom_naissance"}
    # the unlocked fields still save
    assert profile.save_informations(account, {**INFO, "nom_usage": "Martin"}, view.version).nom_usage == "Martin"


def test_stale_informations_are_refused(ecandidat, profile, account):
    first = profile.save_informations(account, INFO, 0)
    profile.save_informations(account, {**INFO, "nom_usage": "Premier"}, first.version)
    with pytest.raises(ConcurrentEdit):
        profile.save_informations(account, {**INFO, "nom_usage": "Second"}, first.version)
    assert stored(ecandidat, InformationsPerso, account).nom_usage == "Premier"


def test_two_first_inserts_race_and_the_second_is_refused(profile, account):
    profile.save_informations(account, INFO, 0)
    with pytest.raises(ConcurrentEdit):
        profile.save_informations(account, {**INFO, "nom_usage": "Second"}, 0)


# ------------------------------------------------------------------ Adresse


def test_adresse_france_and_abroad(ecandidat, profile, account):
    view = profile.save_adresse(account, ADRESSE, 0)
    assert view.code_postal == "13001" and "Marseille" in view.one_line()
    abroad = profile.save_adresse(account, {"pays": "BEL", "commune_etrangere": "Liège",
                                            "adresse": "Rue Haute 1", "code_postal": "13001"},
                                  view.version)
    assert abroad.code_postal == "" and abroad.commune_etrangere == "Liège"
    assert stored(ecandidat, Adresse, account).version == 2


@pytest.mark.parametrize("values, field, message", [
    ({"code_postal": "1300"}, "code_postal", "Le code postal doit comporter 5 chiffres"),
    ({"code_postal": "13A01"}, "code_postal", "Le code postal doit comporter 5 chiffres"),
    ({"code_postal": ""}, "code_postal", "Ce champ est obligatoire"),
    ({"commune": ""}, "commune", "Ce champ est obligatoire"),
    ({"adresse": ""}, "adresse", "Ce champ est obligatoire"),
    ({"adresse": "x" * 33}, "adresse", "32 caractères maximum"),
    ({"complement2": "x" * 33}, "complement2", "32 caractères maximum"),
    ({"pays": ""}, "pays", "Ce champ est obligatoire"),
    ({"pays": "ITA", "commune_etrangere": ""}, "commune_etrangere", "Ce champ est obligatoire"),
])
def test_invalid_adresse_refused(ecandidat, profile, account, values, field, message):
    with pytest.raises(ValidationFailed) as err:
        profile.save_adresse(account, {**ADRESSE, **values}, 0)
    assert err.value.errors[field] == message
    assert stored(ecandidat, Adresse, account) is None


def test_stale_adresse_refused(profile, account):
    view = profile.save_adresse(account, ADRESSE, 0)
    profile.save_adresse(account, {**ADRESSE, "cedex": "01"}, view.version)
    with pytest.raises(ConcurrentEdit):
        profile.save_adresse(account, ADRESSE, view.version)


# ------------------------------------------------------------ Baccalauréat


def test_bac_with_and_without(ecandidat, profile, account):
    view = profile.save_baccalaureat(account, BAC, 0)
    assert view.has_bac and view.serie == "STMG" and view.mention == "B"
    none = profile.save_baccalaureat(account, {"has_bac": False, "situation": "En terminale",
                                               "serie": "STMG"}, view.version)
    assert not none.has_bac and none.serie == "" and none.situation == "En terminale"


@pytest.mark.parametrize("values, field, message", [
    ({"annee": "1899"}, "annee", "L'année doit être comprise entre 1900 et 2026"),
    ({"annee": "2027"}, "annee", "L'année doit être comprise entre 1900 et 2026"),
    ({"annee": ""}, "annee", "Ce champ est obligatoire"),
    ({"serie": ""}, "serie", "Ce champ est obligatoire"),
    ({"mention": "Génial"}, "mention", "Choisissez une valeur de la liste"),
    ({"etablissement": ""}, "etablissement", "Ce champ est obligatoire"),
    ({"departement": ""}, "departement", "Ce champ est obligatoire"),
    ({"specialites": "x" * 201}, "specialites", "200 caractères maximum"),
    ({"has_bac": False, "situation": "x" * 501}, "situation", "500 caractères maximum"),
])
def test_invalid_bac_refused(ecandidat, profile, account, values, field, message):
    with pytest.raises(ValidationFailed) as err:
        profile.save_baccalaureat(account, {**BAC, **values}, 0)
    assert err.value.errors[field] == message
    assert stored(ecandidat, Baccalaureat, account) is None


def test_bac_from_directory_is_read_only(ecandidat, profile, account):
    view = profile.save_baccalaureat(account, BAC, 0)
    with ecandidat.services.db.session() as s:
        s.get(Baccalaureat, account).from_directory = True
    with pytest.raises(Forbidden):
        profile.save_baccalaureat(account, {**BAC, "mention": "TB"}, view.version)


# ------------------------------------------------------------------ lists


def test_cursus_interne_is_listed_read_only(ecandidat, profile, account):
    assert profile.list_cursus_interne(account) == []
    with ecandidat.services.db.session() as s:
        s.add(CursusInterne(account_id=account, annee_universitaire="2024-2025", code="L1DRO",
                            libelle="Licence 1 Droit", note="12.5", bareme="20", resultat="Admis"))
    [row] = profile.list_cursus_interne(account)
    assert (row.code, row.note, row.resultat, row.mention) == ("L1DRO", "12.5", "Admis", "")


def test_stage_crud_with_versions(ecandidat, profile, account):
    values = {"annee": "2025", "duree": "2 mois", "heures_semaine": "35",
              "organisme": "Mairie de Marseille", "descriptif": "Accueil du public"}
    row_id = profile.add_stage(account, values)
    [row] = profile.list_stages(account)
    assert row.id == row_id and row.heures_semaine == "35" and row.version == 1
    profile.edit_stage(account, row_id, 1, {**values, "duree": "3 mois"})
    with pytest.raises(ConcurrentEdit):
        profile.edit_stage(account, row_id, 1, {**values, "duree": "4 mois"})
    assert profile.list_stages(account)[0].duree == "3 mois"
    with pytest.raises(ConcurrentEdit):
        profile.delete_stage(account, row_id, 1)
    profile.delete_stage(account, row_id, 2)
    assert profile.list_stages(account) == []
    with pytest.raises(NotFound):
        profile.delete_stage(account, row_id, 2)


@pytest.mark.parametrize("values, field, message", [
    ({"annee": ""}, "annee", "Ce champ est obligatoire"),
    ({"annee": "20x5"}, "annee", "L'année doit être comprise entre 1900 et 2026"),
    ({"duree": ""}, "duree", "Ce champ est obligatoire"),
    ({"heures_semaine": "beaucoup"}, "heures_semaine", "Indiquez un nombre d'heures entre 1 et 80"),
    ({"organisme": ""}, "organisme", "Ce champ est obligatoire"),
    ({"descriptif": ""}, "descriptif", "Ce champ est obligatoire"),
    ({"descriptif": "x" * 501}, "descriptif", "500 caractères maximum"),
])
def test_invalid_stage_refused(ecandidat, profile, account, values, field, message):
    base = {"annee": "2025", "duree": "2 mois", "organisme": "Mairie", "descriptif": "Accueil"}
    with pytest.raises(ValidationFailed) as err:
        profile.add_stage(account, {**base, **values})
    assert err.value.errors[field] == message
    with ecandidat.services.db.read_session() as s:
        assert s.exec(select(Stage)).all() == []


def test_another_candidates_row_is_not_found(ecandidat, profile, account):
    row_id = profile.add_experience(account, {"annee": "2024", "intitule": "Vendeur",
                                              "duree": "6 mois", "organisme": "Fnac"})
    other = make_account(ecandidat, nom="Martin", prenom="Paul")
    with pytest.raises(NotFound):
        profile.edit_experience(other, row_id, 1, {"annee": "2024", "intitule": "X",
                                                   "duree": "1 mois", "organisme": "Y"})
    with pytest.raises(NotFound):
        profile.delete_experience(other, row_id)
    assert profile.list_experiences(account)[0].intitule == "Vendeur"


def test_cursus_externe_rules(profile, account):
    values = {"pays": "FRA", "etablissement": "Université de Lyon", "departement": "69",
              "commune": "Lyon", "annee": "2025", "formation": "Licence",
              "libelle_niveau": "L1 Économie", "obtenu": "en_cours", "mention": ""}
    row_id = profile.add_cursus_externe(account, values)
    assert profile.list_cursus_externe(account)[0].obtenu == "en_cours"
    with pytest.raises(ValidationFailed) as err:
        profile.edit_cursus_externe(account, row_id, 1, {**values, "obtenu": "peut-être",
                                                         "departement": ""})
    assert set(err.value.errors) == {"obtenu", "departement"}
    profile.edit_cursus_externe(account, row_id, 1, {**values, "pays": "ESP", "departement": "",
                                                     "commune": ""})
    assert profile.list_cursus_externe(account)[0].pays == "ESP"


# --------------------------------------------------------------- the gate


def test_gate_names_each_missing_piece(ecandidat, profile, account):
    assert profile.missing_for_candidature(account) == [
        "Informations perso.", "Adresse", "Baccalauréat"]
    profile.save_informations(account, {**INFO, "ine": ""}, 0)
    assert profile.missing_for_candidature(account) == ["Adresse", "Baccalauréat"]
    profile.save_adresse(account, ADRESSE, 0)
    assert profile.missing_for_candidature(account) == ["Baccalauréat"]
    bac = profile.save_baccalaureat(account, BAC, 0)
    # French, French bac of 2024: the INE is required
    assert profile.missing_for_candidature(account) == ["INE"]
    assert "INE" in CandidatureService.gate_message(profile.missing_for_candidature(account))
    profile.save_baccalaureat(account, {**BAC, "annee": "2010"}, bac.version)
    assert profile.missing_for_candidature(account) == []
    done = profile.completeness(account)
    assert done.informations and done.adresse and done.baccalaureat and not done.ine_required


def test_gate_does_not_ask_an_ine_of_a_foreign_bac_or_nationality(profile, account):
    profile.save_informations(account, {**INFO, "ine": "", "nationalite": "ITA"}, 0)
    profile.save_adresse(account, ADRESSE, 0)
    profile.save_baccalaureat(account, BAC, 0)
    assert profile.missing_for_candidature(account) == []


def test_seed_profile_passes_the_gate(ecandidat, profile, account):
    ecandidat.seed_profile(account)
    assert profile.missing_for_candidature(account) == []
    assert profile.completeness(account).complete
