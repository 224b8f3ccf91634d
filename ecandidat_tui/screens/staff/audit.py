"""The audit log (admins): who did what, when, on whom; filterable."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Static

from ...services.staff_views import AuditEntry, AuditFilters
from ...widgets.footer import Footer
from ...widgets.table import TextTable
from .common import StaffScreen, fmt_datetime, compact_button


class AuditScreen(StaffScreen):
    def compose(self) -> ComposeResult:
        yield Static("eCandidat — console du personnel", id="app-title")
        yield self.staff_header()
        yield Static("Journal des actions", classes="screen-title")
        with Horizontal(classes="staff-filters"):
            yield Input(id="staff-audit-actor", placeholder="Acteur")
            yield Input(id="staff-audit-action", placeholder="Action (préfixe*)")
            yield Input(id="staff-audit-target", placeholder="Candidat (login)")
            yield compact_button("Filtrer", id="staff-audit-apply", variant="primary")
        yield Static("Chargement…", id="staff-audit-status")
        table = TextTable(id="staff-audit-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("Date", "Acteur", "Action", "Candidat", "Candidature", "Détails")
        yield table
        yield Footer()

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
        table = self.query_one("#staff-audit-table", DataTable)
        table.clear()
        for e in entries:
            table.add_row(fmt_datetime(e.at), e.actor, e.action, e.target_login or "",
                          str(e.candidature_id or ""), e.details[:60], key=str(e.id))
        self.query_one("#staff-audit-status", Static).update(f"{len(entries)} entrée(s), les plus récentes d'abord.")
