"""Printing a command's figures: an aligned table for people, a JSON file for scripts, and for a
benchmark a plot beside the JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plotly.graph_objects as go


def format_figures(figures: dict) -> str:
    """The figures as an aligned two-column table (name, value), in their order."""
    width = max(len(key) for key in figures)
    return "\n".join(
        f"{key:<{width}}  {value:,}" if isinstance(value, int) else f"{key:<{width}}  {value}"
        for key, value in figures.items()
    )


def write_figures(
    figures: dict,
    out: str | Path | None,
    *,
    plot: Callable[[dict], go.Figure | None] | None = None,
) -> Path | None:
    """Print the figures as a table and, with `out`, also write them there as JSON; with `plot`
    too, the figure `plot(figures)` returns as a self-contained HTML page beside it (`out` with
    the suffix `.html`, or `.plot.html` when `out` ends in `.html`; plotly's JavaScript inlined,
    no network). Returns the page's path, or
    None when none was written (no `out`, no `plot`, or `plot` returned None)."""
    print(format_figures(figures))
    if not out:
        return None
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n")
    figure = plot(figures) if plot else None
    if figure is None:
        return None
    page = path.with_suffix(".html") if path.suffix != ".html" else path.with_suffix(".plot.html")
    figure.write_html(page, include_plotlyjs=True, full_html=True)
    print(f"plot: {page}")
    return page
