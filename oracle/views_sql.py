"""The four views of DESIGN.md in plain DuckDB SQL: an oracle that shares no code with Spark.

Every query reads a relation `events(event_id, user_id, action, product_id, amount DECIMAL(12,2),
event_time TIMESTAMP, kafka_partition INT, kafka_offset BIGINT, kafka_timestamp TIMESTAMP)` of
accepted events with the
duplicates still in, and gives the rows of that view as DESIGN.md defines them (the Spark views
must give the same rows):

- each event_id counts once: the copy the log appended first is kept, by (kafka_timestamp,
  kafka_partition, kafka_offset): Kafka's append time, ties broken by partition and offset;
- windows are aligned to the Unix epoch; a window holds the events with start <= t < end;
- a session continues while the next event is at most `gap` after the previous one (exactly
  `gap` continues it) and ends at its last event plus `gap`;
- revenue is the sum of purchase amounts, 0 when there are none, as DECIMAL(38,2): amounts are
  below 10^10, so it holds any sum up to 10^36 - 0.01 (10^26 maximal purchases in one row);
- timestamps are naive UTC TIMESTAMPs with microsecond precision.

Window arithmetic is done on integer microseconds since the epoch (floor division that stays
correct before 1970), so no DuckDB bucketing convention (e.g. `time_bucket`'s default origin
of 2000-01-03) can creep in. Parameters are interval strings such as "5 minutes".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import duckdb

from oracle.params import view_params

REVENUE_TYPE = "DECIMAL(38,2)"
"""The revenue type: DuckDB's widest decimal (sums of DECIMAL(12,2) amounts are exact in it)."""
SOURCE = "events"
"""The relation every query reads unless told otherwise."""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _interval_us(interval: str) -> str:
    """A SQL expression: the interval in microseconds (a constant DuckDB folds once)."""
    return f"epoch_us(CAST({_literal(interval)} AS INTERVAL))"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def distinct_events_sql(source: str = SOURCE) -> str:
    """SQL whose rows are the accepted events, each event_id once: its copy the log appended
    first (kafka_timestamp, then kafka_partition, kafka_offset)."""
    return (
        "SELECT event_id, user_id, action, product_id, amount, event_time "  # noqa: S608
        f"FROM {_identifier(source)} "
        "QUALIFY row_number() OVER "
        "(PARTITION BY event_id ORDER BY kafka_timestamp, kafka_partition, kafka_offset) = 1"
    )


_REVENUE = (
    f"CAST(coalesce(sum(amount) FILTER (WHERE action = 'purchase'), 0) AS {REVENUE_TYPE}) "
    "AS revenue"
)


def _windowed_counts_sql(window: str, slide: str, source: str) -> str:
    """Rows: one per (epoch-aligned window of length `window` every `slide`, action)."""
    window_us, slide_us = _interval_us(window), _interval_us(slide)
    return f"""
WITH distinct_events AS ({distinct_events_sql(source)}),
timed AS (
    SELECT *, epoch_us(event_time) AS t_us FROM distinct_events
),
last_start AS (
    -- the latest window start at or before t: floor(t / slide) * slide, also for t < 0
    SELECT *, t_us - (((t_us % {slide_us}) + {slide_us}) % {slide_us}) AS last_start_us
    FROM timed
),
assigned AS (
    -- every window start last_start - k * slide that still covers t (start + window > t)
    SELECT action, amount, last_start_us - k * {slide_us} AS start_us
    FROM last_start,
         unnest(range(0, CAST(ceil({window_us} / {slide_us}) AS BIGINT))) AS ks(k)
    WHERE last_start_us - k * {slide_us} + {window_us} > t_us
)
SELECT
    make_timestamp(start_us) AS window_start,
    make_timestamp(start_us + {window_us}) AS window_end,
    action,
    count(*) AS events,
    {_REVENUE}
FROM assigned
GROUP BY start_us, action
ORDER BY window_start, action
"""  # noqa: S608 (parameters are quoted literals, the source a quoted identifier)


def action_counts_sql(window: str = "1 minute", *, source: str = SOURCE) -> str:
    """SQL with one row per tumbling event-time window (length `window`, e.g. "1 minute") and
    action: window_start, window_end (naive UTC), action, events (distinct events), revenue
    (sum of purchase amounts in currency units, DECIMAL(38,2))."""
    return _windowed_counts_sql(window, window, source)


def action_counts_sliding_sql(
    window: str = "5 minutes", slide: str = "1 minute", *, source: str = SOURCE
) -> str:
    """SQL with one row per sliding window (length `window`, starting every `slide`) and
    action, with the columns of `action_counts_sql`; an event is in every window covering it."""
    return _windowed_counts_sql(window, slide, source)


def user_sessions_sql(gap: str = "5 minutes", *, source: str = SOURCE) -> str:
    """SQL with one row per user session (events at most `gap` apart): user_id, session_start
    (first event), session_end (last event + gap; naive UTC), events, views, clicks, purchases
    (counts of distinct events) and revenue (currency units, DECIMAL(38,2))."""
    gap_interval = f"CAST({_literal(gap)} AS INTERVAL)"
    return f"""
WITH distinct_events AS ({distinct_events_sql(source)}),
marked AS (
    -- a session starts with a user's first event or one MORE than `gap` after the previous
    SELECT *,
        CASE WHEN event_time > lag(event_time) OVER per_user + {gap_interval}
                  OR lag(event_time) OVER per_user IS NULL
             THEN 1 ELSE 0 END AS starts_session
    FROM distinct_events
    WINDOW per_user AS (PARTITION BY user_id ORDER BY event_time, event_id)
),
numbered AS (
    SELECT *,
        sum(starts_session) OVER (
            PARTITION BY user_id ORDER BY event_time, event_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS session_number
    FROM marked
)
SELECT
    user_id,
    min(event_time) AS session_start,
    max(event_time) + {gap_interval} AS session_end,
    count(*) AS events,
    count(*) FILTER (WHERE action = 'view') AS views,
    count(*) FILTER (WHERE action = 'click') AS clicks,
    count(*) FILTER (WHERE action = 'purchase') AS purchases,
    {_REVENUE}
FROM numbered
GROUP BY user_id, session_number
ORDER BY user_id, session_start
"""  # noqa: S608 (the gap is a quoted literal, the source a quoted identifier)


def user_totals_sql(period: str = "1 hour", *, source: str = SOURCE) -> str:
    """SQL with one row per user and epoch-aligned `period` (an hour): user_id, hour_start
    (naive UTC), events, purchases (counts of distinct events), revenue (currency units)."""
    period_us = _interval_us(period)
    return f"""
WITH distinct_events AS ({distinct_events_sql(source)}),
timed AS (
    SELECT *, epoch_us(event_time) AS t_us FROM distinct_events
)
SELECT
    user_id,
    make_timestamp(t_us - (((t_us % {period_us}) + {period_us}) % {period_us})) AS hour_start,
    count(*) AS events,
    count(*) FILTER (WHERE action = 'purchase') AS purchases,
    {_REVENUE}
FROM timed
GROUP BY ALL
ORDER BY user_id, hour_start
"""  # noqa: S608 (the period is a quoted literal, the source a quoted identifier)


SQL_BUILDERS: dict[str, Callable[..., str]] = {
    "action_counts": action_counts_sql,
    "action_counts_sliding": action_counts_sliding_sql,
    "user_sessions": user_sessions_sql,
    "user_totals": user_totals_sql,
}
"""The SQL of each view by name; each takes that view's parameters as keyword arguments."""


def view_sql(name: str, params: Mapping[str, str], *, source: str = SOURCE) -> str:
    """SQL whose rows are the rows of view `name` with these parameters (interval strings such
    as {"gap": "5 minutes"}, as `params.view_params` gives them)."""
    return SQL_BUILDERS[name](**params, source=source)


def oracle_sql(logic_version: str = "v1", *, source: str = SOURCE) -> dict[str, str]:
    """The SQL of every view of a logic version, by view name; a row of each query is one row
    of that view. NotRetryable for an unknown logic version."""
    return {
        name: view_sql(name, params, source=source)
        for name, params in view_params(logic_version).items()
    }


def oracle_views(
    connection: duckdb.DuckDBPyConnection, logic_version: str = "v1", *, source: str = SOURCE
) -> dict[str, duckdb.DuckDBPyRelation]:
    """Each view of a logic version as a DuckDB relation over `source` on this connection
    (view name -> relation; a row is one row of that view)."""
    return {
        name: connection.sql(sql) for name, sql in oracle_sql(logic_version, source=source).items()
    }
