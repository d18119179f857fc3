"""What an architecture served when: the recorded changes of a run as intervals of served values.

A value recorded by a change (`experiments.experiment.timeline`) is the served value from that
change's sample time up to the key's next change. A failed sample (ok = false) records no change,
so a row keeps the value read before it. Times are wall-clock seconds since the epoch (float).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def served_intervals(changes: pa.Table, architecture: str) -> pa.Table:
    """One row per value `architecture` served: `view`, `key`, `value` (null: the row was gone),
    `start` and `end` (s since the epoch): from the sample that saw it up to the key's next change
    (`end` = inf while it is still served)."""
    rows = changes.filter(pc.equal(changes["architecture"], architecture))
    order = pc.sort_indices(
        rows, sort_keys=[("view", "ascending"), ("key", "ascending"), ("t", "ascending")]
    )
    rows = rows.take(order)
    views = rows["view"].to_numpy()
    keys = rows["key"].to_numpy()
    start = rows["t"].to_numpy()
    end = np.full(len(start), np.inf)
    if len(start) > 1:
        same_row = (views[1:] == views[:-1]) & (keys[1:] == keys[:-1])
        end[:-1] = np.where(same_row, start[1:], np.inf)
    return pa.table(
        {
            "view": rows["view"],
            "key": rows["key"],
            "value": rows["value"],
            "start": pa.array(start, pa.float64()),
            "end": pa.array(end, pa.float64()),
        }
    )


def right_intervals(intervals: pa.Table, truth: pa.Table) -> pa.Table:
    """The intervals of `served_intervals` during which a row of `truth` was served exactly (its
    value text equals the oracle's): `view`, `key`, `start`, `end`, `last_append` (s)."""
    oracle = truth.select(["view", "key", "value", "last_append"]).rename_columns(
        ["view", "key", "truth_value", "last_append"]
    )
    joined = intervals.join(oracle, keys=["view", "key"], join_type="inner")
    exact = pc.fill_null(pc.equal(joined["value"], joined["truth_value"]), False)
    return joined.filter(exact).select(["view", "key", "start", "end", "last_append"])


def of_views(table: pa.Table, views: Iterable[str] | None) -> pa.Table:
    if views is None:
        return table
    return table.filter(pc.is_in(table["view"], pa.array(list(views), pa.string())))


def read_sample_times(samples: pa.Table, architecture: str) -> np.ndarray:
    """Times (s) of the samples of `architecture` that could be read, ascending."""
    read = pc.and_(pc.equal(samples["architecture"], architecture), samples["ok"])
    return np.sort(samples.filter(pc.fill_null(read, False))["t"].to_numpy())


def served_at(changes: pa.Table, architecture: str, t: float) -> pa.Table:
    """The rows `architecture` served at time `t` (s): `view`, `key`, `value` (no gone rows)."""
    intervals = served_intervals(changes, architecture)
    current = pc.and_(
        pc.less_equal(intervals["start"], t), pc.greater(intervals["end"], t)
    )  # start <= t < end
    current = pc.and_(current, pc.is_valid(intervals["value"]))
    return intervals.filter(current).select(["view", "key", "value"])
