"""The queries `lk bench serving` times, and timing them as `lk query` runs them."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime

from core.errors import LkError, first_line
from core.settings import Settings
from experiments.experiment.timeline import ARCHITECTURES
from serving_layer.columns import VIEW_COLUMNS
from serving_layer.query import run_query


def serving_queries(first_event: datetime) -> dict[str, str]:
    """Name -> SQL, for each architecture: a point lookup of one window (the `view` row of the
    first minute of events), a top-10 (users by revenue over `user_totals`), and a full scan
    (every row, every column) of each of its four views."""
    minute = first_event.astimezone(UTC).replace(second=0, microsecond=0, tzinfo=None)
    queries = {}
    for architecture in ARCHITECTURES:
        queries[f"{architecture}_point"] = (
            f"SELECT * FROM {architecture}_action_counts "  # noqa: S608 - our own names
            f"WHERE window_start = TIMESTAMP '{minute.isoformat(sep=' ')}' AND action = 'view'"
        )
        queries[f"{architecture}_top10"] = (
            f"SELECT user_id, sum(revenue) AS revenue FROM {architecture}_user_totals "  # noqa: S608
            "GROUP BY user_id ORDER BY revenue DESC, user_id LIMIT 10"
        )
        for view in VIEW_COLUMNS:
            queries[f"{architecture}_scan_{view}"] = f"SELECT * FROM {architecture}_{view}"  # noqa: S608
    return queries


def time_queries(
    settings: Settings,
    queries: dict[str, str],
    *,
    rounds: int | None = None,
    until: threading.Event | None = None,
) -> dict:
    """Run every query once per round, in order, through `run_query` (a fresh read-only
    connection each, every row fetched): `rounds` rounds, or rounds until `until` is set (at
    least one). `{"rounds", "queries", "failed", "reasons": Counter of one-line errors,
    "latencies": {name: [s of each query that answered]}}`."""
    latencies: dict[str, list[float]] = {name: [] for name in queries}
    reasons: Counter = Counter()
    done = failed = 0
    while True:
        for name, sql in queries.items():
            started = time.perf_counter()
            try:
                run_query(settings, sql)
            except LkError as error:
                failed += 1
                reasons[first_line(error)[:120]] += 1
            else:
                latencies[name].append(time.perf_counter() - started)
        done += 1
        if rounds is not None and done >= rounds:
            break
        if until is not None and until.is_set():
            break
        if rounds is None and until is None:
            break
    return {
        "rounds": done,
        "queries": done * len(queries),
        "failed": failed,
        "reasons": reasons,
        "latencies": latencies,
    }
