"""Printing a command's figures: an aligned table for people, a JSON file for scripts."""

from __future__ import annotations

import json
from pathlib import Path


def format_figures(figures: dict) -> str:
    """The figures as an aligned two-column table (name, value), in their order."""
    width = max(len(key) for key in figures)
    return "\n".join(
        f"{key:<{width}}  {value:,}" if isinstance(value, int) else f"{key:<{width}}  {value}"
        for key, value in figures.items()
    )


def write_figures(figures: dict, out: str | Path | None) -> None:
    """Print the figures as a table and, with `out`, also write them there as JSON."""
    print(format_figures(figures))
    if out:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(figures, indent=2) + "\n")
