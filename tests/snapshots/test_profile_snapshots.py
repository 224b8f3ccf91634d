"""Snapshots of each Mon compte tab (filled profile) and of the Informations perso. form.

Deterministic: a fixed clock, an account inserted with a fixed login and
mail, fixed profile rows, no cursor blink. Update after an intended change
with `pytest tests/snapshots/test_profile_snapshots.py --snapshot-update`
and review the SVG diffs.
"""

from __future__ import annotations

from datetime import datetime, UTC

import pytest

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.store.models import Account, CursusInterne
from ecandidat_tui.testing import hold_still, make_harness

FIXED_NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
TABS = ["tab-info", "tab-adresse", "tab-bac", "tab-cursus-interne", "tab-cursus-externe",
        "tab-stages", "tab-experiences"]


@pytest.fixture
def profile_scene(tmp_path):
    harness = make_harness(tmp_path / "home", demo_catalog=False)
    harness.services.ctx.clock = lambda: FIXED_NOW
    with harness.services.db.session() as s:
        account = Account(login="E2YQLXU7", nom="Gockel", prenom="Charlotte", nom_key="GOCKEL",
                          prenom_key="CHARLOTTE", mail="charlotte.gockel@example.org",
                          mail_key="charlotte.gockel@example.org", mail_validated=True,
                          account_valid=True, from_directory=True)
        s.add(account)
        s.flush()
        account_id = account.id
        s.add(CursusInterne(account_id=account_id, annee_universitaire="2024-2025", code="L1SDE",
                            libelle="Licence 1 Sciences de l'éducation", note="13.2", bareme="20",
                            mention="AB", resultat="Admis"))
    harness.seed_profile(account_id)
    profile = harness.services.profile
    profile.add_cursus_externe(account_id, {
        "pays": "FRA", "etablissement": "Université Lyon 2", "departement": "69",
        "commune": "Lyon", "annee": "2025", "formation": "Licence", "libelle_niveau": "L1 Économie",
        "obtenu": "oui", "mention": "B"})
    profile.add_stage(account_id, {"annee": "2025", "duree": "2 mois", "heures_semaine": "35",
                                   "organisme": "Mairie de Marseille",
                                   "descriptif": "Accueil du public et orientation"})
    profile.add_experience(account_id, {"annee": "2024", "intitule": "Vendeuse",
                                        "duree": "6 mois", "organisme": "Librairie du Port"})
    yield harness, account_id
    harness.services.close()


def at_tab(account_id: int, tab: str, open_form: bool = False):
    async def run_before(pilot) -> None:
        app = pilot.app
        app.start_session(CandidateSession(account_id, "E2YQLXU7", "Gockel", "Charlotte"))
        await hold_still(pilot)
        app.screen.show_tab(tab)
        await hold_still(pilot)
        if open_form:
            app.screen.edit_informations()
            await hold_still(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
class TestMonCompteTabs:
    @pytest.mark.parametrize("tab", TABS)
    def test_tab(self, snap_compare, profile_scene, size, tab):
        harness, account_id = profile_scene
        assert snap_compare(harness.app(), terminal_size=size, run_before=at_tab(account_id, tab))

    def test_informations_form(self, snap_compare, profile_scene, size):
        harness, account_id = profile_scene
        assert snap_compare(harness.app(), terminal_size=size,
                            run_before=at_tab(account_id, "tab-info", open_form=True))
