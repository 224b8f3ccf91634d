"""The Offre de formation's tree: centres de candidature → formations."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets.tree import TreeNode

from ..textual_compat import RepaintOnlyTree


class CatalogTreeWidget(RepaintOnlyTree):
    """A Tree whose labels are single-line Rich Text (cheaper to lay out),
    filled through `rebuilding()` (see `textual_compat.RepaintOnlyTree`)."""

    def process_label(self, label: Any) -> Text:
        if isinstance(label, Text) and "\n" not in label.plain:
            return label  # built by the screen, never markup: shown as is
        return super().process_label(label)

    def clear(self) -> CatalogTreeWidget:
        # Textual's clear() leaves the old nodes holding each other (parent <->
        # children): each filter's hundred nodes then waited for a pass of the
        # cyclic collector, and every pass while typing had more to visit.
        # Removed first, they are freed at once.
        self.root.remove_children()
        super().clear()
        return self

    def get_label_width(self, node: TreeNode[Any]) -> int:
        return self.process_label(node.label).cell_len + (len(self.ICON_NODE) if node.allow_expand else 0)
