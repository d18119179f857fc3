"""The one Spark session factory: every Spark job and test starts Spark this way.

Spark's logs, and everything else its driver JVM prints (the JVM's own warnings included), go to
a file in `LK_DATA_DIR/logs/`, never to the terminal: see `driver_java_options` and
`_start_driver`. Errors still reach the user, as the exceptions Spark raises in Python.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import subprocess
import sys
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import LkError
from core.jvm import jars_dir, java_home
from core.settings import REPO_ROOT, Settings
from core.spark_contract import CONTRACT_CONF, check_contract, refuse_contract_changes
from core.spark_ui import event_log_conf, ui_conf

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOG4J_CONFIG = REPO_ROOT / "infra" / "log4j2-spark.properties"
"""Spark's log4j2 configuration: every message at LK_SPARK_LOG_LEVEL, on the JVM's stderr."""
DRIVER_JAVA_OPTIONS = "spark.driver.extraJavaOptions"
EXECUTOR_JAVA_OPTIONS = "spark.executor.extraJavaOptions"
JIT_OPTIONS = ("-XX:-DontCompileHugeMethods",)
"""HotSpot leaves methods over 8,000 bytes of bytecode to its interpreter unless told otherwise
(`DontCompileHugeMethods`, on by default); whole-stage code generation writes larger ones (Spark
only falls back above `spark.sql.codegen.hugeMethodLimit`, 65,535; see Spark's SQL performance
tuning guide). The parse's stage is one of them: compiled, it runs 1.4x faster (issue 20)."""
QUERY_CONTEXT_LOGGERS = ("DataFrameQueryContextLogger", "SQLQueryContextLogger")
"""pyspark's Python loggers that print a JSON line on stderr for every SQL error it raises."""


def connector_jars() -> list[str]:
    """Spark's Kafka connector and its dependencies, gathered by `make setup`."""
    folder = jars_dir() / "spark-connector"
    jars = sorted(str(jar) for jar in folder.glob("*.jar"))
    if not any("spark-sql-kafka" in jar for jar in jars):
        raise LkError(f"Spark's Kafka connector is missing in {folder}: run `make setup`")
    return jars


def spark_session(
    settings: Settings, app_name: str, *, ui: bool = False, **extra_conf: str
) -> SparkSession:
    """A Spark session on `settings.spark_master` with the Kafka connector, UTC and small shuffles.
    `ui`: Spark's web UI on, on loopback (long-running jobs); event logs are always written
    (core.spark_ui).

    Settings used: spark_driver_memory, shuffle_partitions, spark_log_level, and spark_conf for
    anything else (`key=value` pairs separated by `;`). Raises LkError without the connector.
    The first session of a process starts the driver JVM with its output in `log_file`.
    """
    os.environ["JAVA_HOME"] = str(java_home())
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if settings.is_loopback_spark:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    conf = {
        "spark.master": settings.spark_master,
        "spark.app.name": app_name,
        "spark.jars": ",".join(connector_jars()),
        "spark.driver.memory": settings.spark_driver_memory,
        "spark.sql.shuffle.partitions": settings.shuffle_partitions,
        "spark.default.parallelism": settings.shuffle_partitions,
        **CONTRACT_CONF,
        **ui_conf(ui and settings.is_loopback_spark),
        **event_log_conf(settings),
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.streaming.forceDeleteTempCheckpointLocation": "true",
        # Compiled stages are cached by their code; Spark's default (100) is too few for a
        # streaming job's stages and their per-micro-batch variants (the state operator's
        # watermark is written into its code), so stable stages were evicted and compiled
        # again (and run cold) every micro-batch.
        "spark.sql.codegen.cache.maxEntries": "1000",
        "spark.sql.warehouse.dir": str(settings.data_dir / "spark-warehouse"),
        **cluster_conf(settings),
        **extra_conf,
        **extra_spark_conf(settings),
        DRIVER_JAVA_OPTIONS: driver_java_options(settings),
    }
    if not settings.is_local_spark:
        theirs = extra_spark_conf(settings).get(EXECUTOR_JAVA_OPTIONS, "")
        conf[EXECUTOR_JAVA_OPTIONS] = f"{shlex.join(JIT_OPTIONS)} {theirs}".strip()
    _start_driver(conf, log_file(settings, app_name))
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    check_contract(session)
    session.sparkContext.setLogLevel(settings.spark_log_level)
    return session


def cluster_conf(settings: Settings) -> dict[str, str]:
    """Where the driver binds, and what one application may take of a cluster.

    On loopback (local mode, or a master on 127.0.0.1 such as `lk spark up`'s) the driver binds
    127.0.0.1: its executors, if any, run on this machine. A real cluster's executors must reach
    the driver, so there SPARK_LOCAL_IP / spark.driver.host (LK_SPARK_CONF) decide.
    On a cluster each application takes at most LK_SPARK_CORES_MAX cores (`spark.cores.max`,
    standalone; without it the first application takes every core and the speed job would
    starve a batch run) and executors of LK_SPARK_EXECUTOR_MEMORY. The Kafka connector reaches
    the executors through `spark.jars` (the driver serves the jars). Checkpoints and outputs
    are paths under LK_DATA_DIR, written by the driver and by executors alike: every loopback
    worker sees that folder, but a multi-host cluster needs it on storage every host mounts at
    the same path (NFS) or on a distributed file system.
    """
    conf = {}
    if settings.is_loopback_spark:
        conf["spark.driver.host"] = "127.0.0.1"
        conf["spark.driver.bindAddress"] = "127.0.0.1"
    if not settings.is_local_spark:
        conf["spark.executor.memory"] = settings.spark_executor_memory
        if settings.spark_master.startswith("spark://"):
            conf["spark.cores.max"] = settings.spark_cores_max
    return conf


def driver_java_options(settings: Settings) -> str:
    """The driver JVM's options: Spark's log4j configuration (LOG4J_CONFIG) at
    LK_SPARK_LOG_LEVEL, JIT_OPTIONS, then any spark.driver.extraJavaOptions of LK_SPARK_CONF."""
    ours = shlex.join(
        [
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            f"-Dlk.spark.log.level={settings.spark_log_level}",
            *JIT_OPTIONS,
        ]
    )
    theirs = extra_spark_conf(settings).get(DRIVER_JAVA_OPTIONS, "")
    return f"{ours} {theirs}".strip()


def log_file(settings: Settings, name: str) -> Path:
    """A new file in LK_DATA_DIR/logs/ for one process's Spark: `<name>-<time>-<pid>.log`."""
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return logs / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}-{stamp}-{os.getpid()}.log"


def _start_driver(conf: dict[str, str], log: Path) -> None:
    """Start this process's driver JVM (once) with its stdout and stderr in `log`.

    pyspark starts the JVM (through spark-submit) on the first SparkContext, on our terminal;
    the JVM prints there what no log4j setting governs, e.g. `WARNING: Using incubator modules`
    (Spark's launcher always adds `--add-modules=jdk.incubator.vector`). So the JVM is started
    here, by pyspark's own `launch_gateway`, with its output in the file. Nothing to do if a JVM
    runs already: this process's earlier session, or spark-submit's (whose output is its log).
    """
    from pyspark import SparkConf, SparkContext
    from pyspark.errors import PySparkRuntimeError
    from pyspark.java_gateway import launch_gateway

    if SparkContext._gateway is not None or "PYSPARK_GATEWAY_PORT" in os.environ:
        return
    spark_conf = SparkConf().setAll(list(conf.items()))
    with log.open("ab") as output:
        try:
            gateway = launch_gateway(
                spark_conf, popen_kwargs={"stdout": output, "stderr": subprocess.STDOUT}
            )
        except PySparkRuntimeError:
            raise LkError(f"Spark's JVM did not start: {last_error(log)}; see {log}") from None
    _python_side_to(log)
    SparkContext(conf=spark_conf, gateway=gateway)


def _python_side_to(log: Path) -> None:
    """What pyspark and Py4J print in Python into `log` too: Py4J's log records (a connection
    closed at exit), the JSON line pyspark logs for each SQL error it raises (the error itself
    still reaches the caller), and Python warnings raised in their code."""
    from pyspark.logger import PySparkLogger

    plain = logging.FileHandler(log)
    plain.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("py4j", "py.warnings.pyspark"):
        logging.getLogger(name).addHandler(plain)
        logging.getLogger(name).propagate = False
    as_json = logging.FileHandler(log)
    for name in QUERY_CONTEXT_LOGGERS:
        logger = PySparkLogger.getLogger(name)
        for stderr in list(logger.handlers):
            logger.removeHandler(stderr)
        logger.addHandler(as_json)  # pyspark gives it its JSON format
    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if not {"pyspark", "py4j"} & set(Path(filename).parts):
            return shown(message, category, filename, lineno, file, line)
        text = warnings.formatwarning(message, category, filename, lineno, line).rstrip()
        logging.getLogger("py.warnings.pyspark").warning("%s", text)

    warnings.showwarning = show


def last_error(log: Path) -> str:
    """The last line of a log that says what went wrong: one of ours (`lk: error:`), else the
    last Error or Exception, else the last line."""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    for line in reversed(lines):
        if line.startswith("lk: error:"):
            return line.removeprefix("lk: error:").strip()
    for line in reversed(lines):
        if "Error" in line or "Exception" in line:
            return line[:300]
    return lines[-1][:300] if lines else "no output"


def literal_path(path: Path) -> str:
    """`path` for Spark's readers, which expand Hadoop globs (`*`, `?`, `[...]`, `{a,b}`) in
    every path they are given: each glob character escaped with a backslash, so a data
    directory named `runs [2026]` is read as itself."""
    return re.sub(r"([\\{}\[\]*?])", r"\\\1", str(path))


def extra_spark_conf(settings: Settings) -> dict[str, str]:
    """LK_SPARK_CONF as a dict: `spark.executor.memory=2g;spark.executor.cores=2`; LkError for a
    pair that is not `spark.some.key=value` or that changes the event contract
    (`core.spark_contract`)."""
    conf = {}
    for pair in filter(None, (p.strip() for p in settings.spark_conf.split(";"))):
        key, equals, value = pair.partition("=")
        if not equals or not key.strip().startswith("spark."):
            raise LkError(f"LK_SPARK_CONF: {pair!r} is not spark.some.key=value")
        conf[key.strip()] = value.strip()
    refuse_contract_changes(conf)
    return conf
