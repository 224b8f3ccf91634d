"""Every candidature of one centre de candidature: filters, sort, pages of 100, CSV and Excel export.

Opened from Suivi des dossiers (Entrée on a centre's or a formation's line).
Pages are read in a thread worker, so a centre of 100,000 candidatures never
freezes the console; `>` and `<` turn the pages, Entrée opens a dossier.
The export (all pages, with every column) runs in its own worker with a
progress bar, and asks before replacing a file.
"""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, ProgressBar, Select, Static
from textual.worker import get_current_worker

from ...domain import Confirmation, Decision, StatutDossier
from ...services.centre_list import NONE, PAGE_SIZE, SORTS, CentreFilters, CentrePage
from ...services.errors import DomainError, TargetExists
from ...services.staff_views import ExportResult, StaffSessionEnded
from ...widgets.safe_input import SafeInput
from ...widgets.confirm import ConfirmModal
from ...widgets.footer import Footer
from ...widgets.table import TextTable
from .common import StaffScreen, compact_button, decision_text, option_label
from .dossiers import DossierReviewScreen

STATUTS = [(s.label, s.value) for s in StatutDossier]
DECISIONS = [("Sans décision", NONE), *((d.label, d.value) for d in Decision)]
REPONSES = [("Sans réponse", NONE), *((c.label, c.value) for c in Confirmation)]
SORT_OPTIONS = [(f"{label} {'↓' if desc else '↑'}", f"{key}:{'desc' if desc else 'asc'}")
                for key, (label, _, _) in SORTS.items() for desc in (False, True)]


class CentreCandidaturesScreen(StaffScreen):
    page_size = PAGE_SIZE
    AUTO_FOCUS = "#staff-centre-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(">", "page(1)", "Suivante", id="staff-centre-next", tooltip="Page suivante"),
        Binding("<", "page(-1)", "Précédente", id="staff-centre-previous", tooltip="Page précédente"),
    ]

    def __init__(self, centre_code: str, formation_code: str | None = None) -> None:
        super().__init__()
        self.centre_code = centre_code
        self.formation_code = formation_code
        self.page_offset = 0  # not `offset`: a Widget's position
        self.page_total = 0
        self.asked_overwrite = False

    def compose(self) -> ComposeResult:
        yield Static("eCandidat — console du personnel", id="app-title")
        yield self.staff_header()
        yield Static(f"Candidatures du centre {self.centre_code}", classes="screen-title", markup=False)
        with Horizontal(classes="staff-filters", id="staff-centre-filters"):
            yield Select([], id="staff-centre-formation", prompt="Formation", compact=True)
            yield Select(STATUTS, id="staff-centre-statut", prompt="Statut", compact=True)
            yield Select(DECISIONS, id="staff-centre-decision", prompt="Décision", compact=True)
            yield Select(REPONSES, id="staff-centre-reponse", prompt="Réponse", compact=True)
            yield Select(SORT_OPTIONS, id="staff-centre-sort", value="nom:asc", allow_blank=False, compact=True)
        yield Static("Chargement…", id="staff-centre-status")
        table = TextTable(id="staff-centre-table", cursor_type="row", zebra_stripes=True)
        for label, width in (("Login", 8), ("Nom", 14), ("Formation", 10), ("Statut", 11), ("Décision", 12),
                             ("Réponse", 11)):
            table.add_column(label, width=width)
        yield table
        with Horizontal(classes="staff-buttons"):
            yield SafeInput(id="staff-centre-export-path", value=str(self.app.settings.home or "."), compact=True,
                        placeholder="Fichier ou dossier de l'export")
            yield compact_button("CSV", id="staff-centre-export-csv", variant="primary")
            yield compact_button("Excel", id="staff-centre-export-xlsx", variant="primary")
        yield Static("", id="staff-centre-export-path-error", classes="field-error")
        yield ProgressBar(id="staff-centre-progress", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#staff-centre-progress").display = False
        self.load_formations()
        self.reload()

    def on_screen_resume(self) -> None:
        if self.asked_overwrite:  # back from "replace the file?": nothing changed
            self.asked_overwrite = False
            return
        self.load_page()

    # ------------------------------------------------------------ filters

    def filters(self) -> CentreFilters:
        def value(selector: str) -> str | None:
            chosen = self.query_one(selector, Select).value
            return None if chosen is Select.NULL else str(chosen)

        sort, _, order = (value("#staff-centre-sort") or "nom:asc").partition(":")
        return CentreFilters(formation_code=value("#staff-centre-formation") or self.formation_code,
                             statut=value("#staff-centre-statut"), decision=value("#staff-centre-decision"),
                             reponse=value("#staff-centre-reponse"), sort=sort, descending=order == "desc")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "staff-centre-formation":
            self.formation_code = None  # the Select says it now (blank: every formation)
        self.reload()

    def reload(self) -> None:
        self.page_offset = 0
        self.load_page()

    def action_page(self, step: int) -> None:
        offset = self.page_offset + step * self.page_size
        if 0 <= offset < self.page_total:
            self.page_offset = offset
            self.load_page()

    # ------------------------------------------------------------ workers

    @work(thread=True, exclusive=True, group="staff-centre-formations", exit_on_error=False)
    def load_formations(self) -> None:
        try:
            formations = self.app.services.centre_list.formations(self.app.principal, self.centre_code)
        except DomainError as exc:
            self.app.call_from_thread(self.refused, exc)
            return
        self.app.call_from_thread(self.show_formations, formations)

    def show_formations(self, formations: list[tuple[str, str]]) -> None:
        select = self.query_one("#staff-centre-formation", Select)
        with self.prevent(Select.Changed):
            select.set_options([(option_label(f"{code} — {titre}"), code) for code, titre in formations])
            if self.formation_code:
                select.value = self.formation_code

    @work(thread=True, exclusive=True, group="staff-centre-page", exit_on_error=False)
    def load_page(self) -> None:
        worker = get_current_worker()
        filters, offset = self.filters(), self.page_offset
        try:
            page = self.app.services.centre_list.page(self.app.principal, self.centre_code, filters, offset,
                                                      self.page_size)
        except DomainError as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self.refused, exc)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_page, page)

    def show_page(self, page: CentrePage) -> None:
        self.page_total = page.total
        table = self.query_one("#staff-centre-table", DataTable)
        table.clear()
        for r in page.rows:
            table.add_row(r.login, f"{r.nom} {r.prenom}", r.formation_code, r.statut.label,
                          decision_text(r.decision, r.decision_rang, r.decision_validated),
                          r.reponse.label if r.reponse else "—",
                          key=str(r.candidature_id))
        if page.total:
            last = page.offset + len(page.rows)
            status = (f"{page.offset + 1}–{last} sur {page.total} candidature(s). "
                      "« > » / « < » : page suivante / précédente.")
        else:
            status = "Aucune candidature."
        self.query_one("#staff-centre-status", Static).update(status)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.app.push_screen(DossierReviewScreen(int(str(event.row_key.value))))

    # ------------------------------------------------------------- export

    def on_button_pressed(self, event) -> None:
        if event.button.id in ("staff-centre-export-csv", "staff-centre-export-xlsx"):
            event.stop()
            self.export(event.button.id.rsplit("-", 1)[1])

    def export(self, fmt: str, overwrite: bool = False) -> None:
        self.clear_errors()
        bar = self.query_one("#staff-centre-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.run_export(fmt, self.query_one("#staff-centre-export-path", Input).value, self.filters(), overwrite)

    @work(thread=True, exclusive=True, group="staff-centre-export", exit_on_error=False)
    def run_export(self, fmt: str, path: str, filters: CentreFilters, overwrite: bool) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self.query_one("#staff-centre-progress", ProgressBar).update,
                                      total=max(total, 1), progress=done)

        try:
            result = self.app.services.centre_list.export(self.app.principal, self.centre_code, path, fmt, filters,
                                                          overwrite=overwrite, progress=progress)
        except TargetExists as exc:
            self.app.call_from_thread(self.ask_overwrite, exc, fmt)
            return
        except DomainError as exc:
            self.app.call_from_thread(self.export_failed, exc)
            return
        self.app.call_from_thread(self.exported, result)

    def ask_overwrite(self, exc: TargetExists, fmt: str) -> None:
        self.query_one("#staff-centre-progress").display = False
        self.asked_overwrite = True
        self.app.push_screen(ConfirmModal(f"{exc.message} Le remplacer par cet export ?", title="Fichier existant",
                                          yes="Remplacer", no="Annuler"),
                             lambda yes: self.export(fmt, overwrite=True) if yes else None)

    def export_failed(self, exc: DomainError) -> None:
        self.query_one("#staff-centre-progress").display = False
        self.refused(exc, "staff-centre-export-path")

    def refused(self, exc: DomainError, field: str | None = None) -> None:
        if isinstance(exc, StaffSessionEnded):  # disabled since logging in: back to the login screen
            self.app.end_session(exc.message)
        else:
            self.show_error(exc, field)

    def exported(self, result: ExportResult) -> None:
        self.query_one("#staff-centre-status", Static).update(
            f"{result.rows} candidature(s) exportée(s) dans {result.path}")
        self.notify(f"Export enregistré : {result.path}")
