"""`lk truth` and `lk compare`: the oracle's views from the raw log, and how each architecture's
serving views differ from them."""

from __future__ import annotations

import argparse
import json

from core.settings import DEFAULT_LOGIC_VERSION, Settings
from lk.cli_args import command, oracle_logic_version


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `lk truth` and `lk compare`."""
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


def _truth(settings: Settings, args: argparse.Namespace) -> int:
    from experiments.oracle.report import format_summary
    from experiments.oracle.truth import compute_truth
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
