"""Formations (gestionnaires: their centres; admins: all), their candidatures
filtered by status and decision, and the CSV export (UTF-8 with BOM, `;`)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Select, Static

from ...domain import Decision, StatutDossier
from ...services.errors import TargetExists
from ...services.staff_views import ExportResult, FormationCandidatureRow, FormationRow
from ...widgets.safe_input import SafeInput
from ...widgets.confirm import ConfirmModal
from ...widgets.footer import Footer
from ...widgets.table import TextTable
from .common import Col, StaffScreen, compact_button, decision_text, fmt_date, fmt_datetime
from .dossiers import DossierReviewScreen


class FormationListScreen(StaffScreen):
    def compose(self) -> ComposeResult:
        yield Static("eCandidat — console du personnel", id="app-title")
        yield self.staff_header()
        yield Static("Formations", classes="screen-title")
        yield Static("Chargement…", id="staff-formations-status")
        yield TextTable(id="staff-formations", cursor_type="row", zebra_stripes=True)
        yield Footer()

    COLUMNS = (Col("code", "Code", 12), Col("titre", "Formation"), Col("centre", "Centre", 8),
               Col("candidatures", "Candidatures", 12))

    def on_mount(self) -> None:
        self.call_staff(lambda staff: staff.list_formations(self.app.principal), self.show)

    def show(self, rows: list[FormationRow]) -> None:
        table = self.query_one("#staff-formations", DataTable)
        self.fill_table(table, self.COLUMNS, (
            (f.code, {"code": f.code, "titre": f.titre, "centre": f.centre_code, "candidatures": str(f.candidatures)})
            for f in rows))
        self.query_one("#staff-formations-status", Static).update(
            f"{len(rows)} formation(s). Entrée : voir les candidatures. F9 : modifier la campagne.")
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.app.push_screen(FormationCandidaturesScreen(str(event.row_key.value)))


STATUT_OPTIONS = [(s.label, s.value) for s in StatutDossier]
DECISION_FILTERS = [("Sans décision", "aucune"), *((d.label, d.value) for d in Decision)]


class FormationCandidaturesScreen(StaffScreen):
    COLUMNS = (Col("login", "Login", 8), Col("nom", "Nom"), Col("prenom", "Prénom"), Col("statut", "Statut", 11),
               Col("decision", "Décision", 34), Col("transmis", "Transmis le", 16))
    # 80 columns: one Candidat column, the decision whole ("Liste complémentaire (rang 12)"), the day only
    COLUMNS_NARROW = (Col("login", "Login", 8), Col("candidat", "Candidat"), Col("statut", "Statut", 11),
                      Col("decision", "Décision", 23), Col("transmis_le", "Transmis le", 11))

    def __init__(self, formation_code: str) -> None:
        super().__init__()
        self.formation_code = formation_code
        self.asked_overwrite = False

    def compose(self) -> ComposeResult:
        yield Static("eCandidat — console du personnel", id="app-title")
        yield self.staff_header()
        yield Static(f"Candidatures — {self.formation_code}", classes="screen-title")
        with Horizontal(classes="staff-filters"):
            yield Select(STATUT_OPTIONS, id="staff-filter-statut", prompt="Tous les statuts")
            yield Select(DECISION_FILTERS, id="staff-filter-decision", prompt="Toutes les décisions")
        yield Static("Chargement…", id="staff-formation-status")
        yield TextTable(id="staff-formation-candidatures", cursor_type="row", zebra_stripes=True)
        with Horizontal(classes="staff-buttons"):
            yield SafeInput(id="staff-export-path", value=str(self.app.settings.home or "."),
                        placeholder="Fichier .csv ou dossier")
            yield compact_button("Exporter en CSV", id="staff-export", variant="primary")
        yield Static("", id="staff-export-path-error", classes="field-error")
        yield Footer()

    def filters(self) -> tuple[str | None, str | None]:
        statut = self.query_one("#staff-filter-statut", Select).value
        decision = self.query_one("#staff-filter-decision", Select).value
        return (None if statut is Select.NULL else statut, None if decision is Select.NULL else decision)

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        if self.asked_overwrite:  # back from "replace the file?": the list did not change
            self.asked_overwrite = False
            return
        self.reload()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.reload()

    def reload(self) -> None:
        statut, decision = self.filters()
        self.call_staff(lambda staff: staff.formation_candidatures(
            self.app.principal, self.formation_code, statut, decision), self.show)

    def show(self, rows: list[FormationCandidatureRow]) -> None:
        table = self.query_one("#staff-formation-candidatures", DataTable)
        self.fill_table(table, self.COLUMNS, (
            (str(r.candidature_id), {
                "login": r.login, "nom": r.nom, "prenom": r.prenom, "candidat": f"{r.nom} {r.prenom}",
                "statut": r.statut.label,
                "decision": decision_text(r.decision, r.decision_rang, r.decision_validated, r.confirmation),
                "transmis": fmt_datetime(r.transmitted_at),
                "transmis_le": fmt_date(r.transmitted_at.date()) if r.transmitted_at else "—"})
            for r in rows), narrow=self.COLUMNS_NARROW)
        self.query_one("#staff-formation-status", Static).update(f"{len(rows)} candidature(s).")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.app.push_screen(DossierReviewScreen(int(event.row_key.value)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "staff-export-path":
            event.stop()
            self.export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "staff-export":
            event.stop()
            self.export()

    def export(self, overwrite: bool = False) -> None:
        self.clear_errors()
        statut, decision = self.filters()
        path = self.query_one("#staff-export-path", Input).value

        def call(staff) -> ExportResult | TargetExists:
            try:
                return staff.export_formation_csv(self.app.principal, self.formation_code, path, statut, decision,
                                                  overwrite=overwrite)
            except TargetExists as exc:
                return exc

        self.call_staff(call, self.exported, field="staff-export-path")

    def exported(self, result: ExportResult | TargetExists) -> None:
        if isinstance(result, TargetExists):
            # Its answer starts the export; a reload on resume would cancel it (one staff call at a time).
            self.asked_overwrite = True
            self.app.push_screen(ConfirmModal(f"{result.message} Le remplacer par cet export ?",
                                              title="Fichier existant", yes="Remplacer", no="Annuler"),
                                 lambda yes: self.export(overwrite=True) if yes else None)
            return
        self.set_error("staff-export-path", "")
        self.query_one("#staff-formation-status", Static).update(
            f"{result.rows} candidature(s) exportée(s) dans {result.path}")
        self.notify(f"Export enregistré : {result.path}")
