"""Assistance: `Consulter la FAQ`, `Catalogue des Formations`, `Boîte à outils`, `Aide`.

The three text pages are Markdown files shipped in `ecandidat_tui/content/`
(`faq.md`, `boite-a-outils.md`, `aide.md`). An institution replaces any of
them by putting a file of the same name in `<config_dir>/content/`. A few
placeholders are filled from the settings: `{{institution}}`,
`{{public_url}}`, `{{upload_max_mo}}`, `{{idle_minutes}}`,
`{{account_validity_days}}`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Markdown, Static

from ..config import Settings
from ..widgets.footer import Footer
from ..widgets.header import NavHeader

PAGES = {
    "faq": "Foire aux questions",
    "boite-a-outils": "Boîte à outils",
    "aide": "Aide",
}


def content_path(name: str, settings: Settings) -> Path | None:
    """The institution's override of a page, when there is one."""
    override = settings.config_dir / "content" / f"{name}.md"
    return override if override.is_file() else None


def load_content(name: str, settings: Settings) -> str:
    """A page's Markdown: the institution's override, else the packaged text."""
    if name not in PAGES:
        raise KeyError(name)
    override = content_path(name, settings)
    if override is not None:
        text = override.read_text(encoding="utf-8")
    else:
        text = resources.files("ecandidat_tui").joinpath("content", f"{name}.md").read_text(encoding="utf-8")
    values = {
        "institution": settings.institution,
        "public_url": settings.public_url,
        "upload_max_mo": f"{settings.upload_max_bytes / (1024 * 1024):g}",
        "idle_minutes": f"{float(settings.idle_timeout_seconds) / 60:g}",
        "account_validity_days": str(settings.account_validity_days),
    }
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


class AssistanceScreen(Screen):
    ENTRIES = (
        ("assistance-faq", "Consulter la FAQ", "Les questions les plus fréquentes des candidats."),
        ("assistance-catalogue", "Catalogue des Formations", "Toutes les formations, leurs dates, leurs modalités."),
        ("assistance-outils", "Boîte à outils", "Formats de fichiers, pièces justificatives, astuces du poste."),
        ("assistance-aide", "Aide", "La procédure pas à pas et qui contacter."),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.mon_compte", "Fermer", id="assistance-close", tooltip="Revenir à l'écran précédent"),
    ]

    def compose(self) -> ComposeResult:
        yield NavHeader()
        with VerticalScroll(id="assistance-body"):
            yield Static("Assistance", classes="screen-title")
            yield Static("Une question ? Un problème technique ? Commencez ici.", id="assistance-intro")
            with Vertical(id="assistance-menu"):
                for button_id, label, help_text in self.ENTRIES:
                    with Horizontal(classes="menu-entry"):
                        yield Button(label, id=button_id)
                        yield Static(help_text, classes="menu-help")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#assistance-faq", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        pages = {"assistance-faq": "faq", "assistance-outils": "boite-a-outils", "assistance-aide": "aide"}
        if event.button.id in pages:
            event.stop()
            self.app.push_screen(ContentScreen(pages[event.button.id]))
        elif event.button.id == "assistance-catalogue":
            event.stop()
            from .catalog import OffreFormationScreen

            self.app.push_screen(OffreFormationScreen(mode="browse"))


class ContentScreen(Screen):
    """One Markdown page of the Assistance."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Fermer", id="content-close", tooltip="Revenir à l'Assistance"),
    ]

    def __init__(self, page: str) -> None:
        super().__init__(id=f"content-{page}")
        self.page = page

    def compose(self) -> ComposeResult:
        yield NavHeader()
        with VerticalScroll(id="content-scroll", can_focus=True):
            yield Static(PAGES[self.page], classes="screen-title", id="content-title")
            yield Markdown(id="content-markdown", open_links=False)
            yield Button("Fermer", id="content-close")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#content-scroll").focus()
        self.query_one("#content-markdown").loading = True
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        text = load_content(self.page, self.app.settings)
        self.app.call_from_thread(self._show, text)

    async def _show(self, text: str) -> None:
        markdown = self.query_one("#content-markdown", Markdown)
        await markdown.update(text)
        markdown.loading = False

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        # No browser at a kiosk or over SSH: show the address to note down.
        event.stop()
        self.notify(event.href, title="Adresse du lien", timeout=15)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "content-close":
            event.stop()
            self.action_close()

    def action_close(self) -> None:
        self.app.pop_screen()
