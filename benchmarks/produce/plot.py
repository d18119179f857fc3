"""`lk bench produce`'s plot."""

from __future__ import annotations

import plotly.graph_objects as go

from benchmarks.harness.plotting import OURS, REFERENCE, bar, layout, ratio_text


def plot_produce(figures: dict) -> go.Figure:
    """Records/s of `lk produce`'s producer against ProducerPerformance (and ConsumerPerformance
    reading the topic it wrote); the ratio to ProducerPerformance annotated."""
    bars = [
        ("lk produce", "lk_produce_records_per_second", OURS),
        ("ProducerPerformance", "producer_performance_records_per_second", REFERENCE),
        ("ConsumerPerformance", "consumer_performance_records_per_second", REFERENCE),
    ]
    figure = go.Figure([bar(figures, label, key, colour) for label, key, colour in bars])
    ratio = ratio_text(figures, "ratio_lk_produce_to_producer_performance")
    return layout(figure, f"lk bench produce: {figures['records']:,} records", "records/s", ratio)
