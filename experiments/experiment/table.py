"""The side-by-side table of every metric of a results document: one row per metric, one column
per architecture ("lambda", "kappa", and "shared" when something is measured for both, e.g. the
Kafka broker), each cell the median over the repeats with min–max when there are several."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from experiments.experiment.repeats import combine_repeats

COLUMNS = ("lambda", "kappa", "shared")
ORDER = (
    "accuracy_final", "accuracy_mean", "final_rows_wrong", "final_rows_right_only_here",
    "extra_served_rows", "window_latency_p50_s", "window_latency_p95_s", "window_latency_p99_s",
    "window_never_correct_share", "late_events_dropped", "rejected_records", "recompute_seconds",
    "recompute_events_per_s", "time_to_correct_s", "recovery_seconds", "cpu_seconds",
    "peak_rss_bytes", "disk_peak_bytes", "disk_end_bytes", "disk_reprocess_ratio", "code_lines",
    "jobs_to_operate",
)  # fmt: skip
"""Metrics in the order the table shows them; `name:component` sorts with `name`, others last."""
MEBIBYTE = 2**20
COUNT_UNITS = ("rows", "records", "events", "lines", "jobs")
"""Units whose values are whole counts."""


def _order(metric: str) -> tuple[int, str]:
    base = metric.split(":", 1)[0]
    return (ORDER.index(base) if base in ORDER else len(ORDER), metric)


def display_unit(unit: str) -> str:
    """The unit a cell is shown in: bytes as MiB, the rest as recorded."""
    return "MiB" if unit == "bytes" else unit


def _digits(value: float) -> int:
    """Decimals that give a figure about 3 significant digits (at least whole numbers)."""
    magnitude = abs(value)
    return 2 if magnitude < 10 else 1 if magnitude < 100 else 0


def format_value(value: float | int | None, unit: str, *, like: float | None = None) -> str:
    """One number as the table shows it in `display_unit(unit)`: shares with 3 decimals, counts
    whole, other figures with about 3 significant digits (as many decimals as `like` would get,
    when given, so a median and its range align); None as "—"."""
    if value is None:
        return "—"
    scale = MEBIBYTE if unit == "bytes" else 1
    if unit == "share":
        return f"{value:.3f}"
    if unit in COUNT_UNITS or (isinstance(value, int) and unit != "bytes"):
        return f"{round(value):,}"
    return f"{value / scale:,.{_digits((value if like is None else like) / scale)}f}"


def format_cell(entry: dict | None) -> str:
    """A `combine_repeats` record as "median" or "median (min–max)"; "" when not measured."""
    if entry is None:
        return ""
    median, unit = entry["median"], entry["unit"]
    text = format_value(median, unit)
    if entry["repeats"] > 1 and entry["min"] != entry["max"]:
        low = format_value(entry["min"], unit, like=median)
        high = format_value(entry["max"], unit, like=median)
        return f"{text} ({low}–{high})"
    return text


def table_rows(results: dict) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the side-by-side table: `metric`, one column per architecture present
    (COLUMNS order, then any other), `unit`; one row per metric, cells as `format_cell`."""
    combined = combine_repeats(results.get("metrics", []))
    present = {entry["architecture"] for entry in combined}
    architectures = [name for name in COLUMNS if name in present]
    architectures += sorted(present - set(COLUMNS))
    cells = {(entry["architecture"], entry["metric"]): entry for entry in combined}
    units = {entry["metric"]: entry["unit"] for entry in combined}
    rows = [
        [metric, *(format_cell(cells.get((name, metric))) for name in architectures),
         display_unit(units[metric])]
        for metric in sorted(units, key=_order)
    ]  # fmt: skip
    return ["metric", *architectures, "unit"], rows


def repeats_of(results: dict) -> int:
    """How many repeats the results hold (distinct `repeat` values of the metric records)."""
    return len({record["repeat"] for record in results.get("metrics", [])})


def format_table(results: dict, *, width: int = 110) -> str:
    """The side-by-side table as plain text for the terminal (rich, no colour codes)."""
    header, rows = table_rows(results)
    repeats = repeats_of(results)
    scenario = results.get("scenario", {}).get("name", "")
    caption = f"median (min–max) of {repeats} repeats" if repeats > 1 else "one run"
    table = Table(title=f"Lambda vs Kappa — {scenario}", caption=caption)
    for index, name in enumerate(header):
        table.add_column(name, justify="left" if index in (0, len(header) - 1) else "right")
    for row in rows:
        table.add_row(*row)
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, force_terminal=False).print(table)
    return buffer.getvalue()
