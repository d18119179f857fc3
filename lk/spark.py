"""The one Spark session factory: every Spark job and test starts Spark this way."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from lk.errors import LkError
from lk.settings import Settings, jars_dir, java_home

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

    Environment overrides: LK_SPARK_DRIVER_MEMORY (default 1g), LK_SHUFFLE_PARTITIONS (default 2),
    and LK_SPARK_CONF for anything else: `key=value` pairs separated by `;`.
    """
    os.environ["JAVA_HOME"] = str(java_home())
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if settings.spark_master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    conf = {
        "spark.jars": ",".join(connector_jars()),
        "spark.driver.memory": os.environ.get("LK_SPARK_DRIVER_MEMORY", "1g"),
        "spark.sql.shuffle.partitions": os.environ.get("LK_SHUFFLE_PARTITIONS", "2"),
        "spark.default.parallelism": os.environ.get("LK_SHUFFLE_PARTITIONS", "2"),
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.streaming.forceDeleteTempCheckpointLocation": "true",
        "spark.sql.warehouse.dir": str(settings.data_dir / "spark-warehouse"),
        **extra_conf,
        **extra_spark_conf(),
    }
    if settings.spark_master.startswith("local"):
        # Local mode talks only to itself: keep the driver on loopback. A real cluster's
        # executors must reach the driver, so there SPARK_LOCAL_IP / spark.driver.host decide.
        conf.setdefault("spark.driver.host", "127.0.0.1")
        conf.setdefault("spark.driver.bindAddress", "127.0.0.1")
    builder = SparkSession.builder.master(settings.spark_master).appName(app_name)
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel(os.environ.get("LK_SPARK_LOG_LEVEL", "WARN"))
    return session


def extra_spark_conf() -> dict[str, str]:
    """LK_SPARK_CONF as a dict: `spark.executor.memory=2g;spark.executor.cores=2`."""
    conf = {}
    for pair in filter(None, (p.strip() for p in os.environ.get("LK_SPARK_CONF", "").split(";"))):
        key, equals, value = pair.partition("=")
        if not equals or not key.strip().startswith("spark."):
            raise LkError(f"LK_SPARK_CONF: {pair!r} is not spark.some.key=value")
        conf[key.strip()] = value.strip()
    return conf
