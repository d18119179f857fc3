"""`lk bench scale`'s plot."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from benchmarks.batch.bench import short_count
from benchmarks.harness.plotting import layout, points, ratio_text
from benchmarks.scale.cost_fit import fitted_seconds

MEBIBYTE = 1024 * 1024
FIT_KEYS = ("fixed_seconds", "seconds_per_million_events", "events_per_second")


def plot_scale(figures: dict) -> go.Figure:
    """Left: seconds against events (log-log) of the recompute, DuckDB, the replay and
    ConsumerPerformance, measured (markers) and fitted (lines: fixed + events / rate); right:
    each one's peak RSS (MiB) against events."""
    sizes = figures["sizes"]
    prefixes = [f"events_{short_count(events)}" for events in sizes]
    figure = make_subplots(
        rows=1, cols=2, subplot_titles=("time (s) vs events", "peak RSS (MiB) vs events")
    )
    dense = np.geomspace(min(sizes), max(sizes), 50)
    for index, (name, label) in enumerate(
        (
            ("recompute", "recompute (Spark batch views)"),
            ("duckdb", "DuckDB, same views"),
            ("replay", "Kappa replay"),
            ("consumer_performance", "ConsumerPerformance"),
        )
    ):
        colour = ("#1f77b4", "#7f7f7f", "#ff7f0e", "#bcbd22")[index]
        keys = [f"{prefix}_{name}_seconds" for prefix in prefixes]
        figure.add_trace(points(figures, label, sizes, keys, colour), row=1, col=1)
        fit = {key: figures.get(f"fit_{name}_{key}") for key in FIT_KEYS}
        if None not in (fit["fixed_seconds"], fit["seconds_per_million_events"]):
            rate = fit["events_per_second"]
            text = f"{fit['fixed_seconds']:g} s + events / {rate:,}/s" if rate else "no rate"
            figure.add_trace(
                go.Scatter(
                    x=dense, y=[fitted_seconds(fit, x) for x in dense], mode="lines",
                    name=f"fit: {text}", line={"color": colour, "dash": "dot"},
                ),
                row=1, col=1,
            )  # fmt: skip
        memory = [f"{prefix}_{name}_peak_rss_bytes" for prefix in prefixes]
        figure.add_trace(
            points(figures, label, sizes, memory, colour, scale=MEBIBYTE, legend=False),
            row=1,
            col=2,
        )
    figure.update_xaxes(type="log", title_text="events")
    figure.update_yaxes(type="log", row=1, col=1)
    last = prefixes[-1]
    note = (
        f"at {sizes[-1]:,} events, time ÷ reference: recompute ÷ DuckDB "
        f"{ratio_text(figures, f'{last}_recompute_to_duckdb_time')}, replay ÷ ConsumerPerformance "
        f"{ratio_text(figures, f'{last}_replay_to_consumer_performance_time')}"
    )
    return layout(figure, "lk bench scale: the cost curve", None, note)
