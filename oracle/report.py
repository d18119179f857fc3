"""The oracle's summary as a few readable lines for the terminal."""

from __future__ import annotations


def format_summary(summary: dict) -> str:
    """One line per fact of an oracle run (the dict `compute_truth` returns): records read =
    accepted + rejected, distinct events and duplicates, event-time range, rejections by
    reason, rows per view and where the files went."""
    check = "ok" if summary["balanced"] else "MISMATCH"
    lines = [
        f"truth of topic {summary['topic']!r} with logic {summary['logic_version']}: "
        f"{summary['records_read']:,} records read = {summary['accepted']:,} accepted + "
        f"{summary['rejected']:,} rejected ({check})",
        f"distinct events {summary['distinct_events']:,} "
        f"({summary['duplicates']:,} duplicates counted once), event time "
        f"{summary['first_event_time'] or '-'} .. {summary['last_event_time'] or '-'}",
    ]
    if summary["records_read"] != summary["records_in_log"]:
        lines.append(
            f"note: the end offsets span {summary['records_in_log']:,} offsets but "
            f"{summary['records_read']:,} records were read"
        )
    if summary.get("offsets_deleted"):
        gaps = "; ".join(
            f"partition {p}, offsets {a}-{b}" if a != b else f"partition {p}, offset {a}"
            for p, (a, b) in summary["offsets_deleted"].items()
        )
        lines.append(
            f"the log no longer holds {gaps} (deleted by retention or DeleteRecords): this "
            "truth is of what the log holds now, not of every event ever sent"
        )
    if summary["rejected_by_reason"]:
        reasons = ", ".join(f"{r} {n:,}" for r, n in summary["rejected_by_reason"].items())
        lines.append(f"rejected by reason: {reasons}")
    if summary.get("view_rows"):
        rows = ", ".join(f"{name} {n:,}" for name, n in summary["view_rows"].items())
        lines.append(f"view rows: {rows}")
    if summary.get("folder"):
        seconds = summary.get("seconds", {}).get("total")
        took = f" in {seconds:.1f} s" if seconds is not None else ""
        lines.append(f"written to {summary['folder']}{took}")
    return "\n".join(lines)
