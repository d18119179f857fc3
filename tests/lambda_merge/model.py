"""A model of one Lambda run, in plain Python, to check the merge event by event.

An event is (event_id, user_id, action, t) with t in whole seconds after T0. Each side's view
rows are computed over the events that side has seen, and every row keeps the ids it counts,
so a served row of `lambda_<view>` can be traced back to its events. The sides are published
as DuckDB tables named like the catalog's views (`batch_<view>`, `speed_<view>`), and the
merge's own SQL (`serving_layer.merge.merge_sql`) runs over them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa

from serving_layer.columns import FINAL, PROCESSED_AT, VIEW_COLUMNS
from serving_layer.merge import merge_sql
from serving_layer.sql import empty_select
from views.catalog import LOGIC_VERSIONS

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
GAP, MINUTE, HOUR = 300, 60, 3600
VIEWS = {view.name: view for view in LOGIC_VERSIONS["v1"]}


@dataclass(frozen=True)
class Event:
    """One accepted event: its id, user, action and event time (seconds after T0)."""

    event_id: str
    user_id: str
    action: str
    t: int


Row = tuple[tuple, frozenset[str]]
"""A view row of one side: its key, and the ids of the events it counts."""


def moment(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def sessions(events: list[Event], gap: int = GAP) -> list[Row]:
    """Rows of user_sessions: key (user_id, session_start, session_end); a session goes on
    while the next event is at most `gap` after the previous one, and ends at its last + gap."""
    rows: list[Row] = []
    for user in sorted({event.user_id for event in events}):
        mine = sorted((e for e in events if e.user_id == user), key=lambda e: (e.t, e.event_id))
        group: list[Event] = []
        for event in mine:
            if group and event.t > group[-1].t + gap:
                rows.append(((user, group[0].t, group[-1].t + gap), _ids(group)))
                group = []
            group.append(event)
        if group:
            rows.append(((user, group[0].t, group[-1].t + gap), _ids(group)))
    return rows


def windows(events: list[Event], size: int, slide: int) -> list[Row]:
    """Rows of action_counts (size = slide) or action_counts_sliding: key (window_start,
    window_end, action) for every epoch-aligned window holding an event."""
    found: dict[tuple, set[str]] = {}
    for event in events:
        last = event.t - event.t % slide  # T0 is on a whole minute and hour
        for start in range(last, event.t - size, -slide):
            found.setdefault((start, start + size, event.action), set()).add(event.event_id)
    return [(key, frozenset(ids)) for key, ids in sorted(found.items())]


def totals(events: list[Event]) -> list[Row]:
    """Rows of user_totals: key (user_id, hour_start)."""
    found: dict[tuple, set[str]] = {}
    for event in events:
        hour = event.t - event.t % HOUR
        found.setdefault((event.user_id, hour), set()).add(event.event_id)
    return [(key, frozenset(ids)) for key, ids in sorted(found.items())]


def view_rows(name: str, events: list[Event]) -> list[Row]:
    """The rows of view `name` over these events (each a key and the ids it counts)."""
    if name == "user_sessions":
        return sessions(events)
    if name == "user_totals":
        return totals(events)
    size = 5 * MINUTE if name == "action_counts_sliding" else MINUTE
    return windows(events, size, MINUTE)


def _ids(events: list[Event]) -> frozenset[str]:
    return frozenset(event.event_id for event in events)


def _table(name: str, rows: list[Row], events: dict[str, Event]) -> pa.Table | None:
    """The published rows of one side (the view's columns and processed_at), None if none."""
    columns: dict[str, list] = {}

    def put(column: str, value: object) -> None:
        columns.setdefault(column, []).append(value)

    for key, ids in rows:
        counted = [events[i] for i in ids]
        if name == "user_sessions":
            put("user_id", key[0])
            put("session_start", moment(key[1]))
            put("session_end", moment(key[2]))
            for action in ("view", "click", "purchase"):
                put(f"{action}s", sum(e.action == action for e in counted))
        elif name == "user_totals":
            put("user_id", key[0])
            put("hour_start", moment(key[1]))
            put("purchases", sum(e.action == "purchase" for e in counted))
        else:
            put("window_start", moment(key[0]))
            put("window_end", moment(key[1]))
            put("action", key[2])
        put("events", len(ids))
        put("revenue", 0)
        put("processed_at", T0)
    return pa.table(columns) if columns else None


def _sql_key(name: str, key: tuple) -> tuple:
    """A model key as the merge's SQL returns the view's key columns (times as datetimes)."""
    if name in ("user_sessions", "user_totals"):
        return (key[0], moment(key[1]))
    return (moment(key[0]), moment(key[1]), key[2])


_CONNECTIONS: list[duckdb.DuckDBPyConnection] = []


def _connection() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB (UTC) for every call: a new connection per stream is slow."""
    if not _CONNECTIONS:
        connection = duckdb.connect()
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute("SET threads = 1")
        _CONNECTIONS.append(connection)
    return _CONNECTIONS[0]


def served(
    name: str, sides: dict[str, list[Row]], events: list[Event], horizon: int | None
) -> list[tuple[str, frozenset[str]]]:
    """What `lambda_<name>` serves, by the merge's own SQL, when the batch and speed layers
    published these rows (`sides`: layer -> rows) and the batch horizon is T0 + `horizon`
    seconds (None: no batch run yet): each served row as (layer, the ids it counts)."""
    by_id = {event.event_id: event for event in events}
    typed = (*VIEW_COLUMNS[name], PROCESSED_AT)
    connection = _connection()
    counted: dict[tuple[str, tuple], frozenset[str]] = {}
    for layer, rows in sides.items():
        counted.update({(layer, _sql_key(name, key)): ids for key, ids in rows})
        table = _table(name, rows, by_id)
        if table is None:
            select = empty_select((*typed, FINAL))
        else:
            connection.register("published", table)
            casts = ", ".join(f"CAST({column} AS {kind}) AS {column}" for column, kind in typed)
            select = f"SELECT {casts}, false AS final FROM published"
        connection.execute(f"CREATE OR REPLACE TABLE {layer}_{name} AS {select}")
    view = VIEWS[name]
    sql = merge_sql(name, view, moment(horizon).isoformat() if horizon is not None else None)
    result = connection.sql(f"SELECT layer, {', '.join(view.key)} FROM ({sql})").fetchall()
    return [(row[0], counted[(row[0], tuple(row[1:]))]) for row in result]


def random_stream(rng: random.Random) -> list[Event]:
    """Events in arrival order: a few users, steps that hit the session gap and window edges
    exactly, and about a quarter of the events arriving late (after newer events)."""
    steps = (0, 1, 30, 59, 60, 61, 120, 240, 299, 300, 301, 420, 600, 900)
    events, t = [], rng.randrange(0, 600)
    users = rng.randint(1, 3)
    for number in range(rng.randint(1, 30)):
        t += rng.choice(steps)
        action = rng.choice(("view", "click", "purchase"))
        events.append(Event(f"e{number}", f"u{rng.randrange(users)}", action, t))
    arrival = list(events)
    for event in events:
        if rng.random() < 0.25:
            arrival.remove(event)
            newer = [i for i, other in enumerate(arrival) if other.t > event.t]
            arrival.insert(rng.choice(newer) + 1 if newer else len(arrival), event)
    return arrival


def horizon_of(seen: list[Event], lateness: int) -> int | None:
    """H as the batch layer publishes it: the newest event time minus the lateness, down to
    the whole minute (T0 is on a whole minute)."""
    if not seen:
        return None
    newest = max(event.t for event in seen) - lateness
    return newest - newest % MINUTE


@dataclass(frozen=True)
class SpeedRun:
    """What the speed layer saw of a log: the events it kept and its final watermark."""

    kept: list[Event]
    watermark: int | None

    def rows(self, name: str, *, closed_only: bool) -> list[Row]:
        """Its rows of a view; sessions only once the watermark closed them (append mode)."""
        rows = view_rows(name, self.kept)
        if name != "user_sessions" or not closed_only:
            return rows
        closed = self.watermark if self.watermark is not None else float("-inf")
        return [(key, ids) for key, ids in rows if key[2] <= closed]


def speed_run(
    arrival: list[Event], delay: int, rng: random.Random, keep_from: int | None = None
) -> SpeedRun:
    """The speed layer over the log in random micro-batches: the watermark is the newest event
    time of the earlier micro-batches minus `delay`, and an event at or before it is dropped
    as late (Spark's rule), unless it is at or after `keep_from`."""
    kept: list[Event] = []
    newest, position = None, 0
    while position < len(arrival):
        size = rng.randint(1, 5)
        chunk = arrival[position : position + size]
        position += size
        watermark = newest - delay if newest is not None else None
        for event in chunk:
            late = watermark is not None and event.t <= watermark
            if not late or (keep_from is not None and event.t >= keep_from):
                kept.append(event)
        newest = max([event.t for event in chunk] + ([newest] if newest is not None else []))
    return SpeedRun(kept, newest - delay if newest is not None else None)
