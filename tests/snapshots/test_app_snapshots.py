"""Snapshots of every candidate screen, at 80×24 and 120×40, in both themes.

Deterministic: a fixed clock (`services.ctx.clock`) for every date and
count of days, a fixed login, a fixed error reference, a frozen idle
countdown, no cursor blink. Update after an intended change with
`pytest tests/snapshots --snapshot-update` and review the SVG diffs.
"""

from __future__ import annotations

from datetime import datetime, UTC
from pathlib import Path

import pytest

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.testing import hold_still, make_harness

FIXED_NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FIXED_LOGIN = "E2YQLXU7"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
THEMES = [pytest.param(False, id="ecandidat"), pytest.param(True, id="contraste")]


class Scene:
    """A harness at a fixed date with one candidate, ready to reach any screen."""

    def __init__(self, home: Path, high_contrast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("ecandidat_tui.services.accounts.new_login", lambda prefix="": FIXED_LOGIN)
        monkeypatch.setattr("ecandidat_tui.error_reporting.new_reference", lambda: "260302-0930-5A7E")
        self.harness = make_harness(home, high_contrast=high_contrast, demo_catalog=False)
        self.harness.services.ctx.clock = lambda: FIXED_NOW
        self.harness.services.catalog.load_demo_if_empty()
        self.cand = self.harness.seed_candidate(nom="Gockel", prenom="Charlotte", mail="charlotte.gockel@example.org")
        self.candidature_id: int | None = None

    def with_candidature(self) -> Scene:
        self.harness.seed_profile(self.cand)
        formation_id = self.harness.seed_open_formation(code="LIC-SNAP", titre="Licence Sciences de l'éducation",
                                                        pieces=("IDENTITE", "CV", "LETTRE"), limit_in_days=12)
        self.candidature_id = self.harness.seed_candidature(self.cand.account_id, formation_id)
        return self

    def app(self):
        return self.harness.app()

    def close(self) -> None:
        self.harness.services.close()


@pytest.fixture(params=THEMES)
def scene(request, tmp_path, monkeypatch):
    made = Scene(tmp_path / "home", request.param, monkeypatch)
    yield made
    made.close()


def logged_in(scene: Scene, *then):
    """run_before: log the candidate in, then run each step (a key or a callable)."""

    async def run_before(pilot) -> None:
        app = pilot.app
        cand = scene.cand
        app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))
        await hold_still(pilot)
        for step in then:
            if callable(step):
                step(app)
            else:
                await pilot.press(step)
            await hold_still(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
class TestAppScreens:
    def test_connexion(self, snap_compare, scene, size):
        assert snap_compare(scene.app(), terminal_size=size, run_before=hold_still)

    def test_mon_compte(self, snap_compare, scene, size):
        assert snap_compare(scene.app(), terminal_size=size, run_before=logged_in(scene))

    def test_accueil_profile_to_complete(self, snap_compare, scene, size):
        assert snap_compare(scene.app(), terminal_size=size, run_before=logged_in(scene, "f2"))

    def test_accueil_with_a_candidature(self, snap_compare, scene, size):
        scene.with_candidature()
        assert snap_compare(scene.app(), terminal_size=size, run_before=logged_in(scene, "f2"))

    def test_assistance(self, snap_compare, scene, size):
        assert snap_compare(scene.app(), terminal_size=size, run_before=logged_in(scene, "f3"))

    @pytest.mark.parametrize("page", ["faq", "boite-a-outils", "aide"])
    def test_assistance_page(self, snap_compare, scene, size, page):
        from ecandidat_tui.screens.assistance import ContentScreen

        assert snap_compare(scene.app(), terminal_size=size,
                            run_before=logged_in(scene, "f3", lambda app: app.push_screen(ContentScreen(page))))

    def test_offre_de_formation(self, snap_compare, scene, size):
        assert snap_compare(scene.app(), terminal_size=size, run_before=logged_in(scene, "f4"))

    def test_recap(self, snap_compare, scene, size):
        from ecandidat_tui.screens.recap import RecapScreen

        scene.with_candidature()
        assert snap_compare(scene.app(), terminal_size=size, run_before=logged_in(
            scene, lambda app: app.push_screen(RecapScreen(scene.candidature_id))))


@pytest.mark.parametrize("size", SIZES)
class TestDialogs:
    def test_error_dialog(self, snap_compare, scene, size):
        app = scene.app()
        app.strict_errors = False
        assert snap_compare(app, terminal_size=size, run_before=logged_in(
            scene, lambda app: app.report_unexpected_error(RuntimeError("snapshot"))))

    def test_idle_warning(self, snap_compare, scene, size):
        from ecandidat_tui.screens.kiosk import IdleWarningScreen

        assert snap_compare(scene.app(), terminal_size=size, run_before=logged_in(
            scene, lambda app: app.push_screen(IdleWarningScreen(30, clock=lambda: 0.0))))

    def test_unlock(self, snap_compare, scene, size):
        from ecandidat_tui.screens.kiosk import UnlockScreen

        async def run_before(pilot) -> None:
            await hold_still(pilot)
            pilot.app.push_screen(UnlockScreen("$argon2id$placeholder"))
            await hold_still(pilot)

        assert snap_compare(scene.app(), terminal_size=size, run_before=run_before)
