"""The staff console driven like a person: login, search, account actions, review, export, audit."""

from __future__ import annotations

import csv

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Input, Select

from ecandidat_tui.services.errors import DomainError
from ecandidat_tui.store.models import Account, AuditLog, Candidature, PieceSubmission

from ecandidat_tui.testing import click_visible, settle, staff_log_in, text_of, type_ahead

SIZE = (80, 24)


async def type_search(app, pilot, text):
    app.screen.query_one("#staff-search", Input).focus()
    await pilot.press(*text)
    await settle(app, pilot)


def rows(app, table_id):
    table = app.screen.query_one(f"#{table_id}", DataTable)
    return [table.get_row_at(i) for i in range(table.row_count)]


def audit(h, action):
    with h.services.db.read_session() as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == action)).all())


async def confirm_yes(app, pilot):
    await pilot.pause()
    await pilot.click("#confirm-yes")
    await settle(app, pilot)


# ----------------------------------------------------------------- login


async def test_a_login_typed_in_one_burst_with_tab_logs_in(ecandidat):
    """Over SSH the keys of a fast typist arrive together: Tab moves the focus
    before the keys behind it are handed out, so the password goes to its field."""
    staff = ecandidat.seed_staff("support", login="sophie")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await click_visible(app, pilot, "#staff-login")
        type_ahead(app, *"sophie", "tab", *staff.password, "enter")
        await settle(app, pilot)
        await settle(app, pilot)
        assert app.principal is not None and app.principal.login == "sophie"


async def test_a_login_typed_in_one_burst_with_enter_logs_in(ecandidat):
    """The same with Enter after the identifier, as people type it (and as the
    pseudo-terminal benchmark does): the password never lands in Identifiant."""
    staff = ecandidat.seed_staff("support", login="sophie")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await click_visible(app, pilot, "#staff-login")
        type_ahead(app, *"sophie", "enter", *staff.password, "enter")
        await settle(app, pilot)
        await settle(app, pilot)
        assert app.principal is not None and app.principal.login == "sophie"


async def test_login_refused_then_accepted(ecandidat):
    staff = ecandidat.seed_staff("support", login="sophie")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await click_visible(app, pilot, "#staff-login")
        await pilot.press(*"sophie")
        await click_visible(app, pilot, "#staff-password")
        await pilot.press(*"Mauvais-2026!", "enter")
        await settle(app, pilot)
        assert app.principal is None
        assert "incorrect" in text_of(app, "#staff-password-error")
        app.screen.query_one("#staff-password", Input).value = ""
        await click_visible(app, pilot, "#staff-password")
        await pilot.press(*staff.password)
        await click_visible(app, pilot, "#staff-login-submit")
        await settle(app, pilot)
        assert app.principal.login == "sophie"
        assert app.screen.query_one("#staff-search", Input).has_focus
        assert "Support" in text_of(app, "#staff-user")
        await pilot.press("f10")
        await pilot.pause()
        assert app.principal is None and app.screen.query_one("#staff-login", Input)


# ----------------------------------------------------------------- search


async def test_search_updates_as_one_types_and_opens_admin_view(ecandidat):
    staff = ecandidat.seed_staff("support")
    ecandidat.insert_candidate("Dupré", "Élise", "elise@example.org", login="AB12CD34", ine="1234567890A")
    ecandidat.insert_candidate("Dupont", "Jean", "jean@example.org")
    ecandidat.insert_candidate("Martin", "Léa", "lea@example.org")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await staff_log_in(app, pilot, staff)
        await type_search(app, pilot, "d")
        assert rows(app, "staff-results") == []
        assert "2 caractères" in text_of(app, "#staff-search-status")
        await type_search(app, pilot, "up")
        assert sorted(r[1] for r in rows(app, "staff-results")) == ["Dupont", "Dupré"]
        await type_search(app, pilot, "re")  # "dupre": accent-insensitive
        assert [r[0] for r in rows(app, "staff-results")] == ["AB12CD34"]
        assert "1 candidat" in text_of(app, "#staff-search-status")
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace")
        await type_search(app, pilot, "1234567890")  # INE prefix
        assert [r[0] for r in rows(app, "staff-results")] == ["AB12CD34"]
        await pilot.press("enter")  # to the table
        await pilot.press("enter")  # open the row
        await settle(app, pilot)
        info = text_of(app, "#staff-candidate-info")
        assert "Login : AB12CD34" in info and "Dupré" in info and "elise@example.org" in info
        assert "Compte validé : Oui" in info and "Verrouillé : Non" in info
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one("#staff-search", Input)


# -------------------------------------------------------- account actions


async def test_support_account_actions_each_confirmed(ecandidat):
    staff = ecandidat.seed_staff("support", login="sophie")
    created = ecandidat.services.accounts.create_account("Dupré", "Élise", "elise@example.org",
                                                         "elise@example.org")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await staff_log_in(app, pilot, staff)
        await type_search(app, pilot, created.login)
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        assert "Compte validé : Non" in text_of(app, "#staff-candidate-info")
        sent_before = len(ecandidat.mails(to="elise@example.org"))
        # a refused confirmation does nothing
        await click_visible(app, pilot, "#staff-resend-activation")
        await pilot.pause()
        await pilot.click("#confirm-no")
        await settle(app, pilot)
        assert len(ecandidat.mails(to="elise@example.org")) == sent_before
        await click_visible(app, pilot, "#staff-resend-activation")
        await confirm_yes(app, pilot)
        assert len(ecandidat.mails(to="elise@example.org")) == sent_before + 1
        # correct the mail
        await click_visible(app, pilot, "#staff-correct-mail")
        await pilot.pause()
        assert "Saisissez" in text_of(app, "#staff-new-mail-error")
        await click_visible(app, pilot, "#staff-new-mail")
        await pilot.press(*"elise.dupre@example.org")
        await click_visible(app, pilot, "#staff-correct-mail")
        await confirm_yes(app, pilot)
        assert "elise.dupre@example.org" in text_of(app, "#staff-candidate-info")
        assert ecandidat.mails(to="elise.dupre@example.org")
        await click_visible(app, pilot, "#staff-force-reset")
        await confirm_yes(app, pilot)
        await click_visible(app, pilot, "#staff-delete-account")
        await confirm_yes(app, pilot)
        assert "supprimé" in text_of(app, "#staff-candidate-info")
    with ecandidat.services.db.read_session() as s:
        assert s.exec(select(Account).where(Account.login == created.login)).first() is None
    for action in ("account.activation_resend", "account.mail_correct", "account.password_reset_forced",
                   "account.delete_unvalidated"):
        assert [(r.actor, r.target_login) for r in audit(ecandidat, action)] == [("sophie", created.login)]


async def test_unlock_a_locked_candidate(ecandidat):
    staff = ecandidat.seed_staff("admin")
    cand = ecandidat.seed_candidate()
    for _ in range(ecandidat.settings.max_failed_logins):
        with pytest.raises(DomainError):
            ecandidat.services.accounts.authenticate(cand.login, "Mauvais-2026!")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await staff_log_in(app, pilot, staff)
        await type_search(app, pilot, cand.login)
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        assert "Verrouillé : Oui" in text_of(app, "#staff-candidate-info")
        assert app.screen.query_one("#staff-delete-account").disabled  # validated account
        await click_visible(app, pilot, "#staff-unlock")
        await confirm_yes(app, pilot)
        assert "Verrouillé : Non" in text_of(app, "#staff-candidate-info")
    assert ecandidat.services.accounts.authenticate(cand.login, cand.password)


async def test_gestionnaire_opens_dossiers_not_the_account(ecandidat):
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    ecandidat.seed_staff_formation("CTR-B", "FB1")
    staff = ecandidat.seed_staff("gestionnaire", ["CTR-A"])
    cand = ecandidat.insert_candidate("Dupré", "Élise", login="AB12CD34")
    ecandidat.seed_dossier(cand.account_id, "FA1", "CTR-A")
    ecandidat.seed_dossier(cand.account_id, "FB1", "CTR-B")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await staff_log_in(app, pilot, staff)
        await type_search(app, pilot, "AB12")
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        assert not app.screen.query("#staff-candidate-info")
        assert [r[1] for r in rows(app, "staff-candidatures")] == ["CTR-A"]  # only its centre
        await pilot.press("f6")  # audit: admins only
        await pilot.pause()
        assert not app.screen.query("#staff-audit-table")


# ------------------------------------------------------------ dossier review


async def open_dossier(app, pilot, staff, login):
    await staff_log_in(app, pilot, staff)
    await type_search(app, pilot, login)
    await pilot.press("enter", "enter")
    await settle(app, pilot)
    if app.screen.query("#staff-open-dossiers"):
        await pilot.press("f7")
        await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)
    assert app.screen.query_one("#staff-pieces", DataTable)


async def test_review_refuse_then_incomplet_with_mail(ecandidat):
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    staff = ecandidat.seed_staff("gestionnaire", ["CTR-A"], login="paul")
    cand = ecandidat.insert_candidate("Dupré", "Élise", "elise@example.org", login="AB12CD34")
    dossier = ecandidat.seed_dossier(cand.account_id, "FA1", "CTR-A")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_dossier(app, pilot, staff, "AB12CD34")
        assert "Réceptionné" in text_of(app, "#staff-recap-info")
        assert [r[2] for r in rows(app, "staff-pieces")] == ["Transmise", "Transmise"]
        assert "application/pdf" in text_of(app, "#staff-piece-details")
        app.screen.query_one("#staff-pieces", DataTable).focus()
        await pilot.press("space")  # select the first piece
        await click_visible(app, pilot, "#staff-piece-refusee")
        await settle(app, pilot)
        assert "motif" in text_of(app, "#staff-piece-comment-error")
        await click_visible(app, pilot, "#staff-piece-comment")
        await pilot.press(*"Illisible")
        await click_visible(app, pilot, "#staff-piece-refusee")
        await settle(app, pilot)
        assert [r[2] for r in rows(app, "staff-pieces")] == ["Refusée", "Transmise"]
        assert "Commentaire : Illisible" in text_of(app, "#staff-piece-details")  # 80 columns: under the grid
        await click_visible(app, pilot, "#staff-dossier-incomplet")
        await confirm_yes(app, pilot)
        assert "Incomplet" in text_of(app, "#staff-recap-info")
    with ecandidat.services.db.read_session() as s:
        assert s.get(Candidature, dossier.candidature_id).statut == "incomplet"
    mail = ecandidat.last_mail(to="elise@example.org", subject="incomplet")
    assert "Pièce IDENT : Illisible" in mail.body
    assert audit(ecandidat, "dossier_incomplet")[0].actor == "paul"


async def test_review_validate_all_complet_decide_and_validate(ecandidat):
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    staff = ecandidat.seed_staff("admin")
    cand = ecandidat.insert_candidate("Dupré", "Élise", "elise@example.org", login="AB12CD34")
    dossier = ecandidat.seed_dossier(cand.account_id, "FA1", "CTR-A")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_dossier(app, pilot, staff, "AB12CD34")
        app.screen.query_one("#staff-pieces", DataTable).focus()
        await pilot.press("ctrl+a")
        assert [r[0] for r in rows(app, "staff-pieces")] == ["✓", "✓"]
        await click_visible(app, pilot, "#staff-piece-validee")
        await settle(app, pilot)
        assert [r[2] for r in rows(app, "staff-pieces")] == ["Validée", "Validée"]
        await click_visible(app, pilot, "#staff-dossier-complet")
        await confirm_yes(app, pilot)
        assert "Complet" in text_of(app, "#staff-recap-info")
        assert ecandidat.last_mail(to="elise@example.org", subject="complet")
        # Liste complémentaire without a rank is refused next to the rank field
        app.screen.query_one("#staff-decision", Select).value = "liste_complementaire"
        await click_visible(app, pilot, "#staff-decision-record")
        await settle(app, pilot)
        assert "rang" in text_of(app, "#staff-decision-rang-error")
        await click_visible(app, pilot, "#staff-decision-rang")
        await pilot.press("4")
        await click_visible(app, pilot, "#staff-decision-record")
        await settle(app, pilot)
        assert "Liste complémentaire (rang 4) — non validée" in text_of(app, "#staff-recap-info")
        assert not ecandidat.mails(to="elise@example.org", subject="Décision")
        await click_visible(app, pilot, "#staff-decision-validate")
        await confirm_yes(app, pilot)
        assert "non validée" not in text_of(app, "#staff-recap-info")
    with ecandidat.services.db.read_session() as s:
        row = s.get(Candidature, dossier.candidature_id)
        assert (row.decision, row.decision_rang, row.decision_validated) == ("liste_complementaire", 4, True)
        assert {p.statut for p in s.exec(select(PieceSubmission)).all()} == {"validee"}
    assert "rang 4" in ecandidat.last_mail(to="elise@example.org", subject="Décision").body


async def test_concurrent_decision_loser_is_told_and_sees_new_state(ecandidat):
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    staff = ecandidat.seed_staff("gestionnaire", ["CTR-A"])
    other = ecandidat.seed_staff("admin")
    cand = ecandidat.insert_candidate("Dupré", "Élise", login="AB12CD34")
    dossier = ecandidat.seed_dossier(cand.account_id, "FA1", "CTR-A")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_dossier(app, pilot, staff, "AB12CD34")
        # meanwhile, at another terminal:
        ecandidat.services.staff.record_decision(other.principal, dossier.candidature_id, 1, "defavorable")
        app.screen.query_one("#staff-decision", Select).value = "favorable"
        await click_visible(app, pilot, "#staff-decision-record")
        await settle(app, pilot)
        assert any("autre poste" in n.message for n in app._notifications)
        assert "Décision : Défavorable" in text_of(app, "#staff-recap-info")  # reloaded
        assert app.screen.query_one("#staff-decision", Select).value == "defavorable"
    with ecandidat.services.db.read_session() as s:
        assert s.get(Candidature, dossier.candidature_id).decision == "defavorable"


async def test_support_reads_a_dossier_and_saves_a_file_but_cannot_review(ecandidat, tmp_path):
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    staff = ecandidat.seed_staff("support")
    cand = ecandidat.insert_candidate("Dupré", "Élise", login="AB12CD34")
    ecandidat.seed_dossier(cand.account_id, "FA1", "CTR-A")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_dossier(app, pilot, staff, "AB12CD34")
        for button in ("#staff-piece-validee", "#staff-piece-refusee", "#staff-dossier-complet",
                       "#staff-decision-record", "#staff-decision-validate"):
            assert app.screen.query_one(button).disabled
        folder = app.screen.query_one("#staff-save-folder", Input)
        (tmp_path / "out").mkdir()
        folder.value = str(tmp_path / "out")
        await click_visible(app, pilot, "#staff-piece-save")
        await settle(app, pilot)
    saved = list((tmp_path / "out").iterdir())
    assert [p.name for p in saved] == ["ident.pdf"] and saved[0].read_bytes().startswith(b"%PDF")


# ------------------------------------------------------- formations, export


async def test_formation_list_filter_and_export(ecandidat, tmp_path):
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    ecandidat.seed_staff_formation("CTR-B", "FB1")
    staff = ecandidat.seed_staff("gestionnaire", ["CTR-A"], login="paul")
    a = ecandidat.insert_candidate("Dupré", "Élise", login="AB12CD34")
    b = ecandidat.insert_candidate("Martin", "Léa", login="CD34EF56")
    da = ecandidat.seed_dossier(a.account_id, "FA1", "CTR-A")
    ecandidat.seed_dossier(b.account_id, "FA1", "CTR-A")
    ecandidat.services.staff.record_decision(staff.principal, da.candidature_id, 1, "favorable")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await staff_log_in(app, pilot, staff)
        await pilot.press("f5")
        await settle(app, pilot)
        assert [r[0] for r in rows(app, "staff-formations")] == ["FA1"]  # only its centre
        await pilot.press("enter")
        await settle(app, pilot)
        assert [r[0] for r in rows(app, "staff-formation-candidatures")] == ["AB12CD34", "CD34EF56"]
        app.screen.query_one("#staff-filter-decision", Select).value = "favorable"
        await settle(app, pilot)
        assert [r[0] for r in rows(app, "staff-formation-candidatures")] == ["AB12CD34"]
        path = app.screen.query_one("#staff-export-path", Input)
        path.value = str(tmp_path / "absent" / "x.csv")
        await click_visible(app, pilot, "#staff-export")
        await settle(app, pilot)
        assert "n'existe pas" in text_of(app, "#staff-export-path-error")
        path.value = str(tmp_path / "fa1.csv")
        await click_visible(app, pilot, "#staff-export")
        await settle(app, pilot)
        assert "1 candidature(s) exportée(s)" in text_of(app, "#staff-formation-status")
    with (tmp_path / "fa1.csv").open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh, delimiter=";"))
    assert [(r["Numéro de dossier"], r["Nom"], r["Décision"]) for r in table] == [("AB12CD34", "Dupré", "Favorable")]
    assert audit(ecandidat, "formation_exported")[0].actor == "paul"


async def test_support_has_no_formations_or_audit(ecandidat):
    staff = ecandidat.seed_staff("support")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await staff_log_in(app, pilot, staff)
        await pilot.press("f5")
        await pilot.pause()
        assert not app.screen.query("#staff-formations")
        await pilot.press("f6")
        await pilot.pause()
        assert not app.screen.query("#staff-audit-table")


# ------------------------------------------------------------------- audit


async def test_admin_audit_viewer_filters(ecandidat):
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    admin = ecandidat.seed_staff("admin", login="root")
    gest = ecandidat.seed_staff("gestionnaire", ["CTR-A"], login="paul")
    cand = ecandidat.insert_candidate("Dupré", "Élise", login="AB12CD34")
    dossier = ecandidat.seed_dossier(cand.account_id, "FA1", "CTR-A")
    ecandidat.services.staff.record_decision(gest.principal, dossier.candidature_id, 1, "preselection")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await staff_log_in(app, pilot, admin)
        await pilot.press("f6")
        await settle(app, pilot)
        actions = [r[2] for r in rows(app, "staff-audit-table")]
        assert actions[0] == "staff_login" and "decision_recorded" in actions
        await click_visible(app, pilot, "#staff-audit-actor")
        await pilot.press(*"paul", "enter")
        await settle(app, pilot)
        assert [(r[1], r[2], r[3]) for r in rows(app, "staff-audit-table")] == [
            ("paul", "decision_recorded", "AB12CD34")]
