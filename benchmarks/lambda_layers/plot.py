"""`lk bench lambda`'s plot."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from benchmarks.harness.plotting import OURS, REFERENCE, bar, bars, layout, ratio_text


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
        figure.add_trace(bar(figures, label, key, colour), row=1, col=1)
    for label, prefix, colour in (
        ("speed layer", "speed", OURS),
        ("bare query", "reference", REFERENCE),
    ):
        keys = [f"{prefix}_latency_p50_ms", f"{prefix}_latency_p99_ms"]
        figure.add_trace(bars(figures, label, ["p50", "p99"], keys, colour), row=1, col=2)
    ratios = (
        f"batch ÷ ConsumerPerformance {ratio_text(figures, 'ratio_batch_to_consumer_performance')}"
        f" · speed ÷ bare query: p50 {ratio_text(figures, 'ratio_speed_p50_to_reference')},"
        f" p99 {ratio_text(figures, 'ratio_speed_p99_to_reference')}"
    )
    title = f"lk bench lambda: {figures['records']:,} records"
    figure.update_yaxes(type="log", row=1, col=1)
    return layout(figure, title, None, ratios, grouped=True)
