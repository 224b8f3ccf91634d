"""Catalog service: demo catalog, read models, JSON/CSV import, CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from collections import Counter
from datetime import date, datetime, timedelta, UTC
from pathlib import Path

import pytest

from ecandidat_tui import cli
from ecandidat_tui.services.catalog import CatalogImportError, CatalogService
from ecandidat_tui.services.errors import DomainError, NotFound
from ecandidat_tui.store.demo import STANDARD_PIECES, demo_catalog, generate_catalog
from ecandidat_tui.text import fold
from ecandidat_tui.testing import make_harness

TODAY = date(2026, 3, 15)
# The design folder sits beside the repository (as on the developers' machines and in CI).
SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "procedure-etudiant-ecandidat.txt"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "catalog.md"


def _fixed(day: date):
    return lambda: datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


@pytest.fixture
def empty(tmp_path):
    """A harness whose catalog is empty, on a fixed clock."""
    h = make_harness(tmp_path / "home", demo_catalog=False)
    h.services.ctx.clock = _fixed(TODAY)
    yield h
    h.services.close()


@pytest.fixture
def demo(empty):
    assert empty.services.catalog.load_demo_if_empty() is True
    return empty


def _doc_block(lang: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"```{lang}\n(.*?)```", text, re.DOTALL)
    assert match, f"no ```{lang} block in docs/catalog.md"
    return match.group(1)


# ------------------------------------------------------------ demo catalog


def test_harness_loads_the_demo_catalog(ecandidat):
    counts = ecandidat.services.catalog.counts()
    assert counts["centres"] >= 6
    assert counts["formations"] >= 60
    assert counts["pieces"] == 10


def test_demo_catalog_is_loaded_once(demo):
    catalog = demo.services.catalog
    before = catalog.counts()
    assert catalog.load_demo_if_empty() is False
    assert catalog.counts() == before


def test_two_loaders_at_once_load_one_catalog(empty):
    results: list[bool] = []
    services = [empty.services.catalog, CatalogService(empty.services.ctx)]
    threads = [threading.Thread(target=lambda c=c: results.append(c.load_demo_if_empty())) for c in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    assert empty.services.catalog.counts()["formations"] == len(
        [f for c in demo_catalog(TODAY)["centres"] for k in c["commissions"] for f in k["formations"]])


def test_demo_has_every_kind_of_formation_with_contacts(demo):
    tree = demo.services.catalog.catalog_tree()
    titres = [f.titre for c in tree.centres for f in c.formations]
    assert any(t.startswith("Licence professionnelle") for t in titres)
    assert any(t.startswith("Licence ") and "professionnelle" not in t for t in titres)
    assert any(t.startswith("Master") for t in titres)
    assert any(t.startswith("DU ") for t in titres)
    for centre in tree.centres:
        assert centre.formations, centre.libelle
        detail = demo.services.catalog.formation_detail(centre.formations[0].id)
        assert detail.adresse and detail.telephone and "@" in detail.mail
        assert detail.pieces


def test_demo_dates_are_relative_to_today(demo):
    tree = demo.services.catalog.catalog_tree()
    states = Counter(f.state for c in tree.centres for f in c.formations)
    assert states["open"] >= 30 and states["closed"] >= 5 and states["future"] >= 5
    for f in (f for c in tree.centres for f in c.formations):
        if f.state == "open":
            assert f.date_debut_depot <= TODAY <= f.date_fin_depot and f.is_open
        elif f.state == "closed":
            assert f.date_fin_depot < TODAY and not f.is_open
        else:
            assert f.date_debut_depot > TODAY
        assert f.date_limite_retour >= f.date_fin_depot


def test_open_flag_follows_the_clock(demo):
    catalog = demo.services.catalog
    demo.services.ctx.clock = _fixed(TODAY + timedelta(days=400))
    tree = catalog.catalog_tree()
    assert {f.state for c in tree.centres for f in c.formations} == {"closed"}
    demo.services.ctx.clock = _fixed(TODAY - timedelta(days=400))
    assert {f.state for c in catalog.catalog_tree().centres for f in c.formations} == {"future"}


def test_the_ten_pieces_of_the_seed_procedure(demo):
    pieces = demo.services.catalog.piece_types()
    assert [p.code for p in pieces] == ["INFO_COMPL", "IDENTITE", "PHOTO", "RELEVES", "LANGUE",
                                        "TRADUCTION", "CV", "LETTRE", "FORM_COMPL", "DIPLOMES"]
    if SEED.exists():
        seed = " ".join(SEED.read_text(encoding="utf-8").split())
        for p in pieces:
            assert p.libelle in seed, p.libelle
    conditional = {p.code for p in pieces if p.conditional}
    assert conditional == {"INFO_COMPL", "LANGUE", "TRADUCTION"}
    for p in pieces:
        if p.conditional:
            assert p.libelle.startswith(("Informations complémentaires", "Etudiant d'un pays",
                                         "Traduction en français"))
    shared = {p.code for p in pieces if p.shared}
    assert {"IDENTITE", "PHOTO"} <= shared
    assert not shared & conditional


def test_most_demo_formations_ask_all_ten_pieces(demo):
    catalog = demo.services.catalog
    ids = [f.id for c in catalog.catalog_tree().centres for f in c.formations]
    sizes = Counter(len(catalog.formation_detail(i).pieces) for i in ids)
    assert sizes[10] > len(ids) / 2
    assert min(sizes) >= 5


def test_formation_detail(demo):
    catalog = demo.services.catalog
    detail = catalog.formation_by_code("LIC-INFO")
    assert detail.titre == "Licence Informatique"
    assert detail.centre_libelle == "Faculté des Sciences"
    assert detail.commission_libelle == "Commission des licences de sciences"
    assert detail.mail == "sciences-licences@univ.example"
    assert detail.telephone == "04 13 55 10 20"
    assert detail.mode_label == "Dématérialisé"
    assert detail.dates_label == (f"Du {detail.date_debut_depot:%d/%m/%Y} au {detail.date_fin_depot:%d/%m/%Y}")
    assert detail.date_jury and detail.date_publication and detail.date_confirmation
    assert [p.ordre for p in detail.pieces] == sorted(p.ordre for p in detail.pieces)
    assert catalog.formation_by_code("DU-ECHO").mode_label == "Papier"
    with pytest.raises(NotFound):
        catalog.formation_detail(999_999)


def test_tree_is_sorted_and_complete(demo):
    tree = demo.services.catalog.catalog_tree()
    libelles = [fold(c.libelle) for c in tree.centres]
    assert libelles == sorted(libelles)
    assert tree.formation_count == demo.services.catalog.counts()["formations"]
    first = tree.centres[0].formations[0]
    assert tree.formation(first.id) == first
    assert tree.formation(-1) is None


def test_centre_overview_counts_what_the_tree_holds(demo):
    catalog = demo.services.catalog
    generate_catalog(demo.services.db, n_formations=300, n_centres=7, seed=3, today=TODAY)
    overview = catalog.centre_overview()
    tree = catalog.catalog_tree()
    assert [(c.id, c.code, c.libelle, c.max_candidatures, c.formation_count, c.open_count) for c in overview] == [
        (c.id, c.code, c.libelle, c.max_candidatures, len(c.formations),
         sum(1 for f in c.formations if f.is_open)) for c in tree.centres]
    assert sum(c.open_count for c in overview) > 0
    assert sum(c.formation_count - c.open_count for c in overview) > 0  # some closed or to come
    # the clock decides what is open, as for the tree
    demo.services.ctx.clock = _fixed(TODAY + timedelta(days=400))
    assert {c.open_count for c in catalog.centre_overview()} == {0}


def test_a_centre_without_formations_is_in_the_overview(empty):
    from ecandidat_tui.store.models import Centre

    with empty.services.db.session() as s:
        s.add(Centre(code="VIDE", libelle="Centre sans formation"))
    [centre] = empty.services.catalog.centre_overview()
    assert (centre.libelle, centre.formation_count, centre.open_count) == ("Centre sans formation", 0, 0)


# ----------------------------------------------------------------- filter


def test_filter_is_case_and_accent_insensitive(demo):
    tree = demo.services.catalog.catalog_tree()
    found = {f.code for c in tree.filter("ECONOMIE").centres for f in c.formations}
    assert {"LIC-ECO", "MAS-ECO-ENV", "LIC-DROIT-ECO"} <= found
    assert found == {f.code for c in tree.filter("économie").centres for f in c.formations}
    for c in tree.filter("économie").centres:
        assert c.formations


def test_filter_on_code_keywords_and_several_words(demo):
    tree = demo.services.catalog.catalog_tree()
    assert {f.code for c in tree.filter("lp-devweb").centres for f in c.formations} == {"LP-DEVWEB"}
    # "apprentissage" is only a mot-clé of the IA master
    assert {f.code for c in tree.filter("apprentissage").centres for f in c.formations} == {"MAS-INFO-IA"}
    both = {f.code for c in tree.filter("Master informatique PARCOURS").centres for f in c.formations}
    assert both == {"MAS-INFO-IA", "MAS-INFO-GL"}
    assert tree.filter("zzzz-nothing").centres == ()
    assert tree.filter("   ") is tree


# ----------------------------------------------------------------- import


def test_import_json_creates_then_changes_nothing(empty, tmp_path):
    path = tmp_path / "catalog.json"
    path.write_text(_doc_block("json"), encoding="utf-8")
    catalog = empty.services.catalog
    first = catalog.import_file(path)
    assert (first.created, first.updated, first.unchanged) == (14, 0, 0)
    assert first.summary() == ("14 créé(s), 0 modifié(s), 0 inchangé(s) "
                               "(1 centres, 2 commissions, 3 formations, 8 types de pièces)")
    counts = catalog.counts()
    second = catalog.import_file(path)
    assert second.summary() == ("0 créé(s), 0 modifié(s), 14 inchangé(s) "
                                "(1 centres, 2 commissions, 3 formations, 8 types de pièces)")
    assert catalog.counts() == counts
    detail = catalog.formation_by_code("LIC-THEATRE")
    assert detail.mode == "papier"
    assert [p.code for p in detail.pieces] == ["IDENTITE", "PHOTO", "LETTRE", "PORTFOLIO"]
    assert detail.centre_max_candidatures == 5
    assert detail.date_limite_retour == date(2026, 5, 7)


def test_import_json_updates_what_changed(empty, tmp_path):
    doc = json.loads(_doc_block("json"))
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    catalog = empty.services.catalog
    catalog.import_file(path)
    formation = doc["centres"][0]["commissions"][0]["formations"][0]
    formation["titre"] = "Licence Cinéma"
    doc["centres"][0]["commissions"][1]["formations"][0]["pieces"].append("FORM_COMPL")
    path.write_text(json.dumps(doc), encoding="utf-8")
    report = catalog.import_file(path)
    assert (report.created, report.updated) == (1, 2)  # FORM_COMPL created; two formations updated
    assert catalog.formation_by_code("LIC-CINEMA").titre == "Licence Cinéma"
    assert "FORM_COMPL" in [p.code for p in catalog.formation_by_code("MAS-CINEMA").pieces]


def test_import_csv_creates_then_changes_nothing(empty, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text(_doc_block("csv"), encoding="utf-8")
    catalog = empty.services.catalog
    first = catalog.import_file(path)
    assert first.formations == 3 and first.centres == 1 and first.commissions == 2
    assert first.created == first.formations + first.centres + first.commissions + first.pieces
    second = catalog.import_file(path)
    assert (second.created, second.updated) == (0, 0) and second.unchanged == first.created
    detail = catalog.formation_by_code("MAS-TRAD-TECH")
    assert detail.mode_label == "Papier"
    assert detail.commission_libelle == "Commission des masters de langues"
    assert detail.adresse == "Institut des Langues, 1 rue de la République, 13001 Marseille"
    assert [p.code for p in detail.pieces] == ["INFO_COMPL", "IDENTITE", "PHOTO", "DIPLOMES"]
    assert catalog.formation_by_code("LIC-CHINOIS").date_jury is None


def test_import_csv_semicolons_and_bom(empty, tmp_path):
    lines = _doc_block("csv").splitlines()
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    path = tmp_path / "catalog.csv"
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    assert empty.services.catalog.import_file(path).formations == 3


def test_bad_csv_names_lines_and_fields_and_imports_nothing(empty, tmp_path):
    lines = _doc_block("csv").splitlines()
    bad_date = lines[2].replace("2026-04-30,2026-05-07", "2026-02-30,2026-05-07")
    bad_mode = lines[3].replace(",papier,", ",online,")
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([lines[0], lines[1], bad_date, bad_mode]) + "\n", encoding="utf-8")
    catalog = empty.services.catalog
    before = catalog.counts()
    with pytest.raises(CatalogImportError) as err:
        catalog.import_file(path)
    assert isinstance(err.value, DomainError)
    errors = err.value.errors
    assert "line 3: date_fin_depot: '2026-02-30' is not a date (YYYY-MM-DD or DD/MM/YYYY)" in errors
    assert "line 4: mode: 'online' is not dematerialise or papier" in errors
    assert not any(e.startswith("line 2") for e in errors)
    assert catalog.counts() == before


def test_bad_csv_header_and_inconsistent_rows(empty, tmp_path):
    catalog = empty.services.catalog
    path = tmp_path / "bad.csv"
    path.write_text("centre_code,titre,colour\nX,Y,Z\n", encoding="utf-8")
    with pytest.raises(CatalogImportError) as err:
        catalog.import_file(path)
    assert "line 1: colour: unknown column" in err.value.errors
    assert "line 1: formation_code: missing column" in err.value.errors

    lines = _doc_block("csv").splitlines()
    other_centre = lines[2].replace("Institut des Langues,", "Institut de Langues,", 1)
    duplicate = lines[1]
    path.write_text("\n".join([lines[0], lines[1], other_centre, duplicate]) + "\n", encoding="utf-8")
    with pytest.raises(CatalogImportError) as err:
        catalog.import_file(path)
    assert any(e.startswith("line 3: centre_code: centre 'LANG' differs") for e in err.value.errors)
    assert any(e.startswith("line 4: formation_code: formation 'LIC-ITALIEN' already defined (line 2)")
               for e in err.value.errors)
    assert catalog.counts()["formations"] == 0


def test_bad_json_names_paths_and_fields(empty, tmp_path):
    doc = json.loads(_doc_block("json"))
    f0 = doc["centres"][0]["commissions"][0]["formations"][0]
    f0["date_fin_depot"] = "2026-01-01"          # before début
    f0["pieces"].append("NOPE")
    del doc["centres"][0]["commissions"][1]["formations"][0]["titre"]
    doc["centres"][0]["commissions"][1]["mail"] = "not a mail"
    doc["centres"][0]["colour"] = "blue"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(CatalogImportError) as err:
        empty.services.catalog.import_file(path)
    errors = err.value.errors
    base = "$.centres[0].commissions"
    assert f"{base}[0].formations[0]: date_fin_depot: is before date_debut_depot" in errors
    assert f"{base}[1].formations[0]: titre: is required" in errors
    assert any(e.startswith(f"{base}[1]: mail: 'not a mail' is not a valid mail address") for e in errors)
    assert "$.centres[0]: colour: unknown field" in errors
    assert empty.services.catalog.counts()["formations"] == 0


def test_a_refused_record_reports_each_field_once_and_nothing_else(empty, tmp_path):
    """A field says its first problem; a refused line is not also said to differ from an earlier one."""
    lines = _doc_block("csv").splitlines()
    header = lines[0].split(",")
    row = next(csv.reader([lines[2]]))
    row[header.index("commission_mail")] = "x" * 120
    row[header.index("commission_libelle")] = ""
    row[header.index("date_fin_depot")] = "2026-01-01"  # before its début, and the line is refused anyway
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    lines[2] = out.getvalue()
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CatalogImportError) as err:
        empty.services.catalog.import_file(path)
    assert err.value.errors == [
        "line 3: commission_libelle: is required",
        "line 3: commission_mail: is longer than 100 characters",
        "line 3: date_fin_depot: is before date_debut_depot",
    ]


def test_unknown_piece_is_refused_inside_the_transaction(empty, tmp_path):
    doc = json.loads(_doc_block("json"))
    doc["centres"][0]["commissions"][1]["formations"][0]["pieces"].append("NOPE")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(CatalogImportError) as err:
        empty.services.catalog.import_file(path)
    assert err.value.errors == ["$.centres[0].commissions[1].formations[0]: pieces: unknown piece type 'NOPE'"]
    assert empty.services.catalog.counts() == {"centres": 0, "commissions": 0, "formations": 0,
                                               "pieces": 0, "formation_pieces": 0}


def test_malformed_json_gives_the_line(empty, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "centres": [\n    {"code": "X",}\n  ]\n}\n', encoding="utf-8")
    with pytest.raises(CatalogImportError) as err:
        empty.services.catalog.import_file(path)
    assert err.value.errors[0].startswith("line 3, column")


def test_a_failure_while_writing_rolls_everything_back(empty, tmp_path, monkeypatch):
    path = tmp_path / "catalog.json"
    path.write_text(_doc_block("json"), encoding="utf-8")
    catalog = empty.services.catalog
    from ecandidat_tui.services import catalog_import

    original = catalog_import.apply_document

    def apply_then_fail(session, doc, *rest):
        original(session, doc, *rest)
        raise RuntimeError("disk full")

    monkeypatch.setattr(catalog_import, "apply_document", apply_then_fail)  # the service imports it when used
    with pytest.raises(RuntimeError):
        catalog.import_file(path)
    assert catalog.counts()["formations"] == 0 and catalog.counts()["centres"] == 0


def test_import_over_the_demo_keeps_candidate_data(demo, tmp_path):
    """Upsert only: formations absent from the file stay."""
    catalog = demo.services.catalog
    before = catalog.counts()["formations"]
    path = tmp_path / "catalog.csv"
    path.write_text(_doc_block("csv"), encoding="utf-8")
    report = catalog.import_file(path)
    assert catalog.counts()["formations"] == before + 3
    # 9 standard piece types referenced, all already there: counted unchanged, never rewritten
    assert (report.pieces, report.created, report.unchanged) == (9, 6, 9)
    assert catalog.counts()["pieces"] == 10


# ------------------------------------------------------------- generator


def test_generator_is_deterministic(tmp_path):
    trees = []
    for name in ("a", "b"):
        h = make_harness(tmp_path / name, demo_catalog=False)
        h.services.ctx.clock = _fixed(TODAY)
        counts = generate_catalog(h.services.db, n_formations=500, n_centres=7, seed=3, today=TODAY)
        assert counts["formations"] == 500 and counts["centres"] == 7
        tree = h.services.catalog.catalog_tree()
        trees.append([(c.code, c.libelle, [(f.code, f.titre, f.date_debut_depot, f.state) for f in c.formations])
                      for c in tree.centres])
        h.services.close()
    assert trees[0] == trees[1]
    assert len(trees[0]) == 7


def test_large_catalog_loads_and_filters(empty):
    generate_catalog(empty.services.db, n_formations=10_000, n_centres=60, seed=1, today=TODAY)
    tree = empty.services.catalog.catalog_tree()
    assert tree.formation_count == 10_000 and len(tree.centres) == 60
    hit = tree.centres[10].formations[5]
    found = tree.filter(hit.code.lower())
    assert [f.id for c in found.centres for f in c.formations] == [hit.id]
    masters = tree.filter("master")
    assert 0 < masters.formation_count < 10_000
    assert all("master" in fold(f.titre) for c in masters.centres for f in c.formations)


def test_standard_pieces_match_the_docs():
    text = DOCS.read_text(encoding="utf-8")
    for piece in STANDARD_PIECES:
        assert f"`{piece['code']}`" in text


# -------------------------------------------------------------------- CLI


@pytest.fixture
def cli_home(tmp_path, monkeypatch):
    home = tmp_path / "clihome"
    monkeypatch.setenv("ECANDIDAT_HOME", str(home))
    monkeypatch.setenv("ECANDIDAT_MAIL_BACKEND", "memory")
    return home


def _cli_counts(home: Path) -> dict[str, int]:
    from ecandidat_tui.config import load_settings
    from ecandidat_tui.services import build_services

    services = build_services(load_settings(env={"ECANDIDAT_HOME": str(home)}), prepare=False)
    try:
        return services.catalog.counts()
    finally:
        services.close()


def test_cli_import_twice(cli_home, tmp_path, capsys):
    path = tmp_path / "catalog.json"
    path.write_text(_doc_block("json"), encoding="utf-8")
    assert cli.main(["catalog", "import", str(path)]) == 0
    assert capsys.readouterr().out.strip().startswith("14 créé(s), 0 modifié(s), 0 inchangé(s)")
    assert _cli_counts(cli_home)["formations"] == 3  # no demo catalog under an import
    assert cli.main(["catalog", "import", str(path)]) == 0
    assert capsys.readouterr().out.strip().startswith("0 créé(s), 0 modifié(s), 14 inchangé(s)")


def test_cli_refuses_a_bad_file_with_line_numbers(cli_home, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(_doc_block("csv"), encoding="utf-8")
    assert cli.main(["catalog", "import", str(good)]) == 0
    capsys.readouterr()
    before = _cli_counts(cli_home)
    lines = _doc_block("csv").splitlines()
    bad = tmp_path / "bad.csv"
    changed = lines[1].replace("Licence LLCER Italien", "Licence Italien")  # would be an update
    broken = lines[3].replace("2026-04-01", "le 1er avril")
    bad.write_text("\n".join([lines[0], changed, lines[2], broken]) + "\n", encoding="utf-8")
    assert cli.main(["catalog", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "line 4: date_debut_depot: 'le 1er avril' is not a date" in err
    assert "Rien n'a été importé." in err
    assert _cli_counts(cli_home) == before
    services_title = _cli_title(cli_home, "LIC-ITALIEN")
    assert services_title == "Licence LLCER Italien"


def _cli_title(home: Path, code: str) -> str:
    from ecandidat_tui.config import load_settings
    from ecandidat_tui.services import build_services

    services = build_services(load_settings(env={"ECANDIDAT_HOME": str(home)}), prepare=False)
    try:
        return services.catalog.formation_by_code(code).titre
    finally:
        services.close()


# ------------------------------------------------------------------ cache


def test_tree_cache_for_the_screen(demo, tmp_path):
    catalog = demo.services.catalog

    def screen_read(max_age: float = 60):  # as the Offre de formation screen reads it
        return catalog.cached_tree(max_age) or catalog.catalog_tree()

    first = screen_read()
    assert screen_read() is first          # reused
    assert catalog.catalog_tree() is not first                 # the default reads afresh
    again = screen_read()
    # an import through the service invalidates it
    path = tmp_path / "catalog.csv"
    path.write_text(_doc_block("csv"), encoding="utf-8")
    catalog.import_file(path)
    after_import = screen_read()
    assert after_import is not again
    assert after_import.formation_count == again.formation_count + 3
    # rows added behind its back change the fingerprint
    generate_catalog(demo.services.db, n_formations=5, n_centres=1, seed=9, today=TODAY)
    grown = screen_read()
    assert grown.formation_count == after_import.formation_count + 5
    # a new day recomputes open / closed
    demo.services.ctx.clock = _fixed(TODAY + timedelta(days=1))
    tomorrow = screen_read()
    assert tomorrow is not grown and tomorrow.today == TODAY + timedelta(days=1)
    # too old
    assert screen_read(1e-9) is not tomorrow


def test_cached_tree_is_only_the_fresh_one(demo):
    catalog = demo.services.catalog
    assert catalog.cached_tree(60) is None              # nothing read yet
    tree = catalog.catalog_tree()
    assert catalog.cached_tree(60) is tree
    assert catalog.cached_tree(1e-9) is None            # too old
    generate_catalog(demo.services.db, n_formations=2, n_centres=1, seed=5, today=TODAY)
    assert catalog.cached_tree(60) is None              # the catalog changed behind its back
