"""Kafka's own performance tools as the reference every benchmark ratio is measured against."""

from __future__ import annotations

import contextlib
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace

from core.errors import LkError
from core.kafka_client import delete_topic, ensure_topic
from core.settings import Settings
from infra.java import run_kafka_tool


def consumer_performance(bootstrap: str, topic: str, records: int) -> dict[str, float]:
    """Kafka's ConsumerPerformance reading `records` of the topic: records/s in total and while
    fetching (the physical read limit every consumer in this project is compared with)."""
    output = run_kafka_tool(
        "org.apache.kafka.tools.ConsumerPerformance",
        "--bootstrap-server",
        bootstrap,
        "--topic",
        topic,
        "--num-records",
        str(records),
        "--timeout",
        "60000",
    )
    lines = [line for line in output.splitlines() if line.strip()]
    header = next((line for line in lines if line.startswith("start.time")), "")
    values = lines[-1] if lines else ""
    row = dict(
        zip(
            (h.strip() for h in header.split(",")),
            (v.strip() for v in values.split(",")),
            strict=False,
        )
    )
    try:
        return {"total": float(row["nMsg.sec"]), "fetch": float(row["fetch.nMsg.sec"])}
    except (KeyError, ValueError):
        raise LkError(
            f"could not read ConsumerPerformance's result from: {output[-300:]}"
        ) from None


@contextlib.contextmanager
def fresh_workspace(settings: Settings, name: str) -> Iterator[Settings]:
    """Settings on a new topic of 4 partitions and a new data directory, both removed after:
    every benchmark measures on its own log and leaves nothing behind."""
    run_id = uuid.uuid4().hex[:8]
    bench = replace(
        settings,
        topic=f"bench-{name}-{run_id}",
        data_dir=settings.data_dir / "bench" / f"{name}-{run_id}",
    )
    ensure_topic(bench.bootstrap, bench.topic, partitions=4)
    try:
        yield bench
    finally:
        delete_topic(bench.bootstrap, bench.topic)
        shutil.rmtree(bench.data_dir, ignore_errors=True)


def spark_read_rate(settings: Settings, records: int) -> float:
    """Records/s of a bare Spark batch read of the topic (`count()`): Spark's own floor."""
    from core.spark import spark_session

    spark = spark_session(settings, "lk-bench")
    started = time.perf_counter()
    kafka_batch(spark, settings).count()
    return records / (time.perf_counter() - started)


def kafka_batch(spark, settings: Settings):
    """The whole topic as a Spark batch DataFrame of Kafka records, read committed."""
    from core.kafka_client import SPARK_READ_OPTIONS

    return (
        spark.read.format("kafka")
        .option("kafka.bootstrap.servers", settings.bootstrap)
        .option("subscribe", settings.topic)
        .options(**SPARK_READ_OPTIONS)
        .load()
    )
