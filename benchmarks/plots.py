"""One plot per benchmark, drawn from the figures dict its `run_bench_*` returns (the JSON that
`--out` writes), for `lk.output.write_figures(..., plot=...)`.

Every measured figure is drawn at its median, with a min–max error bar when the benchmark was
repeated (`<name>_min`, `<name>_max`, see `experiments.figures.spread`), and each ratio to the
reference is written on the plot. Each function returns a `plotly.graph_objects.Figure`.
"""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from benchmarks.batch.bench import short_count
from benchmarks.scale.cost_fit import fitted_seconds

MEBIBYTE = 1024 * 1024
FIT_KEYS = ("fixed_seconds", "seconds_per_million_events", "events_per_second")
OURS, REFERENCE = "#1f77b4", "#7f7f7f"
"""Colours: what the project measures, and the reference it is divided by."""


def plot_produce(figures: dict) -> go.Figure:
    """Records/s of `lk produce`'s producer against ProducerPerformance (and ConsumerPerformance
    reading the topic it wrote); the ratio to ProducerPerformance annotated."""
    bars = [
        ("lk produce", "lk_produce_records_per_second", OURS),
        ("ProducerPerformance", "producer_performance_records_per_second", REFERENCE),
        ("ConsumerPerformance", "consumer_performance_records_per_second", REFERENCE),
    ]
    figure = go.Figure([_bar(figures, label, key, colour) for label, key, colour in bars])
    ratio = _ratio_text(figures, "ratio_lk_produce_to_producer_performance")
    return _layout(figure, f"lk bench produce: {figures['records']:,} records", "records/s", ratio)


def plot_replay(figures: dict) -> go.Figure:
    """Records/s of a Kappa replay against ConsumerPerformance, a bare Spark read and a Spark
    batch job computing the same views; each ratio annotated."""
    bars = [
        ("Kappa replay", "replay_records_per_second", OURS),
        ("ConsumerPerformance", "consumer_performance_records_per_second", REFERENCE),
        ("Spark read (count)", "spark_read_count_records_per_second", REFERENCE),
        ("Spark batch views", "spark_batch_views_records_per_second", REFERENCE),
    ]
    figure = go.Figure([_bar(figures, label, key, colour) for label, key, colour in bars])
    ratios = " · ".join(
        f"÷ {name} {_ratio_text(figures, key)}"
        for name, key in (
            ("ConsumerPerformance", "ratio_replay_to_consumer_performance"),
            ("Spark read", "ratio_replay_to_spark_read"),
            ("Spark batch views", "ratio_replay_to_spark_batch_views"),
        )
    )
    title = f"lk bench replay: {figures['records']:,} records"
    return _layout(figure, title, "records/s (log scale)", f"replay {ratios}", log=True)


def plot_lambda(figures: dict) -> go.Figure:
    """Left: batch-layer events/s against ConsumerPerformance and a bare Spark read; right: the
    speed layer's micro-batch latency p50 and p99 (ms) against a bare streaming query's."""
    figure = make_subplots(
        rows=1, cols=2, subplot_titles=("batch layer (records/s)", "micro-batch latency (ms)")
    )
    for label, key, colour in (
        ("lk lambda batch", "batch_events_per_second", OURS),
        ("ConsumerPerformance", "consumer_performance_records_per_second", REFERENCE),
        ("Spark read (count)", "spark_read_count_records_per_second", REFERENCE),
    ):
        figure.add_trace(_bar(figures, label, key, colour), row=1, col=1)
    for label, prefix, colour in (
        ("speed layer", "speed", OURS),
        ("bare query", "reference", REFERENCE),
    ):
        keys = [f"{prefix}_latency_p50_ms", f"{prefix}_latency_p99_ms"]
        figure.add_trace(_bars(figures, label, ["p50", "p99"], keys, colour), row=1, col=2)
    ratios = (
        f"batch ÷ ConsumerPerformance {_ratio_text(figures, 'ratio_batch_to_consumer_performance')}"
        f" · speed ÷ bare query: p50 {_ratio_text(figures, 'ratio_speed_p50_to_reference')},"
        f" p99 {_ratio_text(figures, 'ratio_speed_p99_to_reference')}"
    )
    title = f"lk bench lambda: {figures['records']:,} records"
    figure.update_yaxes(type="log", row=1, col=1)
    return _layout(figure, title, None, ratios, grouped=True)


def plot_batch(figures: dict) -> go.Figure:
    """Seconds of the batch views per dataset size, Spark against DuckDB on the same Parquet
    (log scale), the ratio written above each size."""
    labels = [
        m.group(1) for key in figures if (m := re.fullmatch(r"events_(.+)_spark_seconds", key))
    ]
    sizes = [f"{figures[f'events_{label}_records']:,} records" for label in labels]
    engines = (("Spark (batch layer)", "spark", OURS), ("DuckDB", "duckdb", REFERENCE))
    figure = go.Figure(
        [
            _bars(figures, name, sizes, [f"events_{n}_{key}_seconds" for n in labels], colour)
            for name, key, colour in engines
        ]
    )
    for size, label in zip(sizes, labels, strict=True):
        ratio = _ratio_text(figures, f"events_{label}_ratio_spark_to_duckdb")
        figure.add_annotation(
            x=size, y=1, yref="paper", text=f"Spark ÷ DuckDB {ratio}", showarrow=False
        )
    title = "lk bench batch: all views of the master dataset"
    return _layout(figure, title, "seconds (log scale)", None, log=True, grouped=True)


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
        figure.add_trace(_points(figures, label, sizes, keys, colour), row=1, col=1)
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
            _points(figures, label, sizes, memory, colour, scale=MEBIBYTE, legend=False),
            row=1,
            col=2,
        )
    figure.update_xaxes(type="log", title_text="events")
    figure.update_yaxes(type="log", row=1, col=1)
    last = prefixes[-1]
    note = (
        f"at {sizes[-1]:,} events, time ÷ reference: recompute ÷ DuckDB "
        f"{_ratio_text(figures, f'{last}_recompute_to_duckdb_time')}, replay ÷ ConsumerPerformance "
        f"{_ratio_text(figures, f'{last}_replay_to_consumer_performance_time')}"
    )
    return _layout(figure, "lk bench scale: the cost curve", None, note)


def _bar(figures: dict, label: str, key: str, colour: str) -> go.Bar:
    """One bar: the median of figure `key`, its min–max as an error bar."""
    return _bars(figures, label, [label], [key], colour, legend=False)


def _bars(
    figures: dict, name: str, x: list[str], keys: list[str], colour: str, *, legend: bool = True
) -> go.Bar:
    """Bars at `x` of the figures `keys` (None left out as a gap), with min–max error bars when
    repeated, else each value written inside its bar."""
    values = [figures.get(key) for key in keys]
    errors = _error_bars(figures, keys)
    return go.Bar(
        x=x, y=values, name=name, marker_color=colour, showlegend=legend, error_y=errors,
        text=None if errors else [_number(v) for v in values], textposition="inside",
    )  # fmt: skip


def _points(
    figures: dict, name: str, x: list[int], keys: list[str], colour: str, *,
    scale: float = 1, legend: bool = True,
) -> go.Scatter:  # fmt: skip
    """Markers at `x` of the figures `keys` divided by `scale`, with min–max error bars."""
    values = [None if figures.get(key) is None else figures[key] / scale for key in keys]
    return go.Scatter(
        x=x, y=values, name=name, mode="markers+lines" if scale != 1 else "markers",
        marker={"color": colour, "size": 9}, line={"color": colour}, showlegend=legend,
        error_y=_error_bars(figures, keys, scale),
    )  # fmt: skip


def _error_bars(figures: dict, keys: list[str], scale: float = 1) -> dict | None:
    """Plotly's asymmetric error bars from `<key>_min` and `<key>_max`; None if not repeated."""
    if not all(f"{key}_max" in figures for key in keys):
        return None
    return {
        "type": "data",
        "symmetric": False,
        "array": [(figures[f"{key}_max"] - figures[key]) / scale for key in keys],
        "arrayminus": [(figures[key] - figures[f"{key}_min"]) / scale for key in keys],
    }


def _ratio_text(figures: dict, key: str) -> str:
    """A ratio as `median (min–max)`, or `median`, or `–` when it could not be measured."""
    value = figures.get(key)
    if value is None:
        return "–"
    if f"{key}_min" in figures:
        return f"{value:g} ({figures[f'{key}_min']:g}–{figures[f'{key}_max']:g})"
    return f"{value:g}"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _layout(
    figure: go.Figure, title: str, y_title: str | None, note: str | None, *,
    log: bool = False, grouped: bool = False,
) -> go.Figure:  # fmt: skip
    """Title, the note (the ratios) under it, axis title and scale, a plain template."""
    text = title if note is None else f"{title}<br><sup>{note}</sup>"
    figure.update_layout(
        title={"text": text}, template="plotly_white", barmode="group" if grouped else None,
        yaxis_title=y_title, margin={"t": 100},
    )  # fmt: skip
    if log:
        figure.update_layout(yaxis_type="log")
    return figure
