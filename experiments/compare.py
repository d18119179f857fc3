"""How an architecture's serving views differ from the oracle's, row by row, per view.

Each architecture is compared with the oracle's views at the logic version it ran: Lambda with
its batch version's logic (the speed layer's before the first batch run), Kappa with the logic
of the version in service. The comparison is split at a cutoff: for Lambda the batch horizon H
(rows served from the batch views, then later rows served from the speed layer, subject to its
watermark); for Kappa the watermark of the version in service.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb

from core.errors import LkError
from core.layout import Layout
from core.settings import Settings
from serving_layer.catalog import connect, refresh_catalog
from serving_layer.columns import VIEW_COLUMNS
from serving_layer.merge import lambda_refusal
from serving_layer.oracle import truth_view_name
from views.catalog import VIEW_NAMES, View, views_at

PARTS = ("complete", "open")
PREFIXES = ("lambda", "batch", "speed", "kappa")


def compare_with_truth(settings: Settings, prefix: str, cutoff: datetime | None = None) -> dict:
    """Compare `<prefix>_<view>` (prefix: lambda, batch, speed or kappa) with the oracle's
    views at the same logic version. The report has `logic_version` (the logic compared; None
    when the architecture has served nothing yet, then the newest oracle run is used), `horizon`
    (the cutoff) and, per view and part (complete at the cutoff / after it): rows matching the
    oracle, rows only the oracle has (`missing`), rows only the architecture has (`extra`),
    event totals.

    `dropped_late` and `duplicates_counted` say what its streaming job lost on purpose (the
    speed layer for Lambda, the version in service for Kappa); `offsets_never_read`, how many
    offsets the log had deleted before its jobs read them (retention, DeleteRecords).

    The cutoff defaults to the batch horizon H for `lambda` and `batch`, and to the watermark
    of the stream for `speed` and `kappa` (the version in service): rows before it will not
    change any more. LkError when Lambda refuses to merge two logic versions or when the
    oracle has not computed the logic version to compare with."""
    if prefix not in PREFIXES:
        raise LkError(f"cannot compare {prefix!r}: choose one of {', '.join(PREFIXES)}")
    catalog = Layout(settings.data_dir).catalog
    if not catalog.exists():
        refresh_catalog(settings)
    connection = connect(catalog, read_only=True)
    try:
        status = _status(connection)
        logic = _logic_version(status, prefix)
        truth = _truth_views(connection, logic)
        horizon = cutoff or _default_cutoff(status, prefix)
        report: dict = {
            "logic_version": logic,
            "horizon": horizon.isoformat() if horizon else None,
            **_stream_losses(status, prefix),
        }
        for view in views_at(logic or "v1"):
            report[view.name] = {
                part: _compare_part(
                    connection, prefix, view.name, truth[view.name], _condition(view, part, horizon)
                )
                for part in PARTS
            }
    finally:
        connection.close()
    return report


def _status(connection: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """The serving_status rows this comparison reads: `batch`, `speed` and the Kappa version in
    service (`kappa`)."""
    rows = connection.execute(
        "SELECT component, version, logic_version, horizon, watermark, dropped_late, "
        "duplicates_counted, offsets_never_read FROM serving_status "
        "WHERE component IN ('batch', 'speed') OR (component = 'kappa' AND in_service)"
    ).fetchall()
    names = (
        "version", "logic_version", "horizon", "watermark", "dropped_late", "duplicates_counted",
        "offsets_never_read",
    )  # fmt: skip
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


def _stream_losses(status: dict[str, dict], prefix: str) -> dict:
    """What the architecture's streaming job lost on purpose, which shows as differences from
    the oracle: `dropped_late` (events later than its watermark) and `duplicates_counted` (copies
    re-sent after its dedup horizon, counted again); None where no stream serves (`batch`)."""
    stream = status.get("speed" if prefix in ("lambda", "speed") else prefix, {})
    if prefix == "batch":
        stream = {}
    losses = {name: stream.get(name) for name in ("dropped_late", "duplicates_counted")}
    # Offsets deleted from the log before its jobs read them: the most any job it serves from
    # never read (Lambda: its batch layer's master dataset or its speed layer).
    serving = {"lambda": ("batch", "speed"), "batch": ("batch",), "speed": ("speed",)}
    never = [
        status.get(component, {}).get("offsets_never_read") or 0
        for component in serving.get(prefix, (prefix,))
    ]
    losses["offsets_never_read"] = max(never, default=0)
    return losses


def _logic_version(status: dict[str, dict], prefix: str) -> str | None:
    """The logic version the architecture's views ran; LkError if Lambda mixes two."""
    batch = status.get("batch", {})
    speed = status.get("speed", {})
    if prefix == "kappa":
        return status.get("kappa", {}).get("logic_version")
    if prefix == "speed":
        return speed.get("logic_version")
    if prefix == "lambda":
        refused = lambda_refusal(
            batch.get("version"), batch.get("logic_version"), speed.get("logic_version")
        )
        if refused:
            raise LkError(refused)
    return batch.get("logic_version") or speed.get("logic_version")


def _truth_views(connection: duckdb.DuckDBPyConnection, logic: str | None) -> dict[str, str]:
    """The oracle view to compare each view with: `truth_<logic>_<view>`, or `truth_<view>` (the
    newest oracle run) when the architecture has no logic version yet."""
    if logic is None:
        return {view: f"truth_{view}" for view in VIEW_NAMES}
    wanted = {view: truth_view_name(logic, view) for view in VIEW_NAMES}
    found = {
        row[0]
        for row in connection.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND view_name IN "
            f"({', '.join('?' for _ in wanted)})",
            list(wanted.values()),
        ).fetchall()
    }
    if set(wanted.values()) - found:
        raise LkError(f"no oracle views for logic {logic}: run `lk truth --logic-version {logic}`")
    return wanted


def _default_cutoff(status: dict[str, dict], prefix: str) -> datetime | None:
    if prefix in ("kappa", "speed"):
        return status.get(prefix, {}).get("watermark")
    return status.get("batch", {}).get("horizon")


def _condition(view: View, part: str, horizon: datetime | None) -> str:
    if horizon is None:
        return "true" if part == "open" else "false"
    moment = f"TIMESTAMPTZ '{horizon.isoformat()}'"
    return (
        f"{view.complete_at} <= {moment}"
        if part == "complete"
        else f"{view.complete_at} > {moment}"
    )


def _compare_part(
    connection: duckdb.DuckDBPyConnection, prefix: str, view: str, truth: str, condition: str
) -> dict:
    names = ", ".join(name for name, _ in VIEW_COLUMNS[view])
    ours = f"SELECT {names} FROM {prefix}_{view} WHERE {condition}"
    oracle = f"SELECT {names} FROM {truth} WHERE {condition}"
    counts = connection.execute(
        f"""SELECT
            (SELECT count(*) FROM ({ours} INTERSECT ALL {oracle})),
            (SELECT count(*) FROM ({oracle} EXCEPT ALL {ours})),
            (SELECT count(*) FROM ({ours} EXCEPT ALL {oracle})),
            (SELECT coalesce(sum(events), 0) FROM ({ours})),
            (SELECT coalesce(sum(events), 0) FROM ({oracle}))"""
    ).fetchall()[0]
    matching, missing, extra, events, truth_events = (int(value) for value in counts)
    return {
        "matching": matching,
        "missing": missing,
        "extra": extra,
        "events": events,
        "truth_events": truth_events,
    }


def compare_architectures(settings: Settings, names: Iterable[str] = ("lambda", "kappa")) -> dict:
    """`compare_with_truth` for each architecture, by name; an architecture that cannot be
    compared (Lambda refusing to merge logic versions, no oracle at its logic) gets
    {"error": the one-line reason} instead, and the others are still compared."""
    reports = {}
    for name in names:
        try:
            reports[name] = compare_with_truth(settings, name)
        except LkError as error:
            reports[name] = {"error": str(error)}
    return reports
