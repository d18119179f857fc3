"""The plot of `lk bench latency`: window latency percentiles against rate per architecture and
the reference (log scale), and each streaming job's lag over the first repeat."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments.experiment.timeline import ARCHITECTURES

COLOURS = {"lambda": "#1f77b4", "kappa": "#d62728", "reference": "#7f7f7f"}
DASHES = {"p50_s": "solid", "p95_s": "dash", "p99_s": "dot"}


def latency_figure(figures: dict) -> go.Figure:
    """Two panels: latency (s) against rate (events/s), one line per series and percentile;
    lag (records) against seconds since the run started, one line per architecture."""
    plot = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("window latency by rate", "consumer lag (first repeat)"),
    )
    rates = figures.get("rates_events_per_second") or []
    for series in ("reference", *ARCHITECTURES):
        for percentile, dash in DASHES.items():
            points = [
                (rate, figures.get(f"{series}_{rate:g}_{percentile}"))
                for rate in rates
                if figures.get(f"{series}_{rate:g}_{percentile}") is not None
            ]
            if not points:
                continue
            plot.add_trace(
                go.Scatter(
                    x=[rate for rate, _ in points],
                    y=[value for _, value in points],
                    mode="lines+markers",
                    name=f"{series} {percentile.removesuffix('_s')}",
                    line={"color": COLOURS[series], "dash": dash},
                ),
                row=1,
                col=1,
            )
    for architecture, series in (figures.get("lag") or {}).items():
        plot.add_trace(
            go.Scatter(
                x=series["t_s"],
                y=series["lag"],
                mode="lines",
                name=f"{architecture} lag",
                line={"color": COLOURS.get(architecture)},
            ),
            row=1,
            col=2,
        )
    plot.update_xaxes(title_text="rate (events/s)", type="log", row=1, col=1)
    plot.update_yaxes(title_text="latency (s)", type="log", row=1, col=1)
    plot.update_xaxes(title_text="s since the run started", row=1, col=2)
    plot.update_yaxes(title_text="records behind the log", row=1, col=2)
    plot.update_layout(title="lk bench latency", template="plotly_white")
    return plot
