"""`lk truth`: the oracle's views, computed from the raw log with plain DuckDB SQL."""

from __future__ import annotations

import argparse
import json

from lk.cli_args import command
from lk.settings import Settings


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


def _truth(settings: Settings, args: argparse.Namespace) -> int:
    from experiments.truth import compute_truth, format_summary
    from serving_layer.catalog import refresh_catalog
    from views.catalog import views_at

    views_at(args.logic_version)
    summary = compute_truth(settings, args.logic_version)
    refresh_catalog(settings)
    print(json.dumps(summary, indent=2, default=str) if args.json else format_summary(summary))
    return 0
