"""`lk bench batch`'s plot."""

from __future__ import annotations

import re

import plotly.graph_objects as go

from benchmarks.harness.plotting import OURS, REFERENCE, bars, layout, ratio_text


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
            bars(figures, name, sizes, [f"events_{n}_{key}_seconds" for n in labels], colour)
            for name, key, colour in engines
        ]
    )
    for size, label in zip(sizes, labels, strict=True):
        ratio = ratio_text(figures, f"events_{label}_ratio_spark_to_duckdb")
        figure.add_annotation(
            x=size, y=1, yref="paper", text=f"Spark ÷ DuckDB {ratio}", showarrow=False
        )
    title = "lk bench batch: all views of the master dataset"
    return layout(figure, title, "seconds (log scale)", None, log=True, grouped=True)
