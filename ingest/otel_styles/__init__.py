"""Instrumentation styles: one table per style (attribute -> span field), read in this order.

Earlier styles win when two carry the same field. ``otlp_map`` applies them.
"""

from __future__ import annotations

from spyglass.ingest.otel_styles.adk import ADK
from spyglass.ingest.otel_styles.genai import GENAI
from spyglass.ingest.otel_styles.genkit import GENKIT
from spyglass.ingest.otel_styles.haystack import HAYSTACK
from spyglass.ingest.otel_styles.langfuse import LANGFUSE
from spyglass.ingest.otel_styles.mlflow import MLFLOW
from spyglass.ingest.otel_styles.openinference import OPENINFERENCE
from spyglass.ingest.otel_styles.openllmetry import OPENLLMETRY
from spyglass.ingest.otel_styles.pydantic_ai import PYDANTIC_AI
from spyglass.ingest.otel_styles.spyglass import SPYGLASS
from spyglass.ingest.otel_styles.table import Attributes, Style
from spyglass.ingest.otel_styles.vercel import VERCEL

STYLES: tuple[Style, ...] = (SPYGLASS, GENAI, OPENINFERENCE, OPENLLMETRY, VERCEL, PYDANTIC_AI, GENKIT, ADK,
                             MLFLOW, LANGFUSE, HAYSTACK)

__all__ = ["STYLES", "Attributes", "Style"]
