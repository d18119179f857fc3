"""`lk kappa run | status | switch | rollback | retire | stop`: Kreps's procedure as commands."""

from __future__ import annotations

import argparse
import json
import time

from lk.cli_args import command, positive_int
from lk.settings import Settings


def register(
    commands: argparse._SubParsersAction,
    common: argparse.ArgumentParser,
    bench_commands: argparse._SubParsersAction,
) -> None:
    """Add `lk kappa ...` and `lk bench replay`."""
    bench = command(
        bench_commands,
        "replay",
        "Kappa replay records/s against ConsumerPerformance on a fresh topic",
        common,
        _bench_replay,
    )
    bench.add_argument("--events", type=positive_int, default=1_000_000, help="default 1000000")
    bench.add_argument("--replay-max-offsets", type=positive_int, default=200_000)
    bench.add_argument("--out", help="also write the figures to this JSON file")

    group = commands.add_parser(
        "kappa", help="the Kappa architecture: versions replayed from the log", parents=[common]
    )
    actions = group.add_subparsers(title="kappa commands", metavar="ACTION", required=True)
    run = command(
        actions,
        "run",
        "run a version: replay the log from offset 0, then tail it live (Ctrl-C stops cleanly)",
        common,
        _run,
    )
    run.add_argument(
        "--version", type=positive_int, help="version number (default: the newest, or 1)"
    )
    run.add_argument("--logic-version", default="v1", help="view logic (default v1)")
    run.add_argument("--watermark", default="10 minutes", help="default 10 minutes")
    run.add_argument(
        "--until-caught-up", action="store_true", help="stop once the replay reaches the log's end"
    )
    run.add_argument(
        "--replay-max-offsets",
        type=positive_int,
        default=200_000,
        help="records per micro-batch while replaying (default 200000)",
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
    run.add_argument("--trigger", default="250 milliseconds", help="micro-batch interval once live")
    run.add_argument(
        "--background", action="store_true", help="run in the background (stop: lk kappa stop N)"
    )
    run.add_argument("--json", action="store_true", help="print the final status as JSON")

    status = command(
        actions, "status", "each version: offsets, lag, events/s, ETA", common, _status
    )
    status.add_argument("--watch", action="store_true", help="refresh every second until Ctrl-C")
    status.add_argument("--json", action="store_true")

    switch = command(actions, "switch", "serve version N (atomically)", common, _switch)
    switch.add_argument("number", type=positive_int)
    switch.add_argument("--force", action="store_true", help="even if it has not caught up")
    switch.add_argument(
        "--max-lag", type=int, default=1000, help="records behind the log allowed (default 1000)"
    )
    rollback = command(
        actions, "rollback", "serve the previous version again, at once", common, _rollback
    )
    rollback.add_argument("--force", action="store_true", help="even if it fell behind the log")
    rollback.add_argument(
        "--max-lag", type=int, default=1000, help="records behind the log allowed (default 1000)"
    )
    retire = command(actions, "retire", "delete an old version's outputs", common, _retire)
    retire.add_argument("number", type=positive_int)
    stop = command(actions, "stop", "stop a version running in the background", common, _stop)
    stop.add_argument("number", type=positive_int)


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from kappa.job import KappaOptions, run_kappa
    from kappa.versions import serving, switch, versions
    from lk.durations import parse_duration
    from lk.paths import Layout
    from lk.stream_progress import format_status
    from serving_layer.catalog import refresh_catalog
    from views.catalog import views_at

    views_at(args.logic_version)
    parse_duration(args.watermark)
    parse_duration(args.trigger)
    layout = Layout(settings.data_dir)
    number = args.version or (versions(layout) or [1])[-1]
    if args.background:
        from kappa.launch import start_detached

        forwarded = [
            "--logic-version", args.logic_version, "--watermark", args.watermark,
            "--replay-max-offsets", str(args.replay_max_offsets), "--trigger", args.trigger,
            "--starting-offsets", args.starting_offsets,
        ] + (["--until-caught-up"] if args.until_caught_up else []) + (
            ["--replay-min-partitions", str(args.replay_min_partitions)]
            if args.replay_min_partitions else []
        )  # fmt: skip
        pid = start_detached(settings, number, forwarded)
        print(f"Kappa v{number} started in the background (pid {pid}); log: "
              f"{layout.kappa_version(number).root / 'job.log'}")  # fmt: skip
        return 0

    def caught_up(status: dict) -> None:
        if serving(layout).get("current") is None:  # the first version serves once caught up
            switch(settings, number, force=True)
            print(f"v{number} caught up and is now in service", flush=True)
        else:
            print(f"v{number} caught up; switch with: lk kappa switch {number}", flush=True)
        refresh_catalog(settings)

    options = KappaOptions(
        logic_version=args.logic_version,
        watermark=args.watermark,
        until_caught_up=args.until_caught_up,
        replay_max_offsets=args.replay_max_offsets,
        replay_min_partitions=args.replay_min_partitions,
        starting_offsets=args.starting_offsets,
        live_trigger=args.trigger,
    )
    print(f"Kappa v{number}: replaying {settings.topic} ...", flush=True)
    status = run_kappa(settings, number, options, on_caught_up=caught_up)
    refresh_catalog(settings)
    print(json.dumps(status, indent=2) if args.json else format_status(status))
    return 0


def _status(settings: Settings, args: argparse.Namespace) -> int:
    from kappa.status import describe, format_versions

    while True:
        rows = describe(settings)
        if args.json:
            print(json.dumps(rows, indent=2, default=str))
        else:
            print(format_versions(rows), flush=True)
        if not args.watch:
            return 0
        time.sleep(1)
        print()


def _switch(settings: Settings, args: argparse.Namespace) -> int:
    from kappa.versions import switch
    from serving_layer.catalog import refresh_catalog

    switched = switch(settings, args.number, force=args.force, max_lag=args.max_lag)
    refresh_catalog(settings)
    if not switched["changed"]:
        print(f"v{args.number} is already in service")
    else:
        print(f"kappa_* now serve v{args.number} (lag {switched['lag']}); "
              f"previous: {switched['previous'] and 'v' + str(switched['previous'])}")  # fmt: skip
    return 0


def _rollback(settings: Settings, args: argparse.Namespace) -> int:
    from kappa.versions import rollback
    from serving_layer.catalog import refresh_catalog

    rolled = rollback(settings, force=args.force, max_lag=args.max_lag)
    refresh_catalog(settings)
    print(f"kappa_* serve v{rolled['current']} again; v{rolled['previous']} is kept")
    return 0


def _retire(settings: Settings, args: argparse.Namespace) -> int:
    from kappa.versions import retire
    from serving_layer.catalog import refresh_catalog

    folder = retire(settings, args.number, before_delete=lambda: refresh_catalog(settings))
    print(f"v{args.number} retired: {folder} deleted")
    return 0


def _stop(settings: Settings, args: argparse.Namespace) -> int:
    from kappa.launch import stop_detached

    pid = stop_detached(settings, args.number)
    print(
        f"v{args.number} was not running" if pid is None else f"v{args.number} stopped (pid {pid})"
    )
    return 0


def _bench_replay(settings: Settings, args: argparse.Namespace) -> int:
    from experiments.bench_produce import format_report
    from experiments.bench_replay import run_bench_replay

    figures = run_bench_replay(
        settings, events=args.events, replay_max_offsets=args.replay_max_offsets
    )
    print(format_report(figures))
    if args.out:
        from pathlib import Path

        Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")
    return 0
