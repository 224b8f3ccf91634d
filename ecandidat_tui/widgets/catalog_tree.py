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

    def get_label_width(self, node: TreeNode[Any]) -> int:
        return self.process_label(node.label).cell_len + (len(self.ICON_NODE) if node.allow_expand else 0)
