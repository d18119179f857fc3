"""`lk study run | report`: every experiment scenario, repeated, and one Lambda-vs-Kappa verdict.

The study runs wherever the common flags point: `--bootstrap` a Kafka cluster (e.g. the
loopback one of `lk kafka up --brokers 3`) and `--spark-master` a Spark cluster (`lk spark
up`); study.json and the page name where it ran.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.flag_types import positive_float, positive_int
from core.settings import Settings
from lk.cli_args import command, command_group


def _scenario_list(text: str) -> tuple[str, ...]:
    from experiments.experiment.scenarios import SCENARIOS
    from experiments.study.plan import STUDY_SCENARIOS

    names = tuple(name.strip() for name in text.split(",") if name.strip())
    files = [name for name in names if name in SCENARIOS and SCENARIOS[name].needs_file]
    if files:
        raise argparse.ArgumentTypeError(
            f"scenario {files[0]!r} replays a data file: run it with lk experiment run --file"
        )
    unknown = [name for name in names if name not in STUDY_SCENARIOS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown scenario(s) {', '.join(unknown) or '(none given)'}; choose from: "
            f"{', '.join(STUDY_SCENARIOS)}"
        )
    return names


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `lk study run` and `lk study report`."""
    actions = command_group(
        commands, "study", "every scenario, repeated: the Lambda-vs-Kappa verdict", common
    )
    run = command(
        actions,
        "run",
        "run every scenario K times (a stream of its own each time); study.json, each "
        "scenario's results.json and report.html, and study.html with the verdict",
        common,
        _run,
        prints="the study document",
    )
    run.add_argument("--out", type=Path, required=True, help="folder for the study")
    run.add_argument(
        "--scenarios",
        type=_scenario_list,
        help="comma-separated scenarios (default: every one that needs no data file)",
    )
    run.add_argument(
        "--quick", action="store_true", help="the quick size: 2 repeats, 1/8 of each scenario"
    )
    run.add_argument(
        "--repeat", type=positive_int, help="repeats per scenario (default 3; 2 with --quick)"
    )
    run.add_argument(
        "--events", type=positive_int, help="events per scenario (default: 1/4 of its own)"
    )
    run.add_argument("--rate", type=positive_float, help="events/s (default: the scenario's)")
    run.add_argument("--seed", type=int, default=7, help="the seed the streams derive from")
    run.add_argument(
        "--batch-interval", type=positive_float, help="s between batch-layer runs (default 20)"
    )
    run.add_argument(
        "--settle-timeout",
        type=positive_float,
        default=600.0,
        help="s to wait after a run's last record for the jobs to catch up (default 600)",
    )
    run.add_argument("--no-progress", action="store_true", help="no live status line")
    report = command(
        actions, "report", "write study.html again and print the verdict table", common, _report
    )
    report.add_argument("folder", type=Path, help="the --out folder of lk study run")


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from experiments.experiment.display import live_display
    from experiments.study.files import REPORT_FILE
    from experiments.study.plan import SIZES, STUDY_SCENARIOS, StudyPlan
    from experiments.study.report import study_table
    from experiments.study.run import run_study

    size = SIZES["quick" if args.quick else "default"]
    plan = StudyPlan(
        scenarios=args.scenarios or STUDY_SCENARIOS,
        repeat=args.repeat or size.repeat,
        share=size.share,
        events=args.events,
        rate=args.rate,
        seed=args.seed,
        batch_interval=args.batch_interval or size.batch_interval,
        settle_timeout=args.settle_timeout,
    )
    with live_display(False if args.no_progress else None) as display:
        study = run_study(settings, plan, args.out, display)
    if args.json:
        print(json.dumps(study, indent=2, default=str))
    else:
        print(study_table(args.out))
        print(f"study: {args.out / REPORT_FILE}")
    return 0


def _report(settings: Settings, args: argparse.Namespace) -> int:
    from experiments.study.report import study_table, write_study_report

    path = write_study_report(args.folder)
    print(study_table(args.folder))
    print(f"study: {path}")
    return 0
