"""Run a Spark job the way a deployment does: `spark-submit` to the settings' Spark master,
with the Kafka connector jars and the LK_* settings in its environment."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from core.atomic import read_json
from core.errors import LkError, NotRetryable
from core.jvm import java_home
from core.settings import Settings
from core.spark import connector_jars, driver_java_options, last_error, log_file

NOT_RETRYABLE_EXIT = 3
"""The exit code a submitted job uses for a NotRetryable error (a recreated topic, a wrong
parameter), so the caller raises NotRetryable too and Airflow fails the task at once."""
SUBMIT_TIMEOUT_S = 3600
"""A spark-submit that has not finished after this long is stopped and reported."""


def spark_submit(settings: Settings, script: Path, name: str, job_args: list[str]) -> dict:
    """Run `script job_args... --result FILE` with spark-submit; the JSON document the script
    wrote to FILE (plus `submit_seconds`), or LkError with the job's last error line. Output
    goes to `LK_DATA_DIR/logs/<name>-<step>-<time>-<pid>.log`: spark-submit's, the driver JVM's
    (Spark's log4j configuration at LK_SPARK_LOG_LEVEL, as in `spark_session`) and the job's."""
    log = log_file(settings, f"{name}-{job_args[0]}")
    with tempfile.TemporaryDirectory(prefix="lk-submit-") as scratch:
        result = Path(scratch) / "result.json"
        command = [
            str(Path(sys.executable).with_name("spark-submit")),
            "--master",
            settings.spark_master,
            "--name",
            f"{name}-{job_args[0]}",
            "--jars",
            ",".join(connector_jars()),
            "--driver-memory",
            settings.spark_driver_memory,
            "--driver-java-options",
            driver_java_options(settings),
            str(script),
            *job_args,
            "--result",
            str(result),
        ]
        started = time.monotonic()
        with log.open("w") as output:
            try:
                finished = subprocess.run(
                    command,
                    env=_submit_env(settings),
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    timeout=SUBMIT_TIMEOUT_S,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise LkError(f"spark-submit {job_args[0]} timed out; see {log}") from None
        if finished.returncode != 0 or not result.exists():
            failure = NotRetryable if finished.returncode == NOT_RETRYABLE_EXIT else LkError
            raise failure(
                f"spark-submit {job_args[0]} failed (exit {finished.returncode}): "
                f"{last_error(log)}; see {log}"
            )
        document = read_json(result) or {}
    document["submit_seconds"] = round(time.monotonic() - started, 3)
    return document


def _submit_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        JAVA_HOME=str(java_home()),
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
        **settings.as_env(),
    )
    if settings.is_loopback_spark:  # the driver on loopback; see core.spark.cluster_conf
        env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return env
