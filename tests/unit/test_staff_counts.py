"""Pending counts: per formation, the dossiers at each step and the decisions, enforced by role and centre."""

from __future__ import annotations

import pytest

from ecandidat_tui.domain import Decision, StatutDossier
from ecandidat_tui.services.errors import Forbidden
from ecandidat_tui.services.staff_views import DossierCounts
from ecandidat_tui.store.models import Candidature


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def h(request):
    return request.getfixturevalue("ecandidat" if request.param == "sqlite" else "ecandidat_pg")


def seed(h):
    """Centre A: FA1 with 2 en attente, 1 réceptionné, 1 complet (Favorable), 1 incomplet; FA2 empty.
    Centre B: FB1 with 1 complet (Défavorable)."""
    h.seed_staff_formation("CTR-A", "FA2")
    statuts = ["en_attente", "en_attente", "receptionne", "complet", "incomplet"]
    for i, statut in enumerate(statuts):
        cand = h.insert_candidate(nom=f"Nom{chr(65 + i)}", mail=f"a{i}@example.org")
        dossier = h.seed_dossier(cand.account_id, "FA1", "CTR-A", statut=statut)
        if statut == "complet":
            with h.services.db.session() as s:
                s.get(Candidature, dossier.candidature_id).decision = Decision.FAVORABLE.value
    cand = h.insert_candidate(nom="Autre", mail="b@example.org")
    dossier = h.seed_dossier(cand.account_id, "FB1", "CTR-B", statut="complet")
    with h.services.db.session() as s:
        s.get(Candidature, dossier.candidature_id).decision = Decision.DEFAVORABLE.value


def test_a_gestionnaire_counts_the_dossiers_of_their_centre_only(h):
    seed(h)
    report = h.services.staff.pending_counts(h.seed_staff("gestionnaire", centres=["CTR-A"]).principal)
    assert [(f.centre_code, f.formation_code) for f in report.formations] == [("CTR-A", "FA1"), ("CTR-A", "FA2")]
    fa1, fa2 = (f.counts for f in report.formations)
    assert (fa1.en_attente, fa1.receptionne, fa1.complet, fa1.incomplet) == (2, 1, 1, 1)
    assert fa1.decisions == {Decision.FAVORABLE: 1}
    assert fa2 == DossierCounts()
    assert report.centres == (("CTR-A", fa1),)
    assert report.total.total == 5 and report.total.by_statut(StatutDossier.EN_ATTENTE) == 2


def test_an_administrator_sees_every_centre_with_its_totals(h):
    seed(h)
    report = h.services.staff.pending_counts(h.seed_staff("admin").principal)
    centres = dict(report.centres)
    assert {"CTR-A", "CTR-B"} <= set(centres)  # with the demo catalog's centres, all at zero
    assert all(c.total == 0 for code, c in centres.items() if code not in ("CTR-A", "CTR-B"))
    assert centres["CTR-B"] == DossierCounts(complet=1, decisions={Decision.DEFAVORABLE: 1})
    assert report.total.decisions == {Decision.FAVORABLE: 1, Decision.DEFAVORABLE: 1}
    assert (report.total.en_attente, report.total.complet, report.total.total) == (2, 2, 6)


def test_support_staff_may_not_read_the_counts(h):
    seed(h)
    with pytest.raises(Forbidden):
        h.services.staff.pending_counts(h.seed_staff("support").principal)
