"""The files of the local Spark cluster (<data-dir>/spark) and what they say: which workers'
PIDs are recorded and alive, and the wait until the master lists the workers ALIVE."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from core.errors import LkError
from core.layout import FolderMap
from core.processes import alive, pid_from_file
from core.settings import Settings
from infra.spark_master import master_json
from infra.startup import last_error


@dataclass(frozen=True)
class ClusterFiles(FolderMap):
    """Where the local Spark cluster keeps its state."""

    root: Path
    ENTRIES = """
        state       cluster.json          master URL, web UI port, workers' cores and memory
        properties  daemons.properties    Spark settings of the master and the workers
        master_log  master.log            the master's output
        master_pid  master.pid            the master's PID and start time
        work        work                  one folder per worker: its executors' output
        events      events                applications' event logs, with `lk spark up --event-log`
        lock        cluster.lock          held while `lk spark up` or `down` runs
    """

    def worker_log(self, number: int) -> Path:
        """Worker `number`'s output (1-based)."""
        return self.root / f"worker-{number}.log"

    def worker_pid(self, number: int) -> Path:
        """Worker `number`'s PID and start time."""
        return self.root / f"worker-{number}.pid"


def cluster_files(settings: Settings) -> ClusterFiles:
    """The local Spark cluster's files under <data-dir>/spark."""
    return ClusterFiles(settings.data_dir / "spark")


def worker_pid_files(files: ClusterFiles, recorded: dict) -> list[Path]:
    """The PID files of the workers cluster.json records, worker 1 first."""
    return [files.worker_pid(n) for n in range(1, int(recorded.get("workers", 0)) + 1)]


def all_worker_pid_files(files: ClusterFiles, recorded: dict) -> list[Path]:
    """Every worker PID file: those cluster.json records and any other left in the folder."""
    recorded_files = worker_pid_files(files, recorded)
    others = set(files.root.glob("worker-*.pid")) - set(recorded_files)
    return recorded_files + sorted(others)


def live_workers(files: ClusterFiles, recorded: dict) -> list[int]:
    """The PIDs of the workers still alive that any worker PID file records."""
    pids = (pid_from_file(pid_file) for pid_file in all_worker_pid_files(files, recorded))
    return [pid for pid in pids if pid is not None]


def wait_until_alive(web_ui: str, workers: int, master: int, files: ClusterFiles, timeout: float):
    """Wait until the master's JSON shows `workers` workers ALIVE; LkError if a daemon exits
    or the time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if not alive(master):
            raise LkError(f"the Spark master exited while starting: {last_error(files.master_log)}")
        for number in range(1, workers + 1):
            if pid_from_file(files.worker_pid(number)) is None:
                log = files.worker_log(number)
                raise LkError(f"Spark worker {number} exited while starting: {last_error(log)}")
        state = master_json(web_ui)
        if state and sum(w["state"] == "ALIVE" for w in state["workers"]) >= workers:
            return
        if time.monotonic() > deadline:
            raise LkError(
                f"the Spark master at {web_ui} did not list {workers} workers ALIVE within "
                f"{timeout:.0f} s; see {files.master_log}"
            )
        time.sleep(0.5)
