"""The Lambda merge on hand-made files: batch rows complete at H, speed rows after it (the
speed layer's partial rows added up, its session fragments joined), a speed session
overlapping a batch session dropped, `final` by H and by the speed watermark; and no merge at
all when the batch and speed layers ran different logic versions."""

import duckdb
import pytest

from core.errors import LkError
from core.layout import Layout
from core.settings import Settings
from serving_layer.catalog import refresh_catalog
from serving_layer.query import run_query
from tests.serving_layer.files import batch_version, counts, session, stream_job, write

H = "2026-01-01 00:10:00+00"


def publish_batch_and_speed(tmp_path, batch_logic: str, speed_logic: str) -> Settings:
    """A batch version and speed-layer outputs around H, each with its logic version."""
    layout = Layout(tmp_path)
    version = batch_version(layout, 1, batch_logic, H)
    speed = layout.speed
    stream_job(speed, speed_logic, watermark="2026-01-01 00:10:30+00")
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
        counts("2026-01-01 00:10", "2026-01-01 00:11", 1, 2),  # the same window: 2 + 1
    )
    write(c, version / "user_sessions" / "part-0.parquet", " UNION ALL ".join([
        session("u1", "2026-01-01 00:00", "2026-01-01 00:08", 3),  # closed by H
    ]))  # fmt: skip
    write(c, speed.view_files("user_sessions") / "batch-000000001.parquet", " UNION ALL ".join([
        session("u1", "2026-01-01 00:06", "2026-01-01 00:12", 2, 1),  # overlaps u1's batch one
        session("u2", "2026-01-01 00:06", "2026-01-01 00:12", 2, 1),  # after H, no overlap
    ]))  # fmt: skip
    write(c, speed.view_files("user_sessions") / "batch-000000002.parquet", " UNION ALL ".join([
        session("u2", "2026-01-01 00:11", "2026-01-01 00:15", 1, 2),  # joins u2's fragment
        session("u2", "2026-01-01 00:16", "2026-01-01 00:19", 1, 2),  # after it: a new one
    ]))  # fmt: skip
    c.close()
    return Settings.from_env(data_dir=tmp_path)


def test_lambda_takes_batch_rows_up_to_h_and_the_newest_speed_rows_after(tmp_path):
    settings = publish_batch_and_speed(tmp_path, "v1", "v1")
    described = refresh_catalog(settings)
    assert described["lambda_refused"] is None
    assert described["logic_versions"] == {"batch": "v1", "speed": "v1", "kappa": None}

    rows = run_query(
        settings,
        "SELECT window_end::VARCHAR, events, final, layer FROM lambda_action_counts ORDER BY ALL",
    )[1]
    assert rows == [
        ("2026-01-01 00:10:00+00", 5, True, "batch"),  # ends by H
        ("2026-01-01 00:11:00+00", 3, False, "speed"),  # the watermark (00:10:30) is before its end
    ]
    speed = run_query(settings, "SELECT window_end::VARCHAR, final FROM speed_action_counts")[1]
    assert sorted(speed) == [("2026-01-01 00:10:00+00", True), ("2026-01-01 00:11:00+00", False)]
    sessions = run_query(
        settings,
        "SELECT user_id, session_end::VARCHAR, events, final, layer FROM lambda_user_sessions "
        "ORDER BY ALL",
    )[1]
    assert sessions == [
        ("u1", "2026-01-01 00:08:00+00", 3, True, "batch"),
        ("u2", "2026-01-01 00:15:00+00", 3, False, "speed"),
        ("u2", "2026-01-01 00:19:00+00", 1, False, "speed"),
    ]


def test_lambda_refuses_to_merge_two_logic_versions(tmp_path):
    settings = publish_batch_and_speed(tmp_path, "v2", "v1")
    described = refresh_catalog(settings)
    refused = described["lambda_refused"]
    assert "batch version 1 ran logic v2" in refused and "speed layer runs logic v1" in refused
    assert "`lk lambda batch --logic-version v1`" in refused
    assert "\n" not in refused

    for view in ("action_counts", "action_counts_sliding", "user_sessions", "user_totals"):
        with pytest.raises(LkError) as raised:
            run_query(settings, f"SELECT * FROM lambda_{view}")
        assert refused in str(raised.value) and "\n" not in str(raised.value)
    with pytest.raises(LkError, match="refused"):
        run_query(settings, "SELECT count(*) FROM lambda_user_sessions")

    # The rest of the catalog keeps working: each side on its own, and the columns of lambda_*.
    assert run_query(settings, "SELECT sum(events) FROM batch_action_counts")[1] == [(104,)]
    assert run_query(settings, "SELECT count(*) FROM speed_user_sessions")[1] == [(3,)]
    assert run_query(settings, "SELECT count(*) FROM serving_status")[1][0][0] == 3
    columns = run_query(settings, "SELECT * FROM lambda_user_sessions LIMIT 0")[0]
    assert columns[0] == "user_id" and columns[-2:] == ["processed_at", "layer"]


def test_a_new_batch_run_at_the_speed_layers_logic_lifts_the_refusal(tmp_path):
    settings = publish_batch_and_speed(tmp_path, "v2", "v1")
    assert refresh_catalog(settings)["lambda_refused"]
    layout = Layout(tmp_path)
    version = batch_version(layout, 2, "v1", H)
    c = duckdb.connect()
    write(c, version / "action_counts" / "part-0.parquet", counts(
        "2026-01-01 00:09", "2026-01-01 00:10", 6
    ))  # fmt: skip
    c.close()
    assert refresh_catalog(settings)["lambda_refused"] is None
    rows = run_query(settings, "SELECT events, layer FROM lambda_action_counts ORDER BY ALL")[1]
    assert rows == [(3, "speed"), (6, "batch")]
