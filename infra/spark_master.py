"""What the local Spark cluster's manager needs besides processes: the master's address, the
JSON its web UI serves, the `spark-class` command line and the workers' resource caps."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from pathlib import Path

from core.errors import LkError

DEFAULT_MASTER_PORT = 7077
"""The standalone master's usual port (Spark's documentation, spark-standalone.html)."""
DEFAULT_WORKER_MEMORY_MB = 2048
"""Each worker's memory cap when none is given: room for one executor of up to 2 GiB."""
MEMORY_SHARE = 0.75
"""At most this share of the machine's memory goes to the workers together."""
LOOPBACK = {"127.0.0.1", "localhost"}
MAX_PORT = 65535


def master_address(spark_master: str) -> tuple[str, int]:
    """The (host, port) a local master binds: LK_SPARK_MASTER's if it is a loopback
    `spark://` URL, else 127.0.0.1:7077. LkError for a `spark://` URL elsewhere (`lk spark up`
    starts daemons on this machine only)."""
    if not spark_master.startswith("spark://"):
        return "127.0.0.1", DEFAULT_MASTER_PORT
    match = re.fullmatch(r"spark://([^:/,]+):(\d+)/?", spark_master)
    if not match:
        raise LkError(f"--spark-master {spark_master!r} is not spark://HOST:PORT")
    host, port = match.group(1), int(match.group(2))
    if not 1 <= port <= MAX_PORT:
        raise LkError(f"--spark-master {spark_master!r}: port {port} is not in 1-{MAX_PORT}")
    if host not in LOOPBACK:
        raise LkError(
            f"`lk spark up` starts a cluster on this machine, but --spark-master is "
            f"{spark_master}; use spark://127.0.0.1:{port}"
        )
    return "127.0.0.1", port


def check_ui_port(ui_port: int | None) -> None:
    """LkError unless `ui_port` (if given) is a TCP port number."""
    if ui_port is not None and not 1 <= ui_port <= MAX_PORT:
        raise LkError(f"--ui-port {ui_port} is not in 1-{MAX_PORT}")


def refuse_new_layout(
    recorded: dict,
    *,
    workers: int | None,
    cores: int | None,
    memory: str | None,
    ui_port: int | None,
    event_log: bool,
) -> None:
    """LkError if `lk spark up` on a running cluster asks for another layout than cluster.json
    records: only the options given count (None, or False for `event_log`, is "not given")."""
    recorded_port = int(recorded["web_ui"].rsplit(":", 1)[1])
    wanted = {
        "--workers": (workers, recorded["workers"]),
        "--cores": (cores, recorded["cores_per_worker"]),
        "--memory": (
            memory and memory_in_mb(memory),
            memory_in_mb(recorded["memory_per_worker"]),
        ),
        "--ui-port": (ui_port, recorded_port),
        "--event-log": (event_log or None, bool(recorded.get("event_log"))),
    }
    differ = [option for option, (given, has) in wanted.items() if given not in (None, has)]
    if differ:
        count, each = recorded["workers"], recorded["cores_per_worker"]
        events = ", event log" if recorded.get("event_log") else ""
        raise LkError(
            f"a cluster of {count} worker{'s' * (count != 1)} ({each} core{'s' * (each != 1)}"
            f" and {recorded['memory_per_worker']} each, web UI port {recorded_port}{events}) "
            f"runs; lk spark down first to change {', '.join(differ)}"
        )


def spark_class(main_class: str, *args: str) -> list[str]:
    """The command line that runs one of Spark's classes through pyspark's `bin/spark-class`."""
    import pyspark

    script = Path(pyspark.__file__).parent / "bin" / "spark-class"
    if not script.exists():
        raise LkError(f"pyspark has no {script}: reinstall it with `make setup`")
    return [str(script), main_class, *args]


def master_json(web_ui: str, timeout: float = 5.0) -> dict | None:
    """The master's state as its web UI serves it at `/json/` (url, status, workers with id,
    host, cores, coresused, memory and memoryused in MiB, state; activeapps and completedapps
    with id, name, cores, memoryperexecutor in MiB, state, duration in ms), or None while it
    does not answer."""
    try:
        with urllib.request.urlopen(f"{web_ui}/json/", timeout=timeout) as response:  # noqa: S310
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def worker_resources(workers: int, cores: int | None, memory: str | None) -> tuple[int, str]:
    """Each worker's (cores, memory) caps: the machine's cores shared out (at least 1) and
    2g unless given. LkError if the workers together would claim more cores than the machine
    has or more than MEMORY_SHARE of its memory."""
    import psutil

    if workers < 1:
        raise LkError("--workers must be at least 1")
    machine_cores = os.cpu_count() or 1
    cores = cores or max(1, machine_cores // workers)
    if cores * workers > machine_cores:
        raise LkError(
            f"{workers} workers of {cores} cores claim more than this machine's "
            f"{machine_cores} cores; give fewer --workers or --cores"
        )
    memory_mb = memory_in_mb(memory) if memory else DEFAULT_WORKER_MEMORY_MB
    allowed_mb = int(psutil.virtual_memory().total / 2**20 * MEMORY_SHARE)
    if memory_mb * workers > allowed_mb:
        raise LkError(
            f"{workers} workers of {memory_mb} MiB claim more than {MEMORY_SHARE:.0%} of this "
            f"machine's memory ({allowed_mb} MiB); give fewer --workers or less --memory"
        )
    return cores, f"{memory_mb}m"


def memory_in_mb(text: str) -> int:
    """Spark's memory notation (`512m`, `2g`) in MiB; LkError for anything else."""
    match = re.fullmatch(r"(\d+)([mMgG])", text.strip())
    if not match or int(match.group(1)) == 0:
        raise LkError(f"memory {text!r} is not like 512m or 2g")
    return int(match.group(1)) * (1024 if match.group(2) in "gG" else 1)


def status_lines(state: dict | None, recorded: dict) -> list[str]:
    """`lk spark status` in lines: the master, each worker (cores, memory, state) and the
    applications running (cores, executor memory) and finished."""
    if not recorded:
        return ["no Spark cluster was started here (lk spark up)"]
    if state is None:
        return [
            f"Spark master {recorded['master_url']} is not running (web UI {recorded['web_ui']})"
        ]
    alive_workers = sum(w["state"] == "ALIVE" for w in state["workers"])
    lines = [
        f"Spark master {state['url']} {state['status']}; web UI {recorded['web_ui']}",
        f"workers: {alive_workers} alive of {len(state['workers'])}; cores {state['coresused']}"
        f"/{state['cores']} used, memory {state['memoryused']}/{state['memory']} MiB used",
    ]
    for worker in state["workers"]:
        lines.append(
            f"  {worker['id']}  {worker['state']}  cores {worker['coresused']}/{worker['cores']}"
            f"  memory {worker['memoryused']}/{worker['memory']} MiB"
        )
    lines.append(f"applications running: {len(state['activeapps'])}")
    for app in state["activeapps"]:
        lines.append(
            f"  {app['id']}  {app['name']}  {app['state']}  cores {app['cores']}"
            f"  executor memory {app['memoryperexecutor']} MiB"
        )
    lines.append(f"applications finished: {len(state['completedapps'])}")
    if recorded.get("event_log"):
        lines.append(f"event logs: {recorded['event_log']}")
    return lines
