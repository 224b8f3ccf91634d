"""Récapitulatif de votre candidature: dates, contact, the pièces grid, transmission.

Every change goes through a thread worker calling services.pieces or
services.candidatures, then the recap is read again, so what the screen
shows (and the version it will send) is always what the store holds.
"""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, DataTable, LoadingIndicator, Static
from textual.worker import WorkerState

from ..display import safe_text
from ..services.candidatures import PieceRow, Recap
from ..services.errors import ConcurrentEdit, DomainError, TargetExists
from ..text import format_date
from ..widgets.confirm import ConfirmModal
from ..widgets.footer import Footer
from ..widgets.header import NavHeader
from ..widgets.table import TextTable
from .file_picker import DownloadDialog, PieceFileDialog
from .recap_pieces import PIECE_COLUMNS, PiecePreviewModal, _short, piece_column_widths

NON_CONCERNE_TEXT = "Si vous n'êtes pas concerné par cette pièce, cliquez ici"
CONCERNE_TEXT = "Je suis finalement concerné par cette pièce"
BUSY_DELAY = 0.15  # seconds of work before the busy indicator shows
FIRST_READ_WAIT = 0.1  # seconds the first layout waits for the recap


class RecapScreen(Screen[bool]):
    """Dismisses True when the candidature changed (created, transmitted, cancelled…)."""

    TITLE = "Récapitulatif de votre candidature"
    # Focused as the screen mounts; focus() from on_mount came after Textual had
    # focused the first button of the header: two more restyles (~1 ms).
    AUTO_FOCUS = "#pieces-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Fermer", id="recap-close", tooltip="Revenir à mes candidatures"),
        Binding("a", "piece_add", "Ajouter un fichier", id="piece-add",
                tooltip="Ajouter ou remplacer le fichier de la pièce choisie"),
        Binding("s", "piece_remove", "Supprimer", id="piece-remove", tooltip="Supprimer le fichier"),
        Binding("o", "piece_preview", "Aperçu", id="piece-preview", tooltip="Voir le fichier"),
        Binding("n", "piece_non_concerne", "Non concerné", id="piece-non-concerne",
                tooltip="Pièce conditionnelle : déclarer ne pas être concerné"),
        Binding("t", "transmit", "Transmettre", id="recap-transmit", tooltip="Transmettre ma candidature"),
    ]

    def __init__(self, candidature_id: int) -> None:
        super().__init__(id="recap-screen")
        self.candidature_id = candidature_id
        self.recap: Recap | None = None
        self.changed = False
        self._busy_timer: Timer | None = None
        self._column_widths: tuple[int, ...] = ()  # of the pièces grid, as filled
        self._mounted = False        # on_mount has run: a read can be shown
        self._early: tuple | None = None  # a read that came back before that

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        # The store is read while the widgets are built and styled (~15 ms), not after.
        self._first_read = self.load()
        yield NavHeader()
        yield Static("Récapitulatif de votre candidature", classes="screen-title", id="recap-title")
        with VerticalScroll(id="recap-body"):
            yield Static("Informations détaillées", classes="panel-title")
            yield Static("", id="recap-informations", markup=False)
            yield Static("Dates utiles", classes="panel-title")
            yield Static("", id="recap-limite", classes="recap-limite", markup=False)
            yield Static("", id="recap-dates", markup=False)
            yield Static("Adresse de contact", classes="panel-title")
            yield Static("", id="recap-contact", markup=False)
            yield Static("Pièces justificatives", classes="panel-title")
            table = TextTable(id="pieces-table", cursor_type="row", zebra_stripes=True)
            yield table
            yield Static("", id="piece-detail", markup=False)
            with Horizontal(classes="button-row", id="piece-actions"):
                yield Button("Fichier [+]", id="piece-add", disabled=True)
                yield Button("Supprimer", id="piece-remove", disabled=True)
                yield Button("Aperçu", id="piece-preview", disabled=True)
            yield Button(NON_CONCERNE_TEXT, id="piece-non-concerne", disabled=True)
        # Always on screen, even at 80x24: the dossier's own actions.
        # The busy indicator (#recap-busy) and the decision row (#recap-decision-actions)
        # are mounted here only when first needed: most reads take a few milliseconds,
        # and most dossiers have no decision to answer.
        with Vertical(id="recap-bottom"):
            yield Static("", id="recap-transmit-reason", classes="field-error", markup=False)
            with Grid(id="recap-buttons"):
                yield Button("Fermer", id="recap-close", compact=True)
                yield Button("Annuler la candidature", id="recap-cancel", variant="error", disabled=True,
                             compact=True)
                yield Button("Transmettre ma candidature", id="recap-transmit", disabled=True, compact=True)
                yield Button("Télécharger mon dossier", id="recap-download", compact=True)
        yield Footer()

    def on_resize(self) -> None:
        self._fit_buttons()
        if self.recap is not None and piece_column_widths(self.size.width) != self._column_widths:
            self._fill_pieces(self.recap)

    def _fit_buttons(self) -> None:
        """The dossier actions in 2x2 below 110 columns, in one row above.

        Set on the grid itself, not as a class of the screen: a screen class
        restyles every widget of the screen (and the app's own breakpoints
        remove and re-add the screen's `-narrow` on each resize).
        """
        columns = 2 if self.size.width < 110 else 4
        grid = self.query_one("#recap-buttons", Grid)
        if grid.styles.grid_size_columns != columns:
            grid.styles.grid_size_columns = columns

    async def on_mount(self) -> None:
        self._fit_buttons()
        self._fit_columns(self.query_one("#pieces-table", TextTable))  # the header, even before the read
        self._busy(True)
        # The read started in compose() takes a few milliseconds. Waiting for it here
        # (the event loop stays free; only this screen's first layout waits) lays the
        # screen out once, with its data, instead of once empty and again filled; and
        # the worker thread is not slowed by competing with that first layout for the GIL.
        worker = self._first_read
        deadline = time.monotonic() + FIRST_READ_WAIT
        while (self._early is None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
               and time.monotonic() < deadline):
            await asyncio.sleep(0.001)
        self._mounted = True
        if self._early is not None:
            callback, arg = self._early
            self._early = None
            callback(arg)

    # ----------------------------------------------------------- loading

    @property
    def account_id(self) -> int:
        return self.app.candidate.account_id

    def _busy(self, busy: bool) -> None:
        """Show the busy indicator only if the work lasts longer than BUSY_DELAY.

        A spinner that appears for the 2 ms of a read only costs redraws (its
        animation repaints the screen while it is shown).
        """
        if self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None
        if busy:
            self._busy_timer = self.set_timer(BUSY_DELAY, self._show_busy)
        else:
            for indicator in self.query("#recap-busy"):
                indicator.display = False

    def _show_busy(self) -> None:
        self._busy_timer = None
        found = self.query("#recap-busy")
        if found:
            found.first().display = True
        else:
            self.query_one("#recap-bottom").mount(LoadingIndicator(id="recap-busy"), before=0)

    def _decision_actions(self, shown: bool) -> None:
        found = self.query("#recap-decision-actions")
        if found:
            found.first().display = shown
        elif shown:
            self.query_one("#recap-bottom").mount(
                Horizontal(
                    Button("Confirmer mon inscription", id="recap-confirm", variant="success", compact=True),
                    Button("Me désister", id="recap-withdraw", variant="error", compact=True),
                    id="recap-decision-actions"),
                before=self.query_one("#recap-buttons"))

    def _letter_button(self, shown: bool) -> None:
        """"Télécharger le courrier", among the dossier actions once a validated decision has its letter."""
        found = self.query("#recap-letter")
        if found:
            found.first().display = shown
        elif shown:
            self.query_one("#recap-buttons", Grid).mount(
                Button("Télécharger le courrier", id="recap-letter", variant="primary", compact=True))

    @work(thread=True, exclusive=True, group="recap", exit_on_error=False)
    def load(self) -> None:
        try:
            recap = self.app.services.candidatures.recap(self.account_id, self.candidature_id)
        except DomainError as exc:
            self.app.call_from_thread(self._when_mounted, self._refused, exc)
            return
        self.app.call_from_thread(self._when_mounted, self.show, recap)

    def _when_mounted(self, callback, arg) -> None:
        # The first read starts in compose(): what it brings waits for on_mount.
        if self._mounted:
            callback(arg)
        else:
            self._early = (callback, arg)

    def show(self, recap: Recap) -> None:
        # One repaint for the texts, the 20-odd rows and the buttons, not one per change.
        with self.app.batch_update():
            self._show(recap)

    def _show(self, recap: Recap) -> None:
        first_show = self.recap is None
        self.recap = recap
        self._busy(False)
        info = (f"Formation : {recap.formation_titre} ({recap.formation_code}) — {recap.centre_libelle}\n"
                f"Statut du dossier : {recap.statut_label} · Décision : {recap.decision_label}")
        if recap.decision_commentaire:
            info += f" — {recap.decision_commentaire}"
        if recap.confirmation_label:
            info += f" · Votre réponse : {recap.confirmation_label}"
        if recap.commentaire:
            info += f"\nCommentaire : {recap.commentaire}"
        if recap.decision and not recap.has_letter:
            info += "\nCourrier : aucun (décision validée avant la mise en place des courriers)."
        self.query_one("#recap-informations", Static).update(safe_text(info, multiline=True))
        self.query_one("#recap-limite", Static).update(
            f"Date limite de retour : {format_date(recap.date_limite_retour)} ({recap.days_left_label})")
        self.query_one("#recap-limite").set_class(recap.days_left < 0, "recap-limite-passee")
        dates = [f"{label} : {format_date(value)}" for label, value in (
            ("Jury", recap.date_jury), ("Publication", recap.date_publication),
            ("Confirmation", recap.date_confirmation)) if value]
        self.query_one("#recap-dates", Static).update(" · ".join(dates))
        first = " — ".join(p for p in (recap.commission_libelle, recap.contact_adresse) if p)
        second = " · ".join(p for p in (recap.contact_telephone and f"Tél. : {recap.contact_telephone}",
                                        recap.contact_mail and f"Mail : {recap.contact_mail}") if p)
        contact = "\n".join(p for p in (first, second) if p)
        self.query_one("#recap-contact", Static).update(safe_text(contact, multiline=True))

        self._fill_pieces(recap)
        if first_show:
            # It opens at its top ("Informations détaillées"), even once the grid has the focus.
            self.call_after_refresh(self.query_one("#recap-body", VerticalScroll).scroll_home, animate=False)

        transmit = self.query_one("#recap-transmit", Button)
        transmit.disabled = not recap.can_transmit
        transmit.variant = "success" if recap.can_transmit else "default"
        reason = self.query_one("#recap-transmit-reason", Static)
        reason.update("" if recap.can_transmit else (recap.transmit_reason or ""))
        self.query_one("#recap-cancel", Button).disabled = not recap.can_cancel
        self._decision_actions(recap.can_confirm)
        self._letter_button(recap.has_letter)
        self._piece_buttons()

    def _fit_columns(self, table: TextTable) -> tuple[int, ...]:
        """The grid's columns for the screen's width; emptied of its rows."""
        widths = piece_column_widths(self.size.width or self.app.size.width)
        if widths != self._column_widths:
            table.clear(columns=True)
            for label, width in zip(PIECE_COLUMNS, widths, strict=False):  # narrow: no comment column
                table.add_column(label, key=label, width=width)
            self._column_widths = widths
        else:
            table.clear()
        return widths

    def _fill_pieces(self, recap: Recap) -> TextTable:
        """The pièces grid, one row per piece, its columns fitted to the screen's width."""
        table = self.query_one("#pieces-table", TextTable)
        row_index = table.cursor_row if table.row_count else 0
        widths = self._fit_columns(table)
        for piece in recap.pieces:
            conditional = ""
            if piece.conditional:
                conditional = "☑ Non concerné" if piece.statut_label == "Non concerné" else "☐ cliquez ici (n)"
            cells = [_short(piece.libelle, widths[0]), _short(piece.file_name, widths[1]) if piece.file_name else "[+]",
                     piece.statut_label, conditional]
            if len(widths) == len(PIECE_COLUMNS):
                cells.append(_short(piece.commentaire, widths[4]))
            table.add_row(*cells, key=str(piece.submission_id))
        table.measure_rows()  # drawn in this frame, not one later
        if recap.pieces:
            table.move_cursor(row=min(row_index, len(recap.pieces) - 1))
        return table

    def _refused(self, exc: DomainError) -> None:
        self._busy(False)
        self.notify(exc.message, severity="error", timeout=8)
        if isinstance(exc, ConcurrentEdit):
            self._busy(True)
            self.load()

    # ----------------------------------------------------------- pieces

    @property
    def selected(self) -> PieceRow | None:
        if self.recap is None or not self.recap.pieces:
            return None
        table = self.query_one("#pieces-table", DataTable)
        index = table.cursor_row
        if 0 <= index < len(self.recap.pieces):
            return self.recap.pieces[index]
        return None

    @on(DataTable.RowHighlighted, "#pieces-table")
    def _piece_buttons(self) -> None:
        piece = self.selected
        add = self.query_one("#piece-add", Button)
        remove = self.query_one("#piece-remove", Button)
        preview = self.query_one("#piece-preview", Button)
        toggle = self.query_one("#piece-non-concerne", Button)
        detail = self.query_one("#piece-detail", Static)
        if piece is None:
            for b in (add, remove, preview, toggle):
                b.disabled = True
            detail.update("")
            return
        label = "Remplacer le fichier" if piece.file_name else "Fichier [+]"
        if str(add.label) != label:
            add.label = label
            add.refresh(layout=True)  # a Button's width follows its label only on a new layout
        add.disabled = not piece.can_attach
        remove.disabled = not piece.can_remove
        preview.disabled = not piece.can_preview
        toggle.display = piece.conditional
        toggle.disabled = not piece.can_toggle_non_concerne
        toggle.label = CONCERNE_TEXT if piece.statut_label == "Non concerné" else NON_CONCERNE_TEXT
        lines = [piece.libelle]
        if piece.commentaire:
            lines.append(f"Commentaire : {piece.commentaire}")
        if piece.shared:
            lines.append("Pièce commune à toutes vos candidatures.")
        if piece.lock_reason:
            lines.append(piece.lock_reason)
        detail.update(safe_text("\n".join(lines), multiline=True))

    def _guard(self, allowed: bool, piece: PieceRow | None) -> bool:
        if piece is None:
            return False
        if not allowed:
            self.notify(piece.lock_reason or "Action impossible pour cette pièce.", severity="warning")
            return False
        return True

    @on(Button.Pressed, "#piece-add")
    def action_piece_add(self) -> None:
        piece = self.selected
        if not self._guard(bool(piece and piece.can_attach), piece):
            return
        roots = list(self.app.settings.effective_upload_roots())

        def attach(path: str) -> str | None:
            """Run by the dialog in a thread worker: None once attached, else the refusal to show."""
            try:
                result = self.app.services.pieces.attach_file(self.account_id, piece.submission_id, path,
                                                              piece.version)
            except ConcurrentEdit as exc:  # not the file's fault: the dialog closes, the recap reloads
                self.app.call_from_thread(self._refused, exc)
                return None
            except DomainError as exc:
                return exc.message
            message = f"Fichier « {result.file_name} » ajouté."
            if result.shared_count:
                message += f" Il sert aussi à {result.shared_count} autre(s) candidature(s)."
            self.changed = True
            self.app.call_from_thread(self.notify, message)
            return None

        def closed(path: str | None) -> None:
            if path:
                self._busy(True)
                self.load()

        self.app.push_screen(PieceFileDialog(piece.libelle, roots, attach, replacing=bool(piece.file_name)), closed)

    @on(Button.Pressed, "#piece-remove")
    def action_piece_remove(self) -> None:
        piece = self.selected
        if not self._guard(bool(piece and piece.can_remove), piece):
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._busy(True)
                self._piece_call("remove_file", piece)

        self.app.push_screen(ConfirmModal(f"Supprimer le fichier « {piece.file_name} » de cette pièce ?"), answered)

    @on(Button.Pressed, "#piece-non-concerne")
    def action_piece_non_concerne(self) -> None:
        piece = self.selected
        if piece is None or not piece.conditional:
            return
        if not self._guard(piece.can_toggle_non_concerne, piece):
            return
        if piece.statut_label == "Non concerné":
            self._busy(True)
            self._piece_call("set_non_concerne", piece, False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._busy(True)
                self._piece_call("set_non_concerne", piece, True)

        self.app.push_screen(ConfirmModal(
            f"Je déclare sur l'honneur ne pas être concerné par la pièce « {_short(piece.libelle, 120)} ».",
            title="Déclaration sur l'honneur", yes="Je le déclare", no="Annuler"), answered)

    @work(thread=True, exclusive=True, group="recap", exit_on_error=False)
    def _piece_call(self, method: str, piece: PieceRow, *args) -> None:
        try:
            getattr(self.app.services.pieces, method)(self.account_id, piece.submission_id, piece.version, *args)
        except DomainError as exc:
            self.app.call_from_thread(self._refused, exc)
            return
        self.changed = True
        self.load()

    @on(Button.Pressed, "#piece-preview")
    def action_piece_preview(self) -> None:
        piece = self.selected
        if piece is None or not piece.can_preview:
            return
        self.preview(piece)

    @work(thread=True, exclusive=True, group="recap", exit_on_error=False)
    def preview(self, piece: PieceRow) -> None:
        try:
            facts = self.app.services.pieces.preview(self.account_id, piece.submission_id)
        except DomainError as exc:
            self.app.call_from_thread(self._refused, exc)
            return
        self.app.call_from_thread(self.app.push_screen, PiecePreviewModal(piece.libelle, facts))

    # ------------------------------------------------------ candidature

    @on(Button.Pressed, "#recap-close")
    def action_close(self) -> None:
        self.dismiss(self.changed)

    @on(Button.Pressed, "#recap-transmit")
    def action_transmit(self) -> None:
        recap = self.recap
        if recap is None:
            return
        if not recap.can_transmit:
            self.notify(recap.transmit_reason or "Transmission impossible.", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._busy(True)
                self._transmit(recap.version)

        self.app.push_screen(ConfirmModal(
            "Attention : une fois votre candidature transmise, vous ne pourrez plus la modifier "
            "(sauf si la commission la déclare incomplète). Voulez-vous transmettre votre candidature ?",
            title="Transmettre ma candidature", yes="Transmettre", yes_variant="success"), answered)

    @work(thread=True, exclusive=True, group="recap", exit_on_error=False)
    def _transmit(self, version: int) -> None:
        try:
            recap = self.app.services.candidatures.transmit_candidature(self.account_id, self.candidature_id, version)
        except DomainError as exc:
            self.app.call_from_thread(self._refused, exc)
            return
        self.changed = True
        self.app.call_from_thread(self.notify, "Votre candidature a été transmise : statut Réceptionné. "
                                  "Un courriel de confirmation vous a été envoyé.")
        self.app.call_from_thread(self.show, recap)

    @on(Button.Pressed, "#recap-cancel")
    def _cancel(self) -> None:
        recap = self.recap
        if recap is None or not recap.can_cancel:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._busy(True)
                self._cancel_worker(recap.version)

        self.app.push_screen(ConfirmModal(
            f"Annuler votre candidature à « {recap.formation_titre} » ? Cette action est irréversible : "
            "les fichiers propres à cette candidature seront supprimés.",
            title="Annuler la candidature", yes="Annuler la candidature", no="Ne pas annuler",
            yes_variant="error"), answered)

    @work(thread=True, exclusive=True, group="recap", exit_on_error=False)
    def _cancel_worker(self, version: int) -> None:
        try:
            self.app.services.candidatures.cancel_candidature(self.account_id, self.candidature_id, version)
        except DomainError as exc:
            self.app.call_from_thread(self._refused, exc)
            return
        self.app.call_from_thread(self.notify, "Votre candidature a été annulée.")
        self.app.call_from_thread(self.dismiss, True)

    @on(Button.Pressed, "#recap-confirm")
    def _confirm(self) -> None:
        self._answer("confirm_candidature", "Confirmez-vous votre inscription à cette formation ?")

    @on(Button.Pressed, "#recap-withdraw")
    def _withdraw(self) -> None:
        self._answer("withdraw_candidature", "Voulez-vous vous désister de cette formation ? C'est définitif.")

    def _answer(self, method: str, question: str) -> None:
        recap = self.recap
        if recap is None or not recap.can_confirm:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._busy(True)
                self._answer_worker(method, recap.version)

        self.app.push_screen(ConfirmModal(question), answered)

    @work(thread=True, exclusive=True, group="recap", exit_on_error=False)
    def _answer_worker(self, method: str, version: int) -> None:
        try:
            recap = getattr(self.app.services.candidatures, method)(self.account_id, self.candidature_id, version)
        except DomainError as exc:
            self.app.call_from_thread(self._refused, exc)
            return
        self.changed = True
        self.app.call_from_thread(self.notify, f"Réponse enregistrée : {recap.confirmation_label}.")
        self.app.call_from_thread(self.show, recap)

    # ---------------------------------------------------------- download

    @on(Button.Pressed, "#recap-download")
    def _download(self) -> None:
        recap = self.recap
        if recap is None:
            return
        from ..services.dossier_pdf import dossier_file_name

        name = dossier_file_name(recap.login, recap.nom, recap.prenom, recap.formation_code)
        settings = self.app.settings
        roots = list(settings.effective_upload_roots())

        def chosen(answer: tuple[str, str] | None) -> None:
            if answer:
                self._busy(True)
                self._download_worker(*answer)

        self.app.push_screen(DownloadDialog(name, roots, kiosk=settings.kiosk), chosen)

    def _ask_replace(self, exists: TargetExists, folder: str, letter: bool = False) -> None:
        self._busy(False)

        def answered(yes: bool | None) -> None:
            if yes:
                self._busy(True)
                if letter:
                    self._letter_worker(folder, overwrite=True)
                else:
                    self._download_worker("save", folder, overwrite=True)

        self.app.push_screen(ConfirmModal(f"{exists.message} Le remplacer ?", title="Fichier existant",
                                          yes="Remplacer", no="Annuler"), answered)

    @work(thread=True, exclusive=True, group="recap", exit_on_error=False)
    def _download_worker(self, how: str, folder: str, overwrite: bool = False) -> None:
        pdf = self.app.services.dossier_pdf
        try:
            if how == "mail":
                to = pdf.mail_to_candidate(self.account_id, self.candidature_id)
                message = f"Votre dossier vous a été envoyé par courriel ({to})."
            else:
                path = pdf.save_to(self.account_id, self.candidature_id, folder, overwrite=overwrite)
                message = f"Dossier enregistré : {path}"
        except TargetExists as exc:
            self.app.call_from_thread(self._ask_replace, exc, folder)
            return
        except DomainError as exc:
            self.app.call_from_thread(self._refused, exc)
            return
        self.app.call_from_thread(self._busy, False)
        self.app.call_from_thread(self.notify, message, timeout=10)

    @on(Button.Pressed, "#recap-letter")
    def _download_letter(self) -> None:
        recap = self.recap
        if recap is None or not recap.has_letter:
            return
        from ..services.decision_letter import letter_file_name

        name = letter_file_name(recap.login, recap.nom, recap.prenom, recap.formation_code)
        settings = self.app.settings

        def chosen(answer: tuple[str, str] | None) -> None:
            if answer:
                self._busy(True)
                self._letter_worker(answer[1])

        self.app.push_screen(DownloadDialog(name, list(settings.effective_upload_roots()), kiosk=settings.kiosk,
                                            title="Télécharger le courrier", mail=False), chosen)

    @work(thread=True, exclusive=True, group="recap", exit_on_error=False)
    def _letter_worker(self, folder: str, overwrite: bool = False) -> None:
        try:
            path = self.app.services.decision_letters.save_to(self.account_id, self.candidature_id, folder,
                                                              overwrite=overwrite)
        except TargetExists as exc:
            self.app.call_from_thread(self._ask_replace, exc, folder, True)
            return
        except DomainError as exc:
            self.app.call_from_thread(self._refused, exc)
            return
        self.app.call_from_thread(self._busy, False)
        self.app.call_from_thread(self.notify, f"Courrier enregistré : {path}", timeout=10)


__all__ = ["NON_CONCERNE_TEXT", "PIECE_COLUMNS", "PiecePreviewModal", "RecapScreen", "piece_column_widths"]
