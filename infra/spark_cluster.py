"""A Spark standalone cluster on loopback: one master and N workers, stopped by PID.

pip's pyspark ships `bin/spark-class` but none of Spark's `sbin/start-*.sh` scripts, so the
standalone `Master` and `Worker` classes run through `spark-class` (which `exec`s the JVM: the
PID we start is the JVM's). Every daemon binds 127.0.0.1 (`--host`, and SPARK_LOCAL_IP for the
web UIs and the executors the workers launch). The master's REST submission server is off.

State lives in <data-dir>/spark (`ClusterFiles`): cluster.json (master URL, web UI, workers),
daemons.properties, master.log/.pid, worker-<n>.log/.pid and work/worker-<n>/ (each worker's
executors' output, one folder per application). The JSON the master's web UI serves at
`/json/` (`infra.spark_master.master_json`) is what `up` waits on and `status` reports.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.atomic import read_json, write_json
from core.errors import LkError
from core.jvm import java_home
from core.locks import exclusive_lock
from core.net import free_port
from core.processes import pid_from_file, start_background, stop_processes
from core.settings import Settings
from infra.spark_files import (
    ClusterFiles,
    all_worker_pid_files,
    cluster_files,
    live_workers,
    wait_until_alive,
    worker_pid_files,
)
from infra.spark_master import (
    check_ui_port,
    master_address,
    refuse_new_layout,
    spark_class,
    worker_resources,
)
from infra.startup import require_free_port

MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
DAEMON_MEMORY = "512m"
"""Heap of the master and of each worker JVM (Spark's default, 1g, is more than they need)."""
DAEMON_PROPERTIES = {
    "spark.master.rest.enabled": "false",  # no unauthenticated submission gateway on port 6066
    "spark.worker.cleanup.enabled": "true",  # a finished application's work folder goes
}
"""Spark settings of the daemons themselves (not of applications): daemons.properties."""


@dataclass(frozen=True)
class ClusterState:
    """What `lk spark up` started (or found running): `started_now` is False if it ran already."""

    master_url: str
    web_ui: str
    master_pid: int
    worker_pids: tuple[int, ...]
    started_now: bool
    event_log: Path | None
    restarted: tuple[int, ...] = ()
    """The numbers of workers found dead and started again (the master ran already)."""
    orphans: tuple[int, ...] = ()
    """PIDs of workers left running by a master that had died, stopped before starting anew."""


def start_cluster(
    settings: Settings,
    *,
    workers: int | None = None,
    cores: int | None = None,
    memory: str | None = None,
    ui_port: int | None = None,
    event_log: bool = False,
    timeout: float = 120.0,
) -> ClusterState:
    """Start a master and `workers` workers (default 2) on loopback unless they run already,
    and wait until the master lists every worker ALIVE (up to `timeout` s). `cores` and
    `memory` are each worker's caps (default: the machine's cores shared out, 2g); the master's
    port is LK_SPARK_MASTER's (spark://127.0.0.1:7077 if that names no loopback master), its
    web UI `ui_port` (default a free port). LkError if a port is taken, the caps exceed the
    machine, or a daemon does not start; and if the cluster runs already while an option given
    (not None) differs from what it was started with. Workers a dead master left running are
    stopped (by PID) before a new master starts."""
    files = cluster_files(settings)
    host, port = master_address(settings.spark_master)
    check_ui_port(ui_port)
    files.root.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(files.lock):
        recorded = read_json(files.state) or {}
        running = pid_from_file(files.master_pid)
        if running:
            if not recorded:
                raise LkError(
                    f"a Spark master runs (pid {running}) but {files.state} is missing; "
                    "stop it with lk spark down"
                )
            refuse_new_layout(
                recorded,
                workers=workers,
                cores=cores,
                memory=memory,
                ui_port=ui_port,
                event_log=event_log,
            )
            return _restart_workers(files, recorded, running, timeout)
        workers = workers or 2
        per_worker_cores, per_worker_memory = worker_resources(workers, cores, memory)
        orphans = live_workers(files, recorded)
        stop_processes(orphans)  # the workers of a master that died: they would join the new one
        for pid_file in all_worker_pid_files(files, recorded):
            pid_file.unlink(missing_ok=True)
        require_free_port(host, port, "the Spark master", "--spark-master")
        ui_port = ui_port or free_port(host)
        require_free_port(host, ui_port, "the Spark master's web UI", "--ui-port")
        files.properties.write_text(
            "# Written by `lk spark up`; edit infra/spark_cluster.py instead.\n"
            + "".join(f"{key}={value}\n" for key, value in DAEMON_PROPERTIES.items())
        )
        url, web_ui = f"spark://{host}:{port}", f"http://{host}:{ui_port}"
        events = files.events if event_log else None
        if events:
            events.mkdir(exist_ok=True)
        write_json(
            files.state,
            {
                "master_url": url,
                "web_ui": web_ui,
                "workers": workers,
                "cores_per_worker": per_worker_cores,
                "memory_per_worker": per_worker_memory,
                "event_log": str(events) if events else None,
            },
        )
        master = start_background(
            spark_class(MASTER_CLASS, "--host", host, "--port", str(port))
            + ["--webui-port", str(ui_port), "--properties-file", str(files.properties)],
            log=files.master_log,
            pid_file=files.master_pid,
            env=_daemon_env(),
        )
        started = [master]
        try:
            for number in range(1, workers + 1):
                started.append(
                    _start_worker(files, number, url, host, per_worker_cores, per_worker_memory)
                )
            wait_until_alive(web_ui, workers, master, files, timeout)
        except (LkError, KeyboardInterrupt):
            stop_processes(started[1:])
            stop_processes(started[:1])
            raise
    return ClusterState(
        url, web_ui, master, tuple(started[1:]), True, events, orphans=tuple(orphans)
    )


def stop_cluster(settings: Settings, *, timeout: float = 60.0) -> dict[str, int]:
    """Stop the workers (their executors with them), then the master, by PID, and wait until
    they are gone: SIGTERM, SIGKILL after `timeout` s. What was stopped ({name: pid}); LkError
    if a process survives SIGKILL."""
    files = cluster_files(settings)
    if not files.root.exists():
        return {}
    with exclusive_lock(files.lock):
        recorded = read_json(files.state) or {}
        stopped = {}
        for pid_file in all_worker_pid_files(files, recorded):
            if (pid := pid_from_file(pid_file)) is not None:
                stopped[pid_file.stem] = pid
        stop_processes(list(stopped.values()), timeout=timeout)
        if (master := pid_from_file(files.master_pid)) is not None:
            stop_processes([master], timeout=timeout)
            stopped["master"] = master
        for pid_file in [files.master_pid, *all_worker_pid_files(files, recorded)]:
            pid_file.unlink(missing_ok=True)
    return stopped


def worker_pids(settings: Settings) -> dict[int, int]:
    """The live workers of the local cluster: {worker number: PID of its JVM}."""
    files = cluster_files(settings)
    recorded = read_json(files.state) or {}
    found = {}
    for number, pid_file in enumerate(worker_pid_files(files, recorded), start=1):
        if (pid := pid_from_file(pid_file)) is not None:
            found[number] = pid
    return found


def recorded_cluster(settings: Settings) -> dict:
    """cluster.json of the local cluster (empty if `lk spark up` never ran here)."""
    return read_json(cluster_files(settings).state) or {}


def _restart_workers(
    files: ClusterFiles, recorded: dict, master: int, timeout: float
) -> ClusterState:
    """The cluster runs: start again each recorded worker that died (same caps), and wait
    until the master lists them all ALIVE. LkError (the workers started here stopped again)
    if they do not come up."""
    pids, restarted, started = [], [], []
    try:
        for number, pid_file in enumerate(worker_pid_files(files, recorded), start=1):
            pid = pid_from_file(pid_file)
            if pid is None:
                host = recorded["master_url"].removeprefix("spark://").split(":")[0]
                cores, memory = recorded["cores_per_worker"], recorded["memory_per_worker"]
                pid = _start_worker(files, number, recorded["master_url"], host, cores, memory)
                restarted.append(number)
                started.append(pid)
            pids.append(pid)
        wait_until_alive(recorded["web_ui"], len(pids), master, files, timeout)
    except (LkError, KeyboardInterrupt):
        stop_processes(started)
        raise
    events = Path(recorded["event_log"]) if recorded.get("event_log") else None
    url, web_ui = recorded["master_url"], recorded["web_ui"]
    return ClusterState(url, web_ui, master, tuple(pids), False, events, tuple(restarted))


def _start_worker(
    files: ClusterFiles, number: int, master_url: str, host: str, cores: int, memory: str
) -> int:
    work = files.work / f"worker-{number}"
    work.mkdir(parents=True, exist_ok=True)
    command = spark_class(WORKER_CLASS, "--host", host, "--port", "0", "--webui-port", "0")
    command += ["--cores", str(cores), "--memory", memory, "--work-dir", str(work)]
    command += ["--properties-file", str(files.properties), master_url]
    return start_background(
        command, log=files.worker_log(number), pid_file=files.worker_pid(number), env=_daemon_env()
    )


def _daemon_env() -> dict[str, str]:
    """The daemons' environment: Java 17, loopback, a small heap. The executors a worker
    launches inherit it (SPARK_LOCAL_IP keeps them on loopback too)."""
    return {
        **os.environ,
        "JAVA_HOME": str(java_home()),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
    }


