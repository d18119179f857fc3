"""`lk truth` and `lk compare`: the oracle's views from the raw log, and how each architecture's
serving views differ from them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.flag_types import positive_float, positive_int
from core.settings import DEFAULT_LOGIC_VERSION, Settings
from lk.cli_args import command, command_group, oracle_logic_version


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `lk truth`, `lk compare` and `lk experiment run | report`."""
    truth = command(
        commands,
        "truth",
        "the oracle: every view from the whole raw log with plain DuckDB SQL (truth_*)",
        common,
        _truth,
        prints="the summary",
    )
    truth.add_argument(
        "--logic-version",
        type=oracle_logic_version,
        default=DEFAULT_LOGIC_VERSION,
        help=f"view logic (default {DEFAULT_LOGIC_VERSION}; the oracle knows its own versions)",
    )
    command(
        commands,
        "compare",
        "each architecture's views against truth_*: rows matching, missing and extra, split at "
        "the rows' cutoff (Lambda: the horizon H; Kappa: its watermark)",
        common,
        _compare,
        prints="the report",
    )
    _register_experiment(commands, common)


def _register_experiment(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    from experiments.experiment.scenarios import SCENARIOS

    actions = command_group(
        commands,
        "experiment",
        "one scenario streamed live through Lambda and Kappa, measured against the oracle",
        common,
    )
    run = command(
        actions,
        "run",
        "stream a scenario through both architectures at once; results.json and report.html",
        common,
        _experiment_run,
        prints="the results",
    )
    run.add_argument(
        "--scenario",
        required=True,
        choices=list(SCENARIOS),
        help="; ".join(f"{s.name}: {s.description}" for s in SCENARIOS.values()).replace("%", "%%"),
    )
    run.add_argument("--out", type=Path, required=True, help="folder for results and report")
    run.add_argument("--events", type=positive_int, help="events to send (default: the scenario's)")
    run.add_argument("--rate", type=positive_float, help="events/s (default: the scenario's)")
    run.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    run.add_argument("--repeat", type=positive_int, default=1, help="repeats (default 1)")
    run.add_argument("--file", type=Path, help="the data file the `real` scenario replays")
    run.add_argument(
        "--batch-interval",
        type=positive_float,
        default=60.0,
        help="s between batch-layer runs (default 60)",
    )
    run.add_argument(
        "--sample-interval",
        type=positive_float,
        default=1.0,
        help="s between samples of the served views (default 1)",
    )
    run.add_argument(
        "--settle-timeout",
        type=positive_float,
        default=600.0,
        help="s to wait after the last record for the jobs to catch up (default 600)",
    )
    run.add_argument(
        "--orchestrator",
        choices=("direct", "airflow"),
        default="direct",
        help="who runs the batch layer: direct (the lambda_batch DAG's steps, called here) or "
        "airflow (lambda_batch runs triggered through the REST API of an Airflow started for "
        "each repeat); default direct",
    )
    run.add_argument("--no-progress", action="store_true", help="no live status line")
    report = command(
        actions,
        "report",
        "write report.html again from a results.json and print its table",
        common,
        _experiment_report,
    )
    report.add_argument("results", type=Path, help="a results.json of lk experiment run")


def _experiment_run(settings: Settings, args: argparse.Namespace) -> int:
    from experiments.experiment.display import live_display
    from experiments.experiment.experiment import run_experiment
    from experiments.experiment.plan import Plan
    from experiments.experiment.report import format_table
    from experiments.experiment.scenarios import experiment_scenario

    scenario = experiment_scenario(args.scenario)
    plan = Plan(
        scenario=scenario,
        events=args.events or scenario.events,
        rate=args.rate or scenario.rate,
        seed=args.seed,
        repeat=args.repeat,
        batch_interval=args.batch_interval,
        sample_interval=args.sample_interval,
        settle_timeout=args.settle_timeout,
        file=args.file,
        orchestrator=args.orchestrator,
    )
    with live_display(False if args.no_progress else None) as display:
        results = run_experiment(settings, plan, args.out, display)
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        print(format_table(results))
        print(f"results: {args.out / 'results.json'}; report: {args.out / 'report.html'}")
    return 0


def _experiment_report(settings: Settings, args: argparse.Namespace) -> int:
    from core.errors import LkError
    from experiments.experiment.report import format_table, write_report

    try:
        results = json.loads(args.results.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise LkError(f"cannot read {args.results}: {error}") from None
    path = args.results.parent / "report.html"
    write_report(results, path)
    print(format_table(results))
    print(f"report: {path}")
    return 0


def _truth(settings: Settings, args: argparse.Namespace) -> int:
    from oracle.report import format_summary
    from oracle.truth import compute_truth
    from serving_layer.catalog import refresh_catalog

    summary = compute_truth(settings, args.logic_version)  # refuses an unknown version first
    refresh_catalog(settings)
    print(json.dumps(summary, indent=2, default=str) if args.json else format_summary(summary))
    return 0


def _compare(settings: Settings, args: argparse.Namespace) -> int:
    from experiments.compare import compare_architectures
    from lk.formats import format_comparison

    reports = compare_architectures(settings)
    print(json.dumps(reports, indent=2) if args.json else format_comparison(reports))
    return 1 if any("error" in report for report in reports.values()) else 0
