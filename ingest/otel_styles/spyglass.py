"""Spyglass's own attributes, for apps that set fields explicitly on any OpenTelemetry span."""

from __future__ import annotations

from spyglass.ingest.otel_styles.table import KindRule, Style
from spyglass.sdk.wire import SPAN_KINDS

SPYGLASS = Style(
    name="Spyglass attributes",
    libraries=("any OpenTelemetry SDK (spyglass.kind, spyglass.cost, spyglass.project, spyglass.tags)",),
    fields={"cost": ("spyglass.cost",)},
    kinds=(KindRule("spyglass.kind", {kind: kind for kind in SPAN_KINDS}),),
)
