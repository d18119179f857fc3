"""The YSB benchmark's second opinion and its latency arithmetic, in plain Python.

`truth_counts` counts the view events per campaign and window straight from the bytes the
generator sent, with Python's json module and integer arithmetic, as YSB's own checker does
(github.com/yahoo/streaming-benchmarks, data/src/setup/core.clj `dostats`: bucket = event_time /
10000): it shares no code with the Spark query it checks (`benchmarks/ysb/query.py`).

`window_latencies` applies YSB's latency definition to a job's window rows. YSB stamps each
window with the time it was last written (`time_updated`) and reports time_updated minus the
window's timestamp, its start (core.clj `get-stats`, written to updated.txt); the window's last
event is emitted at about the window's end, so the paper and the Yahoo blog (Dec 2015) subtract
the window's 10 s to get the latency of the last event. Here: latency of a window = its last
update (wall clock) minus its end (event time, which is the send time of the generator), in ms:
how long after its last event was due the window's final count was written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from experiments.figures import percentile
from workloads.records import Record

WINDOW_MS = 10_000
"""YSB's window: 10 s (core.clj: time-divisor)."""
PERCENTILES = (50, 90, 99)
"""The latency percentiles YSB's figures show (its plots go up to the 99th)."""

WindowKey = tuple[str, int]
"""(campaign_id, window_start_ms)."""


def truth_counts(records: Iterable[Record], ad_to_campaign: dict[str, str]) -> dict[WindowKey, int]:
    """Views per (campaign_id, window start in epoch ms) over the sent records' JSON bytes."""
    counts: dict[WindowKey, int] = {}
    for record in records:
        event = json.loads(record.value)
        if event["event_type"] != "view":
            continue
        campaign = ad_to_campaign[event["ad_id"]]
        start = int(event["event_time"]) // WINDOW_MS * WINDOW_MS
        counts[(campaign, start)] = counts.get((campaign, start), 0) + 1
    return counts


def epoch_ms(moment: datetime) -> int:
    """A timezone-aware datetime (as Spark's timestamps arrive in Arrow) as epoch ms."""
    return round(moment.timestamp() * 1000)


def final_counts(rows: list[dict]) -> dict[WindowKey, int]:
    """Each window's count in its last update (highest batch_id) among a job's update rows
    (campaign_id, window_start, views, batch_id), or in plain rows with no batch_id."""
    newest: dict[WindowKey, tuple[int, int]] = {}
    for row in rows:
        key = (row["campaign_id"], epoch_ms(row["window_start"]))
        batch = row.get("batch_id", 0)
        if key not in newest or batch >= newest[key][0]:
            newest[key] = (batch, row["views"])
    return {key: views for key, (_batch, views) in newest.items()}


def window_latencies(
    rows: list[dict], span_ms: tuple[int, int], key_column: str | None = "campaign_id"
) -> list[float]:
    """YSB latency (ms) of each window in a job's update rows: its last `updated_at_ms` minus
    its `window_end`; only windows that end within `span_ms` (first, last event time sent),
    so that events were still flowing when they ended: the window the sending stopped in
    has no end to be late for. `key_column`: what, besides the window, identifies a row
    (None: the window alone)."""
    first_ms, last_ms = span_ms
    last: dict[tuple, tuple[int, int]] = {}
    for row in rows:
        end = epoch_ms(row["window_end"])
        if not first_ms < end <= last_ms:
            continue
        key = (row[key_column] if key_column else None, epoch_ms(row["window_start"]))
        if key not in last or row["updated_at_ms"] > last[key][0]:
            last[key] = (row["updated_at_ms"], end)
    return sorted(float(updated - end) for updated, end in last.values())


def percentiles(values: list[float]) -> dict[int, float | None]:
    """{50: p50, 90: p90, 99: p99} of `values` (`experiments.figures.percentile`), None for no
    values."""
    return {p: percentile(values, p) for p in PERCENTILES}


def lambda_served(
    stream: dict[WindowKey, int], batch: dict[WindowKey, int], horizon_ms: int
) -> dict[WindowKey, int]:
    """What Lambda serves: the batch count of every window ending at or before the horizon
    (ms), the stream's count of every later one."""
    served = {key: views for key, views in batch.items() if key[1] + WINDOW_MS <= horizon_ms}
    served.update({key: views for key, views in stream.items() if key[1] + WINDOW_MS > horizon_ms})
    return served


def differences(served: dict[WindowKey, int], truth: dict[WindowKey, int]) -> int:
    """How many windows differ: a count not equal to the truth's, or missing on either side."""
    return sum(served.get(key) != truth.get(key) for key in set(served) | set(truth))
