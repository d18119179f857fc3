"""The Lambda merge over a few hundred random streams with late events (a seeded loop):
each side's rows are the view over the events that side has seen (tests.lambda_merge.model),
and the merge's own SQL picks the served rows, traced back to their event ids.

- Whatever each side has seen, no event is counted twice: each event is in at most one served
  session, tumbling window and user hour, and no window key is served twice.
- When the batch ran last over the whole log and the speed layer kept every event at or after
  H (the late events it dropped are all before H: Lambda's premise that the batch corrects
  what is behind the horizon), the served rows are exactly the right rows: every event counted
  once in `lambda_user_sessions` (whole sessions), once per window holding it in the window views.
"""

import random
from collections import Counter

import pytest

from tests.lambda_merge.model import (
    VIEWS,
    horizon_of,
    random_stream,
    served,
    speed_run,
    view_rows,
)

STREAMS = 200
LATENESS = (120, 300, 600)
DELAYS = (60, 300, 600)


def canonical(rows) -> list[tuple[str, ...]]:
    """Rows as sorted tuples of the ids they count (which side served them aside)."""
    return sorted(tuple(sorted(ids)) for *_, ids in rows)


@pytest.mark.parametrize("name", list(VIEWS))
def test_with_the_whole_log_in_the_batch_every_event_is_served_exactly_once(name):
    rng = random.Random(f"premise-{name}")
    for number in range(STREAMS):
        arrival = random_stream(rng)
        horizon = horizon_of(arrival, rng.choice(LATENESS))
        speed = speed_run(arrival, rng.choice(DELAYS), rng, keep_from=horizon)
        sides = {
            "batch": view_rows(name, arrival),
            "speed": speed.rows(name, closed_only=rng.random() < 0.7),
        }
        got = served(name, sides, arrival, horizon)
        right = view_rows(name, arrival)
        assert canonical(got) == canonical(right), (number, arrival, horizon, got)
        if name in ("user_sessions", "action_counts", "user_totals"):
            counted = Counter(i for _, ids in got for i in ids)
            assert sum(counted.values()) == len(arrival) == len(counted)


@pytest.mark.parametrize("name", list(VIEWS))
def test_whatever_each_side_has_seen_no_event_is_counted_twice(name):
    rng = random.Random(f"any-{name}")
    for number in range(STREAMS):
        arrival = random_stream(rng)
        batch_seen = arrival[: rng.randint(0, len(arrival))]  # the batch ran at some point
        horizon = horizon_of(batch_seen, rng.choice(LATENESS))
        speed = speed_run(arrival, rng.choice(DELAYS), rng)
        sides = {
            "batch": view_rows(name, batch_seen),
            "speed": speed.rows(name, closed_only=rng.random() < 0.7),
        }
        got = served(name, sides, arrival, horizon)
        context = (number, arrival, horizon, got)
        right = Counter(i for _, ids in view_rows(name, arrival) for i in ids)
        counted = Counter(i for _, ids in got for i in ids)
        assert not counted - right, context  # never more often than the event truly counts
        if horizon is None:
            assert {layer for layer, _ in got} <= {"speed"}, context
        if name == "user_sessions":
            assert max(counted.values(), default=1) == 1, context


def test_with_no_batch_run_yet_everything_is_served_by_the_speed_layer():
    rng = random.Random(7)
    arrival = random_stream(rng)
    speed = speed_run(arrival, 300, rng)
    for name in VIEWS:
        got = served(
            name, {"batch": [], "speed": speed.rows(name, closed_only=False)}, arrival, None
        )
        assert canonical(got) == canonical(view_rows(name, speed.kept))
