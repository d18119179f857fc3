"""One frozen settings object per process, and the one table of defaults.

Every `LK_*` environment variable is declared once in `VARIABLES` with its default and meaning;
`Settings.from_env` reads them all (flags given on the command line win), and `as_env` hands
them on to child processes (spark-submit, a background Kappa job, Airflow). Nothing else in the
project reads `os.environ` for an `LK_*` name. The defaults of the jobs' own parameters (logic
version, watermark, trigger, ...) are the `DEFAULT_*` constants below, also written only here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from core.errors import LkError

REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_LOGIC_VERSION = "v1"
"""The view logic of DESIGN.md; `v2` changes the session gap (views.catalog)."""
DEFAULT_WATERMARK = "10 minutes"
"""How late (event time) an event may arrive: the streaming watermark delay."""
DEFAULT_LATENESS = DEFAULT_WATERMARK
"""The batch layer's allowed lateness: H = newest event time - lateness (the same delay)."""
DEFAULT_TRIGGER = "250 milliseconds"
"""The micro-batch interval of a live streaming job."""
DEFAULT_REPLAY_MAX_OFFSETS = 200_000
"""Records per micro-batch while a Kappa version replays the log (throughput over latency)."""
DEFAULT_MAX_LAG = 1000
"""A Kappa version may be switched in when at most this many records behind the log."""
DEFAULT_PARTITIONS = 4
"""Partitions of a topic `lk produce` creates."""
DEFAULT_DELIVERY_TIMEOUT = 120.0
"""Seconds a record `lk produce` sends may wait for its acknowledgement (acks=all) before the run
fails (librdkafka's message.timeout.ms)."""


@dataclass(frozen=True)
class Variable:
    """One `LK_*` environment variable: its default and what it means. It fills the Settings
    field of the same name in lower case, without `LK_` (LK_SPARK_MASTER -> spark_master)."""

    name: str
    default: str
    meaning: str

    @property
    def field(self) -> str:
        return self.name.removeprefix("LK_").lower()


_TABLE = """
LK_DATA_DIR                   ./data          all state: broker, layers, serving, Airflow
LK_BOOTSTRAP                  127.0.0.1:9092  Kafka bootstrap servers
LK_TOPIC                      user_events     the event topic
LK_KAFKA_BIND_HOST            -               the local broker's address (default: loopback)
LK_SPARK_MASTER               local[2]        Spark master URL
LK_SPARK_DRIVER_MEMORY        1g              Spark driver heap
LK_SHUFFLE_PARTITIONS         2               shuffle partitions of batch jobs
LK_STREAM_SHUFFLE_PARTITIONS  1               state partitions of a new streaming query
LK_SPARK_CONF                 -               more Spark settings: key=value;key=value
LK_SPARK_LOG_LEVEL            WARN            Spark's log level
LK_SPARK_CORES_MAX            1               cores one application takes on a cluster (spark.cores.max)
LK_SPARK_EXECUTOR_MEMORY      1g              each executor's heap on a cluster (spark.executor.memory)
LK_LAMBDA_SCHEDULE            @hourly         lambda_batch's schedule (`none`: when triggered)
LK_JARS_DIR                   -               the Maven jars (default: infra/jars)
LK_JAVA_HOME                  -               a Java 17 JDK (default: JAVA_HOME, then /usr/lib/jvm)
"""
"""name, default ("-": not set) and meaning of each variable, one a line."""

VARIABLES: tuple[Variable, ...] = tuple(
    Variable(name, "" if default == "-" else default, meaning)
    for name, default, meaning in (line.split(maxsplit=2) for line in _TABLE.strip().splitlines())
)
"""Every LK_* variable the project reads; an empty default means "not set"."""


UNUSABLE_IN_DATA_DIR = {
    "?": "DuckDB cuts a database file name at '?'",
    "\\": "DuckDB reads '\\' in a file name as a glob escape",
    ",": "Kafka's log.dirs is a comma-separated list",
}
"""Characters a data directory's path may not hold, and why (docs/real-world-topics.md); every
other character, spaces, brackets, `*`, braces and quotes included, works in every path."""


@dataclass(frozen=True)
class Settings:
    """Where state lives, which Kafka, topic and Spark a command talks to, and how Spark runs.

    One field per entry of `VARIABLES` (defaults live there, not here): build it with `from_env`."""

    data_dir: Path
    bootstrap: str
    topic: str
    spark_master: str
    spark_driver_memory: str
    shuffle_partitions: str
    stream_shuffle_partitions: str
    spark_conf: str
    spark_log_level: str
    spark_cores_max: str
    spark_executor_memory: str
    lambda_schedule: str
    kafka_bind_host: str
    jars_dir: str
    java_home: str

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from the LK_* environment variables (then the defaults of `VARIABLES`);
        keyword arguments that are not None win. Raises LkError for an unknown keyword."""
        values: dict[str, object] = {
            variable.field: os.environ.get(variable.name) or variable.default
            for variable in VARIABLES
        }
        known = {field.name for field in fields(cls)}
        for key, value in overrides.items():
            if key not in known:
                raise LkError(f"unknown setting {key!r}")
            if value is not None:
                values[key] = value
        values["data_dir"] = Path(str(values["data_dir"])).resolve()
        for character, why in UNUSABLE_IN_DATA_DIR.items():
            if character in str(values["data_dir"]):
                raise LkError(
                    f"the data directory {values['data_dir']} holds {character!r} ({why}); "
                    "choose another --data-dir / LK_DATA_DIR"
                )
        return cls(**values)  # type: ignore[arg-type]

    def as_env(self) -> dict[str, str]:
        """These settings as the LK_* variables a child process (a job, a task) reads them from;
        settings left unset are left out."""
        env = {}
        for variable in VARIABLES:
            value = str(getattr(self, variable.field))
            if value:
                env[variable.name] = value
        return env

    @property
    def bootstrap_host_port(self) -> tuple[str, int]:
        """The first bootstrap server as (host, port)."""
        return parse_host_port(self.bootstrap.split(",")[0])

    @property
    def is_local_spark(self) -> bool:
        """Spark runs inside this process (`local[...]`), not on a cluster."""
        return self.spark_master.startswith("local")

    @property
    def is_loopback_spark(self) -> bool:
        """Spark runs on this machine only: local mode, or a standalone master on 127.0.0.1 or
        localhost (`lk spark up`); then the driver binds loopback too."""
        host = self.spark_master.removeprefix("spark://").split(":")[0]
        return self.is_local_spark or (
            self.spark_master.startswith("spark://") and host in ("127.0.0.1", "localhost")
        )


def default_of(name: str) -> str:
    """The default of one LK_* variable (for help texts)."""
    for variable in VARIABLES:
        if variable.name == name:
            return variable.default
    raise KeyError(name)


def parse_host_port(address: str) -> tuple[str, int]:
    """Split 'host:port' and check the port is a number from 1 to 65535; LkError otherwise."""
    host, _, port = address.strip().rpartition(":")
    if not host or not port.isdigit():
        raise LkError(f"bootstrap address {address!r} is not host:port (e.g. 127.0.0.1:9092)")
    if not 1 <= int(port) <= 65535:
        raise LkError(f"bootstrap address {address!r}: a port is a number from 1 to 65535")
    return host, int(port)
