"""The streaming engine's per-micro-batch machinery on the real Spark session: every output
collected by one job with its own types, and a warm-up that writes nothing and never fails a job."""

from __future__ import annotations

import logging
from decimal import Decimal

import pyarrow as pa
import pytest

from core.layout import Layout
from streaming.collect import OUTPUT, collect_together, with_constant
from streaming.judging import Judging
from streaming.micro_batch import MicroBatchWriter
from streaming.warm_up import WARM_UP_RECORDS, warm_up
from views.catalog import views_at

pytestmark = pytest.mark.slow


def test_collect_together_gives_each_frame_its_own_columns_and_types(spark):
    narrow = spark.createDataFrame([(1, "a")], "n int, s string")
    wide = spark.createDataFrame(
        [(5, Decimal("1.50"), None), (6, Decimal("2.25"), b"x")],
        "n bigint, revenue decimal(38,2) not null, raw binary",
    )
    empty = wide.where("n < 0")
    jobs_before = spark.sparkContext.statusTracker().getJobIdsForGroup(None)

    tables = collect_together({"narrow": narrow, "wide": wide, "empty": empty})

    assert tables["narrow"].schema == pa.schema([("n", pa.int32()), ("s", pa.string())])
    assert tables["narrow"].to_pylist() == [{"n": 1, "s": "a"}]  # int, not the union's bigint
    assert tables["wide"].schema.field("revenue").type == pa.decimal128(38, 2)
    assert not tables["wide"].schema.field("revenue").nullable
    assert tables["wide"].column("raw").to_pylist() == [None, b"x"]
    assert tables["empty"].num_rows == 0 and tables["empty"].schema == tables["wide"].schema
    jobs = set(spark.sparkContext.statusTracker().getJobIdsForGroup(None)) - set(jobs_before)
    assert len(jobs) == 1  # one Spark job for all three


def test_collect_together_refuses_a_column_named_like_its_tag(spark):
    with pytest.raises(ValueError, match=OUTPUT):
        collect_together({"x": spark.createDataFrame([(1,)], f"{OUTPUT} int")})


def test_with_constant_adds_a_non_null_column():
    table = with_constant(pa.table({"a": [1, 2]}), "at", 7_000, pa.timestamp("us", tz="UTC"))
    assert table.schema.field("at") == pa.field("at", pa.timestamp("us", tz="UTC"), False)
    assert table.column("at").to_pylist()[0].timestamp() == pytest.approx(0.007)


def test_warm_up_runs_the_micro_batch_work_and_writes_nothing(spark, tmp_path, caplog):
    paths = Layout(tmp_path).speed
    writer = MicroBatchWriter(paths, views_at("v1"), Judging(10_000_000, 10_000_000))
    persistent_before = set(spark.sparkContext._jsc.getPersistentRDDs().keySet())
    with caplog.at_level(logging.WARNING):
        seconds = warm_up(spark, writer)
    assert seconds > 0
    assert not caplog.records  # it ran: nothing failed
    assert not list(tmp_path.rglob("*.parquet")) and not list(tmp_path.rglob("*.json"))
    # every checkpoint it made was freed
    assert set(spark.sparkContext._jsc.getPersistentRDDs().keySet()) <= persistent_before
    assert WARM_UP_RECORDS >= 100


def test_a_failing_warm_up_is_logged_and_the_job_goes_on(spark, tmp_path, caplog):
    class Broken(MicroBatchWriter):
        def rehearse(self, records):
            raise RuntimeError("no room left")

    writer = Broken(Layout(tmp_path).speed, views_at("v1"), Judging(10_000_000, 10_000_000))
    with caplog.at_level(logging.WARNING):
        warm_up(spark, writer)
    assert "warm-up failed: no room left" in caplog.text
