"""`lk compare` on hand-made files: each architecture is compared with the oracle's views at
the logic version it ran, and a missing oracle output or a refused Lambda merge is one line."""

import duckdb
import pytest

from core.atomic import write_json
from core.errors import LkError
from core.layout import Layout
from core.settings import Settings
from experiments.compare import compare_with_truth
from lk.formats import format_comparison
from serving_layer.catalog import refresh_catalog
from tests.serving_layer.files import batch_version, oracle, session, stream_job, write

WATERMARK = "2026-01-01T00:30:00.000Z"
V1_SESSIONS = [  # a 5-minute gap: a pause of 4 minutes splits u1's visit in two
    session("u1", "2026-01-01 00:00", "2026-01-01 00:04", 2),
    session("u1", "2026-01-01 00:08", "2026-01-01 00:12", 1),
]
V2_SESSIONS = [session("u1", "2026-01-01 00:00", "2026-01-01 00:12", 3)]  # a 10-minute gap


def union(rows: list[str]) -> str:
    return " UNION ALL ".join(rows)


def kappa_version(layout: Layout, number: int, logic: str, sessions: list[str]) -> None:
    paths = layout.kappa_version(number)
    stream_job(paths, logic, watermark=WATERMARK, offsets={"0": 3}, lag=0)
    batched = [f"SELECT *, 1::BIGINT AS batch_id FROM ({row})" for row in sessions]
    connection = duckdb.connect()
    write(connection, paths.view_files("user_sessions") / "batch-000000001.parquet", union(batched))
    connection.close()


@pytest.fixture
def kappa_v2_in_service(tmp_path) -> Settings:
    """Kappa v1 (logic v1) and v2 (logic v2), v2 in service; the oracle has both logics, v1
    computed last (so truth_<view> is v1's)."""
    layout = Layout(tmp_path)
    kappa_version(layout, 1, "v1", V1_SESSIONS)
    kappa_version(layout, 2, "v2", V2_SESSIONS)
    write_json(layout.kappa_serving, {"current": 2, "previous": 1})
    oracle(layout, "v2", "2026-01-02T10:00:00+00:00", {"user_sessions": union(V2_SESSIONS)})
    oracle(layout, "v1", "2026-01-02T11:00:00+00:00", {"user_sessions": union(V1_SESSIONS)})
    settings = Settings.from_env(data_dir=tmp_path)
    refresh_catalog(settings)
    return settings


def test_kappa_is_compared_with_the_oracle_of_its_logic_version(kappa_v2_in_service):
    report = compare_with_truth(kappa_v2_in_service, "kappa")
    assert report["logic_version"] == "v2"
    assert report["horizon"].startswith("2026-01-01T00:30:00")
    sessions = report["user_sessions"]["complete"]
    assert (sessions["matching"], sessions["missing"], sessions["extra"]) == (1, 0, 0)
    assert sessions["events"] == sessions["truth_events"] == 3
    assert report["action_counts"]["complete"]["matching"] == 0  # neither side has rows
    printed = format_comparison({"kappa": report}).splitlines()
    assert printed[1].startswith("kappa: rows final up to") and "logic v2" in printed[1]
    assert len(printed) == 2 + 4 * 2


def test_a_missing_oracle_logic_version_is_one_line(tmp_path):
    layout = Layout(tmp_path)
    kappa_version(layout, 2, "v2", V2_SESSIONS)
    write_json(layout.kappa_serving, {"current": 2, "previous": None})
    oracle(layout, "v1", "2026-01-02T11:00:00+00:00", {"user_sessions": union(V1_SESSIONS)})
    settings = Settings.from_env(data_dir=tmp_path)
    refresh_catalog(settings)
    with pytest.raises(LkError) as raised:
        compare_with_truth(settings, "kappa")
    assert str(raised.value) == "no oracle views for logic v2: run `lk truth --logic-version v2`"


def test_lambda_is_compared_at_its_batch_logic_or_else_the_speed_layers(tmp_path):
    layout = Layout(tmp_path)
    settings = Settings.from_env(data_dir=tmp_path)
    stream_job(layout.speed, "v2", watermark=WATERMARK, offsets={"0": 3}, lag=0)
    oracle(layout, "v2", "2026-01-02T10:00:00+00:00", {"user_sessions": union(V2_SESSIONS)})
    refresh_catalog(settings)
    report = compare_with_truth(settings, "lambda")  # no batch version yet: the speed layer's
    assert report["logic_version"] == "v2" and report["horizon"] is None

    batch_version(layout, 1, "v1", "2026-01-01T00:20:00+00:00")
    refresh_catalog(settings)
    with pytest.raises(LkError, match=r"batch version 1 ran logic v1 .* runs logic v2"):
        compare_with_truth(settings, "lambda")
    report = compare_with_truth(settings, "speed")
    assert report["logic_version"] == "v2"
    with pytest.raises(LkError, match="no oracle views for logic v1"):
        compare_with_truth(settings, "batch")
