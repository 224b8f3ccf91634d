"""Find a candidate: the table follows what the person types (2 characters minimum)."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Label, Static
from textual.worker import get_current_worker

from ...services.errors import DomainError
from ...services.staff_views import SEARCH_MIN_CHARS, SearchResult, StaffSessionEnded
from ...widgets.safe_input import SafeInput
from ...widgets.footer import Footer
from ...widgets.table import TextTable
from .common import Col, StaffScreen
from .suivi import summary_line


class StaffSearchScreen(StaffScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f", "focus_search", "Rechercher", id="staff-focus-search"),
        Binding("down", "to_results", "Résultats", id="staff-to-results", show=False),
    ]
    COLUMNS = (Col("login", "Login", 8), Col("nom", "Nom"), Col("prenom", "Prénom"), Col("mail", "Adresse mail"),
               Col("ident", "INE / N° étudiant"))

    def compose(self) -> ComposeResult:
        yield Static("eCandidat — console du personnel", id="app-title")
        yield self.staff_header()
        yield Static("", id="staff-pending")
        yield Label("Rechercher un candidat : login, nom, prénom, mail, INE ou numéro étudiant")
        yield SafeInput(id="staff-search", placeholder="Au moins 2 caractères (début ou valeur exacte)")
        yield Static("Saisissez au moins 2 caractères.", id="staff-search-status")
        yield TextTable(id="staff-results", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.fill_table(self.query_one("#staff-results", DataTable), self.COLUMNS, [])
        self.query_one("#staff-search", Input).focus()
        if self.app.principal.role in ("gestionnaire", "admin"):
            self.load_pending()
        else:
            self.query_one("#staff-pending", Static).display = False

    def on_screen_resume(self) -> None:
        if self.app.principal is not None and self.app.principal.role in ("gestionnaire", "admin"):
            self.load_pending()

    @work(thread=True, exclusive=True, group="staff-pending", exit_on_error=False)
    def load_pending(self) -> None:
        """The centres' totals, as the home screen's first line (F7 gives them per formation)."""
        try:
            counts = self.app.services.staff.pending_counts(self.app.principal).total
        except StaffSessionEnded as exc:
            self.app.call_from_thread(self.app.end_session, exc.message)
            return
        except DomainError:
            return  # the line is a convenience: a refusal leaves it empty
        self.app.call_from_thread(self.query_one("#staff-pending", Static).update,
                                  summary_line(counts) + " — F7 : suivi par formation")

    def action_focus_search(self) -> None:
        self.query_one("#staff-search", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "to_results":  # ↓ leaves the search box for the results; elsewhere it moves as usual
            return self.query_one("#staff-search", Input).has_focus
        return super().check_action(action, parameters)

    def action_to_results(self) -> None:
        table = self.query_one("#staff-results", DataTable)
        if table.row_count:
            table.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "staff-search":
            return
        text = event.value.strip()
        if len(text) < SEARCH_MIN_CHARS:
            self.workers.cancel_group(self, "staff-search")
            self.fill_table(self.query_one("#staff-results", DataTable), self.COLUMNS, [])
            self.query_one("#staff-search-status", Static).update(
                f"Saisissez au moins {SEARCH_MIN_CHARS} caractères.")
            return
        self.run_search(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "staff-search":
            event.stop()
            table = self.query_one("#staff-results", DataTable)
            if table.row_count:
                table.focus()

    @work(thread=True, exclusive=True, group="staff-search", exit_on_error=False)
    def run_search(self, text: str) -> None:
        worker = get_current_worker()
        try:
            result = self.app.services.staff.search_candidates(self.app.principal, text)
        except StaffSessionEnded as exc:
            self.app.call_from_thread(self.app.end_session, exc.message)
            return
        except DomainError as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self.query_one("#staff-search-status", Static).update, exc.message)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_results, text, result)

    def show_results(self, text: str, result: SearchResult) -> None:
        if self.query_one("#staff-search", Input).value.strip() != text:
            return  # the person typed on: a newer search is on its way
        table = self.query_one("#staff-results", DataTable)
        self.fill_table(table, self.COLUMNS, (
            (hit.login, {"login": hit.login, "nom": hit.nom, "prenom": hit.prenom, "mail": hit.mail,
                         "ident": " / ".join(v for v in (hit.ine, hit.numero_etudiant) if v) or "—"})
            for hit in result.hits))
        count = len(result.hits)
        status = "Aucun candidat trouvé." if not count else f"{count} candidat(s)."
        if result.truncated:
            status = f"Les {count} premiers résultats : précisez la recherche."
        self.query_one("#staff-search-status", Static).update(status)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "staff-results":
            return
        event.stop()
        self.open_candidate(str(event.row_key.value))

    def open_candidate(self, login: str) -> None:
        if self.app.principal.role == "gestionnaire":
            from .dossiers import CandidaturesScreen

            self.app.push_screen(CandidaturesScreen(login))
        else:
            from .candidate import CandidateAdminScreen

            self.app.push_screen(CandidateAdminScreen(login))
