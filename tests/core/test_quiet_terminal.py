"""A command that starts Spark prints no Spark or JVM log line: those go to LK_DATA_DIR/logs/,
and a spark-submit job's driver logs with the same configuration."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from core.settings import Settings
from core.spark import LOG4J_CONFIG
from core.spark_submit import spark_submit
from tests.processes import lk_env
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow

STARTED = re.compile(r"^[-0-9]{10} [:.0-9]{12} INFO SparkContext: Running Spark version", re.M)
"""Spark's first INFO line, in the layout of infra/log4j2-spark.properties: logged before the
session exists, so at the level LK_SPARK_LOG_LEVEL gives the JVM from its start."""


def test_a_spark_command_prints_no_warning_and_logs_to_the_data_dir(kafka, topic, tmp_path):
    records = list(generate(SCENARIOS["steady"], seed=3, events=300))
    send_records(records, kafka.bootstrap, topic, paced=False, total=None)
    settings = replace(kafka, topic=topic, data_dir=tmp_path / "data", spark_log_level="INFO")

    finished = subprocess.run(
        [str(Path(sys.executable).with_name("lk")), "lambda", "speed", "--until-caught-up"],
        env=lk_env(settings),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    terminal = finished.stdout + finished.stderr
    assert finished.returncode == 0, terminal
    assert "WARN" not in terminal, terminal  # WARN, WARNING: Spark's, the JVM's, Python's
    assert "log4j" not in terminal, terminal
    logs = sorted((settings.data_dir / "logs").glob("lk-lambda-speed-*.log"))
    assert len(logs) == 1, sorted((settings.data_dir / "logs").iterdir())
    text = logs[0].read_text(errors="replace")
    assert "WARNING: Using incubator modules" in text  # the JVM's own stderr, kept in the file
    assert STARTED.search(text), text[:3000]
    assert "MicroBatchExecution: " in text  # the streaming query's own lines


JOB = """
import json, sys
from pyspark.java_gateway import launch_gateway
system = launch_gateway().jvm.System  # spark-submit's driver JVM, which started this script
names = ("log4j2.configurationFile", "lk.spark.log.level")
json.dump({name: system.getProperty(name) for name in names}, open(sys.argv[-1], "w"))
"""


def test_a_submitted_jobs_driver_has_the_same_log_configuration(tmp_path):
    script = tmp_path / "job.py"
    script.write_text(JOB)
    settings = Settings.from_env(data_dir=tmp_path, spark_log_level="INFO")
    result = spark_submit(settings, script, "lk-test", ["step"])
    assert result["log4j2.configurationFile"] == str(LOG4J_CONFIG)
    assert result["lk.spark.log.level"] == "INFO"
