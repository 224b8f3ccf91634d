"""The catalog on PostgreSQL: the demo loaded once by racing processes, imports, large catalogs."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ecandidat_tui.services.catalog import CatalogImportError, CatalogService
from ecandidat_tui.store.demo import generate_catalog
from ecandidat_tui.testing import make_harness

pytestmark = pytest.mark.pg

DOCS = Path(__file__).resolve().parents[2] / "docs" / "catalog.md"


@pytest.fixture
def empty_pg(pg_migrated_url: str, tmp_path: Path):
    harness = make_harness(tmp_path / "home", database_url=pg_migrated_url, demo_catalog=False)
    yield harness
    harness.services.close()


def _csv_example() -> str:
    text = DOCS.read_text(encoding="utf-8")
    return text.split("```csv\n", 1)[1].split("```", 1)[0]


def test_harness_on_postgresql_has_the_demo(ecandidat_pg):
    counts = ecandidat_pg.services.catalog.counts()
    assert counts["formations"] >= 60 and counts["centres"] >= 6 and counts["pieces"] == 10


def test_racing_demo_loaders_load_it_once(empty_pg):
    from ecandidat_tui.store.db import Database
    from ecandidat_tui.services.context import ServiceContext

    ctx = empty_pg.services.ctx
    # Separate engines, as separate processes would have.
    contexts = [ServiceContext(settings=ctx.settings, db=Database(ctx.db.url), outbox=ctx.outbox)
                for _ in range(3)]
    barrier = threading.Barrier(3)
    results: list[object] = []

    def run(c):
        barrier.wait()
        try:
            results.append(CatalogService(c).load_demo_if_empty())
        except Exception as exc:  # pragma: no cover - the assertion shows it
            results.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in contexts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in contexts:
        c.db.dispose()
    assert sorted(results, key=str) == [False, False, True]
    single = empty_pg.services.catalog.counts()
    assert single["formations"] == 73 and single["centres"] == 8


def test_import_twice_and_refused_file_on_postgresql(empty_pg, tmp_path):
    catalog = empty_pg.services.catalog
    path = tmp_path / "catalog.csv"
    path.write_text(_csv_example(), encoding="utf-8")
    first = catalog.import_file(path)
    assert first.formations == 3 and first.updated == 0 and first.unchanged == 0
    second = catalog.import_file(path)
    assert (second.created, second.updated, second.unchanged) == (0, 0, first.created)
    before = catalog.counts()
    lines = _csv_example().splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([lines[0], lines[1].replace("Italien", "Italien (modifié)"),
                              lines[2].replace(",dematerialise,", ",online,")]) + "\n", encoding="utf-8")
    with pytest.raises(CatalogImportError) as err:
        catalog.import_file(bad)
    assert "line 3: mode: 'online' is not dematerialise or papier" in err.value.errors
    assert catalog.counts() == before
    assert catalog.formation_by_code("LIC-ITALIEN").titre == "Licence LLCER Italien"


def test_large_catalog_on_postgresql(empty_pg):
    generate_catalog(empty_pg.services.db, n_formations=3_000, n_centres=60, seed=2)
    tree = empty_pg.services.catalog.catalog_tree()
    assert tree.formation_count == 3_000 and len(tree.centres) == 60
    target = tree.centres[5].formations[0]
    assert [f.id for c in tree.filter(target.code).centres for f in c.formations] == [target.id]
    detail = empty_pg.services.catalog.formation_detail(target.id)
    assert len(detail.pieces) == 10
