"""The one Spark session factory: every Spark job and test starts Spark this way."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from core.errors import LkError
from core.jvm import jars_dir, java_home
from core.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def connector_jars() -> list[str]:
    """Spark's Kafka connector and its dependencies, gathered by `make setup`."""
    folder = jars_dir() / "spark-connector"
    jars = sorted(str(jar) for jar in folder.glob("*.jar"))
    if not any("spark-sql-kafka" in jar for jar in jars):
        raise LkError(f"Spark's Kafka connector is missing in {folder}: run `make setup`")
    return jars


def spark_session(settings: Settings, app_name: str, **extra_conf: str) -> SparkSession:
    """A Spark session on `settings.spark_master` with the Kafka connector, UTC and small shuffles.

    Settings used: spark_driver_memory, shuffle_partitions, spark_log_level, and spark_conf for
    anything else (`key=value` pairs separated by `;`). Raises LkError without the connector.
    """
    os.environ["JAVA_HOME"] = str(java_home())
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if settings.is_local_spark:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    conf = {
        "spark.jars": ",".join(connector_jars()),
        "spark.driver.memory": settings.spark_driver_memory,
        "spark.sql.shuffle.partitions": settings.shuffle_partitions,
        "spark.default.parallelism": settings.shuffle_partitions,
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.streaming.forceDeleteTempCheckpointLocation": "true",
        "spark.sql.warehouse.dir": str(settings.data_dir / "spark-warehouse"),
        **extra_conf,
        **extra_spark_conf(settings),
    }
    if settings.is_local_spark:
        # Local mode talks only to itself: keep the driver on loopback. A real cluster's
        # executors must reach the driver, so there SPARK_LOCAL_IP / spark.driver.host decide.
        conf.setdefault("spark.driver.host", "127.0.0.1")
        conf.setdefault("spark.driver.bindAddress", "127.0.0.1")
    builder = SparkSession.builder.master(settings.spark_master).appName(app_name)
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel(settings.spark_log_level)
    return session


def extra_spark_conf(settings: Settings) -> dict[str, str]:
    """LK_SPARK_CONF as a dict: `spark.executor.memory=2g;spark.executor.cores=2`; LkError for a
    pair that is not `spark.some.key=value`."""
    conf = {}
    for pair in filter(None, (p.strip() for p in settings.spark_conf.split(";"))):
        key, equals, value = pair.partition("=")
        if not equals or not key.strip().startswith("spark."):
            raise LkError(f"LK_SPARK_CONF: {pair!r} is not spark.some.key=value")
        conf[key.strip()] = value.strip()
    return conf
