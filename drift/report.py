"""A drift report a person can read: one self-contained HTML file with inline SVG charts.

Each feature shows the reference and the current distribution side by side on the same axes
(histograms for numbers and classifier scores, category shares for categories).
"""

from __future__ import annotations

import html
from datetime import datetime, timezone

from spyglass.drift.compare import FeatureDrift
from spyglass.drift.monitor import GroupReport

_W, _H = 260, 120
_STYLE = """body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}
td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}th{background:#f4f4f4}
td:first-child,th:first-child{text-align:left}.drift{color:#b00020;font-weight:600}
.feature{display:inline-block;margin:8px 16px 8px 0;vertical-align:top}.pair{display:flex;gap:8px}
figcaption{font-size:12px;color:#555}"""


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _bars(values: list[float], labels: list[str], top: float, colour: str, title: str) -> str:
    """One bar chart as inline SVG; ``top`` fixes the y scale so two charts compare."""
    n = max(len(values), 1)
    width = (_W - 10) / n
    bars = []
    for i, (value, label) in enumerate(zip(values, labels)):
        height = 0 if top <= 0 else (_H - 30) * value / top
        bars.append(f'<rect x="{5 + i * width:.1f}" y="{_H - 20 - height:.1f}" width="{max(width - 1, 1):.1f}" '
                    f'height="{height:.1f}" fill="{colour}"><title>{html.escape(label)}: {value:.3f}</title></rect>')
    axis = (f'<text x="5" y="{_H - 5}" font-size="10">{html.escape(labels[0]) if labels else ""}</text>'
            f'<text x="{_W - 5}" y="{_H - 5}" font-size="10" text-anchor="end">'
            f'{html.escape(labels[-1]) if labels else ""}</text>')
    return (f'<svg width="{_W}" height="{_H}" role="img"><text x="5" y="12" font-size="11">{title}</text>'
            f'{"".join(bars)}{axis}</svg>')


def feature_chart(feature: FeatureDrift) -> str:
    """Reference and current distributions of one feature, side by side (empty when not drawable)."""
    details = feature.details
    if "histogram" in details:
        hist = details["histogram"]
        edges = hist["edges"]
        labels = [f"{edges[i]:.4g}–{edges[i + 1]:.4g}" for i in range(len(edges) - 1)]
        ref, cur = hist["reference"], hist["current"]
    elif "categories" in details:
        labels, ref, cur = details["categories"], details["reference"], details["current"]
    else:
        return ""
    top = max(ref + cur + [0.0])
    return ('<div class="pair">' + _bars(ref, labels, top, "#4e79a7", "reference")
            + _bars(cur, labels, top, "#e15759", "current") + "</div>")


def _feature_block(feature: FeatureDrift) -> str:
    chart = feature_chart(feature)
    if not chart:
        return ""
    of = feature.details.get("histogram_of", "")
    verdict = '<span class="drift">drifted</span>' if feature.drifted else "stable"
    return (f'<figure class="feature">{chart}<figcaption>{html.escape(feature.feature)} '
            f'({feature.method}{", " + html.escape(of) if of else ""}): {verdict}, '
            f'effect {feature.effect_size:.3g}, p {feature.p_value:.2g}</figcaption></figure>')


def group_section(report: GroupReport) -> str:
    """A table of every feature of one group, then its charts."""
    rows = "".join(
        f'<tr class="{"drift" if f.drifted else ""}"><td>{html.escape(f.feature)}</td><td>{f.method}</td>'
        f"<td>{f.statistic:.4g}</td><td>{f.p_value:.2g}</td><td>{f.effect_size:.3g}</td>"
        f"<td>{f.details.get('min_effect', 0):.3g}</td><td>{f.details.get('alpha_per_test', 0):.2g}</td>"
        f"<td>{f.reference_n}</td><td>{f.current_n}</td><td>{'yes' if f.drifted else 'no'}</td></tr>"
        for f in report.features)
    title = html.escape(f"{report.project} / {report.service} / {report.model}")
    return (f"<h2>{title}</h2><p>reference {_when(report.reference[0])} – {_when(report.reference[1])}; "
            f"current {_when(report.current[0])} – {_when(report.current[1])}</p>"
            "<table><tr><th>feature</th><th>method</th><th>statistic</th><th>p-value</th><th>effect</th>"
            "<th>min effect</th><th>alpha/test</th><th>reference n</th><th>current n</th><th>drifted</th></tr>"
            f"{rows}</table>" + "".join(_feature_block(f) for f in report.features))


def render_html(run_id: str, reports: list[GroupReport]) -> str:
    """The whole report as one HTML document (no external files, scripts or fonts)."""
    drifted = sum(len(r.drifted) for r in reports)
    body = "".join(group_section(r) for r in reports) or "<p>No group had enough LLM spans in both windows.</p>"
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Spyglass drift report {run_id}</title>"
            f"<style>{_STYLE}</style></head><body><h1>Drift report</h1>"
            f"<p>run {run_id}: {len(reports)} groups, {drifted} drifted features. A feature drifts when its "
            "p-value is below alpha/test <em>and</em> its effect reaches the minimum effect.</p>"
            f"{body}</body></html>")
