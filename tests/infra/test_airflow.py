"""Airflow the project's way: one environment, a database migrated once, processes stopped by PID."""

from __future__ import annotations

import json
import os
import socket
import stat
import time
import urllib.request
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest

from core.atomic import read_json
from core.errors import LkError
from core.net import free_port
from core.processes import session_members
from core.settings import REPO_ROOT, Settings
from infra.airflow import COMPONENTS, airflow_status, start_airflow, stop_airflow
from infra.airflow_api import api_token, get_json
from infra.airflow_home import (
    ADMIN_USER,
    airflow_env,
    airflow_files,
    ensure_airflow_db,
    run_airflow_cli,
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        data_dir=tmp_path / "lk-data",
        bootstrap="127.0.0.1:19092",
        topic="t",
        spark_master="local[1]",
    )


def gone(pid: int) -> bool:
    """True if no such process runs (a zombie waiting for a parent that does not reap counts)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def test_env_points_every_airflow_process_at_the_project(settings):
    env = airflow_env(settings, port=18123)
    home = settings.data_dir / "airflow"
    assert env["AIRFLOW_HOME"] == str(home)
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(REPO_ROOT / "dags")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{home / 'airflow.db'}"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "False"
    assert int(env["AIRFLOW__CORE__PARALLELISM"]) <= 2
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__API__PORT"] == "18123"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18123/execution/"
    assert (env["LK_DATA_DIR"], env["LK_BOOTSTRAP"]) == (str(settings.data_dir), "127.0.0.1:19092")
    assert (env["LK_TOPIC"], env["LK_SPARK_MASTER"]) == ("t", "local[1]")
    assert Path(env["JAVA_HOME"], "bin", "java").exists()


def test_env_finds_the_port_of_the_last_start(settings):
    files = airflow_files(settings)
    files.root.mkdir(parents=True)
    files.state.write_text(json.dumps({"port": 18124}))
    assert airflow_env(settings)["AIRFLOW__API__PORT"] == "18124"


def test_database_is_migrated_once_with_private_generated_secrets(settings):
    started = time.monotonic()
    assert ensure_airflow_db(settings) is True
    first = time.monotonic() - started
    assert ensure_airflow_db(settings) is False
    files = airflow_files(settings)
    assert files.database.exists()
    config = files.config.read_text()
    assert "jwt_secret = " in config and "fernet_key = " in config
    for private in (files.config, files.passwords):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    print(f"airflow db migrate: {first:.1f} s")


def test_a_failed_migration_is_one_readable_line(settings):
    files = airflow_files(settings)
    files.database.mkdir(parents=True)  # a folder where the SQLite file should be
    with pytest.raises(LkError) as error:
        ensure_airflow_db(settings)
    assert "airflow db migrate" in str(error.value)
    assert "\n" not in str(error.value)


def test_cli_runs_with_the_project_environment(settings, capfd):
    assert run_airflow_cli(settings, ["dags", "list", "--local", "-o", "plain"]) == 0
    assert "lambda_batch" in capfd.readouterr().out


def test_start_refuses_a_port_another_process_holds(settings):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(LkError, match=f"port {port}"):
            start_airflow(settings, port)
    assert not any(airflow_status(settings).pids.values())


def scheduled_run(url: str, token: str, dag_id: str, timeout: float = 240.0) -> dict:
    """The first scheduled run of a DAG once it has ended (the REST API), within `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            runs = get_json(url, f"/api/v2/dags/{dag_id}/dagRuns?run_type=scheduled", token)
        except LkError as error:  # one API worker, busy with the run's tasks: ask again
            runs = {"dag_runs": [], "unanswered": str(error)}
        ended = [run for run in runs["dag_runs"] if run["state"] in ("success", "failed")]
        if ended:
            return ended[0]
        assert time.monotonic() < deadline, f"no scheduled run of {dag_id} ended: {runs}"
        time.sleep(2)


@pytest.mark.slow
def test_start_is_idempotent_and_stop_leaves_no_process(settings):
    # No broker at this address: the hourly lambda_batch run the scheduler starts at once (the
    # last hour is due) skips, with one line, instead of failing after its retries.
    settings = replace(settings, bootstrap=f"127.0.0.1:{free_port()}", lambda_schedule="@hourly")
    port = free_port()
    state = start_airflow(settings, port, timeout=180)
    try:
        assert set(state.started_now) == {"api-server", "scheduler", "dag-processor"}
        assert {"kappa_reprocess", "lambda_batch"} <= set(state.dags)  # parsed before it returns
        url, password = state.url, read_json(state.files.passwords)[ADMIN_USER]
        token = api_token(url, ADMIN_USER, password)
        run = scheduled_run(url, token, "lambda_batch")
        run_path = f"/api/v2/dags/lambda_batch/dagRuns/{quote(run['dag_run_id'], safe='')}"
        tasks = get_json(url, f"{run_path}/taskInstances", token)["task_instances"]
        assert run["state"] == "success"
        assert {task["task_id"]: task["state"] for task in tasks} == dict.fromkeys(
            ("ingest", "batch_views", "publish", "refresh_serving"), "skipped"
        )
        assert [task["try_number"] for task in tasks if task["task_id"] == "ingest"] == [1]
        log = json.dumps(get_json(url, f"{run_path}/taskInstances/ingest/logs/1", token))
        assert f"skipped this scheduled run: no Kafka broker answers at {settings.bootstrap}" in log
        assert "Traceback" not in log
        deadline = time.monotonic() + 60
        while True:  # start waited for this already; a fresh request must agree
            url = f"http://127.0.0.1:{port}/api/v2/monitor/health"
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                health = json.load(response)
            statuses = [
                health[key]["status"] for key in ("metadatabase", "scheduler", "dag_processor")
            ]
            if statuses == ["healthy"] * 3:
                break
            assert time.monotonic() < deadline, health
            time.sleep(1)

        again = start_airflow(settings)
        assert again.started_now == ()
        assert again.pids == state.pids and again.port == port

        status = airflow_status(settings)
        assert status.running and status.url == f"http://127.0.0.1:{port}"
        report = "\n".join(status.lines())
        assert str(airflow_files(settings).passwords) in report
        processes = [pid for pid in status.pids.values() if pid]
        processes += [child for pid in processes for child in session_members(pid)]
    finally:
        stopped = stop_airflow(settings)
    assert set(stopped) == {"api-server", "scheduler", "dag-processor"}
    assert [pid for pid in processes if not gone(pid)] == []
    assert not any(airflow_status(settings).pids.values())
    assert not any(airflow_files(settings).pid(name).exists() for name in COMPONENTS)
    assert stop_airflow(settings) == {}
    assert os.environ.get("AIRFLOW_HOME") != str(airflow_files(settings).root)
