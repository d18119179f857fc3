"""How an architecture's serving views differ from the oracle's, row by row, per view.

For Lambda the comparison is split at the batch horizon H: rows complete at H (served from the
batch views) and later rows (served from the speed layer, subject to its watermark).
"""

from __future__ import annotations

from datetime import datetime

from core.settings import Settings
from serving_layer.catalog import connect
from serving_layer.columns import VIEW_COLUMNS
from views.catalog import LOGIC_VERSIONS

PARTS = ("complete", "open")


def compare_with_truth(settings: Settings, prefix: str, cutoff: datetime | None = None) -> dict:
    """Per view and part (complete at the cutoff / after it): rows matching the oracle, rows
    only the oracle has (`missing`), rows only the architecture has (`extra`), event totals.

    The cutoff defaults to the batch horizon H for `lambda` and `batch`, and to the watermark
    of the version in service for `kappa` (rows before it will not change any more)."""
    from core.layout import Layout

    connection = connect(Layout(settings.data_dir).catalog, read_only=True)
    try:
        horizon = cutoff or _default_cutoff(connection, prefix)
        report: dict = {"horizon": horizon.isoformat() if horizon else None}
        for view in LOGIC_VERSIONS["v1"]:
            report[view.name] = {
                part: _compare_part(connection, prefix, view.name, _condition(view, part, horizon))
                for part in PARTS
            }
    finally:
        connection.close()
    return report


def _default_cutoff(connection, prefix: str) -> datetime | None:
    if prefix == "kappa":
        sql = "SELECT horizon FROM serving_status WHERE version LIKE '%(in service)'"
    else:
        sql = "SELECT horizon FROM serving_status WHERE component = 'batch'"
    found = connection.execute(sql).fetchall()
    return found[0][0] if found else None


def _condition(view, part: str, horizon) -> str:
    if horizon is None:
        return "true" if part == "open" else "false"
    moment = f"TIMESTAMPTZ '{horizon.isoformat()}'"
    return (
        f"{view.complete_at} <= {moment}"
        if part == "complete"
        else f"{view.complete_at} > {moment}"
    )


def _compare_part(connection, prefix: str, view: str, condition: str) -> dict:
    names = ", ".join(name for name, _ in VIEW_COLUMNS[view])
    ours = f"SELECT {names} FROM {prefix}_{view} WHERE {condition}"
    truth = f"SELECT {names} FROM truth_{view} WHERE {condition}"
    counts = connection.execute(
        f"""SELECT
            (SELECT count(*) FROM ({ours} INTERSECT ALL {truth})),
            (SELECT count(*) FROM ({truth} EXCEPT ALL {ours})),
            (SELECT count(*) FROM ({ours} EXCEPT ALL {truth})),
            (SELECT coalesce(sum(events), 0) FROM ({ours})),
            (SELECT coalesce(sum(events), 0) FROM ({truth}))"""
    ).fetchall()[0]
    matching, missing, extra, events, truth_events = (int(value) for value in counts)
    return {
        "matching": matching,
        "missing": missing,
        "extra": extra,
        "events": events,
        "truth_events": truth_events,
    }


def format_comparison(reports: dict[str, dict]) -> str:
    """One line per architecture, view and part: matching / missing / extra rows, events."""
    lines = [
        f"{'architecture':<12} {'view':<22} {'part':<9} {'matching':>9} {'missing':>8} "
        f"{'extra':>6} {'events':>9} {'truth':>9}"
    ]
    for name, report in reports.items():
        lines.append(f"{name}: rows final up to {report['horizon'] or '- (nothing final yet)'}")
        for view in (v.name for v in LOGIC_VERSIONS["v1"]):
            for part in PARTS:
                row = report[view][part]
                lines.append(
                    f"{name:<12} {view:<22} {part:<9} {row['matching']:>9} {row['missing']:>8} "
                    f"{row['extra']:>6} {row['events']:>9} {row['truth_events']:>9}"
                )
    return "\n".join(lines)
