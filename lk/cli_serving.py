"""`lk query` and `lk serving refresh`: reading the serving views."""

from __future__ import annotations

import argparse
import sys

from core.flag_types import positive_int
from core.settings import Settings
from lk.cli_args import command


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `lk query` and `lk serving refresh`."""
    query = command(
        commands,
        "query",
        "read-only SQL over the serving views (batch_*, speed_*, lambda_*, kappa_*, truth_*, "
        "rejected_events, serving_status)",
        common,
        _query,
    )
    query.add_argument("sql", help='one SQL statement, e.g. "SELECT * FROM serving_status"')
    query.add_argument("--format", choices=["table", "csv", "json"], default="table")
    query.add_argument(
        "--max-rows", type=positive_int, default=100, help="rows a table shows (default 100)"
    )
    serving = commands.add_parser("serving", help="the DuckDB serving catalog", parents=[common])
    actions = serving.add_subparsers(title="serving commands", metavar="ACTION", required=True)
    command(actions, "refresh", "rebuild the catalog from what is published now", common, _refresh)


def _query(settings: Settings, args: argparse.Namespace) -> int:
    from serving_layer.query import format_rows, run_query

    columns, rows = run_query(settings, args.sql)
    if columns:
        sys.stdout.write(format_rows(columns, rows, args.format, args.max_rows) + "\n")
    return 0


def _refresh(settings: Settings, args: argparse.Namespace) -> int:
    from lk.formats import format_refusal
    from serving_layer.catalog import refresh_catalog

    described = refresh_catalog(settings)
    print(
        f"catalog {described['catalog']}: batch version {described['batch_version'] or '-'}, "
        f"horizon {described['horizon'] or '-'}, kappa in service {described['kappa_version'] or '-'}"
    )
    for line in format_refusal(described):
        print(line)
    return 0
