"""`lk spark up | down | status`: a Spark standalone cluster on loopback (infra/spark_cluster.py)."""

from __future__ import annotations

import argparse
import json

from core.settings import Settings
from lk.cli_args import command, command_group, positive_int


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
        help="make a folder for applications' event logs and print how to turn them on",
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
        print(
            "event logs: LK_SPARK_CONF='spark.eventLog.enabled=true;"
            f"spark.eventLog.dir=file://{state.event_log}'"
        )
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
