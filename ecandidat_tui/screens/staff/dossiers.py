"""A candidate's candidatures, and the dossier review in staff mode.

Review (gestionnaires of the dossier's centre, admins): pieces Validée /
Refusée with a comment (Espace selects several), dossier Complet /
Incomplet, decision recorded then validated. Support reads only.
A write that lost the race to another staff member is refused by the
service (ConcurrentEdit): the screen says so and reloads the new state.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from ...domain import Decision, StatutDossier, StatutPiece
from ...display import safe_text
from ...services.staff_views import CandidatureSummary, PieceReviewResult, StaffRecap
from ...widgets.safe_input import SafeInput
from ...widgets.confirm import ConfirmModal
from ...widgets.footer import Footer
from ...widgets.table import TextTable
from .common import Col, StaffScreen, compact_button, decision_text, fmt_date, fmt_datetime


def summary_decision(c: CandidatureSummary) -> str:
    return decision_text(c.decision, c.decision_rang, c.decision_validated, c.confirmation)


class CandidaturesScreen(StaffScreen):
    """The candidate's candidatures (a gestionnaire sees those of its centres)."""

    def __init__(self, login: str) -> None:
        super().__init__()
        self.login = login

    def compose(self) -> ComposeResult:
        yield Static("eCandidat — console du personnel", id="app-title")
        yield self.staff_header()
        yield Static(f"Candidatures du candidat {self.login}", classes="screen-title")
        yield Static("Chargement…", id="staff-candidatures-status")
        yield TextTable(id="staff-candidatures", cursor_type="row", zebra_stripes=True)
        yield Footer()

    COLUMNS = (Col("formation", "Formation"), Col("centre", "Centre", 8), Col("statut", "Statut du dossier", 17),
               Col("decision", "Décision", 26))

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.call_staff(lambda staff: staff.list_candidatures(self.app.principal, self.login), self.show)

    def show(self, rows: list[CandidatureSummary]) -> None:
        table = self.query_one("#staff-candidatures", DataTable)
        self.fill_table(table, self.COLUMNS, (
            (str(c.id), {"formation": f"{c.formation_code} — {c.formation_titre}", "centre": c.centre_code,
                         "statut": c.statut.label, "decision": summary_decision(c)})
            for c in rows))
        self.query_one("#staff-candidatures-status", Static).update(
            f"{len(rows)} candidature(s). Entrée : ouvrir le dossier." if rows else "Aucune candidature visible.")
        if rows:
            table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.app.push_screen(DossierReviewScreen(int(event.row_key.value)))


DECISION_OPTIONS = [(d.label, d.value) for d in Decision]


class DossierReviewScreen(StaffScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        *StaffScreen.BINDINGS,
        # Named by the pieces' title, not in the footer: with them it ran past 80 columns
        # and hid F8 and F10.
        Binding("space", "toggle_piece", "Sélectionner", id="staff-toggle-piece", show=False),
        Binding("ctrl+a", "select_all", "Tout sélectionner", id="staff-select-all", show=False),
        Binding("ctrl+r", "reload", "Actualiser", id="staff-reload", show=False),
    ]

    # Below NARROW columns the comment leaves the grid: the line under it shows the whole
    # file name and comment of the piece under the cursor.
    PIECE_COLUMNS = (Col("sel", "✓", 1), Col("piece", "Pièce justificative"), Col("statut", "Statut", 12),
                     Col("fichier", "Fichier"), Col("commentaire", "Commentaire"))
    PIECE_COLUMNS_NARROW = PIECE_COLUMNS[:4]

    def __init__(self, candidature_id: int) -> None:
        super().__init__()
        self.candidature_id = candidature_id
        self.recap: StaffRecap | None = None
        self.selected: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Static("eCandidat — console du personnel", id="app-title")
        yield self.staff_header()
        with VerticalScroll(id="staff-review-body", can_focus=False):
            yield Static("Chargement…", id="staff-recap-info", markup=False)
            yield Static("Pièces justificatives (Espace : sélectionner, Ctrl+A : toutes)", classes="section-title")
            yield TextTable(id="staff-pieces", cursor_type="row", zebra_stripes=True)
            yield Static("", id="staff-pieces-error", classes="field-error")
            yield Static("", id="staff-piece-details", markup=False)
            yield SafeInput(id="staff-piece-comment", placeholder="Commentaire (obligatoire pour un refus)")
            yield Static("", id="staff-piece-comment-error", classes="field-error")
            with Horizontal(classes="staff-buttons"):
                yield compact_button("Validée", id="staff-piece-validee", variant="success")
                yield compact_button("Refusée", id="staff-piece-refusee", variant="error")
            with Horizontal(classes="staff-buttons"):
                yield SafeInput(id="staff-save-folder", value=str(self.app.settings.home or "."))
                yield compact_button("Enregistrer le fichier", id="staff-piece-save")
            yield Static("", id="staff-save-folder-error", classes="field-error")
            yield Static("Statut du dossier", classes="section-title")
            with Horizontal(classes="staff-buttons"):
                yield compact_button("Complet", id="staff-dossier-complet", variant="success")
                yield compact_button("Incomplet", id="staff-dossier-incomplet", variant="warning")
            yield Static("", id="staff-dossier-statut-error", classes="field-error")
            yield Static("Décision", classes="section-title")
            yield Select(DECISION_OPTIONS, id="staff-decision", prompt="Choisir une décision")
            yield Static("", id="staff-decision-error", classes="field-error")
            yield Label("Rang (liste complémentaire)")
            yield SafeInput(id="staff-decision-rang", type="integer")
            yield Static("", id="staff-decision-rang-error", classes="field-error")
            yield SafeInput(id="staff-decision-comment", placeholder="Commentaire de la décision")
            yield Static("", id="staff-decision-comment-error", classes="field-error")
            with Horizontal(classes="staff-buttons"):
                yield compact_button("Enregistrer la décision", id="staff-decision-record", variant="primary")
                yield compact_button("Valider la décision", id="staff-decision-validate")
        yield Footer()

    # ------------------------------------------------------------ loading

    def on_mount(self) -> None:
        can_review = self.app.principal.role in ("gestionnaire", "admin")
        for button in self.query(Button):
            if button.id != "staff-piece-save":
                button.disabled = not can_review
        self.action_reload()

    def action_reload(self) -> None:
        self.call_staff(lambda staff: staff.staff_recap(self.app.principal, self.candidature_id), self.show)

    def concurrent_edit(self, exc) -> None:
        super().concurrent_edit(exc)
        self.action_reload()  # show what the other person wrote

    def show(self, recap: StaffRecap) -> None:
        self.recap = recap
        c = recap.candidature
        lines = [
            f"{recap.prenom} {recap.nom} ({c.login}) — {recap.mail}",
            f"Formation : {c.formation_code} — {c.formation_titre} (centre {c.centre_code})",
            f"Statut du dossier : {c.statut.label}    Transmis le : {fmt_datetime(c.transmitted_at)}",
            f"Décision : {decision_text(c.decision, c.decision_rang, c.decision_validated)}",
        ]
        if recap.decision_commentaire:
            lines.append(f"Commentaire de la décision : {recap.decision_commentaire}")
        if c.decision_validated:
            lines.append("Courrier de décision : disponible pour le candidat (Récapitulatif)" if recap.has_letter
                         else "Courrier de décision : aucun (décision validée avant les courriers)")
        if recap.confirmation:
            lines.append(f"Réponse du candidat : {recap.confirmation.label}")
        lines.append(f"Date limite de retour : {fmt_date(recap.date_limite_retour)}    "
                     f"Jury : {fmt_date(recap.date_jury)}")
        self.query_one("#staff-recap-info", Static).update(safe_text("\n".join(lines), multiline=True))
        known = {p.id for p in recap.pieces}
        self.selected &= known
        table = self.query_one("#staff-pieces", DataTable)
        self.show_pieces()
        self.show_piece_details()
        if self.focused is None:
            table.focus()
        if c.decision is not None:
            self.query_one("#staff-decision", Select).value = c.decision.value
        if c.decision_rang:
            self.query_one("#staff-decision-rang", Input).value = str(c.decision_rang)

    # ------------------------------------------------------------- pieces

    def show_pieces(self) -> None:
        if self.recap is None:
            return
        self.fill_table(self.query_one("#staff-pieces", DataTable), self.PIECE_COLUMNS, (
            (str(p.id), {"sel": "✓" if p.id in self.selected else " ", "piece": p.libelle, "statut": p.statut.label,
                         "fichier": p.file_name or "—", "commentaire": p.commentaire or ""})
            for p in self.recap.pieces), narrow=self.PIECE_COLUMNS_NARROW)

    def current_piece(self):
        table = self.query_one("#staff-pieces", DataTable)
        if self.recap is None or not self.recap.pieces or table.row_count == 0:
            return None
        return self.recap.pieces[min(table.cursor_row, len(self.recap.pieces) - 1)]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "staff-pieces":
            self.show_piece_details()

    def show_piece_details(self) -> None:
        piece = self.current_piece()
        details = self.query_one("#staff-piece-details", Static)
        if piece is None:
            details.update("Aucune pièce demandée.")
        else:
            if piece.blob_sha256 is None:
                text = f"{safe_text(piece.libelle)} — {piece.statut.label} : aucun fichier déposé."
            else:
                text = (f"{safe_text(piece.libelle)} — {piece.statut.label}\nFichier : {safe_text(piece.file_name)} "
                        f"— {piece.mime}, {piece.size} octets, empreinte {piece.blob_sha256[:12]}…")
            if piece.commentaire:
                text += f"\nCommentaire : {safe_text(piece.commentaire)}"
            details.update(text)

    def action_toggle_piece(self) -> None:
        piece = self.current_piece()
        if piece is None:
            return
        self.selected ^= {piece.id}
        self.show_pieces()

    def action_select_all(self) -> None:
        if self.recap is None:
            return
        everything = {p.id for p in self.recap.pieces}
        self.selected = set() if self.selected == everything else everything
        self.show_pieces()

    def chosen_pieces(self) -> list[tuple[int, int]]:
        """The selected pieces, or the one under the cursor; with the version shown."""
        if self.recap is None:
            return []
        if self.selected:
            return [(p.id, p.version) for p in self.recap.pieces if p.id in self.selected]
        piece = self.current_piece()
        return [(piece.id, piece.version)] if piece else []

    # ------------------------------------------------------------ buttons

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if self.recap is None:
            return
        event.stop()
        self.clear_errors()
        principal, cid, version = self.app.principal, self.candidature_id, self.recap.candidature.version
        bid = event.button.id
        if bid in ("staff-piece-validee", "staff-piece-refusee"):
            statut = StatutPiece.VALIDEE if bid == "staff-piece-validee" else StatutPiece.REFUSEE
            pieces = self.chosen_pieces()
            comment = self.query_one("#staff-piece-comment", Input).value

            def reviewed(result: PieceReviewResult) -> None:
                self.selected.clear()
                self.query_one("#staff-piece-comment", Input).value = ""
                message = f"{result.changed} pièce(s) {statut.label.lower()}(s)"
                if result.skipped:
                    message += (f", {result.skipped} ignorée(s) : sans fichier, leur statut "
                                "(En attente ou Non concerné) est conservé")
                self.notify(message + ".", severity="warning" if result.skipped else "information")
                self.show(result.recap)

            self.call_staff(lambda staff: staff.review_pieces(principal, cid, pieces, statut, comment), reviewed)
        elif bid == "staff-piece-save":
            piece = self.current_piece()
            if piece is None:
                return
            folder = self.query_one("#staff-save-folder", Input).value
            self.call_staff(lambda staff: staff.save_piece_file(principal, piece.id, folder),
                            lambda path: self.notify(f"Fichier enregistré : {path}"), field="staff-save-folder")
        elif bid in ("staff-dossier-complet", "staff-dossier-incomplet"):
            statut = StatutDossier.COMPLET if bid == "staff-dossier-complet" else StatutDossier.INCOMPLET
            question = ("Déclarer le dossier complet ? Le candidat en est informé par mail."
                        if statut == StatutDossier.COMPLET else
                        "Déclarer le dossier incomplet ? Il est rouvert pour le candidat, qui reçoit "
                        "par mail la liste des pièces refusées.")
            self.confirm(question, lambda: self.call_staff(
                lambda staff: staff.set_dossier_status(principal, cid, version, statut), self.done_status))
        elif bid == "staff-decision-record":
            decision = self.query_one("#staff-decision", Select).value
            rang_text = self.query_one("#staff-decision-rang", Input).value.strip()
            comment = self.query_one("#staff-decision-comment", Input).value
            if decision is Select.NULL:
                self.set_error("staff-decision", "Choisissez une décision.")
                return
            rang = int(rang_text) if rang_text.isdigit() else None
            self.call_staff(lambda staff: staff.record_decision(principal, cid, version, decision, rang, comment),
                            self.done_decision)
        elif bid == "staff-decision-validate":
            self.confirm("Valider la décision ? Le candidat la verra et la recevra par mail ; elle ne "
                         "pourra plus être modifiée.", lambda: self.call_staff(
                             lambda staff: staff.validate_decision(principal, cid, version), self.done_validate))

    def confirm(self, question: str, then) -> None:
        self.app.push_screen(ConfirmModal(question), lambda yes: then() if yes else None)

    def done_status(self, recap: StaffRecap) -> None:
        self.notify(f"Dossier {recap.candidature.statut.label.lower()} : le candidat est prévenu par mail.")
        self.show(recap)

    def done_decision(self, recap: StaffRecap) -> None:
        self.notify("Décision enregistrée (non visible du candidat avant validation).")
        self.show(recap)

    def done_validate(self, recap: StaffRecap) -> None:
        self.notify("Décision validée : courrier produit, le candidat est prévenu par mail.")
        self.show(recap)
