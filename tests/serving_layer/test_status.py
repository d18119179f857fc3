"""serving_status has typed columns, one row per moving part; the oracle's views exist per
logic version, and truth_<view> is the most recently computed one. Hand-made files only."""

import duckdb

from core.atomic import write_json
from core.layout import Layout
from core.settings import Settings
from serving_layer.catalog import refresh_catalog
from serving_layer.query import run_query
from tests.serving_layer.files import batch_version, oracle, session, stream_job, write

H = "2026-01-01 00:10:00+00:00"
PROGRESS = {
    "offsets": {"0": 40, "1": 2},
    "lag": 7,
    "dropped_late": 3,
    "updated_at": "2026-01-02T00:00:00+00:00",
}


def test_serving_status_rows_are_typed(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path)
    layout = Layout(tmp_path)
    batch_version(layout, 3, "v1", H, offsets={"0": 30}, computed_at="2026-01-02T01:00:00+00:00")
    stream_job(layout.speed, "v1", watermark="2026-01-01T00:20:00.000Z", **PROGRESS)
    stream_job(layout.kappa_version(1), "v1", watermark="2026-01-01T00:30:00.000Z", **PROGRESS)
    stream_job(layout.kappa_version(2), "v2")  # started, no micro-batch yet
    write_json(layout.kappa_serving, {"current": 2, "previous": 1})
    connection = duckdb.connect()
    for batch_id, ids in ((0, "('e1'), ('e2')"), (1, "('e1'), ('e3'), ('e2')")):
        counted = f"SELECT event_id, {batch_id} AS batch_id FROM (VALUES {ids}) AS t(event_id)"
        write(connection, layout.speed.counted / f"batch-{batch_id:09d}.parquet", counted)
    connection.close()
    refresh_catalog(settings)

    described = "SELECT column_name, column_type FROM (DESCRIBE serving_status)"
    columns = run_query(settings, described)[1]
    assert columns == [
        ("component", "VARCHAR"),
        ("version", "INTEGER"),
        ("logic_version", "VARCHAR"),
        ("in_service", "BOOLEAN"),
        ("horizon", "TIMESTAMP WITH TIME ZONE"),
        ("watermark", "TIMESTAMP WITH TIME ZONE"),
        ("offsets", "JSON"),
        ("lag", "BIGINT"),
        ("dropped_late", "BIGINT"),
        ("duplicates_counted", "BIGINT"),
        ("offsets_never_read", "BIGINT"),
        ("spark_ui", "VARCHAR"),
        ("updated_at", "TIMESTAMP WITH TIME ZONE"),
    ]
    rows = run_query(
        settings,
        "SELECT component, version, logic_version, in_service, horizon::VARCHAR, "
        "watermark::VARCHAR, offsets->>'0', lag, dropped_late, duplicates_counted "
        "FROM serving_status ORDER BY component, version",
    )[1]
    assert rows == [
        ("batch", 3, "v1", True, "2026-01-01 00:10:00+00", None, "30", None, 0, 0),
        ("catalog", None, None, True, None, None, None, None, None, None),
        ("kappa", 1, "v1", False, None, "2026-01-01 00:30:00+00", "40", 7, 3, None),
        ("kappa", 2, "v2", True, None, None, None, None, None, None),
        # e1 and e2 were each counted twice: copies re-sent after the dedup horizon
        ("speed", None, "v1", True, None, "2026-01-01 00:20:00+00", "40", 7, 3, 2),
    ]
    updated = run_query(
        settings, "SELECT updated_at::VARCHAR FROM serving_status WHERE component = 'batch'"
    )[1]
    assert updated == [("2026-01-02 01:00:00+00",)]


def test_status_before_anything_is_published_is_the_catalog_row(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path)
    described = refresh_catalog(settings)
    assert described["lambda_refused"] is None and described["truth_logic_versions"] == []
    rows = run_query(settings, "SELECT component, in_service FROM serving_status")[1]
    assert rows == [("catalog", True)]
    assert run_query(settings, "SELECT count(*) FROM truth_user_sessions")[1] == [(0,)]


def test_oracle_views_per_logic_version_and_the_newest_as_truth(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path)
    layout = Layout(tmp_path)
    v1 = session("u1", "2026-01-01 00:00", "2026-01-01 00:04", 2)
    v2 = session("u1", "2026-01-01 00:00", "2026-01-01 00:12", 3)
    oracle(layout, "v2", "2026-01-02T10:00:00+00:00", {"user_sessions": v2})
    oracle(layout, "v1", "2026-01-02T09:00:00+00:00", {"user_sessions": v1})
    connection = duckdb.connect()
    write(connection, layout.truth_version("v3") / "user_sessions.parquet", v1)  # no summary.json
    connection.close()
    described = refresh_catalog(settings)
    assert described["truth_logic_versions"] == ["v1", "v2"]

    def events(view: str) -> list:
        return run_query(settings, f"SELECT events FROM {view}")[1]

    assert events("truth_v1_user_sessions") == [(2,)]
    assert events("truth_v2_user_sessions") == [(3,)]
    assert events("truth_user_sessions") == [(3,)]  # v2 was computed last
    assert events("truth_v2_action_counts") == []  # no file: empty, same columns
    names = run_query(settings, "SELECT view_name FROM duckdb_views() WHERE NOT internal")[1]
    assert not any(name.startswith("truth_v3") for (name,) in names)
    columns = run_query(settings, "SELECT * FROM truth_v1_user_sessions")[0]
    assert columns == run_query(settings, "SELECT * FROM truth_user_sessions")[0]
    assert "processed_at" not in columns

    oracle(layout, "v1", "2026-01-02T11:00:00+00:00", {"user_sessions": v1})  # computed again
    refresh_catalog(settings)
    assert events("truth_user_sessions") == [(2,)]
