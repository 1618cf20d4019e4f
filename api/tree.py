"""Pure: a trace's flat span list -> a tree of nested spans with children sorted by start."""

from __future__ import annotations

from typing import Any


def build_tree(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nest spans under their parents; spans whose parent is missing become roots."""
    nodes = {span["span_id"]: {**span, "children": []} for span in spans}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node["parent_span_id"]) if node["parent_span_id"] else None
        if parent is None or parent is node:
            roots.append(node)
        else:
            parent["children"].append(node)
    for node in nodes.values():
        node["children"].sort(key=lambda child: (child["start_time"], child["span_id"]))
    return sorted(roots, key=lambda root: (root["start_time"], root["span_id"]))
