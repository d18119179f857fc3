"""Case 11 on hand-made files: u-kim views at 10:00 and u-lee at 10:17; the speed layer runs
(its watermark reaches 10:07, closing u-kim's session [10:00,10:05)); u-kim's click at 10:04
arrives 13 minutes late and the speed layer drops it; then the batch runs over all three
events with H = 10:07. `lambda_user_sessions` must serve u-kim's whole session from the batch
([10:00,10:09), 2 events) and u-lee's, which the speed layer has not closed, from the batch."""

from pathlib import Path

import duckdb

from core.layout import Layout
from core.settings import Settings
from oracle.views_sql import user_sessions_sql
from serving_layer.catalog import refresh_catalog
from serving_layer.query import run_query
from tests.serving_layer.files import batch_version, stream_job, write

CASES = Path(__file__).parents[1] / "cases"
H = "2026-03-02 10:07:00+00"


def session_row(user: str, start: str, end: str, views: int, clicks: int, batch_id=None) -> str:
    """One user_sessions row as a layer publishes it (a stream adds its micro-batch id)."""
    extra = f", {batch_id}::BIGINT AS batch_id" if batch_id is not None else ""
    return (
        f"SELECT '{user}' AS user_id, TIMESTAMPTZ '2026-03-02 {start}+00' AS session_start, "
        f"TIMESTAMPTZ '2026-03-02 {end}+00' AS session_end, {views + clicks}::BIGINT AS events, "
        f"{views}::BIGINT AS views, {clicks}::BIGINT AS clicks, 0::BIGINT AS purchases, "
        f"0::DECIMAL(38,2) AS revenue, now() AS processed_at{extra}"
    )


def publish_case_11(data_dir: Path) -> Settings:
    layout = Layout(data_dir)
    version = batch_version(layout, 1, "v1", H)
    stream_job(layout.speed, "v1")
    c = duckdb.connect()
    write(c, version / "user_sessions" / "part-0.parquet", " UNION ALL ".join([
        session_row("u-kim", "10:00", "10:09", 1, 1),  # ends after H, starts before it
        session_row("u-lee", "10:17", "10:22", 1, 0),
    ]))  # fmt: skip
    write(  # the speed layer closed u-kim's first session; u-lee's is still open (not emitted)
        c,
        layout.speed.view_files("user_sessions") / "batch-000000000.parquet",
        session_row("u-kim", "10:00", "10:05", 1, 0, batch_id=0),
    )
    c.close()
    return Settings.from_env(data_dir=data_dir)


def oracle_sessions() -> list[tuple]:
    """The right sessions: the oracle's SQL over every event of both phases of case 11."""
    files = [str(CASES / name) for name in (
        "case-11-lambda-session-gap.jsonl", "case-11-lambda-session-gap.phase2.jsonl"
    )]  # fmt: skip
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    c.execute(
        "CREATE TABLE events AS SELECT event_id, user_id, action, product_id, "
        "CAST(amount AS DECIMAL(12,2)) AS amount, CAST(event_time AS TIMESTAMP) AS event_time, "
        "0 AS kafka_partition, row_number() OVER () AS kafka_offset, "
        "CAST(NULL AS TIMESTAMP) AS kafka_timestamp "
        f"FROM read_json({files}, format = 'newline_delimited')"
    )
    rows = c.sql(
        "SELECT user_id, strftime(session_start, '%H:%M'), strftime(session_end, '%H:%M'), "
        f"events, views, clicks FROM ({user_sessions_sql()}) ORDER BY ALL"
    ).fetchall()
    c.close()
    return rows


def test_case_11_serves_each_session_whole_from_the_side_that_saw_it(tmp_path):
    right = [("u-kim", "10:00", "10:09", 2, 1, 1), ("u-lee", "10:17", "10:22", 1, 1, 0)]
    assert oracle_sessions() == right

    settings = publish_case_11(tmp_path)
    assert refresh_catalog(settings)["lambda_refused"] is None
    served = run_query(
        settings,
        "SELECT user_id, strftime(session_start, '%H:%M'), strftime(session_end, '%H:%M'), "
        "events, views, clicks, layer FROM lambda_user_sessions ORDER BY ALL",
    )[1]
    assert served == [(*row, "batch") for row in right]
    # Each side alone is wrong: the speed layer lost the late click and has not closed u-lee's.
    speed = run_query(settings, "SELECT user_id, events FROM speed_user_sessions")[1]
    assert speed == [("u-kim", 1)]
