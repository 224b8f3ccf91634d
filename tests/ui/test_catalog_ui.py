"""Offre de formation screen, driven like a person would."""

from __future__ import annotations

import threading
from datetime import date, datetime, UTC

from textual.widgets import Button, Input, Static, Tree

from ecandidat_tui.screens.catalog import MAX_SHOWN, OffreFormationScreen
from ecandidat_tui.store.demo import generate_catalog
from ecandidat_tui.testing import make_harness, settle, text_of, wait_until
from ecandidat_tui.widgets.confirm import ConfirmModal

TODAY = date(2026, 3, 15)


def _fixed_clock():
    return datetime(TODAY.year, TODAY.month, TODAY.day, 10, 0, tzinfo=UTC)


async def _settle(app, pilot) -> None:
    """Workers done, and the highlighted formation's detail read (it waits for the cursor to rest)."""
    await settle(app, pilot)
    for _ in range(100):
        if not getattr(app.screen, "detail_pending", False):
            break
        await pilot.pause(0.05)
        await app.workers.wait_for_complete()
    await pilot.pause()
    assert not getattr(app.screen, "detail_pending", False)


def _tree(app) -> Tree:
    return app.screen.query_one("#catalog-tree", Tree)


def _shown_formations(app) -> list:
    return [leaf.data for centre in _tree(app).root.children for leaf in centre.children
            if leaf.data is not None]


async def _open(app, pilot, mode: str = "browse", results: list | None = None) -> None:
    await pilot.pause()
    app.push_screen(OffreFormationScreen(mode=mode), results.append if results is not None else None)
    await _settle(app, pilot)
    assert isinstance(app.screen, OffreFormationScreen)


async def test_browse_lists_centres_and_filters_as_one_types(ecandidat):
    catalog = ecandidat.services.catalog.catalog_tree()
    app = ecandidat.app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f4")  # the header destination, as from Assistance
        await _settle(app, pilot)
        assert isinstance(app.screen, OffreFormationScreen)
        assert text_of(app, "#catalog-title") == "Offre de formation"
        assert not app.screen.query("#catalog-apply")
        tree = _tree(app)
        assert [n.data.libelle for n in tree.root.children] == [c.libelle for c in catalog.centres]
        assert all(not n.is_expanded for n in tree.root.children)
        assert f"{catalog.formation_count} formations" in text_of(app, "#catalog-count")

        await pilot.click("#catalog-filter")
        await pilot.press(*"ECONOMIE")
        await _settle(app, pilot)
        shown = _shown_formations(app)
        assert shown and len(shown) < catalog.formation_count
        assert {f.code for f in shown} >= {"LIC-ECO", "MAS-ECO-ENV", "LIC-DROIT-ECO"}
        for f in shown:
            assert "economie" in f.search_key

        # narrow further: accents and case do not matter
        await pilot.press("space", *"énergie")
        await _settle(app, pilot)
        assert [f.code for f in _shown_formations(app)] == ["MAS-ECO-ENV"]
        label = str(_tree(app).root.children[0].children[0].label)
        f = _shown_formations(app)[0]
        assert f.titre in label and f.dates_label in label and f.mode_label in label
        assert "Ouverte" in label or "Fermée" in label or "À venir" in label
        # the detail of the highlighted formation, with the commission contact
        detail = text_of(app, "#catalog-detail")
        assert "Master Économie de l'environnement et de l'énergie" in detail
        assert "feg-scolarite@univ.example" in detail and "04 91 14 07 00" in detail
        assert "Date limite de retour" in detail and "Pièces justificatives (10)" in detail

        await pilot.press(*"zzz")
        await _settle(app, pilot)
        assert _shown_formations(app) == []
        assert "Aucune formation ne correspond" in text_of(app, "#catalog-count")

        # clearing the filter gives back the collapsed centres
        app.screen.query_one("#catalog-filter", Input).value = ""
        await _settle(app, pilot)
        assert len(_tree(app).root.children) == len(catalog.centres)
        assert all(not n.is_expanded for n in _tree(app).root.children)

        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, OffreFormationScreen)


async def test_expanding_a_centre_shows_its_formations(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        await pilot.press("down")  # from the filter to the tree
        assert app.focused is _tree(app)
        first = _tree(app).root.children[0]
        assert first.children == [] or not first.is_expanded
        await pilot.press("enter")
        await _settle(app, pilot)
        assert first.is_expanded
        assert [leaf.data.titre for leaf in first.children] == [f.titre for f in first.data.formations]
        await pilot.press("down")
        await _settle(app, pilot)
        assert first.data.formations[0].titre in text_of(app, "#catalog-detail")
        assert "Adresse de contact" in text_of(app, "#catalog-detail")
        await pilot.click("#catalog-close")
        await pilot.pause()
        assert not isinstance(app.screen, OffreFormationScreen)


async def test_apply_mode_returns_the_formation_after_oui(ecandidat):
    results: list = []
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot, mode="apply", results=results)
        assert app.screen.query_one("#catalog-apply", Button).disabled
        await pilot.press(*"lic-info")
        await _settle(app, pilot)
        (formation,) = _shown_formations(app)
        assert formation.code == "LIC-INFO" and formation.is_open
        assert not app.screen.query_one("#catalog-apply", Button).disabled
        await pilot.click("#catalog-apply")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert str(app.screen.query_one("#confirm-message", Static).content) == \
            "Voulez-vous candidater à la formation Licence Informatique ?"
        await pilot.click("#confirm-yes")
        await pilot.pause()
        assert results == [formation.id]
        assert not isinstance(app.screen, OffreFormationScreen)


async def test_apply_mode_non_keeps_the_screen_and_enter_asks_too(ecandidat):
    results: list = []
    masters = [f for c in ecandidat.services.catalog.catalog_tree().centres for f in c.formations
               if f.is_open and f.titre.startswith("Master Droit")]
    chosen = masters[0]
    app = ecandidat.app()
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(app, pilot, mode="apply", results=results)
        await pilot.press(*chosen.code, "enter")  # Entrée: from the filter to the tree
        await _settle(app, pilot)
        assert app.focused is _tree(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert str(app.screen.query_one("#confirm-message", Static).content) == \
            f"Voulez-vous candidater à la formation {chosen.titre} ?"
        await pilot.click("#confirm-no")
        await pilot.pause()
        assert isinstance(app.screen, OffreFormationScreen) and results == []
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")  # Échap answers Non
        await pilot.pause()
        assert isinstance(app.screen, OffreFormationScreen) and results == []
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # focus starts on Oui
        await pilot.pause()
        assert results == [chosen.id]


async def test_apply_refuses_a_closed_formation_before_asking(ecandidat):
    results: list = []
    closed = next(f for c in ecandidat.services.catalog.catalog_tree().centres for f in c.formations
                  if f.state == "closed")
    app = ecandidat.app()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await _open(app, pilot, mode="apply", results=results)
        await pilot.press(*closed.code)
        await _settle(app, pilot)
        assert [f.id for f in _shown_formations(app)] == [closed.id]
        assert "Fermée" in str(_tree(app).root.children[0].children[0].label)
        await pilot.click("#catalog-apply")
        await pilot.pause()
        assert isinstance(app.screen, OffreFormationScreen)
        messages = [n.message for n in app._notifications]
        assert any("est terminée" in m and closed.dates_label in m for m in messages)
        assert results == []
        await pilot.press("escape")
        await pilot.pause()
        assert results == [None]


async def test_header_when_a_candidate_is_logged_in(ecandidat):
    from ecandidat_tui.app import CandidateSession

    app = ecandidat.app()
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(app, pilot)
        assert not app.screen.query("#nav-offre")
        app.pop_screen()
        app.candidate = CandidateSession(1, "ABCD1234", "Gockel", "Charlotte")
        await _open(app, pilot)
        assert str(app.screen.query_one("#candidate-name", Static).content) == "CHARLOTTE GOCKEL"


async def test_ten_thousand_formations_load_and_filter(tmp_path):
    h = make_harness(tmp_path / "home", demo_catalog=False)
    h.services.ctx.clock = _fixed_clock
    generate_catalog(h.services.db, n_formations=10_000, n_centres=60, seed=7, today=TODAY)
    target = h.services.catalog.catalog_tree().centres[42].formations[3]
    try:
        app = h.app()
        async with app.run_test(size=(80, 24)) as pilot:
            await _open(app, pilot)
            tree = _tree(app)
            assert len(tree.root.children) == 60
            assert "10000 formations dans 60 centres" in text_of(app, "#catalog-count")
            await pilot.press(*"master")
            await _settle(app, pilot)
            shown = _shown_formations(app)
            assert len(shown) == MAX_SHOWN
            assert all("master" in f.search_key for f in shown)
            assert "affinez la recherche" in text_of(app, "#catalog-count")
            app.screen.query_one("#catalog-filter", Input).value = ""
            await pilot.click("#catalog-filter")
            await pilot.press(*target.code)
            await _settle(app, pilot)
            assert [f.id for f in _shown_formations(app)] == [target.id]
            assert target.titre in text_of(app, "#catalog-detail")
    finally:
        h.services.close()


async def test_confirm_modal_defaults_to_non(ecandidat):
    answers: list = []
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(ConfirmModal("Supprimer ce fichier ?", title="Suppression", yes="Supprimer"),
                        answers.append)
        await pilot.pause()
        assert str(app.screen.query_one("#confirm-message", Static).content) == "Supprimer ce fichier ?"
        assert str(app.screen.query_one("#confirm-yes", Button).label) == "Supprimer"
        assert app.focused is app.screen.query_one("#confirm-no", Button)
        await pilot.press("enter")  # a stray Entrée answers Non
        await pilot.pause()
        app.push_screen(ConfirmModal("Continuer ?"), answers.append)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        app.push_screen(ConfirmModal("Continuer ?"), answers.append)
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await pilot.pause()
    assert answers == [False, False, True]


async def test_a_click_on_a_formation_asks_in_apply_mode(ecandidat):
    results: list = []
    app = ecandidat.app()
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(app, pilot, mode="apply", results=results)
        await pilot.press(*"lic-math")
        await _settle(app, pilot)
        (formation,) = _shown_formations(app)
        tree = _tree(app)
        assert app.focused is not tree  # the filter has the focus; the click moves it
        # line 0 is the centre, line 1 the formation (below the border's top line)
        await pilot.click("#catalog-tree", offset=(6, tree.styles.gutter.top + 1))
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert formation.titre in str(app.screen.query_one("#confirm-message", Static).content)
        await pilot.click("#confirm-yes")
        await pilot.pause()
    assert results == [formation.id]


class _HeldBack:
    """The catalog service's whole-tree read, held until `release()`."""

    def __init__(self, services):
        self.read = services.catalog.catalog_tree
        self.gate = threading.Event()
        services.catalog.catalog_tree = self

    def __call__(self, **kwargs):
        assert self.gate.wait(10)
        return self.read(**kwargs)

    def release(self) -> None:
        self.gate.set()


async def _open_on_the_centres(app, pilot) -> None:
    """Open the Offre de formation and wait until its centres show (their
    formations held back by _HeldBack)."""
    await pilot.pause()
    app.push_screen(OffreFormationScreen(mode="browse"))
    await wait_until(pilot, lambda: isinstance(app.screen, OffreFormationScreen)
                     and app.screen.query("#catalog-tree") and _tree(app).root.children)


async def test_centres_show_before_their_formations_are_read(ecandidat):
    catalog = ecandidat.services.catalog.catalog_tree()
    ecandidat.services.catalog.invalidate()  # the screen reads it afresh
    held = _HeldBack(ecandidat.services)
    app = ecandidat.app()
    async with app.run_test(size=(100, 40)) as pilot:
        await _open_on_the_centres(app, pilot)
        screen = app.screen
        assert screen.catalog is None  # the formations are not read yet
        assert [n.data.libelle for n in _tree(app).root.children] == [c.libelle for c in catalog.centres]
        assert f"{catalog.formation_count} formations dans {len(catalog.centres)} centres" in text_of(
            app, "#catalog-count")
        labels = [str(n.label) for n in _tree(app).root.children]
        assert labels[1].endswith(f"({len(catalog.centres[1].formations)} formations)")
        # the person opens the second centre meanwhile
        await pilot.press("down", "down", "enter")
        second = _tree(app).root.children[1]
        assert second.is_expanded and [str(n.label) for n in second.children] == ["Chargement…"]
        held.release()
        await _settle(app, pilot)
        assert screen.catalog is not None
        second = _tree(app).root.children[1]
        assert second.is_expanded  # what the person did is kept
        assert [n.data.id for n in second.children] == [f.id for f in catalog.centres[1].formations]
        assert _tree(app).cursor_node is second
        assert [str(n.label) for n in _tree(app).root.children] == labels  # nothing else moved
        assert "dont" in text_of(app, "#catalog-detail")  # the centre's detail, from the full tree


async def test_a_filter_typed_before_the_formations_arrive_applies_then(ecandidat):
    held = _HeldBack(ecandidat.services)
    app = ecandidat.app()
    async with app.run_test(size=(100, 40)) as pilot:
        await _open_on_the_centres(app, pilot)
        await pilot.press(*"energie")
        assert app.screen.catalog is None
        held.release()
        await _settle(app, pilot)
        shown = _shown_formations(app)
        assert "MAS-ECO-ENV" in {f.code for f in shown}
        assert shown and all("energie" in f.search_key for f in shown)
        assert f"{len(shown)} formation" in text_of(app, "#catalog-count")


async def test_the_detail_waits_for_the_typing_to_rest(ecandidat):
    """The detail pane follows the highlighted formation once the person
    rests: not between two keys, even those that leave the list as it is
    (its read and redraw took the interpreter from the next key's frame).
    The screen's timers are recorded instead of run, so the test does not
    depend on how fast the machine types."""

    class Recorded:
        def __init__(self, callback, typed: str) -> None:
            self.callback, self.typed, self.stopped = callback, typed, False

        def stop(self) -> None:
            self.stopped = True

    app = ecandidat.app()
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(app, pilot)
        screen = app.screen
        filt = screen.query_one("#catalog-filter", Input)
        timers: list[Recorded] = []

        def set_timer(delay, callback=None, **kwargs) -> Recorded:
            timers.append(Recorded(callback, filt.value))
            return timers[-1]

        screen.set_timer = set_timer
        await pilot.click("#catalog-filter")
        await pilot.press(*"informatique", "space")  # from "inf" on, the same formations: the cursor stays
        await pilot.pause()
        waiting = [t for t in timers if t.callback == screen._refresh_detail and not t.stopped]
        # one detail waiting, pushed back by the last key (not left where the cursor last moved)
        assert [t.typed for t in waiting] == ["informatique "]
        assert screen.detail_pending
        waiting[0].callback()  # the person rests
        await _settle(app, pilot)
        first = _shown_formations(app)[0]
        assert first.titre in text_of(app, "#catalog-detail")


async def test_a_filter_longer_than_its_box_scrolls_with_the_cursor(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        box = app.screen.query_one("#catalog-filter", Input)
        words = "licence professionnelle informatique developpement web alternance parcours"
        await pilot.press(*("space" if c == " " else c for c in words))
        await _settle(app, pilot)
        assert box.value == words
        assert box.scroll_x > 0  # the start of the text went out on the left
        x, y = box.cursor_screen_offset
        # the cursor is on screen, just after the last letter (in the box's right padding)
        assert box.region.contains(x, y) and x >= box.content_region.right - 1
        await pilot.press("home")
        await pilot.pause()
        assert box.scroll_x == 0
        assert "Aucune formation" in text_of(app, "#catalog-count")


async def test_a_click_after_filtering_acts_on_the_line_clicked(ecandidat):
    """After a filter moved the lines, a click (and the mouse) acts on the
    line at the place clicked."""
    results: list = []
    app = ecandidat.app()
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(app, pilot, mode="apply", results=results)
        await pilot.click("#catalog-filter")
        await pilot.press(*"li")  # drawn, and kept by the tree
        await _settle(app, pilot)
        await pilot.press("c")  # many of them drawn again, a line or more higher
        await _settle(app, pilot)
        tree = _tree(app)
        lines = [tree.get_node_at_line(y) for y in range(tree.last_line + 1)]
        y, target = next((y, node) for y, node in enumerate(lines) if y >= 3 and node.data is not None
                         and hasattr(node.data, "dates_label"))
        await pilot.hover("#catalog-tree", offset=(8, tree.styles.gutter.top + y))
        await pilot.pause()
        assert tree.hover_line == y
        await pilot.click("#catalog-tree", offset=(8, tree.styles.gutter.top + y))
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert target.data.titre in str(app.screen.query_one("#confirm-message", Static).content)
        await pilot.click("#confirm-yes")
        await pilot.pause()
    assert results == [target.data.id]


async def test_the_tree_scrollbar_follows_each_filter(ecandidat, monkeypatch):
    """A filter changes the tree's length without a layout of the screen: its
    scrollbar still appears, goes, and fits the new length, and End reaches
    the last line. (The detail pane is held back: its update would lay the
    screen out and hide a scrollbar left behind.)"""
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        monkeypatch.setattr("ecandidat_tui.screens.catalog.DETAIL_DELAY", 60.0)
        tree = _tree(app)
        await pilot.click("#catalog-filter")
        await pilot.press(*"master")
        await pilot.pause()
        many = tree.last_line + 1
        assert many > tree.scrollable_content_region.height
        assert tree.show_vertical_scrollbar
        assert tree.vertical_scrollbar.window_virtual_size == many

        await pilot.press("space", *"energie")
        await pilot.pause()
        assert tree.last_line + 1 <= tree.scrollable_content_region.height
        assert not tree.show_vertical_scrollbar
        assert tree.scroll_offset.y == 0

        await pilot.press(*("backspace" for _ in " energie"))
        await pilot.pause()
        assert tree.show_vertical_scrollbar and tree.vertical_scrollbar.window_virtual_size == many
        await pilot.press("down")  # into the tree
        await pilot.press("end")
        await pilot.pause()
        assert tree.cursor_line == many - 1
        assert tree.scroll_offset.y == many - tree.scrollable_content_region.height
        assert tree.vertical_scrollbar.position == tree.scroll_offset.y


async def test_the_nodes_of_an_old_filter_are_freed_at_once(ecandidat):
    """A new filter's tree frees the old one's nodes by reference counting,
    without a pass of the cyclic collector (which would stall the typing)."""
    import gc
    import weakref

    app = ecandidat.app()
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(app, pilot)
        await pilot.click("#catalog-filter")
        await pilot.press(*"master")
        await _settle(app, pilot)
        old = weakref.ref(_tree(app).root.children[0])
        gc.disable()
        try:
            await pilot.press("space", *"droit")
            await _settle(app, pilot)
            assert _tree(app).root.children and old() is None
        finally:
            gc.enable()
