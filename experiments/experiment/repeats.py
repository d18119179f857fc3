"""How the repeats of an experiment are combined: one figure per architecture and metric."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence


def combine_repeats(metrics: Iterable[dict]) -> list[dict]:
    """One record per (architecture, metric), in order of first appearance:
    `{architecture, metric, unit, median, min, max, repeats}` over the repeats whose value is not
    None (`repeats` counts those; median, min and max are None when it is 0). With one repeat,
    median = min = max."""
    grouped: dict[tuple[str, str], dict] = {}
    for record in metrics:
        entry = grouped.setdefault(
            (record["architecture"], record["metric"]),
            {"architecture": record["architecture"], "metric": record["metric"],
             "unit": record["unit"], "values": []},
        )  # fmt: skip
        if record["value"] is not None:
            entry["values"].append(record["value"])
    combined = []
    for entry in grouped.values():
        values: Sequence[float] = entry.pop("values")
        entry["median"] = statistics.median(values) if values else None
        entry["min"] = min(values) if values else None
        entry["max"] = max(values) if values else None
        entry["repeats"] = len(values)
        combined.append(entry)
    return combined
