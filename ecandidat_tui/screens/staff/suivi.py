"""Suivi des dossiers: per formation, the dossiers at each step and the decisions, with centre totals.

Gestionnaires see their centres, administrators all. What is "en attente"
(created, not transmitted) is what the commission has still to expect.
Entrée on a line opens the centre's candidatures (`centre.py`).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from ...domain import Decision, StatutDossier
from ...services.staff_views import DossierCounts, PendingCounts
from ...widgets.footer import Footer
from ...widgets.table import TextTable
from .common import StaffScreen

# Short headers so the eleven columns fit in 80 columns; the legend spells them out.
STATUT_HEADERS = (("Att.", StatutDossier.EN_ATTENTE), ("Réc.", StatutDossier.RECEPTIONNE),
                  ("Cpl.", StatutDossier.COMPLET), ("Inc.", StatutDossier.INCOMPLET))
DECISION_HEADERS = (("Fav.", Decision.FAVORABLE), ("Déf.", Decision.DEFAVORABLE), ("L.A.", Decision.LISTE_ATTENTE),
                    ("L.C.", Decision.LISTE_COMPLEMENTAIRE), ("Pré.", Decision.PRESELECTION))
LEGEND = ("Att. en attente (non transmis) · Réc. réceptionné · Cpl. complet · Inc. incomplet — décisions : "
          "Fav. favorable · Déf. défavorable · L.A. liste d'attente · L.C. liste complémentaire · "
          "Pré. présélection")


def counts_cells(counts: DossierCounts) -> list[str]:
    return ([str(counts.by_statut(statut)) for _, statut in STATUT_HEADERS]
            + [str(counts.decisions.get(decision, 0)) for _, decision in DECISION_HEADERS])


def summary_line(counts: DossierCounts) -> str:
    """One line for the home screen."""
    return (f"Dossiers : {counts.en_attente} en attente de transmission · {counts.receptionne} réceptionné(s) · "
            f"{counts.complet} complet(s) · {counts.incomplet} incomplet(s)")


class SuiviScreen(StaffScreen):
    def compose(self) -> ComposeResult:
        yield Static("eCandidat — console du personnel", id="app-title")
        yield self.staff_header()
        yield Static("Suivi des dossiers", classes="screen-title")
        yield Static("Chargement…", id="staff-suivi-status")
        table = TextTable(id="staff-suivi", cursor_type="row", zebra_stripes=True)
        table.add_columns("Formation", *(h for h, _ in STATUT_HEADERS), *(h for h, _ in DECISION_HEADERS))
        yield table
        yield Static(LEGEND, id="staff-suivi-legend", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.call_staff(lambda staff: staff.pending_counts(self.app.principal), self.show)

    def show(self, report: PendingCounts) -> None:
        table = self.query_one("#staff-suivi", DataTable)
        table.clear()
        for centre, totals in report.centres:
            for f in (f for f in report.formations if f.centre_code == centre):
                table.add_row(f.formation_code, *counts_cells(f.counts), key=f"{centre}/{f.formation_code}")
            table.add_row(f"Total {centre}", *counts_cells(totals), key=f"{centre}/")
        if len(report.centres) > 1:
            table.add_row("Total", *counts_cells(report.total), key="/")
        self.query_one("#staff-suivi-status", Static).update(
            f"{len(report.formations)} formation(s), {report.total.total} candidature(s) ; "
            f"{report.total.en_attente} en attente de transmission.")
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Entrée on a line: every candidature of its centre (of its formation, on a formation's line)."""
        event.stop()
        centre, _, formation = str(event.row_key.value).partition("/")
        if centre:
            from .centre import CentreCandidaturesScreen

            self.app.push_screen(CentreCandidaturesScreen(centre, formation or None))
