"""Restyles that change nothing: counted, not timed (the same count on every machine).

Textual restyles a node (re-applies every CSS rule to it) when its classes or
pseudo-classes change. Three restyles it used to do cost a noticeable part of
a kiosk's start-up and of the footer's redraw, and change nothing on screen;
`app_base.LeanStylingMixin` and `widgets.footer` remove them. The functional
tests check that each screen looks right; this counts the restyles:

- the default screen, on its first resume and its first Resize (breakpoint
  class): 0;
- a new screen's widgets on the screen's first resume: 0;
- the footer's keys, when the footer composes them again: 0.

Each figure is a number of nodes, with its target.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import ClassVar

from .harness import Figure


def _restyles(app) -> list[object]:
    restyled: list[object] = []
    real = app.stylesheet.update_nodes

    def spy(nodes, animate=False):
        nodes = list(nodes)
        restyled.extend(nodes)
        return real(nodes, animate)

    app.stylesheet.update_nodes = spy
    return restyled


async def _screens(home: Path) -> tuple[int, int]:
    from textual.app import ComposeResult
    from textual.screen import Screen
    from textual.widgets import Static

    from ecandidat_tui.testing import make_harness

    class Page(Screen):
        def compose(self) -> ComposeResult:
            yield Static("page", id="page-text")

    harness = make_harness(home)
    try:
        app = harness.app()
        restyled = _restyles(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            default = sum(1 for node in restyled if node is app.screen_stack[0])
            restyled.clear()
            page = Page()
            app.push_screen(page)
            await pilot.pause()
            await pilot.pause()
            text = page.query_one("#page-text", Static)
            new_screen = sum(1 for node in restyled if node is text)
        return default, new_screen
    finally:
        harness.services.close()


async def _footer() -> int:
    from textual.app import App, ComposeResult
    from textual.binding import Binding, BindingType
    from textual.widgets import Input

    from ecandidat_tui.textual_compat import FooterKey
    from ecandidat_tui.widgets.footer import Footer

    class KeysApp(App):
        BINDINGS: ClassVar[list[BindingType]] = [Binding("f5", "send", "Envoyer"), Binding("f6", "other", "Autre")]
        can_send = True

        def compose(self) -> ComposeResult:
            yield Input()
            yield Footer()

        def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
            return (True if self.can_send else None) if action == "send" else True

    app = KeysApp()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        restyled: list[object] = []
        update_styles = app.update_styles

        def spy(node, animate: bool = True) -> None:
            if isinstance(node, FooterKey):
                restyled.append(node)
            update_styles(node, animate)

        app.update_styles = spy  # type: ignore[method-assign]
        app.can_send = False
        app.refresh_bindings()  # the footer composes its keys again, one of them greyed out
        await pilot.pause()
        await pilot.pause()
        return len(restyled)


def run(smoke: bool = False) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        default, new_screen = asyncio.run(_screens(Path(tmp) / "home"))
    footer = asyncio.run(_footer())
    figures = []
    for name, count, note in (
        ("the default screen, first resume and first Resize", default, "LeanStylingMixin"),
        ("a new screen's widgets, on its first resume", new_screen, "LeanStylingMixin"),
        ("the footer's keys, composed again", footer, "widgets.footer"),
    ):
        figure = Figure(f"restyles: {name}", "", [float(count)], target="0", note=f"nodes restyled; {note}")
        figure.ok = count == 0
        figures.append(figure)
    return figures
