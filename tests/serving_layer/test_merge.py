"""The Lambda merge on hand-made files: batch rows complete at H, speed rows after it, the
newest speed row per window, and a speed session overlapping a batch session dropped."""

import duckdb

from core.atomic import write_json
from core.layout import Layout
from core.settings import Settings
from serving_layer.catalog import refresh_catalog
from serving_layer.query import run_query

H = "2026-01-01 00:10:00+00"


def write(connection, path, sql: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")


def counts(start: str, end: str, events: int, batch_id: int | None = None) -> str:
    extra = f", {batch_id}::BIGINT AS batch_id" if batch_id is not None else ""
    return (
        f"SELECT TIMESTAMPTZ '{start}' AS window_start, TIMESTAMPTZ '{end}' AS window_end, "
        f"'view' AS action, {events}::BIGINT AS events, 0::DECIMAL(14,2) AS revenue, "
        f"now() AS processed_at{extra}"
    )


def session(user: str, start: str, end: str, events: int, batch_id: int | None = None) -> str:
    extra = f", {batch_id}::BIGINT AS batch_id" if batch_id is not None else ""
    return (
        f"SELECT '{user}' AS user_id, TIMESTAMPTZ '{start}' AS session_start, "
        f"TIMESTAMPTZ '{end}' AS session_end, {events}::BIGINT AS events, {events}::BIGINT AS "
        f"views, 0::BIGINT AS clicks, 0::BIGINT AS purchases, 0::DECIMAL(14,2) AS revenue, "
        f"now() AS processed_at{extra}"
    )


def test_lambda_takes_batch_rows_up_to_h_and_the_newest_speed_rows_after(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path)
    layout = Layout(tmp_path)
    version = layout.batch_version(1)
    write_json(version / "manifest.json", {"horizon": H, "logic_version": "v1"})
    speed = layout.speed
    c = duckdb.connect()
    write(c, version / "action_counts" / "part-0.parquet", " UNION ALL ".join([
        counts("2026-01-01 00:09", "2026-01-01 00:10", 5),  # complete at H: batch
        counts("2026-01-01 00:10", "2026-01-01 00:11", 99),  # after H: the speed row wins
    ]))  # fmt: skip
    write(c, speed.view_files("action_counts") / "batch-000000001.parquet", " UNION ALL ".join([
        counts("2026-01-01 00:09", "2026-01-01 00:10", 4, 1),  # before H: ignored
        counts("2026-01-01 00:10", "2026-01-01 00:11", 2, 1),
    ]))  # fmt: skip
    write(
        c,
        speed.view_files("action_counts") / "batch-000000002.parquet",
        counts("2026-01-01 00:10", "2026-01-01 00:11", 3, 2),  # the same window, updated
    )
    write(c, version / "user_sessions" / "part-0.parquet", " UNION ALL ".join([
        session("u1", "2026-01-01 00:00", "2026-01-01 00:08", 3),  # closed by H
    ]))  # fmt: skip
    write(c, speed.view_files("user_sessions") / "batch-000000001.parquet", " UNION ALL ".join([
        session("u1", "2026-01-01 00:06", "2026-01-01 00:12", 2, 1),  # overlaps u1's batch one
        session("u2", "2026-01-01 00:06", "2026-01-01 00:12", 2, 1),  # after H, no overlap
    ]))  # fmt: skip
    c.close()
    refresh_catalog(settings)

    rows = run_query(
        settings,
        "SELECT window_end::VARCHAR, events, layer FROM lambda_action_counts ORDER BY ALL",
    )[1]
    assert rows == [("2026-01-01 00:10:00+00", 5, "batch"), ("2026-01-01 00:11:00+00", 3, "speed")]
    sessions = run_query(
        settings, "SELECT user_id, events, layer FROM lambda_user_sessions ORDER BY ALL"
    )[1]
    assert sessions == [("u1", 3, "batch"), ("u2", 2, "speed")]
