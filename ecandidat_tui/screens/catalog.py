"""Offre de formation: the tree centre de candidature → formation, a filter
box that narrows it as the person types, and the detail of the highlighted
formation.

Two modes:

- `browse` (header menu, Assistance): look only; no `Candidater` button.
- `apply` (`Nouvelle candidature`): Entrée on a formation, a click on it or
  the `Candidater` button asks "Voulez-vous candidater à la formation … ?";
  on Oui the screen dismisses with the formation id (the caller creates the
  candidature). Fermer / Échap dismiss with None.

The catalog is read in a thread worker: first the centres with their
numbers of formations (one small query), shown at once, then the whole
catalog (two queries), which gives the centres their formations without
disturbing what the person did meanwhile; a filter typed before it arrives
is applied then. Filtering is in memory over precomputed accent-free keys;
with an empty filter the centres are collapsed and their formations are
added only when a centre is expanded, and a filtered tree shows at most
`MAX_SHOWN` formations, so the tree stays small with 10,000 formations.

Ids: catalog-title, catalog-filter, catalog-count, catalog-tree,
catalog-detail, catalog-apply (apply mode), catalog-close.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Static, Tree
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from ..display import safe_text
from ..textual_compat import PromptFrames
from ..widgets.catalog_tree import CatalogTreeWidget
from ..widgets.confirm import ConfirmModal
from ..widgets.safe_input import SafeInput
from ..widgets.footer import Footer
from ..widgets.header import NavHeader

MAX_SHOWN = 60           # formations shown at most for a filter
MAX_PER_CENTRE = 500     # formations added at most when expanding one centre
NARROW_WIDTH = 110       # below this, the detail goes under the tree
CATALOG_MAX_AGE = 30.0   # seconds a catalog read by a previous opening may be reused
DETAIL_DELAY = 0.12      # seconds the cursor rests on a formation before its detail is read

STATE_SHORT = {"open": "Ouverte", "closed": "Fermée", "future": "À venir"}
STATE_MARK = {"open": ("● ", "bold green"), "closed": ("○ ", "dim"), "future": ("◔ ", "yellow")}
LEGEND = "● ouverte  ○ close  ◔ à venir"
STATE_TEXT = {
    "open": "Candidatures ouvertes",
    "closed": "Candidatures closes",
    "future": "Candidatures pas encore ouvertes",
}


def _fmt(day: Any) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


def formation_label(f: Any) -> Text:
    """`● Ouverte  Licence Informatique  Du 01/03/2026 au 30/04/2026  Dématérialisé`.

    The state comes first: a long titre is cut at the tree's right edge, never the state."""
    mark, style = STATE_MARK.get(f.state, ("  ", ""))
    return Text.assemble(
        (mark, style), (f"{STATE_SHORT.get(f.state, f.state):<7}  ", style), safe_text(f.titre),
        (f"  {f.dates_label}", "dim"), (f"  {f.mode_label}", "dim"),
    )


def centre_label(centre: Any, total: int | None = None) -> Text:
    shown = centre.formation_count
    count = f"{shown}/{total}" if total is not None and total != shown else str(shown)
    return Text.assemble((safe_text(centre.libelle), "bold"),
                         (f"  ({count} formation{'s' if shown > 1 else ''})", "dim"))


def _shown(parts: list[Any]) -> list[Any]:
    """`Text.assemble` parts, each text (stored: titres, libellés, contacts) with its controls visible."""
    return [(safe_text(p[0], multiline=True), p[1]) if isinstance(p, tuple) else safe_text(p, multiline=True)
            for p in parts]


class FilterInput(SafeInput):
    """The filter box: its text changing never lays the whole screen out again.

    Textual's Input sets its virtual size from its text at every letter, and
    a widget's virtual size asks for a layout of the screen: every widget
    of the screen was re-rendered in each keystroke's frame. The box's own
    size is fixed by the CSS (1fr × 3); its scrolling reads the virtual size
    directly."""

    def refresh(self, *regions: Any, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> FilterInput:
        return super().refresh(*regions, repaint=repaint, layout=False, recompose=recompose)


class OffreFormationScreen(PromptFrames, Screen[int | None]):
    """The Offre de formation; dismisses with a formation id in apply mode after Oui."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Fermer", id="catalog-close-key"),
        Binding("ctrl+f", "focus_filter", "Rechercher", id="catalog-search-key"),
        Binding("down", "focus_tree", "Liste", show=False),
    ]

    def __init__(self, mode: str = "browse", *, id: str | None = "offre-formation") -> None:
        if mode not in ("browse", "apply"):
            raise ValueError(f"mode must be 'browse' or 'apply', not {mode!r}")
        super().__init__(id=id)
        self.mode = mode
        self.catalog: Any = None          # CatalogTree, once loaded
        self.shown: Any = None            # the filtered CatalogTree on screen
        self._query: str | None = None    # the filter the tree shows
        self._refilter_pending = False
        self._populated: set[int] = set()  # ids of centre nodes whose children were added
        self._current: Any = None          # FormationSummary under the cursor
        self._details: dict[int, Any] = {}
        self._labels: dict[int, Text] = {}  # formation id -> its tree label, built once
        self._centre_labels: dict[tuple[int, int], Text] = {}  # (centre id, count) -> label
        self._tree_plan: Any = None        # what the tree shows (see _plan)
        self._detail_timer: Any = None
        self._highlighted: Any = None      # data of the node under the cursor
        self._detail_pending = False       # the detail pane does not show it yet

    # -------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        if getattr(self.app, "candidate", None) is not None:
            yield NavHeader()
        with Vertical(id="catalog-body"):
            yield Static("Offre de formation", id="catalog-title", classes="screen-title")
            if self.mode == "apply":
                yield Static("Sélectionnez la formation à laquelle vous souhaitez déposer votre candidature.",
                             id="catalog-hint")
            yield FilterInput(placeholder="Rechercher : intitulé, code ou mots-clés", id="catalog-filter")
            yield Static("Chargement de l'offre de formation…", id="catalog-count")
            with Container(id="catalog-panes"):
                tree = CatalogTreeWidget("Offre de formation", id="catalog-tree")
                tree.show_root = False
                tree.guide_depth = 2
                yield tree
                with VerticalScroll(id="catalog-detail-scroll"):
                    yield Static("", id="catalog-detail")
            with Horizontal(id="catalog-buttons"):
                if self.mode == "apply":
                    yield Button("Candidater", id="catalog-apply", variant="success", disabled=True,
                                 compact=True)
                yield Button("Fermer", id="catalog-close", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self._update_layout()
        filter_input = self.query_one("#catalog-filter", Input)
        self.watch(filter_input, "value", self._filter_value_changed, init=False)
        filter_input.focus()
        self._load_catalog()

    def on_resize(self) -> None:
        self._update_layout()

    def _update_layout(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-stacked")

    # ------------------------------------------------------------- loading

    @work(thread=True, exclusive=True, group="catalog-load", exit_on_error=False)
    def _load_catalog(self) -> None:
        service = self.app.services.catalog
        worker = get_current_worker()
        catalog = service.cached_tree(CATALOG_MAX_AGE)
        if catalog is None:
            overview = service.centre_overview()
            if worker.is_cancelled:
                return
            # The long read below waits until the centres are on screen, so
            # that it does not compete with that frame for the interpreter.
            painted = threading.Event()
            self.app.call_from_thread(self._overview_loaded, overview, painted)
            painted.wait(timeout=1.0)
            if worker.is_cancelled:
                return
            catalog = service.catalog_tree()
        if not worker.is_cancelled:
            self.app.call_from_thread(self._catalog_loaded, catalog)

    def _overview_loaded(self, overview: Any, painted: threading.Event) -> None:
        """The centres, collapsed, before their formations are read."""
        self.call_after_refresh(painted.set)
        if self.catalog is not None:
            return
        tree = self.query_one("#catalog-tree", Tree)
        with tree.rebuilding():
            tree.clear()
            self._add_centres(tree, overview)
        self._set_count(self._summary(sum(c.formation_count for c in overview), len(overview)))
        if tree.root.children:
            tree.move_cursor_to_line(0)
            self._highlight(tree.root.children[0])

    def _catalog_loaded(self, catalog: Any) -> None:
        self.catalog = catalog
        tree = self.query_one("#catalog-tree", Tree)
        nodes = tree.root.children
        if (not self.query_one("#catalog-filter", Input).value.strip()
                and [(n.data.id, n.data.formation_count) for n in nodes if n.data is not None]
                == [(c.id, c.formation_count) for c in catalog.centres]):
            # The overview's centres are on screen: give them their formations
            # and keep the cursor and the centres the person opened.
            self.shown = catalog
            self._query = ""
            self._tree_plan = None
            for node, centre in zip(nodes, catalog.centres, strict=False):
                node.data = centre
                if node.children:  # "Chargement…", under a centre opened meanwhile
                    node.remove_children()
                if node.is_expanded:
                    self._populate(node)
            self._highlight(tree.cursor_node)
        else:
            self._query = None
            self._tree_plan = None
            self._refilter()

    @work(thread=True, exclusive=True, group="catalog-detail", exit_on_error=False)
    def _load_detail(self, formation_id: int) -> None:
        if self._current is None or self._current.id != formation_id:
            return
        try:
            detail = self.app.services.catalog.formation_detail(formation_id)
        except Exception as exc:  # NotFound (deleted meanwhile), database down…
            message = getattr(exc, "message", None) or "Le détail de cette formation est indisponible."
            self.app.call_from_thread(self._detail_failed, formation_id, message)
            if getattr(exc, "message", None) is None:
                raise  # unexpected: reported by the app with a reference
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._detail_loaded, detail)

    def _detail_failed(self, formation_id: int, message: str) -> None:
        if self._current is not None and self._current.id == formation_id:
            self._detail_pending = False
            self.query_one("#catalog-detail", Static).update(Text(message, style="italic"))

    @property
    def detail_pending(self) -> bool:
        """True until the detail pane shows the node under the cursor (for tests)."""
        return self._detail_pending

    def _detail_loaded(self, detail: Any) -> None:
        self._details[detail.id] = detail
        if self._current is not None and self._current.id == detail.id:
            self._show_detail(detail)
            self._detail_pending = False

    # -------------------------------------------------------------- filter

    def _filter_value_changed(self) -> None:
        # Called by the Input's value watcher, before the key's handling ends:
        # the tree changes in the same frame as the echoed letter. (Filtering
        # on Input.Changed came a message later, after the screen had already
        # painted the letter alone; Textual then waits 17-33 ms before the
        # next frame, the one with the tree.)
        if self._detail_timer is not None:
            # Still typing: the detail waits for the keys to rest too, not only the
            # cursor (a letter or space that leaves the list as it is does not move
            # it). Read and drawn between two keys, it took the interpreter from
            # the next key, and its frame put that key's on Textual's next 60 Hz slot.
            self._schedule_detail()
        self._refilter()

    @on(Input.Changed, "#catalog-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        # Normally done already by _filter_value_changed; a no-op then.
        if not self._refilter_pending:
            self._refilter_pending = True
            self.call_later(self._refilter)

    @on(Input.Submitted, "#catalog-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._refilter()
        self.query_one("#catalog-tree", Tree).focus()

    def _refilter(self) -> None:
        self._refilter_pending = False
        if self.catalog is None:
            return
        query = self.query_one("#catalog-filter", Input).value
        normalised = " ".join(query.split()).casefold()
        if normalised == self._query:
            return
        # Typing more letters only narrows: filter what is shown, not the whole catalog.
        narrowing = bool(self._query) and normalised.startswith(self._query) and self.shown is not None
        self._query = normalised
        self.shown = (self.shown if narrowing else self.catalog).filter(query)
        self._rebuild_tree()

    @staticmethod
    def _summary(formations: int, centres: int) -> str:
        return f"{_plural(formations, 'formation')} dans {_plural(centres, 'centre')}. {LEGEND}"

    def _set_count(self, text: str) -> None:
        # One line, fixed height: no need to lay the screen out again.
        self.query_one("#catalog-count", Static).update(text, layout=False)

    def _label(self, formation: Any) -> Text:
        label = self._labels.get(formation.id)
        if label is None:
            label = self._labels[formation.id] = formation_label(formation)
        return label

    def _centre_label(self, centre: Any) -> Text:
        # Kept per (centre, count): the same label object lets the tree reuse its rendered line.
        key = (centre.id, centre.formation_count)
        label = self._centre_labels.get(key)
        if label is None:
            label = self._centre_labels[key] = centre_label(centre)
        return label

    def _plan(self) -> tuple[Any, ...] | None:
        """What the tree will show for `self.shown`: the centres (with their
        formation counts, which their labels show) and the formations listed."""
        shown = self.shown
        if not self._query:
            return None  # the centres, collapsed: always built afresh
        plan = []
        budget = MAX_SHOWN
        for centre in shown.centres:
            if budget <= 0:
                break
            listed = centre.formations[:budget]
            plan.append((centre.id, len(centre.formations), tuple(f.id for f in listed)))
            budget -= len(listed)
        return tuple(plan)

    def _rebuild_tree(self) -> None:
        tree = self.query_one("#catalog-tree", Tree)
        shown = self.shown
        total = shown.formation_count
        plan = self._plan()
        # Typing more letters of a word often leaves the same formations: then
        # the tree (its nodes, cursor and rendered lines) stays as it is, and
        # only the count line may change.
        rebuild = plan is None or plan != self._tree_plan
        self._tree_plan = plan
        first_formation: TreeNode | None = None
        if rebuild:
            with tree.rebuilding():
                tree.clear()
                self._populated.clear()
                first_formation = self._add_nodes(tree, shown)
        if not self._query:
            self._set_count(self._summary(total, len(shown.centres)))
        elif total == 0:
            typed = self.query_one("#catalog-filter", Input).value.strip()
            self._set_count(f"Aucune formation ne correspond à « {typed} ».")
        elif total > MAX_SHOWN:
            self._set_count(f"{total} formations, affinez la recherche "
                            f"(les {MAX_SHOWN} premières sont affichées).")
        else:
            self._set_count(self._summary(total, len(shown.centres)))
        if not rebuild:
            return
        target = first_formation or (tree.root.children[0] if tree.root.children else None)
        tree.move_cursor(None)
        if target is not None:
            # The first formation is the first child of the first (expanded) centre.
            tree.move_cursor_to_line(1 if first_formation is not None else 0)
        self._highlight(target)

    def _add_centres(self, tree: Tree, centres: Any) -> None:
        """The centres, closed (their formations added when one is opened)."""
        for centre in centres:
            tree.root.add(self._centre_label(centre), data=centre, allow_expand=bool(centre.formation_count))

    def _add_nodes(self, tree: Tree, shown: Any) -> TreeNode | None:
        """The tree's nodes for `shown`; returns the first formation's node."""
        if not self._query:
            self._add_centres(tree, shown.centres)
            return None
        first_formation = None
        budget = MAX_SHOWN
        for centre in shown.centres:
            if budget <= 0:
                break
            node = tree.root.add(self._centre_label(centre), data=centre, expand=True)
            self._populated.add(node.id)
            for f in centre.formations[:budget]:
                leaf = node.add_leaf(self._label(f), data=f)
                first_formation = first_formation or leaf
            budget -= min(len(centre.formations), budget)
        return first_formation

    @on(Tree.NodeExpanded, "#catalog-tree")
    def _centre_expanded(self, event: Tree.NodeExpanded) -> None:
        event.stop()
        node = event.node
        if node.id in self._populated or node.data is None or node.children:
            return
        if not hasattr(node.data, "formations"):  # the overview's centre: filled once the catalog is read
            node.add_leaf(Text("Chargement…", style="italic"))
            return
        self._populate(node)

    def _populate(self, node: TreeNode) -> None:
        centre = node.data
        self._populated.add(node.id)
        for f in centre.formations[:MAX_PER_CENTRE]:
            node.add_leaf(self._label(f), data=f)
        hidden = len(centre.formations) - MAX_PER_CENTRE
        if hidden > 0:
            node.add_leaf(Text(f"… {hidden} autres formations, affinez la recherche", style="italic"))

    # ------------------------------------------------------------- detail

    @on(Tree.NodeHighlighted, "#catalog-tree")
    def _node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        event.stop()
        self._highlight(event.node)

    def _highlight(self, node: TreeNode | None) -> None:
        data = node.data if node is not None else None
        is_formation = data is not None and hasattr(data, "dates_label")
        if self.mode == "apply":
            self.query_one("#catalog-apply", Button).disabled = not is_formation
        if data is self._highlighted and not self._detail_pending:
            return
        self._highlighted = data
        self._current = data if is_formation else None
        # Typing or holding ↓ moves the cursor many times: the detail pane
        # follows once the cursor rests, so a keystroke only redraws the tree.
        self._detail_pending = True
        self._schedule_detail()

    def _schedule_detail(self) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY, self._refresh_detail)

    def _refresh_detail(self) -> None:
        self._detail_timer = None
        data = self._highlighted
        detail = self.query_one("#catalog-detail", Static)
        if data is None or not hasattr(data, "dates_label"):
            if data is not None and hasattr(data, "formation_count"):
                detail.update(Text.assemble(
                    (safe_text(data.libelle), "bold"), "\n",
                    f"{_plural(data.formation_count, 'formation')}, dont "
                    f"{data.open_count} ouverte(s) aux candidatures.\n\n",
                    ("Entrée ou clic pour afficher les formations du centre.", "dim")))
            else:
                detail.update("")
            self._detail_pending = False
            return
        cached = self._details.get(data.id)
        if cached is not None:
            self._show_detail(cached)
            self._detail_pending = False
        else:
            detail.update(Text.assemble((safe_text(data.titre), "bold"), f"  ({safe_text(data.code)})\n",
                                        f"{data.dates_label} · {data.mode_label}\n…"))
            self._load_detail(data.id)

    def _show_detail(self, d: Any) -> None:
        _, style = STATE_MARK.get(d.state, ("", ""))
        lines: list[Any] = [
            (d.titre, "bold"), f"  ({d.code})\n",
            f"{d.centre_libelle}\n{d.commission_libelle}\n\n",
            (STATE_TEXT.get(d.state, d.state), style), f" · {d.mode_label}\n",
            f"{d.dates_label}\n",
            ("Date limite de retour : ", "bold"), f"{_fmt(d.date_limite_retour)}\n",
        ]
        for label, day in (("Pré-analyse", d.date_preanalyse), ("Jury", d.date_jury),
                           ("Publication", d.date_publication), ("Confirmation", d.date_confirmation)):
            if day:
                lines.append(f"{label} : {_fmt(day)}\n")
        if d.mots_cles:
            lines.append(f"Mots-clés : {d.mots_cles}\n")
        if d.url:
            lines.append(f"Site : {d.url}\n")
        lines.append(("\nAdresse de contact\n", "bold"))
        if d.adresse:
            lines.append(f"{d.adresse}\n")
        if d.telephone:
            lines.append(f"Téléphone : {d.telephone}\n")
        if d.mail:
            lines.append(f"Mail : {d.mail}\n")
        lines.append((f"\nPièces justificatives ({len(d.pieces)})\n", "bold"))
        for p in d.pieces:
            notes = []
            if p.conditional:
                notes.append("conditionnelle")
            if p.shared:
                notes.append("commune à vos candidatures")
            lines.append(f"• {p.libelle}")
            lines.append((f" ({', '.join(notes)})\n" if notes else "\n", "dim"))
        self.query_one("#catalog-detail", Static).update(Text.assemble(*_shown(lines)))

    # -------------------------------------------------------------- apply

    @on(Tree.NodeSelected, "#catalog-tree")
    def _node_selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        data = event.node.data
        if self.mode == "apply" and data is not None and hasattr(data, "dates_label"):
            self._ask_to_apply(data)

    @on(Button.Pressed, "#catalog-apply")
    def _apply_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self._current is None:
            self.notify("Choisissez d'abord une formation dans la liste.", severity="warning")
            return
        self._ask_to_apply(self._current)

    def _ask_to_apply(self, formation: Any) -> None:
        if not formation.is_open:
            when = ("est terminée" if formation.state == "closed" else "n'a pas encore commencé")
            self.notify(f"La période de dépôt des candidatures pour « {formation.titre} » {when} "
                        f"({formation.dates_label}).", severity="warning", timeout=8)
            return
        candidate = getattr(self.app, "candidate", None)
        if candidate is None:
            self._confirm_apply(formation)
        else:
            self._confirm_unless_applied(candidate.account_id, formation)

    @work(thread=True, exclusive=True, group="catalog-apply", exit_on_error=False)
    def _confirm_unless_applied(self, account_id: int, formation: Any) -> None:
        """A second candidature to one formation is refused before the question, not after Oui."""
        mine = self.app.services.candidatures.list_for_account(account_id)
        if any(c.formation_id == formation.id for c in mine):
            self.app.call_from_thread(self.notify, f"Vous avez déjà candidaté à la formation « {formation.titre} ».",
                                      severity="warning", timeout=8)
        else:
            self.app.call_from_thread(self._confirm_apply, formation)

    def _confirm_apply(self, formation: Any) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(formation.id)

        self.app.push_screen(ConfirmModal(f"Voulez-vous candidater à la formation {formation.titre} ?",
                                          default_yes=True), answered)

    # ------------------------------------------------------------- close

    @on(Button.Pressed, "#catalog-close")
    def _close_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_close()

    def action_close(self) -> None:
        if self.is_current:
            self.dismiss(None)

    def action_focus_filter(self) -> None:
        self.query_one("#catalog-filter", Input).focus()

    def action_focus_tree(self) -> None:
        """↓ from the filter box (or the buttons) goes to the tree."""
        self.query_one("#catalog-tree", Tree).focus()


__all__ = ["OffreFormationScreen", "formation_label"]
