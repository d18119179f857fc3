"""How the commands show their results in a terminal: a few readable lines per result."""

from __future__ import annotations

BAR_WIDTH = 30
"""Characters of a progress bar in `lk kappa status`."""


def format_status(status: dict) -> str:
    """A speed or Kappa job's status in a few lines for the terminal."""
    offsets = ", ".join(f"p{p}: {o}" for p, o in status["offsets"].items()) or "-"
    return "\n".join(
        [
            f"{status['job']}  logic {status['logic_version']}, watermark "
            f"{status['watermark'] or '-'} (delay {status['watermark_delay']}, dedup horizon "
            f"{status['dedup_horizon']})",
            f"offsets  {offsets}; lag {status['lag'] if status['lag'] is not None else '-'}",
            f"read     {status['records']} records in {status['batches']} micro-batches: "
            f"{status['counted']} events counted, {status['rejected']} rejected, "
            f"{status['duplicates_dropped']} duplicates and {status['dropped_late']} late "
            "events dropped"
            + (f", {status['isolated']} isolated" if status.get("isolated") else ""),
            *format_refusal(status.get("catalog")),
            *([f"Spark UI {status['spark_ui']} (while it runs)"] if status.get("spark_ui") else []),
        ]
    )


def format_refusal(catalog: dict | None) -> list[str]:
    """A line saying why lambda_* refuses to serve, if it does (else no line)."""
    refused = (catalog or {}).get("lambda_refused")
    return [f"serving  {refused}"] if refused else []


def format_batch(result: dict) -> str:
    """What a batch run did, in a few lines for the terminal."""
    ingested, views, published = result["ingest"], result["views"], result["publish"]
    read = ", ".join(
        f"p{p}: {ingested['start'][p]}->{ingested['end'][p]}" for p in sorted(ingested["end"])
    )
    lines = [
        f"ingest   run {ingested['run'] or '-'}: {ingested['records']} records "
        f"({ingested['events']} accepted, {ingested['rejected']} rejected) [{read}]",
    ]
    if views.get("skipped"):
        lines.append(f"views    unchanged since version {published['version']} (nothing new)")
    else:
        counts = ", ".join(f"{name} {rows}" for name, rows in views["rows"].items())
        lines.append(f"views    {views['logic_version']}: {counts} rows")
    lines += [
        f"publish  version {published['version']}, horizon H = {published['horizon'] or '-'}"
        f" (newest event {views.get('newest_event_time') or '-'}, lateness {views['lateness']})",
        f"time     {result['seconds']:.1f} s",
        *format_refusal(result.get("catalog")),
    ]
    return "\n".join(lines)


def format_versions(rows: list[dict]) -> str:
    """The versions as lines with a progress bar, the one in service marked."""
    if not rows:
        return "no Kappa versions yet: start one with `lk kappa run --version 1`"
    lines = []
    for row in rows:
        filled = int(round(row["done"] * BAR_WIDTH))
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        marks = [
            label
            for label, on in (
                ("IN SERVICE", row["in_service"]),
                ("previous", row["previous"]),
                ("running", row["running"]),
            )
            if on
        ]
        eta = (
            f", ~{row['seconds_to_catch_up']:.0f} s to catch up"
            if row["seconds_to_catch_up"] and row["lag"]
            else ""
        )
        rate = f"{row['records_per_second']:,} records/s" if row["records_per_second"] else "-"
        lines.append(
            f"v{row['version']} [{bar}] {row['done']:6.1%}  lag {row['lag']:,}  {rate}{eta}"
            f"  logic {row['logic_version'] or '-'}, watermark {row['watermark_delay'] or '-'}"
            + (f"  ({', '.join(marks)})" if marks else "")
        )
        offsets = ", ".join(
            f"p{p}: {row['offsets'].get(p, 0)}/{end}" for p, end in row["end_offsets"].items()
        )
        lines.append(f"    offsets {offsets}")
        if row.get("offsets_never_read"):
            lines.append(
                f"    {row['offsets_never_read']:,} offsets were deleted from the log before it "
                "read them (retention): a partial rebuild"
            )
        if row.get("heartbeat"):
            lines.append(f"    heartbeat: {row['heartbeat']}")
        if row.get("spark_ui"):
            lines.append(f"    Spark UI: {row['spark_ui']} (its Structured Streaming tab)")
    return "\n".join(lines)


def format_comparison(reports: dict[str, dict]) -> str:
    """One line per architecture, view and part: matching / missing / extra rows, events; or
    the reason an architecture was not compared."""
    from experiments.compare import PARTS, VIEW_NAMES

    lines = [
        f"{'architecture':<12} {'view':<22} {'part':<9} {'matching':>9} {'missing':>8} "
        f"{'extra':>6} {'events':>9} {'truth':>9}"
    ]
    for name, report in reports.items():
        if "error" in report:
            lines.append(f"{name}: not compared: {report['error']}")
            continue
        logic = report.get("logic_version")
        oracle = f"the oracle at logic {logic}" if logic else "the newest oracle run"
        lines.append(
            f"{name}: rows final up to {report['horizon'] or '- (nothing final yet)'}; "
            f"compared with {oracle}"
        )
        if report.get("dropped_late") is not None or report.get("duplicates_counted"):
            lines.append(
                f"{name}: its stream dropped {report.get('dropped_late') or 0} late events and "
                f"counted {report.get('duplicates_counted') or 0} re-sent duplicates again"
            )
        if report.get("offsets_never_read"):
            lines.append(
                f"{name}: {report['offsets_never_read']} offsets were deleted from the log "
                "(retention) before its jobs read them: their events are missing"
            )
        for view in VIEW_NAMES:
            for part in PARTS:
                row = report[view][part]
                lines.append(
                    f"{name:<12} {view:<22} {part:<9} {row['matching']:>9} {row['missing']:>8} "
                    f"{row['extra']:>6} {row['events']:>9} {row['truth_events']:>9}"
                )
    return "\n".join(lines)
