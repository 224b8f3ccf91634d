"""Choosing a file for a pièce justificative, and a folder for the dossier PDF.

`PieceFileDialog` is what `Fichier [+]` opens: the allowed folders, a path
the candidate may type, and `Parcourir…`, which opens textual-fspicker's
`FileOpen` held inside the upload roots (`RootedFileOpen`). The picker may
still be steered elsewhere (a typed `..`, a symlink): the service checks
the root again, so this is comfort, not the guard. The dialog attaches the
file itself (through the function it is given): a refused file leaves it
open with the message and what was typed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static
from textual_fspicker import FileOpen, Filters, SelectDirectory
from textual_fspicker.parts import DirectoryNavigation

from ..widgets.safe_input import SafeInput
from ..display import is_safe


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def within_roots(path: Path, roots: list[Path]) -> bool:
    real = _real(path)
    return any(real == _real(r) or _real(r) in real.parents for r in roots)


def existing_roots(roots: list[Path]) -> list[Path]:
    return [r for r in roots if r.is_dir()]


def _keep_inside(dialog) -> None:
    """Bring a fspicker dialog's navigation back inside its roots."""
    nav = dialog.query_one(DirectoryNavigation)
    if within_roots(nav.location, dialog._roots):
        dialog._last_good = nav.location
    else:
        nav.location = dialog._last_good
        dialog._set_error("Dossier non autorisé")


class RootedNavigation(DirectoryNavigation):
    """fspicker's folder list, without a `..` entry in an upload root (it led nowhere)."""

    def __init__(self, location: Path, roots: list[Path]) -> None:
        super().__init__(location)
        self._root_folders = {_real(r) for r in roots}

    @property
    def is_root(self) -> bool:
        return super().is_root or _real(self.location) in self._root_folders


class RootedFileOpen(FileOpen):
    """fspicker's FileOpen that starts in, and stays in, the upload roots.

    It starts in `start` (the folder last used) when that is inside them;
    Entrée on a file chooses it. fspicker draws a file's name as is: a name
    holding an escape sequence or a bidi override (a prepared USB key) would
    reach the terminal, so such files are not listed (see docs/security.md)."""

    ERROR_A_FILE_MUST_BE_CHOSEN = "Choisissez un fichier"
    ERROR_A_FILE_MUST_EXIST = "Ce fichier n'existe pas"
    ERROR_PERMISSION_ERROR = "Accès refusé"

    def __init__(self, roots: list[Path], start: Path | None = None) -> None:
        self._roots = list(roots)
        self._start = start if start is not None and start.is_dir() and within_roots(start, roots) else roots[0]
        self._last_good = self._start
        super().__init__(
            self._start, title="Choisir une pièce justificative", open_button="Ouvrir",
            cancel_button="Annuler",
            filters=Filters(("PDF, JPEG, PNG", lambda p: is_safe(p.name)
                             and p.suffix.lower() in (".pdf", ".jpg", ".jpeg", ".png")),
                            ("Tous les fichiers", lambda p: is_safe(p.name))),
        )

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield RootedNavigation(self._start, self._roots) if isinstance(widget, DirectoryNavigation) else widget

    @on(DirectoryNavigation.Changed)
    def _stay_inside(self) -> None:
        _keep_inside(self)

    @on(DirectoryNavigation.Selected)
    def _choose_file(self, event: DirectoryNavigation.Selected) -> None:
        event.prevent_default()  # fspicker's own handler only copies the name into its input
        if self._should_return(event.path):
            self.dismiss(event.path)

    def _should_return(self, candidate: Path) -> bool:
        if not within_roots(candidate, self._roots):
            self._set_error("Fichier en dehors des dossiers autorisés")
            return False
        if not candidate.exists():
            self._set_error("Ce fichier n'existe pas")
            return False
        return True


class RootedSelectDirectory(SelectDirectory):
    def __init__(self, roots: list[Path]) -> None:
        self._roots = list(roots)
        self._last_good = self._roots[0]
        super().__init__(self._roots[0], title="Enregistrer mon dossier dans…",
                         select_button="Choisir", cancel_button="Annuler")

    @on(DirectoryNavigation.Changed)
    def _stay_inside(self) -> None:
        _keep_inside(self)


class PieceFileDialog(ModalScreen[str | None]):
    """Dismisses with the path the candidate chose (typed or browsed), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Annuler", show=False)]

    def __init__(self, piece_libelle: str, roots: list[Path], attach_file: Callable[[str], str | None], *,
                 replacing: bool = False) -> None:
        """`attach_file(path)` runs in a thread worker: None once attached, else why it was refused."""
        super().__init__(id="piece-file-dialog")
        self.piece_libelle = piece_libelle
        self.roots = list(roots)
        self.attach_file = attach_file
        self.replacing = replacing  # the pièce has a file already: this one takes its place

    def compose(self) -> ComposeResult:
        shown = ", ".join(str(r) for r in self.roots) or "(aucun)"
        with Vertical(classes="dialog", id="file-panel"):
            yield Static("Remplacer le fichier" if self.replacing else "Ajouter un fichier", id="file-title",
                         classes="dialog-title")
            yield Static(self.piece_libelle, id="file-piece", markup=False)
            yield Static(f"Formats acceptés : PDF, JPEG, PNG. Dossiers autorisés : {shown}",
                         id="file-help", markup=False)
            yield SafeInput(placeholder="Nom du fichier (dans le premier dossier) ou chemin complet",
                        id="file-path")
            yield Static("", id="file-path-error", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Parcourir…", id="file-browse")
                yield Button("Valider", id="file-ok", variant="primary")
                yield Button("Annuler", id="file-cancel")

    def on_mount(self) -> None:
        self.query_one("#file-path", Input).focus()

    def _error(self, message: str) -> None:
        self.query_one("#file-path-error", Static).update(message)

    @on(Button.Pressed, "#file-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#file-path")
    @on(Button.Pressed, "#file-ok")
    def _submit(self) -> None:
        value = self.query_one("#file-path", Input).value.strip()
        if not value:
            self._error("Indiquez un fichier ou cliquez sur Parcourir…")
            return
        path = Path(value).expanduser()
        roots = existing_roots(self.roots)
        if not path.is_absolute() and roots:
            # A bare name is looked up in the first allowed folder (the USB key).
            path = roots[0] / path
        self._error("")
        self.query_one("#file-ok", Button).disabled = True
        self._attach_file(path)

    @work(thread=True, exclusive=True, group="file-attach", exit_on_error=False)
    def _attach_file(self, path: Path) -> None:
        refusal = self.attach_file(str(path))
        self.app.call_from_thread(self._attached, path, refusal)

    def _attached(self, path: Path, refusal: str | None) -> None:
        if not self.is_attached:
            return
        self.query_one("#file-ok", Button).disabled = False
        if refusal:
            self._error(refusal)  # what was typed stays, to be corrected
            self.query_one("#file-path", Input).focus()
            return
        if within_roots(path.parent, self.roots):
            self.app.last_upload_folder = path.parent
        self.dismiss(str(path))

    @on(Button.Pressed, "#file-browse")
    def _browse(self) -> None:
        roots = existing_roots(self.roots)
        if not roots:
            self._error("Aucun dossier autorisé n'est disponible (branchez une clé USB).")
            return
        self._browse_worker(roots)

    @work(exclusive=True, group="file-browse")
    async def _browse_worker(self, roots: list[Path]) -> None:
        chosen = await self.app.push_screen_wait(RootedFileOpen(roots, self.app.last_upload_folder))
        if chosen is not None:
            self.query_one("#file-path", Input).value = str(chosen)
            self.query_one("#file-ok", Button).focus()


class DownloadDialog(ModalScreen[tuple[str, str] | None]):
    """Télécharger mon dossier (or le courrier): ("save", folder) or ("mail", "") or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Annuler", show=False)]

    def __init__(self, file_name: str, roots: list[Path], *, kiosk: bool, title: str = "Télécharger mon dossier",
                 mail: bool = True) -> None:
        super().__init__(id="download-dialog")
        self.file_name = file_name
        self.roots = list(roots)
        self.kiosk = kiosk
        self.title_text = title
        self.mail = kiosk and mail  # "Recevoir par mail": on a kiosk, for what can be mailed

    def compose(self) -> ComposeResult:
        start = existing_roots(self.roots)
        with Vertical(classes="dialog", id="download-panel"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(f"Fichier : {self.file_name}", id="download-name", markup=False)
            yield SafeInput(str(start[0]) if start else "", placeholder="Dossier où enregistrer le PDF",
                        id="download-folder")
            yield Static("", id="download-folder-error", classes="field-error", markup=False)
            if self.kiosk:
                yield Static("Sur cette borne : enregistrez sur une clé USB, ou recevez le dossier par mail."
                             if self.mail else "Sur cette borne : enregistrez sur une clé USB.", id="download-help")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Parcourir…", id="download-browse")
                yield Button("Enregistrer", id="download-save", variant="primary")
                if self.mail:
                    yield Button("Recevoir par mail", id="download-mail")
                yield Button("Annuler", id="download-cancel")

    def on_mount(self) -> None:
        self.query_one("#download-save", Button).focus()

    @on(Button.Pressed, "#download-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#download-mail")
    def _mail(self) -> None:
        self.dismiss(("mail", ""))

    @on(Input.Submitted, "#download-folder")
    @on(Button.Pressed, "#download-save")
    def _save(self) -> None:
        folder = self.query_one("#download-folder", Input).value.strip()
        if not folder:
            self.query_one("#download-folder-error", Static).update("Indiquez un dossier.")
            return
        self.dismiss(("save", folder))

    @on(Button.Pressed, "#download-browse")
    def _browse(self) -> None:
        roots = existing_roots(self.roots)
        if not roots:
            self.query_one("#download-folder-error", Static).update(
                "Aucun dossier disponible (branchez une clé USB).")
            return
        self._browse_worker(roots)

    @work(exclusive=True, group="download-browse")
    async def _browse_worker(self, roots: list[Path]) -> None:
        chosen = await self.app.push_screen_wait(RootedSelectDirectory(roots))
        if chosen is not None:
            self.query_one("#download-folder", Input).value = str(chosen)


__all__ = ["DownloadDialog", "PieceFileDialog", "RootedFileOpen", "RootedNavigation", "RootedSelectDirectory",
           "within_roots"]
