"""CandidatureService: creation rules, recap, cancel, transmit, confirmation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from ecandidat_tui.domain import Decision, StatutDossier, StatutPiece
from ecandidat_tui.services.errors import ConcurrentEdit, DomainError, Forbidden
from ecandidat_tui.store.models import AuditLog, Candidature, FileBlob, Formation, PieceSubmission
from ecandidat_tui.testing import make_harness


@pytest.fixture
def h(tmp_path):
    harness = make_harness(tmp_path / "home", demo_catalog=False)
    yield harness
    harness.services.close()


def ready(h, **kw):
    """A candidate who passes the gate (only the first one may use the harness INE)."""
    cand = h.insert_candidate(**kw)
    if kw:
        h.seed_profile(cand, ine=None, bac_annee=2000)
    else:
        h.seed_profile(cand)
    return cand


def fill_all(h, cand, cand_id):
    """Attach a file to every piece (Non concerné for the conditional ones)."""
    svc = h.services
    for row in svc.candidatures.recap(cand.account_id, cand_id).pieces:
        if row.statut != StatutPiece.EN_ATTENTE:
            continue
        if row.conditional:
            svc.pieces.set_non_concerne(cand.account_id, row.submission_id, row.version)
        else:
            path = h.make_pdf(f"{row.code.lower()}-{cand_id}.pdf", text=row.code)
            svc.pieces.attach_file(cand.account_id, row.submission_id, path, row.version)


def test_gate_names_what_is_missing(h):
    cand = h.insert_candidate()
    fid = h.seed_open_formation()
    with pytest.raises(DomainError) as info:
        h.services.candidatures.create_candidature(cand.account_id, fid)
    assert info.value.field == "gate"
    assert "Informations perso." in info.value.message and "Adresse" in info.value.message


def test_create_makes_one_piece_per_type_and_mails(h):
    cand = ready(h)
    fid = h.seed_open_formation("LIC-T1", titre="Licence Test")
    summary = h.services.candidatures.create_candidature(cand.account_id, fid)
    assert summary.statut_label == "En attente" and summary.decision_label == "En attente"
    recap = h.services.candidatures.recap(cand.account_id, summary.id)
    assert len(recap.pieces) == 10
    assert all(p.statut_label == "En attente" for p in recap.pieces)
    assert sum(p.conditional for p in recap.pieces) == 3
    assert not recap.can_transmit and "Pièce manquante" in recap.transmit_reason
    mail = h.last_mail(to=cand.mail, subject="Licence Test")
    assert "LIC-T1" in mail.body
    listed = h.services.candidatures.list_for_account(cand.account_id)
    assert [(c.formation_code, c.statut_label) for c in listed] == [("LIC-T1", "En attente")]


def test_already_applied(h):
    cand = ready(h)
    fid = h.seed_open_formation()
    h.services.candidatures.create_candidature(cand.account_id, fid)
    with pytest.raises(DomainError, match="Vous avez déjà candidaté à cette formation"):
        h.services.candidatures.create_candidature(cand.account_id, fid)


def test_outside_depot_period(h):
    cand = ready(h)
    fid = h.seed_open_formation(depot_open=False)
    with pytest.raises(DomainError, match="ne sont pas ouvertes"):
        h.services.candidatures.create_candidature(cand.account_id, fid)


def test_max_per_centre_from_centre_then_settings(h):
    cand = ready(h)
    ids = [h.seed_open_formation(centre_code="C2", centre_max=2) for _ in range(3)]
    h.services.candidatures.create_candidature(cand.account_id, ids[0])
    h.services.candidatures.create_candidature(cand.account_id, ids[1])
    with pytest.raises(DomainError, match=r"nombre maximum de candidatures \(2\)"):
        h.services.candidatures.create_candidature(cand.account_id, ids[2])
    # Establishment-wide default when the centre sets none.
    h.settings.max_candidatures_per_centre = 1
    other = [h.seed_open_formation(centre_code="C3") for _ in range(2)]
    h.services.candidatures.create_candidature(cand.account_id, other[0])
    with pytest.raises(DomainError, match=r"maximum de candidatures \(1\)"):
        h.services.candidatures.create_candidature(cand.account_id, other[1])


def test_shared_piece_reused_in_new_candidature(h):
    cand = ready(h)
    first = h.seed_candidature(cand.account_id)
    row = next(p for p in h.services.candidatures.recap(cand.account_id, first).pieces if p.code == "IDENTITE")
    h.services.pieces.attach_file(cand.account_id, row.submission_id, h.make_pdf("cni.pdf"), row.version)
    second = h.seed_candidature(cand.account_id)
    pieces = {p.code: p for p in h.services.candidatures.recap(cand.account_id, second).pieces}
    assert pieces["IDENTITE"].statut_label == "Transmise" and pieces["IDENTITE"].file_name == "cni.pdf"
    assert pieces["LETTRE"].statut_label == "En attente"


def test_transmit_when_complete_then_locked(h):
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    fill_all(h, cand, cid)
    recap = h.services.candidatures.recap(cand.account_id, cid)
    assert recap.can_transmit and recap.transmit_reason is None
    after = h.services.candidatures.transmit_candidature(cand.account_id, cid, recap.version)
    assert after.statut_label == "Réceptionné" and not after.can_transmit and not after.can_cancel
    assert all(not p.can_attach and not p.can_remove for p in after.pieces)
    assert "transmise" in h.last_mail(to=cand.mail, subject="a été transmise").subject
    with h.services.db.read_session() as s:
        assert s.get(Candidature, cid).transmitted_at is not None
        audit = s.exec(select(AuditLog).where(AuditLog.action == "transmit")).one()
        assert audit.actor == cand.login and audit.candidature_id == cid
    with pytest.raises(Forbidden):
        h.services.candidatures.transmit_candidature(cand.account_id, cid, after.version)


def test_transmit_refused_with_a_refused_piece_or_past_limit(h):
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    fill_all(h, cand, cid)
    with h.services.db.session() as s:
        sub = s.exec(select(PieceSubmission).where(PieceSubmission.candidature_id == cid,
                                                   PieceSubmission.statut == StatutPiece.TRANSMISE)).first()
        sub.statut = StatutPiece.REFUSEE
        sub.commentaire = "Illisible"
    recap = h.services.candidatures.recap(cand.account_id, cid)
    assert not recap.can_transmit and recap.transmit_reason.startswith("Pièce refusée")
    with pytest.raises(Forbidden):
        h.services.candidatures.transmit_candidature(cand.account_id, cid, recap.version)
    # Past the date limite de retour nothing moves.
    with h.services.db.session() as s:
        c = s.get(Candidature, cid)
        f = s.get(Formation, c.formation_id)
        f.date_limite_retour = h.services.ctx.today() - timedelta(days=1)
    recap = h.services.candidatures.recap(cand.account_id, cid)
    assert "date limite de retour" in recap.transmit_reason and recap.days_left == -1
    assert all(p.lock_reason and "date limite" in p.lock_reason for p in recap.pieces)


def test_two_sessions_transmitting_one_wins(h):
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    fill_all(h, cand, cid)
    seen_a = h.services.candidatures.recap(cand.account_id, cid)
    seen_b = h.services.candidatures.recap(cand.account_id, cid)
    h.services.candidatures.transmit_candidature(cand.account_id, cid, seen_a.version)
    with pytest.raises(ConcurrentEdit):
        h.services.candidatures.transmit_candidature(cand.account_id, cid, seen_b.version)
    assert len(h.mails(to=cand.mail, subject="a été transmise")) == 1


def test_piece_change_makes_an_old_recap_stale(h):
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    fill_all(h, cand, cid)
    stale = h.services.candidatures.recap(cand.account_id, cid)
    row = next(p for p in stale.pieces if p.code == "LETTRE")
    h.services.pieces.remove_file(cand.account_id, row.submission_id, row.version)
    with pytest.raises(ConcurrentEdit):
        h.services.candidatures.transmit_candidature(cand.account_id, cid, stale.version)


def test_cancel_removes_own_files_keeps_shared(h):
    cand = ready(h)
    a = h.seed_candidature(cand.account_id)
    b = h.seed_candidature(cand.account_id)
    rows = {p.code: p for p in h.services.candidatures.recap(cand.account_id, a).pieces}
    h.services.pieces.attach_file(cand.account_id, rows["IDENTITE"].submission_id,
                                  h.make_pdf("cni.pdf", text="cni"), rows["IDENTITE"].version)
    h.services.pieces.attach_file(cand.account_id, rows["LETTRE"].submission_id,
                                  h.make_pdf("lettre.pdf", text="lettre"), rows["LETTRE"].version)
    with h.services.db.read_session() as s:
        assert len(s.exec(select(FileBlob)).all()) == 2
    version = h.services.candidatures.recap(cand.account_id, a).version
    h.services.candidatures.cancel_candidature(cand.account_id, a, version)
    with h.services.db.read_session() as s:
        assert s.get(Candidature, a) is None
        blobs = s.exec(select(FileBlob)).all()
        assert [b_.size for b_ in blobs] and len(blobs) == 1  # the shared identity file stays
    pieces = {p.code: p for p in h.services.candidatures.recap(cand.account_id, b).pieces}
    assert pieces["IDENTITE"].file_name == "cni.pdf"
    assert h.last_mail(to=cand.mail, subject="Annulation")
    # It can be applied to again afterwards.
    assert [c.id for c in h.services.candidatures.list_for_account(cand.account_id)] == [b]


def test_cancel_refused_after_transmission(h):
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    fill_all(h, cand, cid)
    v = h.services.candidatures.recap(cand.account_id, cid).version
    after = h.services.candidatures.transmit_candidature(cand.account_id, cid, v)
    assert not after.can_cancel
    with pytest.raises(Forbidden, match="ne peut plus être annulée"):
        h.services.candidatures.cancel_candidature(cand.account_id, cid, after.version)


def test_incomplet_reopens_pieces_and_transmission(h):
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    fill_all(h, cand, cid)
    v = h.services.candidatures.recap(cand.account_id, cid).version
    h.services.candidatures.transmit_candidature(cand.account_id, cid, v)
    with h.services.db.session() as s:
        s.get(Candidature, cid).statut = StatutDossier.INCOMPLET
        first = s.exec(select(PieceSubmission).where(PieceSubmission.candidature_id == cid,
                                                     PieceSubmission.statut == StatutPiece.TRANSMISE)).first()
        first.statut = StatutPiece.VALIDEE
    recap = h.services.candidatures.recap(cand.account_id, cid)
    validated = next(p for p in recap.pieces if p.statut == StatutPiece.VALIDEE)
    assert validated.lock_reason == "Cette pièce a été validée : elle ne peut plus être modifiée."
    assert any(p.can_attach for p in recap.pieces)
    assert recap.can_transmit
    with pytest.raises(Forbidden, match="validée"):
        h.services.pieces.remove_file(cand.account_id, validated.submission_id, validated.version)
    after = h.services.candidatures.transmit_candidature(cand.account_id, cid, recap.version)
    assert after.statut_label == "Réceptionné"


def test_confirm_and_withdraw_after_favorable(h):
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    recap = h.services.candidatures.recap(cand.account_id, cid)
    assert not recap.can_confirm and recap.decision_label == "En attente"
    with h.services.db.session() as s:
        c = s.get(Candidature, cid)
        c.decision, c.decision_validated, c.statut = Decision.FAVORABLE, True, StatutDossier.COMPLET
    recap = h.services.candidatures.recap(cand.account_id, cid)
    assert recap.decision_label == "Favorable" and recap.can_confirm
    after = h.services.candidatures.confirm_candidature(cand.account_id, cid, recap.version)
    assert after.confirmation_label == "Confirmation" and not after.can_confirm
    assert h.last_mail(to=cand.mail, subject="Confirmation de votre inscription")
    with pytest.raises(Forbidden):
        h.services.candidatures.withdraw_candidature(cand.account_id, cid, after.version)


def test_withdraw_and_confirmation_deadline(h):
    cand = ready(h)
    late = h.seed_open_formation(confirmation_in_days=-1)
    cid_late = h.seed_candidature(cand.account_id, late)
    cid = h.seed_candidature(cand.account_id)
    with h.services.db.session() as s:
        for i in (cid, cid_late):
            c = s.get(Candidature, i)
            c.decision, c.decision_validated = Decision.FAVORABLE, True
    recap = h.services.candidatures.recap(cand.account_id, cid_late)
    assert not recap.can_confirm and "date limite de confirmation" in recap.confirm_reason
    v = h.services.candidatures.recap(cand.account_id, cid).version
    after = h.services.candidatures.withdraw_candidature(cand.account_id, cid, v)
    assert after.confirmation_label == "Désistement"
    assert h.last_mail(to=cand.mail, subject="Désistement")


def test_other_candidates_candidature_is_not_found(h):
    a = ready(h)
    b = ready(h, nom="Martin", prenom="Paul")
    cid = h.seed_candidature(a.account_id)
    with pytest.raises(DomainError, match="n'existe pas"):
        h.services.candidatures.recap(b.account_id, cid)
