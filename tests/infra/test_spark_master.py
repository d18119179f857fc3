"""The Spark cluster's pure parts: the master's address, the workers' caps, what `status`
prints, and the settings an application gets on a cluster; and `lk spark up`'s bookkeeping
of PIDs with stand-in daemons (no JVM started)."""

from __future__ import annotations

import os
import sys
from dataclasses import replace

import pytest

import infra.spark_cluster as spark_cluster
from core.atomic import write_json
from core.errors import LkError
from core.net import free_port
from core.processes import alive, pid_from_file, start_background, stop_processes
from core.settings import Settings
from core.spark import cluster_conf
from infra.spark_cluster import cluster_files, start_cluster, stop_cluster
from infra.spark_master import (
    check_ui_port,
    master_address,
    memory_in_mb,
    refuse_new_layout,
    status_lines,
    worker_resources,
)


def test_master_address_from_the_spark_master_setting():
    assert master_address("local[2]") == ("127.0.0.1", 7077)
    assert master_address("spark://127.0.0.1:7177") == ("127.0.0.1", 7177)
    assert master_address("spark://localhost:7277") == ("127.0.0.1", 7277)
    with pytest.raises(LkError, match="on this machine"):
        master_address("spark://10.0.0.5:7077")
    with pytest.raises(LkError, match="spark://HOST:PORT"):
        master_address("spark://127.0.0.1")
    for port in (0, 65536, 99999):
        with pytest.raises(LkError, match=f"port {port} is not in 1-65535"):
            master_address(f"spark://127.0.0.1:{port}")
    check_ui_port(None)
    check_ui_port(8080)
    with pytest.raises(LkError, match="--ui-port 99999 is not in 1-65535"):
        check_ui_port(99999)


RECORDED = {
    "master_url": "spark://127.0.0.1:7077",
    "web_ui": "http://127.0.0.1:8081",
    "workers": 2,
    "cores_per_worker": 1,
    "memory_per_worker": "1024m",
    "event_log": None,
}


def test_up_on_a_running_cluster_refuses_another_layout():
    same = {"workers": None, "cores": None, "memory": None, "ui_port": None, "event_log": False}
    refuse_new_layout(RECORDED, **same)  # no option given: the running cluster does
    refuse_new_layout(RECORDED, workers=2, cores=1, memory="1g", ui_port=8081, event_log=False)
    for option, value in [
        ("workers", 3),
        ("cores", 2),
        ("memory", "2g"),
        ("ui_port", 8082),
        ("event_log", True),
    ]:
        flag = "--" + option.replace("_", "-")
        with pytest.raises(LkError, match=f"lk spark down first to change {flag}$") as error:
            refuse_new_layout(RECORDED, **(same | {option: value}))
        assert str(error.value).startswith(
            "a cluster of 2 workers (1 core and 1024m each, web UI port 8081) runs;"
        )


def test_worker_caps_share_the_machine_out():
    cores = os.cpu_count() or 1
    assert worker_resources(1, None, None) == (cores, "2048m")
    assert worker_resources(2, 1, "1g") == (1, "1024m")
    with pytest.raises(LkError, match="cores"):
        worker_resources(2, cores, None)
    with pytest.raises(LkError, match="memory"):
        worker_resources(2, 1, "100000g")
    assert memory_in_mb("512m") == 512
    for wrong in ("2", "1.5g", "0g", "2t"):
        with pytest.raises(LkError, match="512m or 2g"):
            memory_in_mb(wrong)


def test_status_lines():
    recorded = {"master_url": "spark://127.0.0.1:7077", "web_ui": "http://127.0.0.1:8081"}
    assert "lk spark up" in status_lines(None, {})[0]
    assert "is not running" in status_lines(None, recorded)[0]
    worker = {"id": "worker-1", "state": "ALIVE", "cores": 1, "coresused": 1}
    worker |= {"memory": 1024, "memoryused": 1024}
    app = {"id": "app-1", "name": "lk-kappa-v1", "state": "RUNNING", "cores": 1}
    app |= {"memoryperexecutor": 1024}
    state = {"url": recorded["master_url"], "status": "ALIVE", "workers": [worker]}
    state |= {"cores": 1, "coresused": 1, "memory": 1024, "memoryused": 1024}
    state |= {"activeapps": [app], "completedapps": []}
    lines = status_lines(state, recorded)
    assert lines[1].startswith("workers: 1 alive of 1; cores 1/1 used")
    assert "lk-kappa-v1  RUNNING  cores 1" in lines[4]


def test_application_settings_on_a_cluster():
    settings = Settings.from_env(spark_master="local[2]", spark_conf="")
    local = cluster_conf(settings)
    assert local == {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
    loopback = cluster_conf(replace(settings, spark_master="spark://127.0.0.1:7077"))
    assert loopback["spark.driver.bindAddress"] == "127.0.0.1"
    assert loopback["spark.cores.max"] == settings.spark_cores_max
    assert loopback["spark.executor.memory"] == settings.spark_executor_memory
    remote = cluster_conf(replace(settings, spark_master="spark://spark-master:7077"))
    assert "spark.driver.host" not in remote and "spark.cores.max" in remote
    yarn = cluster_conf(replace(settings, spark_master="yarn"))
    assert "spark.cores.max" not in yarn and "spark.executor.memory" in yarn


@pytest.fixture
def stand_ins(tmp_path, monkeypatch):
    """Settings for a cluster in tmp_path whose daemons are sleeping Pythons (no JVM), which
    the master's web UI is never asked about."""
    sleeper = [sys.executable, "-c", "import time; time.sleep(120)"]
    monkeypatch.setattr(spark_cluster, "spark_class", lambda *args: [*sleeper, *args])
    monkeypatch.setattr(spark_cluster, "_daemon_env", lambda: dict(os.environ))
    monkeypatch.setattr(spark_cluster, "wait_until_alive", lambda *args: None)
    settings = Settings.from_env(spark_master=f"spark://127.0.0.1:{free_port()}")
    settings = replace(settings, data_dir=tmp_path)
    yield settings
    stop_cluster(settings)


def test_up_stops_the_workers_a_dead_master_left(stand_ins, tmp_path):
    files = cluster_files(stand_ins)
    files.root.mkdir()
    write_json(files.state, RECORDED | {"workers": 3})
    files.master_pid.write_text("999999999 1\n")  # a master that died
    sleeper = [sys.executable, "-c", "import time; time.sleep(120)"]
    orphans = [
        start_background(sleeper, log=tmp_path / "orphan.log", pid_file=files.worker_pid(n))
        for n in (1, 3)
    ]
    try:
        state = start_cluster(stand_ins, workers=1, cores=1, memory="512m")
        assert state.started_now and sorted(state.orphans) == sorted(orphans)
        assert not any(alive(pid) for pid in orphans)
        assert not files.worker_pid(3).exists()  # no stale record of the old layout
        assert pid_from_file(files.worker_pid(1)) == state.worker_pids[0] not in orphans
    finally:
        stop_processes(orphans)


def test_up_again_restarts_dead_workers_and_stops_them_if_they_fail(stand_ins, monkeypatch):
    first = start_cluster(stand_ins, workers=2, cores=1, memory="512m")
    again = start_cluster(stand_ins)  # no option given: the running cluster is fine
    assert not again.started_now and again.worker_pids == first.worker_pids
    with pytest.raises(LkError, match="a cluster of 2 workers .* change --workers, --memory"):
        start_cluster(stand_ins, workers=3, cores=1, memory="1g")

    files = cluster_files(stand_ins)
    stop_processes([first.worker_pids[1]])  # worker 2 dies

    def fails(*args):
        raise LkError("worker 2 did not come up")

    monkeypatch.setattr(spark_cluster, "wait_until_alive", fails)
    with pytest.raises(LkError, match="did not come up"):
        start_cluster(stand_ins)
    restarted = int(files.worker_pid(2).read_text().split()[0])
    assert restarted != first.worker_pids[1] and not alive(restarted)
    assert alive(first.master_pid) and alive(first.worker_pids[0])
