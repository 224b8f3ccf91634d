"""Snapshots of the staff console's dense screens at 80x24 and 120x40: nothing
scrolls sideways, long cells end with "…", and at 80 columns the line under a
table shows the highlighted row whole.

Deterministic as the candidate snapshots: a fixed clock, fixed logins, the
folders of the inputs typed in (a tmp path would change at each run).
Update after an intended change with `--snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import Input

from ecandidat_tui.testing import hold_still, make_harness

FIXED_NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
TITRE = "Master Mention Sciences de l'éducation parcours Ingénierie de la formation à distance"


@pytest.fixture
def console(tmp_path):
    """A gestionnaire and an admin, one dossier with a long file name, a recorded decision."""
    h = make_harness(tmp_path / "home", demo_catalog=False)
    h.services.ctx.clock = lambda: FIXED_NOW
    h.seed_staff_formation("CTR-A", "MASTER-SE", titre=TITRE)
    gest = h.seed_staff("gestionnaire", ["CTR-A"], login="paul.gestion")
    admin = h.seed_staff("admin", login="root")
    cand = h.insert_candidate("Dupré-Lefèvre", "Élise-Marguerite", "elise.dupre-lefevre@example.org",
                              login="AB12CD34")
    dossier = h.seed_dossier(cand.account_id, "MASTER-SE", "CTR-A")
    staff = h.services.staff
    recap = staff.staff_recap(gest.principal, dossier.candidature_id)
    first = recap.pieces[0]
    staff.review_pieces(gest.principal, dossier.candidature_id, [(first.id, first.version)], "refusee",
                        "Le document est illisible : scannez-le de nouveau, en couleur, toutes les pages")
    recap = staff.staff_recap(gest.principal, dossier.candidature_id)
    staff.record_decision(gest.principal, dossier.candidature_id, recap.candidature.version,
                          "liste_complementaire", rang=12, commentaire="Bon dossier, à revoir en juin")
    yield h, gest, admin, dossier
    h.services.close()


def as_staff(staff, *steps):
    """run_before: the console logged in as `staff`, then each step (a key or a callable)."""

    async def run_before(pilot) -> None:
        app = pilot.app
        app.start_session(staff.principal)
        await hold_still(pilot)
        for step in steps:
            if callable(step):
                step(app)
            else:
                await pilot.press(step)
            await hold_still(pilot)

    return run_before


def typed(selector: str, value: str):
    return lambda app: setattr(app.screen.query_one(selector, Input), "value", value)


@pytest.mark.parametrize("size", SIZES)
class TestStaffScreens:
    def test_dossier_review(self, snap_compare, console, size):
        from ecandidat_tui.screens.staff.dossiers import DossierReviewScreen

        h, gest, _, dossier = console
        assert snap_compare(h.staff_app(), terminal_size=size, run_before=as_staff(
            gest, lambda app: app.push_screen(DossierReviewScreen(dossier.candidature_id)),
            typed("#staff-save-folder", "/srv/pieces")))

    def test_formation_candidatures(self, snap_compare, console, size):
        h, gest, _, _ = console
        assert snap_compare(h.staff_app(), terminal_size=size, run_before=as_staff(
            gest, "f5", "enter", typed("#staff-export-path", "/srv/exports")))

    def test_audit_log(self, snap_compare, console, size):
        h, _, admin, _ = console
        assert snap_compare(h.staff_app(), terminal_size=size, run_before=as_staff(
            admin, "f6", lambda app: app.screen.query_one("#staff-audit-table").focus(), "down"))
