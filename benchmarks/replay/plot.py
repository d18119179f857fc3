"""`lk bench replay`'s plot."""

from __future__ import annotations

import plotly.graph_objects as go

from benchmarks.harness.plotting import OURS, REFERENCE, bar, layout, ratio_text


def plot_replay(figures: dict) -> go.Figure:
    """Records/s of a Kappa replay against ConsumerPerformance, a bare Spark read and a Spark
    batch job computing the same views; each ratio annotated."""
    bars = [
        ("Kappa replay", "replay_records_per_second", OURS),
        ("ConsumerPerformance", "consumer_performance_records_per_second", REFERENCE),
        ("Spark read (count)", "spark_read_count_records_per_second", REFERENCE),
        ("Spark batch views", "spark_batch_views_records_per_second", REFERENCE),
    ]
    figure = go.Figure([bar(figures, label, key, colour) for label, key, colour in bars])
    ratios = " · ".join(
        f"÷ {name} {ratio_text(figures, key)}"
        for name, key in (
            ("ConsumerPerformance", "ratio_replay_to_consumer_performance"),
            ("Spark read", "ratio_replay_to_spark_read"),
            ("Spark batch views", "ratio_replay_to_spark_batch_views"),
        )
    )
    title = f"lk bench replay: {figures['records']:,} records"
    return layout(figure, title, "records/s (log scale)", f"replay {ratios}", log=True)
