"""`lk spark up | down | status`: a Spark standalone cluster on loopback (infra/spark_cluster.py);
`lk spark history up | down | status`: Spark's History Server over every job's event logs
(infra/spark_history.py)."""

from __future__ import annotations

import argparse
import json

from core.flag_types import positive_int
from core.settings import Settings
from lk.cli_args import command, command_group


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `lk spark ...`."""
    actions = command_group(
        commands, "spark", "a Spark standalone cluster on loopback: master and workers", common
    )
    up = command(
        actions,
        "up",
        "start a master and workers on 127.0.0.1 (idempotent); wait until every worker is ALIVE",
        common,
        _up,
    )
    # No defaults here: on a running cluster, only the options given must match its layout.
    up.add_argument("--workers", type=positive_int, help="workers (default 2)")
    up.add_argument(
        "--cores",
        type=positive_int,
        help="cores each worker offers (default: the machine's cores shared out)",
    )
    up.add_argument("--memory", help="memory each worker offers, e.g. 2g (default 2g)")
    up.add_argument(
        "--ui-port", type=positive_int, help="the master's web UI port (default: a free port)"
    )
    up.add_argument(
        "--event-log",
        action="store_true",
        help="print where applications' event logs go (every job writes one; `lk spark history "
        "up` serves them)",
    )
    command(actions, "down", "stop the workers, then the master, by PID; wait", common, _down)
    command(
        actions,
        "status",
        "the master, its workers and the applications",
        common,
        _status,
        prints="the status (the cluster as recorded, the master's own JSON)",
    )

    history = command(
        actions,
        "history",
        "Spark's History Server on 127.0.0.1 over every job's event logs (LK_DATA_DIR/spark/events)",
        common,
        _history,
        prints="the History Server's state",
    )
    history.add_argument("action", choices=("up", "down", "status"), help="start, stop or show it")
    history.add_argument(
        "--port", type=positive_int, help="its port for `up` (default: a free port)"
    )


def _history(settings: Settings, args: argparse.Namespace) -> int:
    from infra.spark_history import applications, history_down, history_state, history_up

    if args.action == "down":
        pid = history_down(settings)
        if args.json:
            print(json.dumps({"stopped": pid}))
            return 0
        print(
            f"stopped the History Server (pid {pid})"
            if pid
            else "the History Server was not running"
        )
        return 0
    state = history_up(settings, args.port) if args.action == "up" else history_state(settings)
    apps = applications(state.url) if state else None
    if args.json:
        found = {
            "running": state is not None,
            **(state.__dict__ if state else {}),
            "applications": apps,
        }
        print(json.dumps(found, indent=2))
    elif state is None:
        print("the History Server is not running: `lk spark history up` starts it")
    else:
        verb = "started" if state.started_now else "running"
        print(f"Spark History Server {verb} (pid {state.pid}): {state.url}")
        print(f"event logs: {state.events}; {len(apps or [])} applications")
    return 0 if state else 1


def _up(settings: Settings, args: argparse.Namespace) -> int:
    from infra.spark_cluster import start_cluster

    state = start_cluster(
        settings,
        workers=args.workers,
        cores=args.cores,
        memory=args.memory,
        ui_port=args.ui_port,
        event_log=args.event_log,
    )
    if state.orphans:
        pids = ", ".join(map(str, state.orphans))
        print(f"stopped workers left running by a Spark master that had died (pids {pids})")
    verb = "started" if state.started_now else "already running"
    workers = ", ".join(map(str, state.worker_pids))
    print(f"Spark master {state.master_url} {verb} (pid {state.master_pid}); web UI {state.web_ui}")
    print(f"workers: {len(state.worker_pids)} ALIVE (pids {workers})")
    if state.restarted:
        print(f"restarted workers {', '.join(map(str, state.restarted))} (found dead)")
    print(f"run the pipelines on it with LK_SPARK_MASTER={state.master_url}")
    if state.event_log:
        print(f"event logs: {state.event_log} (every job writes one; `lk spark history up`)")
    return 0


def _down(settings: Settings, args: argparse.Namespace) -> int:
    from infra.spark_cluster import stop_cluster

    stopped = stop_cluster(settings)
    if not stopped:
        print("the Spark cluster was not running")
    for name, pid in stopped.items():
        print(f"stopped {name} (pid {pid})")
    return 0


def _status(settings: Settings, args: argparse.Namespace) -> int:
    from infra.spark_cluster import recorded_cluster
    from infra.spark_master import master_json, status_lines

    recorded = recorded_cluster(settings)
    state = master_json(recorded["web_ui"]) if recorded else None
    if args.json:
        print(json.dumps({"running": bool(state), "recorded": recorded, "master": state}, indent=2))
    else:
        print("\n".join(status_lines(state, recorded)))
    return 0 if state else 1
