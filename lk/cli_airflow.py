"""`lk airflow up | down | status`, and any other `airflow` command with the project's environment."""

from __future__ import annotations

import argparse
import json

from core.settings import Settings

USAGE = """\
lk airflow up [--port N] [--triggerer]   start the API server, scheduler and DAG processor
lk airflow down                          stop them by PID and wait until they are gone
lk airflow status                        which run, the UI address, where the admin password is
lk airflow AIRFLOW-COMMAND ...           any `airflow` command in the project's environment,
                                         e.g. `lk airflow dags test lambda_batch`

Settings flags go before the Airflow command: `lk airflow --data-dir DIR dags list`."""


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `lk airflow ...`."""
    parser = commands.add_parser(
        "airflow",
        help="the local Airflow: up, down, status, or any airflow command",
        description=USAGE,
        usage="%(prog)s [settings] (up | down | status | AIRFLOW-COMMAND) ...",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("airflow_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.set_defaults(run=_airflow, airflow_parser=parser)
    parser.set_defaults(common_parser=common)


def _airflow(settings: Settings, args: argparse.Namespace) -> int:
    words = list(args.airflow_args)
    if not words:
        args.airflow_parser.print_help()
        return 2
    action, rest = words[0], words[1:]
    if action not in ("up", "down", "status"):
        from infra.airflow_home import run_airflow_cli

        return run_airflow_cli(settings, words)
    options = _action_parser(action, args.common_parser).parse_args(rest)
    settings = Settings.from_env(
        data_dir=getattr(options, "data_dir", settings.data_dir),
        bootstrap=getattr(options, "bootstrap", settings.bootstrap),
        topic=getattr(options, "topic", settings.topic),
        spark_master=getattr(options, "spark_master", settings.spark_master),
    )
    return {"up": _up, "down": _down, "status": _status}[action](settings, options)


def _action_parser(action: str, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"lk airflow {action}", parents=[common])
    if action == "up":
        parser.add_argument(
            "--port",
            type=int,
            default=None,
            help="API server and UI port on 127.0.0.1 (default: the last one used, else 8080)",
        )
        parser.add_argument(
            "--triggerer",
            action="store_true",
            help="also start the triggerer (only deferrable tasks need it)",
        )
    if action == "status":
        parser.add_argument("--json", action="store_true", help="print the status as JSON")
    return parser


def _up(settings: Settings, options: argparse.Namespace) -> int:
    from infra.airflow import start_airflow

    state = start_airflow(settings, options.port, triggerer=options.triggerer)
    started = ", ".join(state.started_now) or "nothing (all were running)"
    print(f"Airflow started {started}")
    print("\n".join(state.lines()))
    return 0


def _down(settings: Settings, options: argparse.Namespace) -> int:
    from infra.airflow import stop_airflow

    stopped = stop_airflow(settings)
    if not stopped:
        print("Airflow was not running")
    for name, pid in stopped.items():
        print(f"stopped {name} (pid {pid})")
    return 0


def _status(settings: Settings, options: argparse.Namespace) -> int:
    from infra.airflow import airflow_status

    state = airflow_status(settings)
    if options.json:
        logs = {name: str(state.files.log(name)) for name in state.pids}
        found = {"running": state.running, "url": state.url, "pids": state.pids,
                 "logs": logs, "health": state.health}  # fmt: skip
        print(json.dumps(found, indent=2))
    else:
        print("\n".join(state.lines()))
    return 0 if state.running else 1
