"""The Lambda merge: `lambda_<view>` serves every unit of a view whole from the batch or the
speed layer, cut at the batch horizon H.

A row of `lambda_<view>` is one row of the view (its contract columns, `final` and
`processed_at`) plus `layer`, the side that served it ('batch' or 'speed'). The two sides are
merged only when they ran the same logic version; otherwise every `lambda_<view>` refuses at
query time.

**The rule.** A unit is a window x action, a user's hour, or a session island: a user's batch and
speed sessions that overlap or touch in time, directly or through one another (a late event can join or
split sessions, so the two sides may draw them differently). Each unit is served whole by one
side: by the batch if the unit ends at or before H, by the speed layer if it begins at or after
H, and, for a unit across H, by the side that counted more of its events (the batch on a tie);
a side with no row in a unit never serves it.

Why: every event lies in exactly one unit of a view and every unit comes from one side, so
nothing is counted twice, whatever each side has seen. The batch saw every event up to H, so it
is whole for units ending by H; the speed layer is the fresh side after H. Across H both sides
read the same log and differ only by what each has not seen (the batch: what arrived after it
ran; the speed layer: events it dropped as late), so the side that
counted more has seen all of the unit whenever either has. Case 11: u-kim's batch session
[10:00,10:09) (2 events) spans H = 10:07 and overlaps the speed layer's [10:00,10:05) (1 event,
the late click dropped): the batch serves it; u-lee's [10:17,10:22) has no closed speed session
yet: the batch serves it. An event is missing only while the side chosen for its unit has not
seen it (e.g. a speed-dropped event after H, until a later batch's H passes its unit).
"""

from __future__ import annotations

from serving_layer.columns import FINAL, PROCESSED_AT, VIEW_COLUMNS
from serving_layer.partials import island_ctes
from serving_layer.sql import failing_select, literal
from views.catalog import View


def lambda_refusal(
    batch_version: int | None, batch_logic: str | None, speed_logic: str | None
) -> str | None:
    """Why the batch and speed views cannot be merged (one line saying what to do), or None.

    They can be merged when they ran the same logic version, or when either side has not run
    yet (its logic is unknown)."""
    if batch_logic is None or speed_logic is None or batch_logic == speed_logic:
        return None
    return (
        f"lambda views refused: batch version {batch_version} ran logic {batch_logic} but the "
        f"speed layer runs logic {speed_logic}, and merging them would mix two logics; run "
        f"`lk lambda batch --logic-version {speed_logic}` to serve {speed_logic}; to move "
        f"Lambda to {batch_logic}, start it over in a new --data-dir (the speed layer's "
        f"checkpoint keeps its logic): `lk lambda speed --logic-version {batch_logic}` there"
    )


def refused_sql(name: str, message: str) -> str:
    """The columns of `lambda_<name>`, failing with `message` whenever its rows are read."""
    columns = (*VIEW_COLUMNS[name], FINAL, PROCESSED_AT, ("layer", "VARCHAR"))
    return failing_select(columns, message)


def _unit_start(view: View) -> str:
    """The column where a unit of the view begins (window_start, hour_start, session_start)."""
    return next(column for column in view.key if column.endswith("_start"))


def merge_sql(name: str, view: View, horizon: str | None) -> str:
    """SQL whose rows are the rows of `lambda_<name>`: each unit whole from the side the rule
    of this module picks, with the column `layer` saying which; with no horizon yet (no batch
    run), every row from the speed view."""
    names = ", ".join(column for column, _ in (*VIEW_COLUMNS[name], FINAL, PROCESSED_AT))
    if not horizon:
        return f"SELECT {names}, 'speed' AS layer FROM speed_{name}"
    moment = f"TIMESTAMPTZ {literal(horizon)}"
    if view.partials == "sessions":
        return _sessions_sql(name, names, moment)
    return _keyed_sql(name, view, names, moment)


def _side(start: str, end: str, batch_events: str, speed_events: str, moment: str) -> str:
    """SQL: 'batch' or 'speed', the side that serves a unit spanning [start, end) of which the
    batch counted `batch_events` and the speed layer `speed_events` (0 where it has no row)."""
    return (
        f"CASE WHEN {speed_events} = 0 THEN 'batch' WHEN {batch_events} = 0 THEN 'speed' "
        f"WHEN {end} <= {moment} THEN 'batch' WHEN {start} >= {moment} THEN 'speed' "
        f"WHEN {batch_events} >= {speed_events} THEN 'batch' ELSE 'speed' END"
    )


def _keyed_sql(name: str, view: View, names: str, moment: str) -> str:
    """Windows and hours: a unit is one key (the same key on both sides)."""
    key = ", ".join(view.key)
    side = _side(
        _unit_start(view), view.complete_at, "coalesce(b.events, 0)", "coalesce(s.events, 0)",
        moment,
    )  # fmt: skip
    return f"""
WITH unit_keys AS (SELECT {key} FROM batch_{name} UNION SELECT {key} FROM speed_{name}),
sides AS (
    SELECT {key}, {side} AS layer
    FROM unit_keys
    LEFT JOIN batch_{name} AS b USING ({key})
    LEFT JOIN speed_{name} AS s USING ({key})
)
SELECT {names}, 'batch' AS layer FROM batch_{name} JOIN sides USING ({key})
WHERE sides.layer = 'batch'
UNION ALL
SELECT {names}, 'speed' AS layer FROM speed_{name} JOIN sides USING ({key})
WHERE sides.layer = 'speed'
"""  # noqa: S608 (names come from the catalog, the horizon is a quoted literal)


def _sessions_sql(name: str, names: str, moment: str) -> str:
    """Sessions: a unit is an island of one user's overlapping or touching batch and speed sessions."""
    side = _side("island_start", "island_end", "batch_events", "speed_events", moment)
    return f"""
WITH sessions AS (
    SELECT {names}, 'batch' AS layer FROM batch_{name}
    UNION ALL SELECT {names}, 'speed' AS layer FROM speed_{name}
), {island_ctes("sessions", ", layer")},
islands AS (
    SELECT user_id, island, min(session_start) AS island_start, max(session_end) AS island_end,
        coalesce(sum(events) FILTER (WHERE layer = 'batch'), 0) AS batch_events,
        coalesce(sum(events) FILTER (WHERE layer = 'speed'), 0) AS speed_events
    FROM numbered GROUP BY user_id, island
)
SELECT {names}, layer
FROM numbered JOIN islands USING (user_id, island)
WHERE layer = {side}
"""  # noqa: S608 (names come from the catalog, the horizon is a quoted literal)
