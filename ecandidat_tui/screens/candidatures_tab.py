"""The `Candidatures` tab of Mon compte: the candidate's candidatures.

`Nouvelle candidature` first checks the profile gate (refused with what is
missing and a button to the tab to fill), then opens the Offre de formation
in apply mode; the chosen formation becomes a candidature whose recap opens.
Entrée on a row opens its recap.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static, TabbedContent

from ..services.errors import DomainError
from ..widgets.table import TextTable

CANDIDATURE_COLUMNS = ("Formation", "Statut", "Décision", "Date limite de retour")
CANDIDATURE_WIDTHS = (11, 15, 21)  # Statut, Décision ("Liste d'attente"), the date's header
# Beside them: each column's padding (2), the pane's padding and the table's border.
COLUMN_ROOM = sum(CANDIDATURE_WIDTHS) + 2 * len(CANDIDATURE_COLUMNS) + 6

# What profile.missing_for_candidature names -> the Mon compte pane to fill it in.
_GATE_PANES = (("Informations", "tab-info"), ("INE", "tab-info"), ("Adresse", "tab-adresse"),
               ("Bac", "tab-bac"))


def pane_for(missing: list[str]) -> str | None:
    for item in missing:
        for needle, pane in _GATE_PANES:
            if needle.lower() in item.lower():
                return pane
    return None


class CandidaturesPanel(Vertical):
    def __init__(self, *, id: str | None = "candidatures-panel") -> None:
        super().__init__(id=id)
        self._ids: list[int] = []
        self._gate_pane: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="button-row", id="candidatures-actions"):
            yield Button("+ Nouvelle candidature", id="candidature-new", variant="primary")
        with Horizontal(id="candidature-gate", classes="candidature-gate"):
            yield Static("", id="candidature-gate-error", classes="field-error", markup=False)
            yield Button("Compléter mon profil", id="candidature-gate-fix")
        yield Static("Vous n'avez pas encore de candidature.", id="candidatures-empty")
        yield TextTable(id="candidatures-table", cursor_type="row", zebra_stripes=True)
        yield Static("Entrée : ouvrir le récapitulatif de la candidature choisie.", classes="menu-help",
                     id="candidatures-help")

    def on_mount(self) -> None:
        self._fit_columns(self.app.size.width)
        self.query_one("#candidature-gate").display = False
        self.query_one("#candidatures-table").display = False
        self.reload()

    def on_resize(self) -> None:
        if self._fit_columns(self.size.width):
            self.reload()

    def _fit_columns(self, width: int) -> bool:
        """Every header whole ("Date limite de retour"); the formation takes what is left."""
        widths = (max(16, min(50, width - COLUMN_ROOM)), *CANDIDATURE_WIDTHS)
        table = self.query_one("#candidatures-table", DataTable)
        if [c.width for c in table.columns.values()] == list(widths):
            return False
        table.clear(columns=True)
        for label, column_width in zip(CANDIDATURE_COLUMNS, widths, strict=True):
            table.add_column(label, key=label, width=column_width)
        return True

    @property
    def account_id(self) -> int:
        return self.app.candidate.account_id

    # ------------------------------------------------------------ list

    @work(thread=True, exclusive=True, group="candidatures", exit_on_error=False)
    def reload(self) -> None:
        rows = self.app.services.candidatures.list_for_account(self.account_id)
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows) -> None:
        table = self.query_one("#candidatures-table", DataTable)
        table.clear()
        self._ids = [r.id for r in rows]
        for r in rows:
            table.add_row(f"{r.formation_titre} ({r.formation_code})", r.statut_label, r.decision_label,
                          r.date_limite_retour_label, key=str(r.id))
        table.display = bool(rows)
        self.query_one("#candidatures-empty").display = not rows

    @on(DataTable.RowSelected, "#candidatures-table")
    def _open_row(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.open_recap(int(event.row_key.value))

    def open_recap(self, candidature_id: int) -> None:
        from .recap import RecapScreen

        def closed(changed: bool | None) -> None:
            self.reload()

        self.app.push_screen(RecapScreen(candidature_id), closed)

    # ------------------------------------------------------------- new

    @on(Button.Pressed, "#candidature-new")
    def _new(self, event: Button.Pressed) -> None:
        event.stop()
        self.check_gate()

    @work(thread=True, exclusive=True, group="candidatures", exit_on_error=False)
    def check_gate(self) -> None:
        service = self.app.services.candidatures
        missing = service.gate_missing(self.account_id)
        if missing:
            self.app.call_from_thread(self._gate_refused, service.gate_message(missing), pane_for(missing))
        else:
            self.app.call_from_thread(self._choose_formation)

    def _gate_refused(self, message: str, pane: str | None) -> None:
        self._gate_pane = pane
        self.query_one("#candidature-gate-error", Static).update(message)
        self.query_one("#candidature-gate").display = True
        self.query_one("#candidature-gate-fix", Button).display = pane is not None
        self.query_one("#candidature-gate-fix", Button).focus()
        self.notify(message, severity="warning", timeout=8)

    @on(Button.Pressed, "#candidature-gate-fix")
    def _fix_profile(self, event: Button.Pressed) -> None:
        event.stop()
        if self._gate_pane is None:
            return
        show_tab = getattr(self.screen, "show_tab", None)
        if show_tab is not None:
            show_tab(self._gate_pane)
            return
        try:
            tabs = self.screen.query_one("#profile-tabs", TabbedContent)
        except Exception:  # outside Mon compte there is no tab to jump to
            return
        tabs.active = self._gate_pane

    def _choose_formation(self) -> None:
        self.query_one("#candidature-gate").display = False
        from .catalog import OffreFormationScreen

        def chosen(formation_id: int | None) -> None:
            if formation_id is not None:
                self.create(formation_id)

        self.app.push_screen(OffreFormationScreen(mode="apply"), chosen)

    @work(thread=True, exclusive=True, group="candidatures", exit_on_error=False)
    def create(self, formation_id: int) -> None:
        try:
            summary = self.app.services.candidatures.create_candidature(self.account_id, formation_id)
        except DomainError as exc:
            pane = None
            if exc.field == "gate":
                pane = pane_for(self.app.services.candidatures.gate_missing(self.account_id))
                self.app.call_from_thread(self._gate_refused, exc.message, pane)
            else:
                self.app.call_from_thread(self.notify, exc.message, severity="error", timeout=8)
            return
        self.app.call_from_thread(self.notify, f"Candidature créée : {summary.formation_titre}.")
        self.app.call_from_thread(self.open_recap, summary.id)
        rows = self.app.services.candidatures.list_for_account(self.account_id)
        self.app.call_from_thread(self._show, rows)


__all__ = ["CANDIDATURE_COLUMNS", "CandidaturesPanel", "pane_for"]
