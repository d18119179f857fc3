"""A streaming job's partial rows merge into the view over all its events, however the events
were cut into micro-batches (Hypothesis): window and hour counts add up, session fragments
that overlap or touch join (an event exactly one gap after the previous continues a session).

Each micro-batch's partial rows are the view over that micro-batch's events alone (the
plain-Python model of tests.lambda_merge.model); the merge is the catalog's own SQL."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from core.layout import StreamPaths
from serving_layer.partials import stream_view_sql
from tests.lambda_merge.model import VIEWS, Event, _table, moment, view_rows

STEPS = (0, 1, 59, 60, 61, 299, 300, 301, 600)
"""Seconds between a user's events: on and around the minute and the session gap."""


@st.composite
def cut_streams(draw) -> tuple[list[Event], list[list[Event]]]:
    """Events of a few users in some arrival order, cut into micro-batches."""
    users = draw(st.integers(1, 3))
    steps = draw(st.lists(st.sampled_from(STEPS), min_size=1, max_size=25))
    events, t = [], draw(st.integers(0, 600))
    for number, step in enumerate(steps):
        t += step
        user = f"u{draw(st.integers(0, users - 1))}"
        action = draw(st.sampled_from(("view", "click", "purchase")))
        events.append(Event(f"e{number}", user, action, t))
    arrival = draw(st.permutations(events))
    cuts = sorted(draw(st.sets(st.integers(1, len(arrival)), max_size=6)) | {len(arrival)})
    batches, start = [], 0
    for cut in cuts:
        if cut > start:
            batches.append(list(arrival[start:cut]))
            start = cut
    return events, batches


def merged_rows(name: str, batches: list[list[Event]]) -> list[tuple]:
    """The view's rows as the catalog serves them from these micro-batches' partial rows."""
    root = Path(tempfile.mkdtemp(prefix="partials-"))
    try:
        paths = StreamPaths(root)
        folder = paths.view_files(name)
        folder.mkdir(parents=True)
        for batch_id, batch in enumerate(batches):
            table = _table(name, view_rows(name, batch), {e.event_id: e for e in batch})
            pq.write_table(table, folder / f"batch-{batch_id:09d}.parquet")
        connection = duckdb.connect()
        connection.execute("SET TimeZone = 'UTC'")
        view = VIEWS[name]
        key = ", ".join((*view.key, "session_end") if name == "user_sessions" else view.key)
        sql = stream_view_sql(connection, paths, view)
        rows = connection.sql(f"SELECT {key}, events, final FROM ({sql}) ORDER BY ALL").fetchall()
        connection.close()
        return rows
    finally:
        shutil.rmtree(root)


def expected_rows(name: str, events: list[Event]) -> list[tuple]:
    """The view over every event, as the merge's key columns, events and final (no watermark
    yet: nothing is final)."""
    rows = []
    for key, ids in view_rows(name, events):
        if name == "user_sessions":
            row = (key[0], moment(key[1]), moment(key[2]))
        elif name == "user_totals":
            row = (key[0], moment(key[1]))
        else:
            row = (moment(key[0]), moment(key[1]), key[2])
        rows.append((*row, len(ids), False))
    return sorted(rows)


@settings(max_examples=100, deadline=None)
@given(cut_streams())
def test_partial_rows_merge_into_the_view_over_every_event(stream):
    events, batches = stream
    for name in VIEWS:
        assert merged_rows(name, batches) == expected_rows(name, events), name
