"""`lk kappa status`: each version's offsets, lag, speed and time to catch up."""

from __future__ import annotations

from core.atomic import read_json
from core.heartbeat import read_pulse
from core.layout import Layout
from core.settings import Settings
from kappa.versions import lag, running, serving, versions


def describe(settings: Settings) -> list[dict]:
    """One entry per version: logic, offsets per partition, lag, events/s, time to catch up;
    `running` (its run lock is held here, or its heartbeat is alive) and `heartbeat` (one line:
    host, PID, age of the last beat; None if it never ran since heartbeats exist)."""
    layout = Layout(settings.data_dir)
    state = serving(layout)
    rows = []
    for number in versions(layout):
        paths = layout.kappa_version(number)
        job = read_json(paths.state_file) or {}
        behind = lag(settings, number)
        pulse = read_pulse(paths.heartbeat)
        status = behind["status"]
        rate = _recent_rate(paths.progress)
        total = sum(behind["end_offsets"].values())
        rows.append(
            {
                "version": number,
                "in_service": state.get("current") == number,
                "previous": state.get("previous") == number,
                "running": running(paths) or bool(pulse and pulse.alive),
                "heartbeat": pulse.describe() if pulse else None,
                "spark_ui": pulse.spark_ui if pulse and pulse.alive else None,
                "logic_version": job.get("logic_version"),
                "watermark_delay": job.get("watermark"),
                "offsets": behind["offsets"],
                "end_offsets": behind["end_offsets"],
                "lag": behind["lag"],
                "done": (total - behind["lag"]) / total if total else 1.0,
                "records_per_second": rate,
                "seconds_to_catch_up": round(behind["lag"] / rate, 1) if rate else None,
                "caught_up_at": job.get("caught_up_at"),
                "last_replay": job.get("last_replay"),
                "dropped_late": status.get("dropped_late", 0),
                "duplicates_dropped": status.get("duplicates_dropped", 0),
                # offsets the log had deleted before this version read them (streaming.gaps)
                "offsets_never_read": status.get("offsets_never_read", 0),
            }
        )
    return rows


def _recent_rate(progress) -> float | None:
    """Records/s over the last micro-batches that had input."""
    import json

    files = sorted((progress / "query").glob("*.json"))[-10:]
    batches = [json.loads(f.read_text()) for f in files]
    rates = [
        b["rows_per_second"] for b in batches if b.get("input_rows") and b.get("rows_per_second")
    ]
    return round(sum(rates) / len(rates)) if rates else None
