"""How a benchmark reports a figure measured over several runs, and the environment it ran in."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from pathlib import Path

import psutil


def spread(name: str, values: list[float], *, digits: int | None = None) -> dict:
    """`{name: median}` of `values` (rounded to a whole number unless `digits`); with several
    values also `name_min` and `name_max`. ValueError on no values."""
    if not values:
        raise ValueError(f"no values for {name}")
    figures = {name: round(statistics.median(values), digits)}
    if len(values) > 1:
        figures[f"{name}_min"] = round(min(values), digits)
        figures[f"{name}_max"] = round(max(values), digits)
    return figures


def environment() -> dict:
    """Where a figure was measured: `cores` (logical CPUs), `memory_bytes`, `python`,
    `platform`, `git_commit` (None outside a git work tree)."""
    return {
        "cores": os.cpu_count(),
        "memory_bytes": psutil.virtual_memory().total,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": _git_commit(),
    }


def _git_commit() -> str | None:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True, text=True, timeout=10, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip() or None
