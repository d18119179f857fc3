"""How fast and how exactly an architecture served the oracle's rows, from what a run recorded.

Pure functions over the tables of `experiments.experiment.timeline` (changes, samples, truth
rows). Times are wall-clock seconds since the epoch (float); a duration is in seconds.

A served row's history is a list of intervals (`served.served_intervals`); accuracy is only
measured at samples that were read. `served_metrics` turns one repeat into the records of
results.json: a metric record is `{architecture, metric, value, unit, repeat}`, a series record
`{architecture, repeat, view, t_s, accuracy}` (view "all" for the four views together), a latency
record `{architecture, repeat, view, key, latency_s}`; `t_s` is seconds since the repeat's start.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from experiments.experiment.served import (
    of_views,
    read_sample_times,
    right_intervals,
    served_at,
    served_intervals,
)
from experiments.experiment.timeline import ARCHITECTURES
from experiments.figures import percentile

LATENCY_VIEW = "action_counts"
"""The view whose rows are the "windows" of the window-latency figures."""

ALL_VIEWS = "all"
"""The `view` of a series record measured over every view together."""

METRIC_UNITS = {
    "window_latency_p50_s": "s",
    "window_latency_p95_s": "s",
    "window_latency_p99_s": "s",
    "window_never_correct_share": "share",
    "accuracy_final": "share",
    "accuracy_mean": "share",
    "final_rows_wrong": "rows",
    "final_rows_right_only_here": "rows",
    "extra_served_rows": "rows",
}
"""The metrics `served_metrics` measures, with their units. `accuracy_mean` is the mean of the
accuracy series over the samples at which some row was due; `final_rows_right_only_here` counts
the oracle rows this architecture serves exactly at the end and the other does not."""


def _last_appends(truth: pa.Table) -> np.ndarray:
    if truth["last_append"].null_count:
        raise ValueError("truth rows without last_append: no moment from which they are due")
    return truth["last_append"].to_numpy()


def window_latencies(
    changes: pa.Table, truth: pa.Table, architecture: str, *, view: str = LATENCY_VIEW
) -> pa.Table:
    """One row per oracle row of `view`, sorted by key: `key`, `last_append`, `first_right` (the
    first sample time at which `architecture` served the oracle's value, null if never) and
    `latency_s` = first_right - last_append (s; null if never; <= 0 when the row was already right
    before its last event was appended, e.g. that event was a duplicate)."""
    oracle = of_views(truth, [view])
    _last_appends(oracle)
    right = right_intervals(served_intervals(of_views(changes, [view]), architecture), oracle)
    first = right.group_by("key").aggregate([("start", "min")]).rename_columns(["key", "first"])
    rows = oracle.select(["key", "last_append"]).join(first, keys="key", join_type="left outer")
    rows = rows.sort_by("key")
    return pa.table(
        {
            "key": rows["key"],
            "last_append": rows["last_append"],
            "first_right": rows["first"],
            "latency_s": pc.subtract(rows["first"], rows["last_append"]),
        }
    )


def latency_summary(latencies: Sequence[float | None]) -> dict[str, float | int | None]:
    """`p50_s`, `p95_s`, `p99_s` of the latencies of the rows served right (PERCENTILE_METHOD;
    None when no row was), `never_correct_share` (rows never served right / all rows; None
    without rows) and `rows`."""
    right = np.array([value for value in latencies if value is not None], dtype=float)
    rows = len(latencies)
    summary: dict[str, float | int | None] = {"rows": rows}
    for name, percent in (("p50_s", 50), ("p95_s", 95), ("p99_s", 99)):
        summary[name] = percentile(right, percent)
    summary["never_correct_share"] = (rows - len(right)) / rows if rows else None
    return summary


def accuracy_over_time(
    changes: pa.Table,
    samples: pa.Table,
    truth: pa.Table,
    architecture: str,
    *,
    views: Iterable[str] | None = None,
) -> pa.Table:
    """One row per read sample of `architecture`: `t` (s), `rows_due` (oracle rows whose last event
    was appended at or before t), `rows_right` (of those, the ones served at t with the oracle's
    value) and `accuracy` = rows_right / rows_due (null while no row is due); over `views` (all
    when None). A sweep over sorted interval ends: O((rows + samples) log rows)."""
    views = None if views is None else list(views)
    oracle = of_views(truth, views)
    times = read_sample_times(samples, architecture)
    due = np.sort(_last_appends(oracle))
    right = right_intervals(served_intervals(of_views(changes, views), architecture), oracle)
    # a row counts from the later of: served right, due
    opens = np.maximum(right["start"].to_numpy(), right["last_append"].to_numpy())
    closes = right["end"].to_numpy()
    counted = opens < closes
    opens, closes = np.sort(opens[counted]), np.sort(closes[counted])
    rows_due = np.searchsorted(due, times, side="right")
    rows_right = np.searchsorted(opens, times, side="right") - np.searchsorted(
        closes, times, side="right"
    )
    accuracy = rows_right / np.maximum(rows_due, 1)
    return pa.table(
        {
            "t": pa.array(times, pa.float64()),
            "rows_due": pa.array(rows_due, pa.int64()),
            "rows_right": pa.array(rows_right, pa.int64()),
            "accuracy": pa.array(accuracy, pa.float64(), mask=rows_due == 0),
        }
    )


def final_state(
    changes: pa.Table, samples: pa.Table, truth: pa.Table, architecture: str
) -> dict[str, object]:
    """What `architecture` served at its last read sample, against every oracle row:
    `t` (s), `accuracy_final` (oracle rows served exactly / oracle rows), `rows_wrong` (oracle rows
    missing or served with another value), `extra_rows` (served rows whose key the oracle lacks),
    `right_keys` (set of (view, key) served exactly). All None (and an empty set) when no sample
    of `architecture` could be read."""
    times = read_sample_times(samples, architecture)
    if not len(times):
        return {
            "t": None,
            "accuracy_final": None,
            "rows_wrong": None,
            "extra_rows": None,
            "right_keys": set(),
        }
    last = float(times[-1])
    served = served_at(changes, architecture, last)
    oracle = truth.select(["view", "key", "value"]).rename_columns(["view", "key", "truth_value"])
    exact = served.join(oracle, keys=["view", "key"], join_type="inner")
    exact = exact.filter(pc.equal(exact["value"], exact["truth_value"]))
    extra = served.join(oracle, keys=["view", "key"], join_type="left anti")
    right_keys = set(zip(exact["view"].to_pylist(), exact["key"].to_pylist(), strict=True))
    rows = truth.num_rows
    return {
        "t": last,
        "accuracy_final": len(right_keys) / rows if rows else None,
        "rows_wrong": rows - len(right_keys),
        "extra_rows": extra.num_rows,
        "right_keys": right_keys,
    }


def _metric(architecture: str, metric: str, value: float | int | None, repeat: int) -> dict:
    return {
        "architecture": architecture,
        "metric": metric,
        "value": value,
        "unit": METRIC_UNITS[metric],
        "repeat": repeat,
    }


def _series(table: pa.Table, architecture: str, repeat: int, view: str, start: float) -> list[dict]:
    """Series records of one `accuracy_over_time` table."""
    return [
        {
            "architecture": architecture,
            "repeat": repeat,
            "view": view,
            "t_s": round(t - start, 3),
            "accuracy": accuracy,
        }
        for t, accuracy in zip(table["t"].to_pylist(), table["accuracy"].to_pylist(), strict=True)
    ]


def served_metrics(
    changes: pa.Table,
    samples: pa.Table,
    truth: pa.Table,
    *,
    repeat: int,
    started: float,
    latency_view: str = LATENCY_VIEW,
) -> dict[str, list[dict]]:
    """`{"metrics", "series", "latencies"}` of one repeat, for both architectures: the METRIC_UNITS
    metrics; accuracy each read sample over all views and per view; the latency of each row of
    `latency_view`. `started` (s since the epoch) is the repeat's start, t_s = t - started."""
    metrics: list[dict] = []
    series: list[dict] = []
    latencies: list[dict] = []
    views = sorted(set(truth["view"].to_pylist()))
    finals = {name: final_state(changes, samples, truth, name) for name in ARCHITECTURES}
    for name in ARCHITECTURES:
        other = finals[ARCHITECTURES[1 - ARCHITECTURES.index(name)]]
        overall = accuracy_over_time(changes, samples, truth, name)
        series += _series(overall, name, repeat, ALL_VIEWS, started)
        for view in views:
            per_view = accuracy_over_time(changes, samples, truth, name, views=[view])
            series += _series(per_view, name, repeat, view, started)
        rows = window_latencies(changes, truth, name, view=latency_view)
        summary = latency_summary(rows["latency_s"].to_pylist())
        latencies += [
            {
                "architecture": name,
                "repeat": repeat,
                "view": latency_view,
                "key": key,
                "latency_s": latency,
            }
            for key, latency in zip(
                rows["key"].to_pylist(), rows["latency_s"].to_pylist(), strict=True
            )
        ]
        accuracy = overall["accuracy"].drop_null()
        final = finals[name]
        compared = final["t"] is not None and other["t"] is not None
        only_here = len(final["right_keys"] - other["right_keys"]) if compared else None
        metrics += [
            _metric(name, "window_latency_p50_s", summary["p50_s"], repeat),
            _metric(name, "window_latency_p95_s", summary["p95_s"], repeat),
            _metric(name, "window_latency_p99_s", summary["p99_s"], repeat),
            _metric(name, "window_never_correct_share", summary["never_correct_share"], repeat),
            _metric(name, "accuracy_final", final["accuracy_final"], repeat),
            _metric(name, "accuracy_mean", pc.mean(accuracy).as_py() if len(accuracy) else None, repeat),
            _metric(name, "final_rows_wrong", final["rows_wrong"], repeat),
            _metric(name, "final_rows_right_only_here", only_here, repeat),
            _metric(name, "extra_served_rows", final["extra_rows"], repeat),
        ]  # fmt: skip
    return {"metrics": metrics, "series": series, "latencies": latencies}
