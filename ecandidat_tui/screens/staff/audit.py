"""The audit log (admins): who did what, when, on whom; filterable."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Static

from ...services.staff_views import AuditEntry, AuditFilters
from ...widgets.safe_input import SafeInput
from ...widgets.footer import Footer
from ...widgets.table import TextTable
from .common import Col, StaffScreen, compact_button, fmt_datetime


class AuditScreen(StaffScreen):
    def compose(self) -> ComposeResult:
        yield Static("eCandidat — console du personnel", id="app-title")
        yield self.staff_header()
        yield Static("Journal des actions", classes="screen-title")
        with Horizontal(classes="staff-filters"):
            yield SafeInput(id="staff-audit-actor", placeholder="Acteur")
            yield SafeInput(id="staff-audit-action", placeholder="Action (préfixe*)")
            yield SafeInput(id="staff-audit-target", placeholder="Candidat (login)")
            yield compact_button("Filtrer", id="staff-audit-apply", variant="primary")
        yield Static("Chargement…", id="staff-audit-status")
        yield TextTable(id="staff-audit-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="staff-audit-details", markup=False)
        yield Footer()

    COLUMNS = (Col("at", "Date", 16), Col("actor", "Acteur", 12), Col("action", "Action", 20),
               Col("target", "Candidat", 8), Col("candidature", "Candidature", 11), Col("details", "Détails"))
    # below NARROW columns: no Candidature column, the line under the table shows the entry whole
    COLUMNS_NARROW = (*COLUMNS[:4], COLUMNS[5])

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[AuditEntry] = []

    def on_mount(self) -> None:
        self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.reload()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "staff-audit-apply":
            event.stop()
            self.reload()

    def reload(self) -> None:
        filters = AuditFilters(
            actor=self.query_one("#staff-audit-actor", Input).value.strip() or None,
            action=self.query_one("#staff-audit-action", Input).value.strip() or None,
            target_login=self.query_one("#staff-audit-target", Input).value.strip() or None,
        )
        self.call_staff(lambda staff: staff.list_audit(self.app.principal, filters), self.show)

    def show(self, entries: list[AuditEntry]) -> None:
        self.entries = entries
        table = self.query_one("#staff-audit-table", DataTable)
        self.fill_table(table, self.COLUMNS, (
            (str(e.id), {"at": fmt_datetime(e.at), "actor": e.actor, "action": e.action, "target": e.target_login or "",
                         "candidature": str(e.candidature_id or ""), "details": e.details})
            for e in entries), narrow=self.COLUMNS_NARROW)
        self.query_one("#staff-audit-status", Static).update(f"{len(entries)} entrée(s), les plus récentes d'abord.")
        self.show_entry()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "staff-audit-table":
            self.show_entry()

    def show_entry(self) -> None:
        """The highlighted entry whole, its details wrapped, under the table."""
        table = self.query_one("#staff-audit-table", DataTable)
        if not self.entries or table.row_count == 0:
            self.query_one("#staff-audit-details", Static).update("")
            return
        e = self.entries[min(table.cursor_row, len(self.entries) - 1)]
        head = f"{fmt_datetime(e.at)} — {e.actor} — {e.action}"
        if e.target_login:
            head += f" — candidat {e.target_login}"
        if e.candidature_id:
            head += f" — candidature {e.candidature_id}"
        self.query_one("#staff-audit-details", Static).update(head + (f"\n{e.details}" if e.details else ""))
