"""The study report's figures (plotly): the paired comparisons of every dimension, and disk
bytes over time. Each function returns a `plotly.graph_objects.Figure` or None when there is
nothing to draw."""

from __future__ import annotations

import plotly.graph_objects as go

from experiments.experiment.plots import COLOURS
from experiments.experiment.table import MEBIBYTE
from experiments.study.verdict import Verdict


def comparison_figure(verdicts: list[Verdict], compare: str) -> go.Figure | None:
    """One row per measured dimension compared by `compare` ("ratio": Lambda ÷ Kappa on a log
    axis; "difference": Lambda − Kappa in percentage points): each repeat's paired value as a
    dot, the median as a diamond, the interval as a bar; the line of equality."""
    chosen = [v for v in verdicts if v.dimension.compare == compare and v.paired]
    if not chosen:
        return None
    scale = 100.0 if compare == "difference" else 1.0
    figure = go.Figure()
    names = [v.dimension.name for v in chosen]
    figure.add_trace(go.Scatter(
        x=[value * scale for v in chosen for value in v.paired],
        y=[v.dimension.name for v in chosen for _ in v.paired],
        mode="markers", name="one repeat", marker={"color": "#7f7f7f", "size": 7},
    ))  # fmt: skip
    figure.add_trace(go.Scatter(
        x=[v.median * scale for v in chosen], y=names, mode="markers", name="median",
        marker={"symbol": "diamond", "size": 12, "color": "#111"},
        error_x={"type": "data", "symmetric": False,
                 "array": [(v.high - v.median) * scale for v in chosen],
                 "arrayminus": [(v.median - v.low) * scale for v in chosen]},
    ))  # fmt: skip
    equal = 1.0 if compare == "ratio" else 0.0
    figure.add_vline(x=equal, line_dash="dash", line_color="#999")
    title = (
        "Lambda ÷ Kappa per repeat (below 1: Lambda's value is lower)"
        if compare == "ratio"
        else "Lambda − Kappa per repeat, percentage points (above 0: Lambda more accurate)"
    )
    figure.update_layout(title=title, height=220 + 40 * len(chosen), margin={"l": 260},
                         yaxis={"autorange": "reversed"})  # fmt: skip
    if compare == "ratio":
        figure.update_xaxes(type="log")
    return figure


def disk_figure(results: dict | None) -> go.Figure | None:
    """Disk bytes (MiB) of Lambda, Kappa and the shared Kafka log over a scenario's runs (one
    line per architecture and repeat), from its results' `disk` rows."""
    rows = (results or {}).get("disk", [])
    if not rows:
        return None
    figure = go.Figure()
    for name in ("lambda", "kappa", "shared"):
        for repeat in sorted({row["repeat"] for row in rows}):
            mine = [r for r in rows if r["architecture"] == name and r["repeat"] == repeat]
            if not mine:
                continue
            label = "Kafka log" if name == "shared" else name
            figure.add_trace(go.Scatter(
                x=[r["t_s"] for r in mine], y=[r["bytes"] / MEBIBYTE for r in mine],
                mode="lines", name=f"{label} #{repeat}", line={"color": COLOURS[name]},
            ))  # fmt: skip
    scenario = (results or {}).get("scenario", {}).get("name", "")
    figure.update_layout(title=f"Disk bytes over time ({scenario}; the rebuild comes last)",
                         xaxis_title="s since the run began", yaxis_title="MiB")  # fmt: skip
    return figure
