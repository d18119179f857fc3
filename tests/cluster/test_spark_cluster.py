"""A Spark standalone cluster on loopback (`lk spark up --workers 2`): the pipelines run on it
unchanged and serve the oracle's rows, and a Kappa replay survives SIGKILL to the worker that
runs its executor, exactly once. One cluster for the module, started and stopped by PID."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from core.layout import Layout
from core.net import free_port
from core.processes import alive, session_members
from experiments.compare import compare_with_truth
from infra.spark_cluster import cluster_files, recorded_cluster, stop_cluster, worker_pids
from infra.spark_master import master_json
from oracle.truth import compute_truth
from serving_layer.catalog import refresh_catalog
from tests.processes import lk_env
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

VIEWS = ("action_counts", "action_counts_sliding", "user_sessions", "user_totals")
WATERMARK = "1 minute"
"""Longer than any lateness of the dirty stream below (30 s at most): every row can be exact."""
DEDUP_HORIZON = "5 minutes"
"""Longer than any duplicate's delay in that stream (200 records: 4 minutes of event time), so no
copy is forgotten and then dropped as late (tests/test_architectures.py does the same)."""
JOB_SECONDS = 900
"""The longest a job of this module may take (a deadline for a hung job, not a speed check)."""


def lk(settings, *args: str, log: Path) -> subprocess.Popen:
    """Start `lk <args>` in its own process on the settings' Spark master; output in `log`."""
    env = lk_env(settings, LK_SPARK_MASTER=settings.spark_master)
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "lk.cli", *args],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def finish(process: subprocess.Popen, log: Path) -> str:
    """Wait for an `lk` process to succeed; its output."""
    try:
        code = process.wait(timeout=JOB_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 0, log.read_text()[-3000:]
    return log.read_text()


@pytest.fixture(scope="module")
def cluster(kafka, tmp_path_factory):
    """Settings whose Spark master is a 2-worker cluster (1 core, 1 GiB each) on free ports."""
    settings = replace(
        kafka,
        data_dir=tmp_path_factory.mktemp("spark-cluster"),
        spark_master=f"spark://127.0.0.1:{free_port()}",
    )
    log = settings.data_dir / "up.log"
    up = lk(settings, "spark", "up", "--workers", "2", "--cores", "1", "--memory", "1g", log=log)
    try:
        print(finish(up, log))
        yield settings
    finally:
        stop_cluster(settings)
        for pid_file in cluster_files(settings).root.glob("*.pid"):
            assert not pid_file.exists(), f"{pid_file} left behind"


def test_up_status_and_up_again(cluster, tmp_path):
    state = master_json(recorded_cluster(cluster)["web_ui"])
    assert state["url"] == cluster.spark_master
    assert [w["state"] for w in state["workers"]] == ["ALIVE", "ALIVE"]
    assert all(w["host"] == "127.0.0.1" and w["cores"] == 1 for w in state["workers"])
    status = finish(lk(cluster, "spark", "status", log=tmp_path / "s.log"), tmp_path / "s.log")
    assert "workers: 2 alive of 2" in status
    again = finish(lk(cluster, "spark", "up", log=tmp_path / "up.log"), tmp_path / "up.log")
    assert "already running" in again and sorted(worker_pids(cluster)) == [1, 2]
    other = lk(cluster, "spark", "up", "--workers", "3", log=tmp_path / "up3.log")
    assert other.wait(timeout=60) == 1  # another layout: refused, the cluster left as it is
    refused = (tmp_path / "up3.log").read_text()
    assert "a cluster of 2 workers" in refused and "Traceback" not in refused, refused
    assert sorted(worker_pids(cluster)) == [1, 2]


def test_pipelines_unchanged_on_the_cluster(cluster, topic, tmp_path):
    settings = replace(cluster, topic=topic, data_dir=tmp_path / "data")
    scenario = SCENARIOS["dirty"].with_overrides(acceleration=600.0, late_max_seconds=30.0)
    records = generate(scenario, seed=51, events=4000)
    send_records(records, cluster.bootstrap, topic, paced=False, total=None)

    # The speed layer and a Kappa replay at once: each takes LK_SPARK_CORES_MAX (1) of 2 cores.
    speed = lk(settings, "lambda", "speed", "--until-caught-up", "--watermark", WATERMARK,
               "--dedup-horizon", DEDUP_HORIZON, log=tmp_path / "speed.log")  # fmt: skip
    kappa = lk(settings, "kappa", "run", "--version", "1", "--until-caught-up",
               "--watermark", WATERMARK, "--dedup-horizon", DEDUP_HORIZON,
               log=tmp_path / "kappa.log")  # fmt: skip
    # A batch run too: it waits for a free core (the master queues it) instead of failing.
    batch = lk(settings, "lambda", "batch", log=tmp_path / "batch.log")
    for name, job in (("speed", speed), ("kappa", kappa), ("batch", batch)):
        finish(job, tmp_path / f"{name}.log")

    compute_truth(settings)
    refresh_catalog(settings)
    for name in ("lambda", "kappa"):
        assert_oracle_rows(compare_with_truth(settings, name), name)
    apps = ran_on_cluster(cluster, ("lk-lambda-speed", "lk-kappa-v1", "lk-lambda-batch"))
    speed_app, kappa_app = apps["lk-lambda-speed"], apps["lk-kappa-v1"]
    overlap = min(end(speed_app), end(kappa_app)) - max(
        speed_app["starttime"], kappa_app["starttime"]
    )
    print(f"speed and Kappa applications ran side by side for {overlap / 1000:.1f} s")


def test_worker_killed_mid_replay(cluster, topic, tmp_path):
    settings = replace(cluster, topic=topic, data_dir=tmp_path / "data")
    records = list(generate(SCENARIOS["steady"], seed=61, events=20_000))
    send_records(records, cluster.bootstrap, topic, paced=False, total=None)
    log = tmp_path / "kappa.log"
    job = lk(settings, "kappa", "run", "--version", "1", "--until-caught-up",
             "--replay-max-offsets", "2500", log=log)  # fmt: skip
    views = Layout(settings.data_dir).kappa_version(1).view_files("action_counts")
    try:
        app, number = executor_worker(cluster, "lk-kappa-v1", job, log)
        wait_for(lambda: any(views.glob("batch-*.parquet")), job, log)  # the replay has begun
        victim = worker_pids(cluster)[number]
        os.kill(victim, signal.SIGKILL)  # the worker's JVM
        killed_at = time.monotonic()
        before = len(list(views.glob("batch-*.parquet")))
    except BaseException:
        job.kill()
        raise
    finish(job, log)
    seconds = time.monotonic() - killed_at
    files = len(list(views.glob("batch-*.parquet")))

    work = cluster_files(cluster).work
    lost = sorted(p.name for p in (work / f"worker-{number}" / app).iterdir() if p.is_dir())
    added = sorted(
        p.name
        for folder in work.glob(f"worker-*/{app}")
        if folder.parent.name != f"worker-{number}"
        for p in folder.iterdir()
        if p.is_dir()
    )
    state = master_json(recorded_cluster(cluster)["web_ui"])
    driver_log = next((settings.data_dir / "logs").glob("lk-kappa-v1-*.log")).read_text()
    print(*(line for line in driver_log.splitlines() if "Lost executor" in line), sep="\n")
    print(
        f"worker failure: {len(records)} events, killed after {before} of {files} "
        f"micro-batches, job done "
        f"{seconds:.1f} s after SIGKILL to worker {number} (pid {victim}); executors lost "
        f"{lost}, added {added}; workers {[w['state'] for w in state['workers']]}"
    )
    assert before < len(records) / 2500, "killed after the replay"
    assert lost and added, "the executor did not move to the other worker"
    assert not alive(victim) and not session_members(victim), "the executor outlived its worker"
    compute_truth(settings)
    refresh_catalog(settings)
    report = compare_with_truth(settings, "kappa")
    assert_oracle_rows(report, "kappa")
    status = json.loads((Layout(settings.data_dir).kappa_version(1).progress / "latest.json")
                        .read_text())  # fmt: skip
    assert status["records"] == len(records)  # each record read once across the failure


def test_up_restarts_a_dead_worker_and_down_stops_every_process(cluster, tmp_path):
    dead = 2 - len(worker_pids(cluster))  # the worker killed above (none if run alone)
    up = finish(lk(cluster, "spark", "up", log=tmp_path / "up.log"), tmp_path / "up.log")
    assert ("restarted workers" in up) == bool(dead), up
    state = master_json(recorded_cluster(cluster)["web_ui"])
    assert sum(w["state"] == "ALIVE" for w in state["workers"]) == 2
    pids = list(worker_pids(cluster).values())
    assert len(pids) == 2
    files = cluster_files(cluster)
    master = int(files.master_pid.read_text().split()[0])
    members = [m for pid in [master, *pids] for m in session_members(pid)]
    down = finish(lk(cluster, "spark", "down", log=tmp_path / "d.log"), tmp_path / "d.log")
    assert f"stopped master (pid {master})" in down
    assert not any(alive(pid) for pid in [master, *pids, *members])
    status = lk(cluster, "spark", "status", log=tmp_path / "s.log")
    assert status.wait(timeout=60) == 1  # no master answers any more
    assert "is not running" in (tmp_path / "s.log").read_text()


def assert_oracle_rows(report: dict, name: str) -> None:
    """Every view equals the oracle: final rows and rows still open, none missing or extra."""
    assert report["dropped_late"] == report["duplicates_counted"] == 0, name
    for view in VIEWS:
        for part in ("complete", "open"):
            rows = report[view][part]
            assert rows["missing"] == rows["extra"] == 0, (name, view, part, rows)
        assert report[view]["complete"]["matching"] + report[view]["open"]["matching"] > 0


def ran_on_cluster(settings, names: tuple[str, ...]) -> dict[str, dict]:
    """The master's finished applications of these names, each of which took 1 core and ran
    an executor on a worker (its folder in a worker's work dir)."""
    state = master_json(recorded_cluster(settings)["web_ui"])
    apps = {app["name"]: app for app in state["completedapps"] if app["name"] in names}
    assert sorted(apps) == sorted(names), state["completedapps"]
    work = cluster_files(settings).work
    for app in apps.values():
        assert app["cores"] == 1, app  # LK_SPARK_CORES_MAX
        assert list(work.glob(f"worker-*/{app['id']}/*/stderr")), f"no executor of {app}"
    return apps


def end(app: dict) -> int:
    """When an application finished (ms since the epoch)."""
    return app["starttime"] + app["duration"]


def executor_worker(settings, name: str, job, log: Path) -> tuple[str, int]:
    """The running application `name` and the number of the worker that runs its executor."""
    web_ui = recorded_cluster(settings)["web_ui"]
    found: dict[str, object] = {}

    def located() -> bool:
        state = master_json(web_ui) or {"activeapps": []}
        for app in state["activeapps"]:
            if app["name"] == name:
                folders = list(cluster_files(settings).work.glob(f"worker-*/{app['id']}/*"))
                if folders:
                    found["app"] = app["id"]
                    found["worker"] = int(folders[0].parent.parent.name.split("-")[1])
                    return True
        return False

    wait_for(located, job, log)
    return str(found["app"]), int(found["worker"])


def wait_for(condition, job, log: Path) -> None:
    """Poll `condition` until true; fail with the job's log if the job ends or time runs out."""
    deadline = time.monotonic() + JOB_SECONDS
    while not condition():
        assert job.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
