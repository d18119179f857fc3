"""What every benchmark's plot shares: bars and points at the median with min–max error bars,
ratios written as text, and one layout.

Every measured figure is drawn at its median, with a min–max error bar when the benchmark was
repeated (`<name>_min`, `<name>_max`, see `experiments.figures.spread`), and each ratio to the
reference is written on the plot.
"""

from __future__ import annotations

import plotly.graph_objects as go

OURS, REFERENCE = "#1f77b4", "#7f7f7f"
"""Colours: what the project measures, and the reference it is divided by."""


def bar(figures: dict, label: str, key: str, colour: str) -> go.Bar:
    """One bar: the median of figure `key`, its min–max as an error bar."""
    return bars(figures, label, [label], [key], colour, legend=False)


def bars(
    figures: dict, name: str, x: list[str], keys: list[str], colour: str, *, legend: bool = True
) -> go.Bar:
    """Bars at `x` of the figures `keys` (None left out as a gap), with min–max error bars when
    repeated, else each value written inside its bar."""
    values = [figures.get(key) for key in keys]
    errors = error_bars(figures, keys)
    return go.Bar(
        x=x, y=values, name=name, marker_color=colour, showlegend=legend, error_y=errors,
        text=None if errors else [number(v) for v in values], textposition="inside",
    )  # fmt: skip


def points(
    figures: dict, name: str, x: list[int], keys: list[str], colour: str, *,
    scale: float = 1, legend: bool = True,
) -> go.Scatter:  # fmt: skip
    """Markers at `x` of the figures `keys` divided by `scale`, with min–max error bars."""
    values = [None if figures.get(key) is None else figures[key] / scale for key in keys]
    return go.Scatter(
        x=x, y=values, name=name, mode="markers+lines" if scale != 1 else "markers",
        marker={"color": colour, "size": 9}, line={"color": colour}, showlegend=legend,
        error_y=error_bars(figures, keys, scale),
    )  # fmt: skip


def error_bars(figures: dict, keys: list[str], scale: float = 1) -> dict | None:
    """Plotly's asymmetric error bars from `<key>_min` and `<key>_max`; None if not repeated."""
    if not all(f"{key}_max" in figures for key in keys):
        return None
    return {
        "type": "data",
        "symmetric": False,
        "array": [(figures[f"{key}_max"] - figures[key]) / scale for key in keys],
        "arrayminus": [(figures[key] - figures[f"{key}_min"]) / scale for key in keys],
    }


def ratio_text(figures: dict, key: str) -> str:
    """A ratio as `median (min–max)`, or `median`, or `–` when it could not be measured."""
    value = figures.get(key)
    if value is None:
        return "–"
    if f"{key}_min" in figures:
        return f"{value:g} ({figures[f'{key}_min']:g}–{figures[f'{key}_max']:g})"
    return f"{value:g}"


def number(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def layout(
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
