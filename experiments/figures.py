"""How a benchmark reports a figure measured over several runs, and the environment it ran in."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from collections.abc import Sequence
from pathlib import Path

import psutil

PERCENTILE_METHOD = "inverted_cdf"
"""The one percentile definition of every figure (experiments and benchmarks): numpy's name for
Hyndman & Fan's definition 1 (Hyndman and Fan, "Sample Quantiles in Statistical Packages", The
American Statistician 50(4), 1996): the p-th percentile is the smallest observed value V such that
at least p % of the values are <= V (always an observed value, never an interpolation)."""


def percentile(values: Sequence[float], percent: float) -> float | None:
    """The `percent`-th percentile (0-100) of `values` by PERCENTILE_METHOD; None for no values."""
    import numpy as np

    if len(values) == 0:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), percent, method=PERCENTILE_METHOD))


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
