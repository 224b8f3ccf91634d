"""StaffService: staff users, login, roles, dossier review, decisions, export, audit."""

from __future__ import annotations

import csv
import json
from datetime import timedelta

import pytest
from sqlalchemy import delete
from sqlmodel import col, select

from ecandidat_tui.domain import Decision, Role, StatutDossier, StatutPiece
from ecandidat_tui.services.errors import ConcurrentEdit, DomainError, Forbidden, ValidationFailed
from ecandidat_tui.services.staff import AuditFilters, StaffPrincipal, StaffService
from ecandidat_tui.store.models import AuditLog, Candidature, PieceSubmission, StaffUser
from ecandidat_tui.testing import STAFF_PASSWORD


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def h(request):
    """The harness on each engine."""
    return request.getfixturevalue("ecandidat" if request.param == "sqlite" else "ecandidat_pg")


def audit_rows(h, action=None):
    with h.services.db.read_session() as s:
        q = select(AuditLog).order_by(AuditLog.id)
        if action:
            q = q.where(AuditLog.action == action)
        return list(s.exec(q).all())


def setup_dossier(h):
    """A gestionnaire of CTR-A, one of CTR-B, an admin, a support, and a transmitted dossier in CTR-A."""
    h.seed_staff_formation("CTR-A", "FA1")
    h.seed_staff_formation("CTR-B", "FB1")
    cand = h.insert_candidate("Dupré", "Élise", "elise@example.org")
    dossier = h.seed_dossier(cand.account_id, "FA1", "CTR-A")
    staff = {
        "gest": h.seed_staff("gestionnaire", ["CTR-A"]),
        "gest_b": h.seed_staff("gestionnaire", ["CTR-B"]),
        "admin": h.seed_staff("admin"),
        "support": h.seed_staff("support"),
    }
    return cand, dossier, staff


# ------------------------------------------------------------ staff users


def test_add_staff_user_hashes_with_argon2id_and_lists(ecandidat):
    svc = ecandidat.services.staff
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    svc.add_staff_user("marie.support", STAFF_PASSWORD, "support")
    svc.add_staff_user("paul", STAFF_PASSWORD, "gestionnaire", centres=["CTR-A"])
    with ecandidat.services.db.read_session() as s:
        row = s.exec(select(StaffUser).where(StaffUser.login == "paul")).one()
    assert row.password_hash.startswith("$argon2id$")
    assert STAFF_PASSWORD not in row.password_hash
    users = {u.login: u for u in svc.list_staff_users()}
    assert users["paul"].role == "gestionnaire" and users["paul"].centres == ("CTR-A",)
    assert not users["marie.support"].disabled
    svc.disable_staff_user("paul")
    assert {u.login: u for u in svc.list_staff_users()}["paul"].disabled
    assert [r.details for r in audit_rows(ecandidat, "staff_user_disabled")]


@pytest.mark.parametrize("login,password,role,centres,field", [
    ("x", STAFF_PASSWORD, "support", [], "login"),
    ("bob", "court", "support", [], "password"),
    ("bob", STAFF_PASSWORD, "chef", [], "role"),
    ("bob", STAFF_PASSWORD, "gestionnaire", [], "centres"),
    ("bob", STAFF_PASSWORD, "gestionnaire", ["NOPE"], "centres"),
])
def test_add_staff_user_refusals(ecandidat, login, password, role, centres, field):
    with pytest.raises(DomainError) as err:
        ecandidat.services.staff.add_staff_user(login, password, role, centres=centres)
    assert err.value.field == field
    assert err.value.message


def test_add_staff_user_duplicate_and_password_rules(ecandidat):
    svc = ecandidat.services.staff
    svc.add_staff_user("bob", STAFF_PASSWORD, "support")
    with pytest.raises(DomainError, match="déjà utilisé"):
        svc.add_staff_user("bob", STAFF_PASSWORD, "admin")
    with pytest.raises(ValidationFailed) as err:
        svc.add_staff_user("bob2", "sansmajuscule1!", "admin")
    assert "une majuscule" in err.value.errors["password"]


def test_disable_unknown_user(ecandidat):
    with pytest.raises(DomainError):
        ecandidat.services.staff.disable_staff_user("personne")


# ----------------------------------------------------------------- login


def test_authenticate_staff_success_and_generic_failures(ecandidat):
    svc = ecandidat.services.staff
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    staff = ecandidat.seed_staff("gestionnaire", ["CTR-A"], login="paul")
    principal = svc.authenticate_staff("paul", staff.password)
    assert principal == StaffPrincipal("paul", Role.GESTIONNAIRE, ("CTR-A",))
    with pytest.raises(DomainError) as unknown:
        svc.authenticate_staff("inconnu", staff.password)
    with pytest.raises(DomainError) as wrong:
        svc.authenticate_staff("paul", "Mauvais-2026!")
    assert unknown.value.message == wrong.value.message  # no enumeration
    assert [r.actor for r in audit_rows(ecandidat, "staff_login")] == ["paul"]
    # an unknown login is recorded too, without what was typed (it may be a password)
    assert [r.actor for r in audit_rows(ecandidat, "staff_login_failed")] == ["?", "paul"]


def test_authenticate_staff_lockout_and_disabled(ecandidat):
    svc = ecandidat.services.staff
    staff = ecandidat.seed_staff("support", login="sam")
    for _ in range(ecandidat.settings.max_failed_logins):
        with pytest.raises(DomainError):
            svc.authenticate_staff("sam", "Mauvais-2026!")
    with pytest.raises(Forbidden, match="verrouillé"):
        svc.authenticate_staff("sam", staff.password)  # even the right password
    later = ecandidat.services.ctx.now() + timedelta(minutes=ecandidat.settings.lockout_minutes + 1)
    ecandidat.services.ctx.clock = lambda: later
    assert svc.authenticate_staff("sam", staff.password).login == "sam"
    svc.disable_staff_user("sam")
    with pytest.raises(Forbidden, match="désactivé"):
        svc.authenticate_staff("sam", staff.password)


# ----------------------------------------------------------------- roles


class FakeAccounts:
    """Stands for AccountService's staff-facing actions; records the calls."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        if name in ("unlock", "resend_activation_for", "force_password_reset", "delete_unvalidated",
                    "correct_mail"):
            return lambda *args, **kwargs: self.calls.append((name, args, kwargs))
        raise AttributeError(name)


def all_calls(svc: StaffService, login: str, dossier, tmp_path):
    """Every principal-taking method, with valid arguments."""
    cid = dossier.candidature_id
    return {
        "search_candidates": lambda p: svc.search_candidates(p, login[:4]),
        "candidate_admin_view": lambda p: svc.candidate_admin_view(p, login),
        "resend_activation": lambda p: svc.resend_activation(p, login),
        "unlock_account": lambda p: svc.unlock_account(p, login),
        "force_password_reset": lambda p: svc.force_password_reset(p, login),
        "correct_mail": lambda p: svc.correct_mail(p, login, "nouvelle@example.org"),
        "delete_unvalidated": lambda p: svc.delete_unvalidated(p, login),
        "list_candidatures": lambda p: svc.list_candidatures(p, login),
        "staff_recap": lambda p: svc.staff_recap(p, cid),
        "piece_file": lambda p: svc.piece_file(p, dossier.piece_ids[0]),
        "save_piece_file": lambda p: svc.save_piece_file(p, dossier.piece_ids[0], tmp_path),
        "review_pieces": lambda p: svc.review_pieces(
            p, cid, [(pid, v) for pid, v in _versions(svc, cid)], StatutPiece.VALIDEE),
        "set_dossier_status": lambda p: svc.set_dossier_status(
            p, cid, svc.staff_recap(_admin(svc), cid).candidature.version, StatutDossier.COMPLET),
        "record_decision": lambda p: svc.record_decision(
            p, cid, svc.staff_recap(_admin(svc), cid).candidature.version, Decision.FAVORABLE),
        "list_formations": lambda p: svc.list_formations(p),
        "formation_candidatures": lambda p: svc.formation_candidatures(p, "FA1"),
        "export_formation_csv": lambda p: svc.export_formation_csv(p, "FA1", tmp_path),
        "list_audit": lambda p: svc.list_audit(p),
        "list_staff_users": lambda p: svc.list_staff_users(by=p),
        "add_staff_user": lambda p: svc.add_staff_user("nouveau", STAFF_PASSWORD, "support", by=p),
        "disable_staff_user": lambda p: svc.disable_staff_user("victime", by=p),
    }


_ADMIN_LOGIN = "root-admin"


def _admin(svc):
    return StaffPrincipal(_ADMIN_LOGIN, Role.ADMIN)


def _versions(svc, cid):
    return [(p.id, p.version) for p in svc.staff_recap(_admin(svc), cid).pieces]


ALLOWED = {
    "support": {"search_candidates", "candidate_admin_view", "resend_activation", "unlock_account",
                "force_password_reset", "correct_mail", "delete_unvalidated", "list_candidatures",
                "staff_recap", "piece_file", "save_piece_file"},
    "gestionnaire": {"search_candidates", "list_candidatures", "staff_recap", "piece_file",
                     "save_piece_file", "review_pieces", "set_dossier_status", "record_decision",
                     "list_formations", "formation_candidatures", "export_formation_csv"},
}
ALL_METHODS = ALLOWED["support"] | ALLOWED["gestionnaire"] | {
    "list_audit", "list_staff_users", "add_staff_user", "disable_staff_user"}
ALLOWED["admin"] = ALL_METHODS


@pytest.mark.parametrize("role", ["support", "gestionnaire", "admin"])
@pytest.mark.parametrize("method", sorted(ALL_METHODS))
def test_role_matrix(ecandidat, tmp_path, role, method):
    """Each method, each role: allowed ones work, forbidden ones raise Forbidden and change nothing."""
    fake = FakeAccounts()
    svc = StaffService(ecandidat.services.ctx, accounts=fake)
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    ecandidat.seed_staff("admin", login=_ADMIN_LOGIN)
    ecandidat.seed_staff("support", login="victime")
    cand = ecandidat.insert_candidate("Dupré", "Élise", "elise@example.org", login="AB12CD34")
    dossier = ecandidat.seed_dossier(cand.account_id, "FA1", "CTR-A")
    if method == "set_dossier_status":  # Complet needs every piece validated first
        svc.review_pieces(_admin(svc), dossier.candidature_id, _versions(svc, dossier.candidature_id),
                          StatutPiece.VALIDEE)
    me = ecandidat.seed_staff(role, ["CTR-A"] if role == "gestionnaire" else []).principal
    call = all_calls(svc, cand.login, dossier, tmp_path)[method]
    before = len(audit_rows(ecandidat))
    if method in ALLOWED[role]:
        call(me)
        if method in ("resend_activation", "unlock_account", "force_password_reset", "correct_mail",
                      "delete_unvalidated"):
            assert fake.calls and fake.calls[0][1][0] == cand.login
            assert fake.calls[0][2]["actor"] == me.login  # AccountService audits with it
    else:
        with pytest.raises(Forbidden) as err:
            call(me)
        assert err.value.message
        assert fake.calls == []
        assert len(audit_rows(ecandidat)) == before


@pytest.mark.parametrize("method", sorted(ALLOWED["gestionnaire"] - {"search_candidates", "list_formations",
                                                                    "list_candidatures"}))
def test_gestionnaire_of_another_centre_is_refused(ecandidat, tmp_path, method):
    svc = ecandidat.services.staff
    ecandidat.seed_staff("admin", login=_ADMIN_LOGIN)
    cand, dossier, staff = setup_dossier(ecandidat)
    call = all_calls(svc, cand.login, dossier, tmp_path)[method]
    with pytest.raises(Forbidden, match="centres"):
        call(staff["gest_b"].principal)


def test_gestionnaire_sees_only_its_centres(ecandidat):
    svc = ecandidat.services.staff
    cand, _dossier, staff = setup_dossier(ecandidat)
    ecandidat.seed_dossier(cand.account_id, "FB1", "CTR-B")
    assert [c.formation_code for c in svc.list_candidatures(staff["gest"].principal, cand.login)] == ["FA1"]
    assert [c.formation_code for c in svc.list_candidatures(staff["gest_b"].principal, cand.login)] == ["FB1"]
    assert len(svc.list_candidatures(staff["support"].principal, cand.login)) == 2
    assert {f.code for f in svc.list_formations(staff["gest"].principal)} == {"FA1"}
    assert {"FA1", "FB1"} <= {f.code for f in svc.list_formations(staff["admin"].principal)}


def test_forged_or_disabled_principal_grants_nothing(ecandidat):
    svc = ecandidat.services.staff
    sup = ecandidat.seed_staff("support", login="sup")
    forged = StaffPrincipal("sup", Role.ADMIN)
    with pytest.raises(Forbidden):
        svc.list_audit(forged)
    with pytest.raises(Forbidden):
        svc.list_audit(StaffPrincipal("nobody", Role.ADMIN))
    svc.disable_staff_user("sup")
    with pytest.raises(Forbidden):
        svc.search_candidates(sup.principal, "DU")


# ------------------------------------------------------------ review


def test_review_pieces_complet_and_mail(h):
    svc = h.services.staff
    cand, dossier, staff = setup_dossier(h)
    gest = staff["gest"].principal
    recap = svc.staff_recap(gest, dossier.candidature_id)
    assert [p.statut for p in recap.pieces] == [StatutPiece.TRANSMISE] * 2
    assert recap.pieces[0].mime == "application/pdf" and recap.pieces[0].size > 0
    with pytest.raises(DomainError, match="validées"):
        svc.set_dossier_status(gest, dossier.candidature_id, recap.candidature.version, StatutDossier.COMPLET)
    recap = svc.review_pieces(gest, dossier.candidature_id, [(p.id, p.version) for p in recap.pieces],
                              StatutPiece.VALIDEE, "Conforme").recap
    assert [p.statut for p in recap.pieces] == [StatutPiece.VALIDEE] * 2
    assert [p.commentaire for p in recap.pieces] == ["Conforme"] * 2
    recap = svc.set_dossier_status(gest, dossier.candidature_id, recap.candidature.version, StatutDossier.COMPLET)
    assert recap.candidature.statut == StatutDossier.COMPLET
    mail = h.last_mail(to=cand.mail)
    assert "est complet" in mail.subject and "Formation FA1" in mail.subject
    assert "Élise Dupré" in mail.body
    assert len(audit_rows(h, "piece_validee")) == 2
    row = audit_rows(h, "dossier_complet")[0]
    assert (row.actor, row.target_login, row.candidature_id) == (staff["gest"].login, cand.login,
                                                                 dossier.candidature_id)


def test_refuse_needs_comment_then_incomplet_reopens_with_mail(h):
    svc = h.services.staff
    cand, dossier, staff = setup_dossier(h)
    gest = staff["gest"].principal
    recap = svc.staff_recap(gest, dossier.candidature_id)
    first, second = recap.pieces
    with pytest.raises(DomainError) as err:
        svc.review_pieces(gest, dossier.candidature_id, [(first.id, first.version)], StatutPiece.REFUSEE, "")
    assert err.value.field == "staff-piece-comment"
    with pytest.raises(DomainError, match="au moins une pièce"):
        svc.set_dossier_status(gest, dossier.candidature_id, recap.candidature.version, StatutDossier.INCOMPLET)
    svc.review_pieces(gest, dossier.candidature_id, [(first.id, first.version)], StatutPiece.REFUSEE,
                      "Document illisible")
    recap = svc.review_pieces(gest, dossier.candidature_id, [(second.id, second.version)], StatutPiece.VALIDEE).recap
    recap = svc.set_dossier_status(gest, dossier.candidature_id, recap.candidature.version,
                                   StatutDossier.INCOMPLET)
    assert recap.candidature.statut == StatutDossier.INCOMPLET
    mail = h.last_mail(to=cand.mail, subject="incomplet")
    assert "- Pièce IDENT : Document illisible" in mail.body
    assert "Pièce RELEVE" not in mail.body
    with h.services.db.read_session() as s:
        assert s.get(Candidature, dossier.candidature_id).statut == "incomplet"
        assert s.get(PieceSubmission, first.id).statut == "refusee"


def test_review_refused_before_transmission(ecandidat):
    svc = ecandidat.services.staff
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    cand = ecandidat.insert_candidate("Martin", "Léa")
    dossier = ecandidat.seed_dossier(cand.account_id, "FA1", "CTR-A", statut="en_attente")
    gest = ecandidat.seed_staff("gestionnaire", ["CTR-A"]).principal
    recap = svc.staff_recap(gest, dossier.candidature_id)
    with pytest.raises(Forbidden, match="transmis"):
        svc.review_pieces(gest, dossier.candidature_id, [(recap.pieces[0].id, 1)], StatutPiece.VALIDEE)
    with pytest.raises(Forbidden, match="transmis"):
        svc.record_decision(gest, dossier.candidature_id, recap.candidature.version, Decision.FAVORABLE)


def test_decision_liste_complementaire_rank_and_validation_mail(h):
    svc = h.services.staff
    cand, dossier, staff = setup_dossier(h)
    gest = staff["gest"].principal
    cid = dossier.candidature_id
    v = svc.staff_recap(gest, cid).candidature.version
    with pytest.raises(DomainError) as err:
        svc.record_decision(gest, cid, v, Decision.LISTE_COMPLEMENTAIRE)
    assert err.value.field == "staff-decision-rang"
    recap = svc.record_decision(gest, cid, v, Decision.LISTE_COMPLEMENTAIRE, rang=3, commentaire="Bon dossier")
    assert recap.candidature.decision == Decision.LISTE_COMPLEMENTAIRE
    assert recap.candidature.decision_rang == 3 and not recap.candidature.decision_validated
    assert not h.mails(to=cand.mail)  # recorded is not published
    recap = svc.validate_decision(gest, cid, recap.candidature.version)
    assert recap.candidature.decision_validated
    mail = h.last_mail(to=cand.mail, subject="Décision")
    assert "Liste complémentaire" in mail.body and "rang 3" in mail.body and "Bon dossier" in mail.body
    with pytest.raises(Forbidden, match="validée"):
        svc.record_decision(gest, cid, recap.candidature.version, Decision.FAVORABLE)
    with pytest.raises(DomainError, match="déjà validée"):
        svc.validate_decision(gest, cid, recap.candidature.version)
    assert [json.loads(r.details)["decision"] for r in audit_rows(h, "decision_recorded")] == [
        "liste_complementaire"]
    assert audit_rows(h, "decision_validated")[0].actor == staff["gest"].login


def test_favorable_mail_names_the_confirmation_date(ecandidat):
    svc = ecandidat.services.staff
    cand, dossier, staff = setup_dossier(ecandidat)
    admin = staff["admin"].principal
    recap = svc.record_decision(admin, dossier.candidature_id, 1, Decision.FAVORABLE)
    assert recap.candidature.decision_rang is None
    svc.validate_decision(admin, dossier.candidature_id, recap.candidature.version)
    body = ecandidat.last_mail(to=cand.mail, subject="Décision").body
    assert "Favorable" in body and "avant le" in body


def test_two_staff_deciding_the_same_dossier(h):
    """Both read version N; the first write wins, the second gets ConcurrentEdit and nothing is overwritten."""
    svc = h.services.staff
    _cand, dossier, staff = setup_dossier(h)
    cid = dossier.candidature_id
    seen_by_gest = svc.staff_recap(staff["gest"].principal, cid).candidature.version
    seen_by_admin = svc.staff_recap(staff["admin"].principal, cid).candidature.version
    svc.record_decision(staff["gest"].principal, cid, seen_by_gest, Decision.FAVORABLE)
    with pytest.raises(ConcurrentEdit):
        svc.record_decision(staff["admin"].principal, cid, seen_by_admin, Decision.DEFAVORABLE)
    recap = svc.staff_recap(staff["admin"].principal, cid)
    assert recap.candidature.decision == Decision.FAVORABLE  # the loser sees the new state
    # pieces too: a stale piece version refuses the whole batch
    p0, p1 = recap.pieces
    svc.review_pieces(staff["gest"].principal, cid, [(p0.id, p0.version)], StatutPiece.VALIDEE)
    with pytest.raises(ConcurrentEdit):
        svc.review_pieces(staff["admin"].principal, cid, [(p1.id, p1.version), (p0.id, p0.version)],
                          StatutPiece.REFUSEE, "Non")
    statuts = [p.statut for p in svc.staff_recap(staff["admin"].principal, cid).pieces]
    assert statuts == [StatutPiece.VALIDEE, StatutPiece.TRANSMISE]


def test_save_piece_file(ecandidat, tmp_path):
    svc = ecandidat.services.staff
    cand, dossier, staff = setup_dossier(ecandidat)
    path = svc.save_piece_file(staff["support"].principal, dossier.piece_ids[0], tmp_path)
    assert path.parent == tmp_path and path.read_bytes().startswith(b"%PDF")
    again = svc.save_piece_file(staff["support"].principal, dossier.piece_ids[0], tmp_path)
    assert again != path and again.read_bytes() == path.read_bytes()
    with pytest.raises(DomainError) as err:
        svc.save_piece_file(staff["support"].principal, dossier.piece_ids[0], tmp_path / "absent")
    assert err.value.field == "staff-save-folder"
    assert audit_rows(ecandidat, "piece_file_saved")[0].target_login == cand.login


def test_save_piece_file_is_audited_when_the_candidature_went_meanwhile(ecandidat, tmp_path, monkeypatch):
    svc = ecandidat.services.staff
    _cand, dossier, staff = setup_dossier(ecandidat)
    read = svc.piece_file

    def read_then_gone(principal, piece_id):
        piece = read(principal, piece_id)
        with ecandidat.services.db.session() as s:  # gone between the read and the audit
            s.execute(delete(PieceSubmission).where(col(PieceSubmission.candidature_id) == dossier.candidature_id))
            s.execute(delete(Candidature).where(col(Candidature.id) == dossier.candidature_id))
        return piece

    monkeypatch.setattr(svc, "piece_file", read_then_gone)
    path = svc.save_piece_file(staff["support"].principal, dossier.piece_ids[0], tmp_path)
    assert path.read_bytes().startswith(b"%PDF")
    (row,) = audit_rows(ecandidat, "piece_file_saved")
    assert (row.target_login, row.candidature_id) == (None, None)
    assert json.loads(row.details)["piece_id"] == dossier.piece_ids[0]


# ------------------------------------------------------------ export


def test_formation_list_filters_and_csv_export(h, tmp_path):
    svc = h.services.staff
    cand, _dossier, staff = setup_dossier(h)
    other = h.insert_candidate("Ngô", "Thành", "thanh@example.org", ine="1234567890A")
    d2 = h.seed_dossier(other.account_id, "FA1", "CTR-A")
    h.insert_candidate("Zola", "Émile")  # no candidature
    gest = staff["gest"].principal
    svc.record_decision(gest, d2.candidature_id, 1, Decision.LISTE_COMPLEMENTAIRE, rang=2)
    rows = svc.formation_candidatures(gest, "FA1")
    assert [r.login for r in rows] == [cand.login, other.login]  # by nom_key
    assert [r.login for r in svc.formation_candidatures(gest, "FA1", decision="aucune")] == [cand.login]
    assert [r.login for r in svc.formation_candidatures(gest, "FA1", decision=Decision.LISTE_COMPLEMENTAIRE)] \
        == [other.login]
    assert svc.formation_candidatures(gest, "FA1", statut=StatutDossier.COMPLET) == []
    result = svc.export_formation_csv(gest, "FA1", tmp_path)
    assert result.path == tmp_path / "candidatures-FA1.csv" and result.rows == 2
    raw = result.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with result.path.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh, delimiter=";"))
    assert [r["Numéro de dossier"] for r in table] == [cand.login, other.login]
    assert table[1]["Nom"] == "Ngô" and table[1]["Prénom"] == "Thành" and table[1]["INE"] == "1234567890A"
    assert table[1]["Décision"] == "Liste complémentaire" and table[1]["Rang"] == "2"
    assert table[0]["Statut du dossier"] == "Réceptionné" and table[0]["Décision"] == ""
    assert table[0]["Date de transmission"]
    filtered = svc.export_formation_csv(gest, "FA1", tmp_path / "lc.csv", decision="liste_complementaire")
    assert filtered.rows == 1
    with pytest.raises(DomainError) as err:
        svc.export_formation_csv(gest, "FA1", tmp_path / "nope" / "x.csv")
    assert err.value.field == "staff-export-path"
    exported = audit_rows(h, "formation_exported")
    assert len(exported) == 2 and json.loads(exported[0].details)["rows"] == 2


# ------------------------------------------------------------- audit


def test_list_audit_filters(ecandidat):
    svc = ecandidat.services.staff
    cand, dossier, staff = setup_dossier(ecandidat)
    admin = staff["admin"].principal
    svc.record_decision(staff["gest"].principal, dossier.candidature_id, 1, Decision.PRESELECTION)
    entries = svc.list_audit(admin)
    assert entries[0].action == "decision_recorded"  # newest first
    assert {e.action for e in entries} >= {"staff_user_added", "decision_recorded"}
    mine = svc.list_audit(admin, AuditFilters(actor=staff["gest"].login))
    assert [e.action for e in mine] == ["decision_recorded"]
    on_cand = svc.list_audit(admin, AuditFilters(target_login=cand.login.lower()))
    assert [e.candidature_id for e in on_cand] == [dossier.candidature_id]
    prefixed = svc.list_audit(admin, AuditFilters(action="staff_user*"))
    assert prefixed and all(e.action.startswith("staff_user") for e in prefixed)
    assert svc.list_audit(admin, AuditFilters(action="decision")) == []


# ------------------------------------------- account actions (real AccountService)


def test_account_actions_through_account_service(ecandidat):
    svc = ecandidat.services.staff
    support = ecandidat.seed_staff("support", login="sophie")
    created = ecandidat.services.accounts.create_account("Dupré", "Élise", "elise@example.org",
                                                         "elise@example.org")
    view = svc.candidate_admin_view(support.principal, created.login.lower())
    assert (view.login, view.nom, view.mail) == (created.login, "Dupré", "elise@example.org")
    assert not view.account_valid and view.validity_deadline is not None and not view.locked
    before = len(ecandidat.mails(to="elise@example.org"))
    svc.resend_activation(support.principal, created.login)
    assert len(ecandidat.mails(to="elise@example.org")) == before + 1
    svc.correct_mail(support.principal, created.login, "elise.dupre@example.org")
    assert svc.candidate_admin_view(support.principal, created.login).mail == "elise.dupre@example.org"
    assert ecandidat.mails(to="elise.dupre@example.org")
    svc.unlock_account(support.principal, created.login)
    svc.force_password_reset(support.principal, created.login)
    svc.delete_unvalidated(support.principal, created.login)
    with pytest.raises(DomainError):
        svc.candidate_admin_view(support.principal, created.login)
    actions = [(r.action, r.actor, r.target_login) for r in audit_rows(ecandidat) if r.actor == "sophie"
               and r.target_login]
    assert [a for a, _, _ in actions] == ["account.activation_resend", "account.mail_correct",
                                          "account.unlock", "account.password_reset_forced",
                                          "account.delete_unvalidated"]
    assert {t for _, _, t in actions} == {created.login}


def test_validated_account_cannot_be_deleted_and_lock_shows(ecandidat):
    svc = ecandidat.services.staff
    support = ecandidat.seed_staff("support").principal
    cand = ecandidat.seed_candidate()
    for _ in range(ecandidat.settings.max_failed_logins):
        with pytest.raises(DomainError):
            ecandidat.services.accounts.authenticate(cand.login, "Mauvais-2026!")
    view = svc.candidate_admin_view(support, cand.login)
    assert view.locked and view.account_valid
    with pytest.raises(DomainError, match="jamais validé"):
        svc.delete_unvalidated(support, cand.login)
    svc.unlock_account(support, cand.login)
    assert not svc.candidate_admin_view(support, cand.login).locked


# ------------------------------------------------------------ command line


def test_cli_staff_user_add_list_disable(tmp_path, monkeypatch, capsys):
    import io

    from ecandidat_tui import cli
    from ecandidat_tui.services import build_services
    from ecandidat_tui.config import load_settings

    monkeypatch.setenv("ECANDIDAT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ECANDIDAT_MAIL_BACKEND", "memory")
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n"))
    assert cli.main(["staff-user", "add", "bob", "--role", "support"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("court\ncourt\n"))
    assert cli.main(["staff-user", "add", "eve", "--role", "support"]) != 0
    assert "mot de passe" in capsys.readouterr().err.lower()
    assert cli.main(["staff-user", "list"]) == 0
    out = capsys.readouterr().out
    assert "bob" in out and "support" in out and "actif" in out and "eve" not in out
    assert cli.main(["staff-user", "disable", "bob"]) == 0
    services = build_services(load_settings())
    try:
        with pytest.raises(Forbidden):
            services.staff.authenticate_staff("bob", STAFF_PASSWORD)
    finally:
        services.close()


def test_reviewing_a_piece_moves_the_dossier_version(ecandidat):
    """A recap the candidate read before a staff review is stale: its transmit is refused."""
    svc = ecandidat.services.staff
    _cand, dossier, staff = setup_dossier(ecandidat)
    gest = staff["gest"].principal
    before = svc.staff_recap(gest, dossier.candidature_id)
    piece = before.pieces[0]
    after = svc.review_pieces(gest, dossier.candidature_id, [(piece.id, piece.version)], StatutPiece.VALIDEE).recap
    assert after.candidature.version == before.candidature.version + 1
    with pytest.raises(ConcurrentEdit):
        svc.set_dossier_status(gest, dossier.candidature_id, before.candidature.version, StatutDossier.COMPLET)
