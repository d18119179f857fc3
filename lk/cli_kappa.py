"""`lk kappa run | status | switch | rollback | retire | stop` and `lk bench replay`: Kreps's
procedure as commands. Each calls one function of `architectures.kappa_architecture`."""

from __future__ import annotations

import argparse
import json
import time

from core.flag_types import non_negative_int, positive_int
from core.settings import DEFAULT_MAX_LAG, DEFAULT_REPLAY_MAX_OFFSETS, Settings
from lk.cli_args import add_job_flags, command, command_group, from_flags


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `lk kappa ...`."""
    actions = command_group(
        commands, "kappa", "the Kappa architecture: versions replayed from the log", common
    )
    run = command(
        actions,
        "run",
        "run a version: replay the log from offset 0, then tail it live (Ctrl-C stops cleanly)",
        common,
        _run,
        prints="the final status",
    )
    run.add_argument(
        "--version", type=positive_int, help="version number (default: the newest, or 1)"
    )
    add_job_flags(run, trigger_help="micro-batch interval once live")
    run.add_argument(
        "--until-caught-up", action="store_true", help="stop once the replay reaches the log's end"
    )
    run.add_argument(
        "--replay-max-offsets",
        type=positive_int,
        default=DEFAULT_REPLAY_MAX_OFFSETS,
        help=f"records per micro-batch while replaying (default {DEFAULT_REPLAY_MAX_OFFSETS})",
    )
    run.add_argument(
        "--replay-min-partitions",
        type=positive_int,
        help="Spark tasks to split the log into while replaying (default: one per partition)",
    )
    run.add_argument(
        "--starting-offsets",
        default="earliest",
        help="where a new version starts: earliest (offset 0), latest, or Spark's JSON "
        '{"topic":{"0":1200,"1":-2}} (-2 = earliest); a running checkpoint ignores it',
    )
    run.add_argument(
        "--background", action="store_true", help="run in the background (stop: lk kappa stop N)"
    )

    status = command(
        actions,
        "status",
        "each version: offsets, lag, events/s, ETA",
        common,
        _status,
        prints="the versions",
    )
    status.add_argument("--watch", action="store_true", help="refresh every second until Ctrl-C")

    switch = command(actions, "switch", "serve version N (atomically)", common, _switch)
    switch.add_argument("number", type=positive_int)
    rollback = command(
        actions, "rollback", "serve the previous version again, at once", common, _rollback
    )
    for parser, unless in ((switch, "it has not caught up"), (rollback, "it fell behind the log")):
        parser.add_argument("--force", action="store_true", help=f"even if {unless}")
        parser.add_argument(
            "--max-lag",
            type=non_negative_int,
            default=DEFAULT_MAX_LAG,
            help=f"records behind the log allowed (default {DEFAULT_MAX_LAG})",
        )
    retire = command(actions, "retire", "delete an old version's outputs", common, _retire)
    retire.add_argument("number", type=positive_int)
    stop = command(actions, "stop", "stop a version running in the background", common, _stop)
    stop.add_argument("number", type=positive_int)


def _options(args: argparse.Namespace):
    from kappa.job import KappaOptions

    return from_flags(KappaOptions, args, live_trigger=args.trigger)


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from architectures import kappa_architecture as kappa
    from core.layout import Layout
    from lk.formats import format_status

    number = args.version or kappa.default_version(settings)
    if args.background:
        pid = kappa.start_in_background(settings, number, _options(args))
        log = Layout(settings.data_dir).kappa_version(number).root / "job.log"
        print(f"Kappa v{number} started in the background (pid {pid}); log: {log}")
        return 0
    status = kappa.run_version(
        settings, number, _options(args), report=lambda line: print(line, flush=True)
    )
    print(json.dumps(status, indent=2) if args.json else format_status(status))
    return 0


def _status(settings: Settings, args: argparse.Namespace) -> int:
    from kappa.status import describe
    from lk.formats import format_versions

    while True:
        rows = describe(settings)
        print(json.dumps(rows, indent=2, default=str) if args.json else format_versions(rows))
        if not args.watch:
            return 0
        time.sleep(1)
        print(flush=True)


def _switch(settings: Settings, args: argparse.Namespace) -> int:
    from architectures.kappa_architecture import switch

    switch(settings, args.number, force=args.force, max_lag=args.max_lag, report=print)
    return 0


def _rollback(settings: Settings, args: argparse.Namespace) -> int:
    from architectures.kappa_architecture import rollback

    rolled = rollback(settings, force=args.force, max_lag=args.max_lag)
    print(f"kappa_* serve v{rolled['current']} again; v{rolled['previous']} is kept")
    return 0


def _retire(settings: Settings, args: argparse.Namespace) -> int:
    from architectures.kappa_architecture import retire

    folder = retire(settings, args.number)
    print(f"v{args.number} retired: {folder} deleted")
    return 0


def _stop(settings: Settings, args: argparse.Namespace) -> int:
    from architectures.kappa_architecture import stop_background

    pid = stop_background(settings, args.number)
    print(
        f"v{args.number} was not running" if pid is None else f"v{args.number} stopped (pid {pid})"
    )
    return 0
