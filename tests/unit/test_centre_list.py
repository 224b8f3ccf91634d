"""The centre-wide list and export: filters, sort, pages, CSV and .xlsx, role and centre, audit."""

from __future__ import annotations

import csv
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from ecandidat_tui.domain import Confirmation, Decision
from ecandidat_tui.services.centre_list import HEADER, NONE, CentreFilters
from ecandidat_tui.services.errors import DomainError, Forbidden, TargetExists
from ecandidat_tui.store.models import Account, AuditLog, Baccalaureat, Candidature


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def h(request):
    return request.getfixturevalue("ecandidat" if request.param == "sqlite" else "ecandidat_pg")


def seed(h):
    """CTR-A: FA1 (Bernard, Durand: Favorable rang none, confirmed), FA2 (Albert: Liste complémentaire 3);
    CTR-B: FB1 (Zola). Bernard has a bac with spécialités, Albert is an ENT student."""
    people = {}
    for nom, formation, centre in (("Bernard", "FA1", "CTR-A"), ("Durand", "FA1", "CTR-A"),
                                   ("Albert", "FA2", "CTR-A"), ("Zola", "FB1", "CTR-B")):
        cand = h.insert_candidate(nom=nom, mail=f"{nom.lower()}@example.org")
        people[nom] = (cand, h.seed_dossier(cand.account_id, formation, centre))
    with h.services.db.session() as s:
        s.get(Candidature, people["Durand"][1].candidature_id).decision = Decision.FAVORABLE.value
        durand = s.get(Candidature, people["Durand"][1].candidature_id)
        durand.confirmation = Confirmation.CONFIRMEE.value
        albert = s.get(Candidature, people["Albert"][1].candidature_id)
        albert.decision, albert.decision_rang = Decision.LISTE_COMPLEMENTAIRE.value, 3
        s.get(Account, people["Albert"][0].account_id).numero_etudiant = "21901234"
        s.add(Baccalaureat(account_id=people["Bernard"][0].account_id, has_bac=True, annee=2024, serie="GEN",
                           mention="TB", pays="FRA", specialites="Mathématiques, Physique-chimie"))
    return people


def names(page):
    return [r.nom for r in page.rows]


def test_one_list_for_the_whole_centre_filtered_and_sorted(h):
    seed(h)
    gest = h.seed_staff("gestionnaire", centres=["CTR-A"]).principal
    lists = h.services.centre_list
    page = lists.page(gest, "CTR-A")
    assert (names(page), page.total) == (["Albert", "Bernard", "Durand"], 3)
    assert names(lists.page(gest, "CTR-A", CentreFilters(formation_code="FA1"))) == ["Bernard", "Durand"]
    assert names(lists.page(gest, "CTR-A", CentreFilters(decision=NONE))) == ["Bernard"]
    assert names(lists.page(gest, "CTR-A", CentreFilters(decision="favorable"))) == ["Durand"]
    assert names(lists.page(gest, "CTR-A", CentreFilters(reponse="confirmee"))) == ["Durand"]
    assert names(lists.page(gest, "CTR-A", CentreFilters(reponse=NONE))) == ["Albert", "Bernard"]
    assert names(lists.page(gest, "CTR-A", CentreFilters(sort="nom", descending=True))) == [
        "Durand", "Bernard", "Albert"]
    assert names(lists.page(gest, "CTR-A", CentreFilters(sort="formation"))) == ["Bernard", "Durand", "Albert"]
    second = lists.page(gest, "CTR-A", offset=2, limit=2)
    assert (names(second), second.total, second.offset) == (["Durand"], 3, 2)
    albert = lists.page(gest, "CTR-A").rows[0]
    assert (albert.numero_etudiant, albert.decision, albert.decision_rang) == (
        "21901234", Decision.LISTE_COMPLEMENTAIRE, 3)


def test_a_gestionnaire_only_lists_their_centres_and_support_nothing(h):
    seed(h)
    gest = h.seed_staff("gestionnaire", centres=["CTR-A"]).principal
    with pytest.raises(Forbidden):
        h.services.centre_list.page(gest, "CTR-B")
    with pytest.raises(Forbidden):
        h.services.centre_list.page(h.seed_staff("support").principal, "CTR-A")
    admin = h.seed_staff("admin").principal
    assert names(h.services.centre_list.page(admin, "CTR-B")) == ["Zola"]
    with pytest.raises(DomainError, match="inconnu"):
        h.services.centre_list.page(admin, "\x1b]0;pwn\x07")


def test_csv_and_xlsx_exports_hold_every_column_typed(h, tmp_path):
    seed(h)
    gest = h.seed_staff("gestionnaire", centres=["CTR-A"]).principal
    seen = []
    result = h.services.centre_list.export(gest, "CTR-A", tmp_path, "xlsx", progress=lambda d, t: seen.append((d, t)))
    assert (result.path.name, result.rows, seen[-1]) == ("candidatures-CTR-A.xlsx", 3, (3, 3))
    sheet = load_workbook(result.path).active
    assert [c.value for c in sheet[1]] == list(HEADER)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:S4"
    bernard = {HEADER[i]: c.value for i, c in enumerate(sheet[3])}
    assert bernard["Nom"] == "Bernard" and bernard["Année du bac"] == 2024
    assert bernard["Spécialités du bac"] == "Mathématiques, Physique-chimie"
    assert isinstance(bernard["Date de création"], datetime)
    albert = {HEADER[i]: c.value for i, c in enumerate(sheet[2])}
    assert (albert["Rang"], albert["Numéro étudiant"], albert["Décision"]) == (3, "21901234", "Liste complémentaire")

    csv_path = h.services.centre_list.export(gest, "CTR-A", tmp_path / "liste.csv", "csv",
                                             CentreFilters(formation_code="FA1")).path
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh, delimiter=";"))
    assert lines[0] == list(HEADER)
    assert [line[3] for line in lines[1:]] == ["Bernard", "Durand"]
    assert (lines[2][11], lines[2][12]) == ("Non", "Confirmation")
    with h.services.db.read_session() as s:
        audited = s.exec(select(AuditLog).where(AuditLog.action == "centre_exported")).all()
    assert [a.actor for a in audited] == [gest.login] * 2


def test_an_export_never_replaces_a_file_unasked_and_leaves_nothing_when_refused(h, tmp_path):
    seed(h)
    admin = h.seed_staff("admin").principal
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "liste.xlsx"
    target.write_text("à garder")
    with pytest.raises(TargetExists):
        h.services.centre_list.export(admin, "CTR-A", target, "xlsx")
    assert target.read_text() == "à garder"
    assert sorted(p.name for p in folder.iterdir()) == ["liste.xlsx"]  # no temporary file left
    with pytest.raises(DomainError, match=r"\.csv"):
        h.services.centre_list.export(admin, "CTR-A", folder / "liste.txt", "csv")
    h.services.centre_list.export(admin, "CTR-A", target, "xlsx", overwrite=True)
    assert load_workbook(target).active.max_row == 4


def test_cells_that_look_like_formulas_are_text_in_both_formats(h, tmp_path):
    people = seed(h)
    with h.services.db.session() as s:
        s.get(Account, people["Bernard"][0].account_id).nom = "=HYPERLINK(\"http://x\")"
    admin = h.seed_staff("admin").principal
    xlsx = h.services.centre_list.export(admin, "CTR-A", tmp_path, "xlsx").path
    values = [c.value for row in load_workbook(xlsx).active.iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    with h.services.centre_list.export(admin, "CTR-A", tmp_path, "csv").path.open(encoding="utf-8-sig") as fh:
        noms = [line[3] for line in csv.reader(fh, delimiter=";")]
    assert "'=HYPERLINK(\"http://x\")" in noms
