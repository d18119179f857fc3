"""`lk truth` and `lk compare`: the oracle's views from the raw log, and how each architecture's
serving views differ from them."""

from __future__ import annotations

import argparse
import json

from core.settings import Settings
from lk.cli_args import command


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `lk truth`."""
    truth = command(
        commands,
        "truth",
        "the oracle: every view from the whole raw log with plain DuckDB SQL (truth_*)",
        common,
        _truth,
    )
    truth.add_argument("--logic-version", default="v1", help="view logic (default v1)")
    truth.add_argument("--json", action="store_true", help="print the summary as JSON")
    compare = command(
        commands,
        "compare",
        "each architecture's views against truth_*: rows matching, missing and extra, split at "
        "the rows' cutoff (Lambda: the horizon H; Kappa: its watermark)",
        common,
        _compare,
    )
    compare.add_argument("--json", action="store_true", help="print the report as JSON")


def _truth(settings: Settings, args: argparse.Namespace) -> int:
    from experiments.truth import compute_truth, format_summary
    from serving_layer.catalog import refresh_catalog
    from views.catalog import views_at

    views_at(args.logic_version)
    summary = compute_truth(settings, args.logic_version)
    refresh_catalog(settings)
    print(json.dumps(summary, indent=2, default=str) if args.json else format_summary(summary))
    return 0


def _compare(settings: Settings, args: argparse.Namespace) -> int:
    from experiments.compare import compare_with_truth, format_comparison

    reports = {name: compare_with_truth(settings, name) for name in ("lambda", "kappa")}
    print(json.dumps(reports, indent=2) if args.json else format_comparison(reports))
    return 0
