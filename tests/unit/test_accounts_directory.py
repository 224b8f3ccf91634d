"""The local ENT directory (import, demo, authenticate) and the ENT path of AccountService."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from ecandidat_tui.services.accounts import MSG_BAD_ENT_CREDENTIALS, MSG_NOT_VALIDATED
from ecandidat_tui.services.errors import DomainError
from ecandidat_tui.store.models import Account, Baccalaureat, CursusInterne, DirectoryStudent

DEMO_PASSWORD = "Etudiant-2026!"

CSV = """numero_etudiant;ent_login;password;nom;prenom;mail;ine;date_naissance;civilite;bac_annee;bac_serie;cursus_annee_universitaire;cursus_code;cursus_libelle;cursus_note;cursus_bareme;cursus_resultat
22000001;JDupont;Secret-Ent-1!;Dupont;Jean;jean.dupont@etu.example.org;;2003-05-04;M.;2021;GEN;2021/2022;L1HIST;Licence 1 Histoire;12.5;20;Admis
22000001;JDupont;Secret-Ent-1!;Dupont;Jean;jean.dupont@etu.example.org;;2003-05-04;M.;2021;GEN;2022/2023;L2HIST;Licence 2 Histoire;13;20;Admis
22000002;lmoreau;Secret-Ent-2!;Moreau;Léa;lea.moreau@etu.example.org;;;Mme;;;;;;;;
"""  # noqa: E501  rows of a directory export, kept whole to read as one


def test_demo_students_are_loaded_with_the_demo(ecandidat):
    person = ecandidat.services.directory.authenticate("cmartin", DEMO_PASSWORD)
    assert person is not None and person.numero_etudiant == "21900001"
    assert [c.code for c in person.cursus] == ["L1MATH", "L2MATH", "L3MATH"]
    assert person.bac.annee == 2022 and person.bac.serie == "GEN"
    assert ecandidat.services.directory.load_demo_if_empty() == 0  # only once


def test_directory_authenticate_refuses_wrong_and_unknown(ecandidat):
    assert ecandidat.services.directory.authenticate("cmartin", "wrong") is None
    assert ecandidat.services.directory.authenticate("nobody", DEMO_PASSWORD) is None


def test_import_csv_groups_cursus_rows_and_hashes_passwords(ecandidat, tmp_path):
    path = tmp_path / "students.csv"
    path.write_text(CSV, encoding="utf-8")
    assert ecandidat.services.directory.import_file(path) == 2
    with ecandidat.services.db.read_session() as s:
        row = s.get(DirectoryStudent, "22000001")
    assert row.ent_login == "jdupont"
    assert row.password_hash.startswith("$argon2id$") and "Secret-Ent-1!" not in row.password_hash
    data = json.loads(row.data)
    assert [c["code"] for c in data["cursus"]] == ["L1HIST", "L2HIST"]
    assert data["bac"]["annee"] == 2021
    person = ecandidat.services.directory.authenticate("JDupont", "Secret-Ent-1!")
    assert person.nom == "Dupont" and person.cursus[1].note == "13"
    lea = ecandidat.services.directory.lookup("22000002")
    assert lea.prenom == "Léa" and lea.cursus == () and lea.bac is None
    # Importing again replaces, it does not duplicate.
    assert ecandidat.services.directory.import_file(path) == 2


def test_import_json(ecandidat, tmp_path):
    path = tmp_path / "students.json"
    path.write_text(json.dumps([{
        "numero_etudiant": "23000001", "ent_login": "aleroy", "password": "Secret-Ent-3!",
        "nom": "Leroy", "prenom": "Anna", "mail": "anna.leroy@etu.example.org",
        "cursus": [{"annee_universitaire": "2023/2024", "code": "L1BIO", "libelle": "Licence 1 Biologie"}],
    }]), encoding="utf-8")
    assert ecandidat.services.directory.import_file(path) == 1
    assert ecandidat.services.directory.lookup("23000001").cursus[0].libelle == "Licence 1 Biologie"


@pytest.mark.parametrize("content, suffix, message", [
    ("numero_etudiant;nom\n1;X\n", ".csv", "colonne obligatoire absente"),
    ('[{"numero_etudiant": "1", "ent_login": "x", "password": "p", "nom": "X", "prenom": "Y", "mail": "bad"}]',
     ".json", "mail"),
    ('[{"numero_etudiant": "1", "ent_login": "x", "nom": "X", "prenom": "Y", "mail": "a@example.org"}]',
     ".json", "password"),
    ("{not json", ".json", "JSON invalide"),
    ("x", ".xlsx", "format non reconnu"),
])
def test_import_refuses_bad_files_and_writes_nothing(ecandidat, tmp_path, content, suffix, message):
    path = tmp_path / f"bad{suffix}"
    path.write_text(content, encoding="utf-8")
    with ecandidat.services.db.read_session() as s:
        before = len(s.exec(select(DirectoryStudent)).all())
    with pytest.raises(DomainError) as refused:
        ecandidat.services.directory.import_file(path)
    assert message in refused.value.message
    with ecandidat.services.db.read_session() as s:
        assert len(s.exec(select(DirectoryStudent)).all()) == before


# ------------------------------------------------------------- the ENT path


def test_first_ent_login_prefills_then_later_logins_open_the_account(ecandidat):
    accounts = ecandidat.services.accounts
    outcome = accounts.authenticate_ent("cmartin", DEMO_PASSWORD)
    assert outcome.login is None
    p = outcome.prefill
    assert (p.nom, p.prenom, p.mail, p.numero_etudiant) == ("Martin", "Camille",
                                                           "camille.martin@etu.univ.example", "21900001")
    created = accounts.create_account(p.nom, p.prenom, p.mail, p.mail, numero_etudiant=p.numero_etudiant,
                                      ent_login=p.ent_login)
    with pytest.raises(DomainError) as pending:
        accounts.authenticate_ent("cmartin", DEMO_PASSWORD)
    assert pending.value.message == MSG_NOT_VALIDATED
    welcome = ecandidat.last_mail(to=p.mail)
    accounts.validate_account(ecandidat.mail_field(welcome, "Code d'activation"))

    again = accounts.authenticate_ent("CMartin", DEMO_PASSWORD)
    assert again.prefill is None and again.login.login == created.login
    assert not again.login.must_change_password  # the ENT password is theirs already
    with ecandidat.services.db.read_session() as s:
        account = s.exec(select(Account).where(Account.login == created.login)).one()
        cursus = s.exec(select(CursusInterne).where(CursusInterne.account_id == account.id)).all()
        bac = s.get(Baccalaureat, account.id)
    assert account.from_directory and account.ent_login == "cmartin" and account.numero_etudiant == "21900001"
    assert sorted(c.code for c in cursus) == ["L1MATH", "L2MATH", "L3MATH"]
    assert bac.from_directory and bac.annee == 2022
    # A second sync replaces rather than duplicates.
    accounts.authenticate_ent("cmartin", DEMO_PASSWORD)
    with ecandidat.services.db.read_session() as s:
        assert len(s.exec(select(CursusInterne).where(CursusInterne.account_id == account.id)).all()) == 3


def test_ent_login_with_wrong_password_is_generic(ecandidat):
    with pytest.raises(DomainError) as wrong:
        ecandidat.services.accounts.authenticate_ent("cmartin", "wrong")
    with pytest.raises(DomainError) as unknown:
        ecandidat.services.accounts.authenticate_ent("nobody", "wrong")
    assert wrong.value.message == unknown.value.message == MSG_BAD_ENT_CREDENTIALS


def test_create_account_with_an_unknown_ent_login_is_refused(ecandidat):
    with pytest.raises(DomainError):
        ecandidat.services.accounts.create_account("X", "Y", "x@example.org", "x@example.org",
                                                   ent_login="forged")
