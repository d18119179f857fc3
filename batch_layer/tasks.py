"""The batch layer as Airflow runs it: each step a `spark-submit` to LK_SPARK_MASTER, the way a
deployment runs Spark, with the same functions `lk lambda batch` runs in one process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from batch_layer.batch_views import DEFAULT_LATENESS
from batch_layer.batch_views import publish as publish_version
from lk.atomic import read_json
from lk.errors import LkError
from lk.settings import REPO_ROOT, Settings, java_home
from lk.spark import connector_jars

JOB = REPO_ROOT / "batch_layer" / "job.py"
SUBMIT_TIMEOUT_S = 3600


def ingest(settings: Settings, until: datetime | None = None) -> dict:
    """Append the records ingested before `until` (all, if None) to the master dataset."""
    args = ["ingest"] + (["--until", until.astimezone(UTC).isoformat()] if until else [])
    return spark_submit(settings, args)


def compute_views(
    settings: Settings, logic_version: str = "v1", lateness: str = DEFAULT_LATENESS
) -> dict:
    """Recompute every view from the master dataset into a staged version."""
    return spark_submit(
        settings, ["views", "--logic-version", logic_version, "--lateness", lateness]
    )


def publish(settings: Settings, staged: dict) -> dict:
    """Publish a staged version and its horizon (no Spark needed: one rename)."""
    return publish_version(settings, staged)


def spark_submit(settings: Settings, job_args: list[str]) -> dict:
    """Run batch_layer/job.py with spark-submit; its JSON result, or one LkError line."""
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    log = logs / f"batch-{job_args[0]}-{stamp}-{os.getpid()}.log"
    with tempfile.TemporaryDirectory(prefix="lk-submit-") as scratch:
        result = Path(scratch) / "result.json"
        command = [
            str(Path(sys.executable).with_name("spark-submit")),
            "--master",
            settings.spark_master,
            "--name",
            f"lk-lambda-batch-{job_args[0]}",
            "--jars",
            ",".join(connector_jars()),
            "--driver-memory",
            os.environ.get("LK_SPARK_DRIVER_MEMORY", "1g"),
            str(JOB),
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
            raise LkError(
                f"spark-submit {job_args[0]} failed (exit {finished.returncode}): "
                f"{_last_error(log)}; see {log}"
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
    if settings.spark_master.startswith("local"):
        env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return env


def _last_error(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    for line in reversed(lines):
        if line.startswith("lk: error:"):
            return line.removeprefix("lk: error:").strip()
    for line in reversed(lines):
        if "Error" in line or "Exception" in line:
            return line[:300]
    return lines[-1][:300] if lines else "no output"
