"""Replay a file as records: JSONL in the event schema, or the public REES46 e-commerce CSV."""

from __future__ import annotations

import csv
import gzip
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

from core.errors import LkError
from views.validation import check_record, parse_event_time
from workloads.records import Record, encode_event

REES46_COLUMNS = ("event_time", "event_type", "product_id", "price", "user_id", "user_session")
REES46_ACTIONS = {
    "view": "view",
    "cart": "click",
    "remove_from_cart": "click",
    "purchase": "purchase",
}
"""REES46 event types mapped to our actions; any other type is kept and rejected downstream."""

REES46_NAMESPACE = uuid.UUID("5f1c9a52-3c1e-4f7e-9a51-6b2d1e0c4a77")
LATE_AFTER_MS = 60_000
"""A replayed event counts as late when its time is this far behind the newest one before it."""


def read_file(path: Path) -> Iterator[Record]:
    """Records from a .jsonl/.ndjson or REES46 .csv file (optionally .gz), in file order."""
    if not path.is_file():
        raise LkError(f"no such file: {path}" if not path.exists() else f"not a file: {path}")
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    kind = suffixes[-1] if suffixes else ""
    if kind in (".jsonl", ".ndjson", ".json"):
        records = _jsonl_records(path)
    elif kind == ".csv":
        _check_rees46_header(path)  # before anything is sent, not halfway through
        records = _rees46_records(path)
    else:
        raise LkError(f"cannot replay {path.name}: expected a .jsonl, .ndjson or REES46 .csv file")
    return _reading(path, _mark_duplicates_and_late(records))


def _reading(path: Path, records: Iterator[Record]) -> Iterator[Record]:
    """The records, with a file that breaks while being read reported as one readable error."""
    try:
        yield from records
    except (OSError, EOFError, csv.Error) as error:
        raise LkError(f"cannot read {path}: {error}") from error


def _check_rees46_header(path: Path) -> list[str]:
    try:
        with _open_text(path) as lines:
            header = next(csv.reader(lines), None) or []
    except (OSError, EOFError, csv.Error) as error:
        raise LkError(f"cannot read {path}: {error}") from error
    missing = [column for column in REES46_COLUMNS if column not in header]
    if missing:
        raise LkError(f"{path.name} is not a REES46 CSV: missing column(s) {', '.join(missing)}")
    return header


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(gzip.open(path), encoding="utf-8", errors="surrogateescape")
    return path.open(encoding="utf-8", errors="surrogateescape", newline="")


def _jsonl_records(path: Path) -> Iterator[Record]:
    """Each non-empty line, sent byte for byte; keyed by its user_id when it has one."""
    with _open_text(path) as lines:
        for line in lines:
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            value = text.encode("utf-8", errors="surrogateescape")
            yield _record_for(value)


def _rees46_records(path: Path) -> Iterator[Record]:
    """REES46 rows mapped to events; event_id is derived from the row, so identical rows are duplicates."""
    with _open_text(path) as lines:
        reader = csv.reader(lines)
        header = next(reader, None) or []
        position = {name: index for index, name in enumerate(header)}
        for row in reader:
            if len(row) != len(header):
                # Kept, not dropped: it reaches the rejected store downstream with its reason.
                yield Record(None, ",".join(row).encode(), "malformed")
                continue
            yield _record_for(encode_event(rees46_event({n: row[i] for n, i in position.items()})))


def rees46_event(row: dict[str, str]) -> dict:
    """One REES46 row as an event in our schema (price is the amount of a purchase)."""
    action = REES46_ACTIONS.get(row["event_type"], row["event_type"])
    amount: float | str = 0.0
    if action == "purchase":
        try:
            amount = round(float(row["price"]), 2)
        except ValueError:
            amount = row["price"]  # a wrong type, rejected downstream with its reason
    identity = "|".join(row.get(name, "") for name in REES46_COLUMNS)
    return {
        "event_id": str(uuid.uuid5(REES46_NAMESPACE, identity)),
        "user_id": row["user_id"],
        "action": action,
        "product_id": row["product_id"] or None,
        "amount": amount,
        "event_time": _rees46_time(row["event_time"]),
    }


def _rees46_time(text: str) -> str:
    """'2019-10-01 00:00:04 UTC' as '2019-10-01T00:00:04.000Z'; anything else is passed through."""
    if text.endswith(" UTC") and len(text) == 23:
        return text[:10] + "T" + text[11:19] + ".000Z"
    return text


def _record_for(value: bytes) -> Record:
    """A record for this value, with its key and event time when the value is a valid event."""
    checked = check_record(value)
    if not checked.accepted:
        return Record(_key_of(value), value, "malformed")
    event = checked.event
    moment = parse_event_time(event["event_time"])
    return Record(
        event["user_id"].encode(), value, "event", event_time_ms=int(moment.timestamp() * 1000)
    )


def _key_of(value: bytes) -> bytes | None:
    """The user_id of a broken record if it still has one, so it lands with that user's events."""
    try:
        user = json.loads(value).get("user_id")
    except (ValueError, AttributeError):
        return None
    return user.encode() if isinstance(user, str) and user else None


def _mark_duplicates_and_late(records: Iterator[Record]) -> Iterator[Record]:
    seen: set[bytes] = set()
    newest_ms: int | None = None
    for record in records:
        if record.kind != "event":
            yield record
            continue
        event_id = json.loads(record.value)["event_id"].encode()
        kind = "duplicate" if event_id in seen else "event"
        seen.add(event_id)
        late = newest_ms is not None and record.event_time_ms < newest_ms - LATE_AFTER_MS
        newest_ms = max(newest_ms or record.event_time_ms, record.event_time_ms)
        yield Record(record.key, record.value, kind, 0.0, late, record.event_time_ms)
