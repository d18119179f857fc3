"""The report's figures (plotly), each built from one part of a results document.

Every function returns a `plotly.graph_objects.Figure`, or None when the results hold nothing to
draw. Times are seconds since the repeat's start; repeats are drawn as separate lines of one
colour per architecture.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments.experiment.metrics import ALL_VIEWS
from experiments.experiment.repeats import combine_repeats
from experiments.experiment.table import MEBIBYTE

COLOURS = {"lambda": "#1f77b4", "kappa": "#ff7f0e", "shared": "#7f7f7f"}
COST_METRICS = (
    "recompute_seconds",
    "recompute_events_per_s",
    "time_to_correct_s",
    "recovery_seconds",
)
RESOURCE_METRICS = (
    ("cpu_seconds", "CPU seconds", 1),
    ("peak_rss_bytes", "peak RSS (MiB)", MEBIBYTE),
)


def _architectures(records: list[dict]) -> list[str]:
    present = {record["architecture"] for record in records}
    return [name for name in COLOURS if name in present] + sorted(present - set(COLOURS))


def pooled_latencies(latencies: list[dict], architecture: str) -> np.ndarray:
    """The latencies (s) of `architecture` over every repeat, rows never right as NaN."""
    return np.array(
        [
            np.nan if row["latency_s"] is None else row["latency_s"]
            for row in latencies
            if row["architecture"] == architecture
        ],
        dtype=float,
    )


def _accuracy_traces(results: dict, view: str, *, legend: bool) -> list[go.Scatter]:
    series = [row for row in results.get("series", []) if row.get("view", ALL_VIEWS) == view]
    traces = []
    repeats = sorted({row["repeat"] for row in series})
    for name in _architectures(series):
        for repeat in repeats:
            rows = [r for r in series if r["architecture"] == name and r["repeat"] == repeat]
            if not rows:
                continue
            label = name if len(repeats) == 1 else f"{name} #{repeat}"
            traces.append(
                go.Scatter(
                    x=[r["t_s"] for r in rows],
                    y=[r["accuracy"] for r in rows],
                    mode="lines",
                    line={"color": COLOURS.get(name), "shape": "hv"},
                    name=label,
                    legendgroup=name,
                    showlegend=legend,
                )
            )
    return traces


def _marks(figure: go.Figure, results: dict, *, label: bool, **where: object) -> None:
    """Dotted vertical lines at the run's marks; with `label`, the first repeat's are named,
    except when a batch run starts (its end is named: that is when it serves); the other
    repeats' are fainter: their events happen at nearly the same times."""
    marks = results.get("marks", [])
    first = min((mark["repeat"] for mark in marks), default=None)
    for mark in marks:
        named = label and mark["repeat"] == first and not mark["what"].startswith("batch run")
        named = named or (label and mark["repeat"] == first and "served" in mark["what"])
        figure.add_vline(
            x=mark["t_s"],
            line={"dash": "dot", "color": "#555" if mark["repeat"] == first else "#bbb", "width": 1},
            **(
                {"annotation_text": mark["what"], "annotation_textangle": -90,
                 "annotation_position": "top left"}
                if named else {}
            ),
            **where,
        )  # fmt: skip


def accuracy_figure(results: dict) -> go.Figure | None:
    """Accuracy over time over all views (share of the oracle's due rows served exactly), the
    run's events (batch runs, kill, restart, logic change) as dotted vertical lines."""
    traces = _accuracy_traces(results, ALL_VIEWS, legend=True)
    if not traces:
        return None
    figure = go.Figure(traces)
    _marks(figure, results, label=True)
    figure.update_layout(
        title="Accuracy over time, all views",
        xaxis_title="seconds since the start",
        yaxis={"title": "share of due rows served exactly", "range": [0, 1.05]},
        height=460,
    )
    return figure


def accuracy_per_view_figure(results: dict) -> go.Figure | None:
    """Accuracy over time, one panel per view."""
    views = sorted(
        {row["view"] for row in results.get("series", []) if "view" in row} - {ALL_VIEWS}
    )
    if not views:
        return None
    columns = 2 if len(views) > 1 else 1
    rows = -(-len(views) // columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=views, shared_xaxes=True)
    for index, view in enumerate(views):
        for trace in _accuracy_traces(results, view, legend=index == 0):
            figure.add_trace(trace, row=index // columns + 1, col=index % columns + 1)
    _marks(figure, results, label=False, row="all", col="all")
    figure.update_yaxes(range=[0, 1.05])
    figure.update_layout(title="Accuracy over time per view", height=300 * rows)
    return figure


def latency_figure(results: dict) -> go.Figure | None:
    """Empirical CDF of window latency per architecture (repeats pooled): the share of windows
    served right within x seconds of their last event. Windows never served right count in the
    denominator, so a curve ends below 1 by the share never right."""
    latencies = results.get("latencies", [])
    figure = go.Figure()
    pooled = {name: pooled_latencies(latencies, name) for name in _architectures(latencies)}
    right = {name: values[~np.isnan(values)] for name, values in pooled.items()}
    end = max((values.max() for values in right.values() if len(values)), default=0.0)
    for name, values in pooled.items():
        if not len(values):
            continue
        steps, counts = np.unique(right[name], return_counts=True)
        shares = np.cumsum(counts) / len(values)
        # from 0 at the first latency, flat after the last one up to the largest of all
        x = np.concatenate([steps[:1], steps, [end]])
        y = np.concatenate([[0.0], shares, shares[-1:]]) if len(steps) else np.array([])
        figure.add_trace(
            go.Scatter(
                x=x if len(steps) else [],
                y=y,
                mode="lines",
                line={"color": COLOURS.get(name), "shape": "hv"},
                name=f"{name} ({len(values) - len(right[name])} of {len(values)} never right)",
            )
        )
    if not figure.data:
        return None
    view = latencies[0]["view"]
    figure.update_layout(
        title=f"Window latency ({view}): served right within x s of the window's last event",
        xaxis_title="latency (s)",
        yaxis={"title": "share of windows", "range": [0, 1.05]},
        height=420,
    )
    return figure


def _bar(entries: list[dict], name: str, x: list[str], scale: float, legend: bool) -> go.Bar:
    medians = [entry["median"] / scale for entry in entries]
    return go.Bar(
        x=x,
        y=medians,
        name=name,
        marker_color=COLOURS.get(name),
        legendgroup=name,
        showlegend=legend,
        error_y={
            "type": "data",
            "array": [entry["max"] / scale - m for entry, m in zip(entries, medians, strict=True)],
            "arrayminus": [
                m - entry["min"] / scale for entry, m in zip(entries, medians, strict=True)
            ],
            "visible": any(entry["repeats"] > 1 for entry in entries),
        },
    )


def _measured(results: dict) -> list[dict]:
    return [entry for entry in combine_repeats(results.get("metrics", [])) if entry["repeats"]]


def cost_figure(results: dict) -> go.Figure | None:
    """Bars of the recompute, correction and recovery figures present, one panel per metric,
    median with min–max error bars."""
    combined = _measured(results)
    metrics = [m for m in COST_METRICS if any(e["metric"] == m for e in combined)]
    if not metrics:
        return None
    figure = make_subplots(rows=1, cols=len(metrics), subplot_titles=metrics)
    shown = set()
    for column, metric in enumerate(metrics, start=1):
        for entry in (e for e in combined if e["metric"] == metric):
            name = entry["architecture"]
            figure.add_trace(_bar([entry], name, [name], 1, name not in shown), row=1, col=column)
            shown.add(name)
    figure.update_layout(title="Recompute, correction and recovery", height=380, barmode="group")
    return figure


def resource_figure(results: dict) -> go.Figure | None:
    """CPU seconds and peak RSS per component (`cpu_seconds:<component>`,
    `peak_rss_bytes:<component>`), grouped by architecture."""
    combined = [e for e in _measured(results) if ":" in e["metric"]]
    panels = [(p, t, s) for p, t, s in RESOURCE_METRICS
              if any(e["metric"].startswith(p + ":") for e in combined)]  # fmt: skip
    if not panels:
        return None
    figure = make_subplots(rows=1, cols=len(panels), subplot_titles=[t for _, t, _ in panels])
    shown = set()
    for column, (prefix, _, scale) in enumerate(panels, start=1):
        of_panel = [e for e in combined if e["metric"].startswith(prefix + ":")]
        for name in _architectures(of_panel):
            entries = [e for e in of_panel if e["architecture"] == name]
            components = [e["metric"].split(":", 1)[1] for e in entries]
            figure.add_trace(
                _bar(entries, name, components, scale, name not in shown), row=1, col=column
            )
            shown.add(name)
    figure.update_layout(title="Resources per component", height=400, barmode="group")
    return figure


def all_figures(results: dict) -> list[tuple[str, go.Figure]]:
    """(section title, figure) of every figure the results can draw, in report order."""
    built = [
        ("Accuracy over time", accuracy_figure(results)),
        ("Accuracy per view", accuracy_per_view_figure(results)),
        ("Window latency", latency_figure(results)),
        ("Recompute, correction and recovery", cost_figure(results)),
        ("Resources", resource_figure(results)),
    ]
    return [(title, figure) for title, figure in built if figure is not None]
