"""Replay a file as records: JSONL in the event schema, or the public REES46 e-commerce CSV.

File replay never stops on a row. JSONL lines are sent byte for byte, whatever they hold (lone
surrogate escapes, bytes that are not UTF-8, NaN tokens, broken JSON): the pipelines reject
them with their reason. REES46 rows follow the rule in `workloads.rees46`. Only what Kafka
cannot carry (a value over MAX_RECORD_BYTES, the producer's cap) and blank lines are skipped,
and both are counted. Only a file that cannot be read at all (missing, not gzip) is an error.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from core.errors import LkError
from views.events import MAX_RECORD_BYTES
from views.validation import check_record, parse_event_time
from workloads.records import Record, user_key
from workloads.rees46 import check_header, rees46_values

LATE_AFTER_MS = 60_000
"""A replayed event counts as late when its time is this far behind the newest one before it."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNREADABLE = (OSError, EOFError, zlib.error, csv.Error)
"""What a file that cannot be read (rather than a bad row) raises."""


class Skipped:
    """A line or row that is not sent, with why: `too_large: N bytes` or `blank_line`."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def read_file(path: Path) -> Iterator[Record]:
    """Records from a .jsonl/.ndjson or REES46 .csv file (optionally .gz), in file order."""
    if not path.is_file():
        raise LkError(f"no such file: {path}" if not path.exists() else f"not a file: {path}")
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    kind = suffixes[-1] if suffixes else ""
    if kind in (".jsonl", ".ndjson", ".json"):
        values = _jsonl_values(path)
    elif kind == ".csv":
        _check_rees46_header(path)  # before anything is sent, not halfway through
        values = _rees46_file_values(path)
    else:
        raise LkError(f"cannot replay {path.name}: expected a .jsonl, .ndjson or REES46 .csv file")
    return _reading(path, _records(values))


def _reading(path: Path, records: Iterator[Record]) -> Iterator[Record]:
    """The records, with a file that breaks while being read reported as one readable error."""
    try:
        yield from records
    except _UNREADABLE as error:
        raise LkError(f"cannot read {path}: {error}") from error


def _open_binary(path: Path) -> AbstractContextManager[BinaryIO]:
    """The file's bytes, decompressed when it ends in .gz."""
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def _open_text(path: Path) -> io.TextIOWrapper:
    """The file as text lines with their line ends kept; bytes that are not UTF-8 come through
    as surrogate escapes (so they can be written back exactly); a leading BOM is dropped."""
    return io.TextIOWrapper(
        _open_binary(path), encoding="utf-8-sig", errors="surrogateescape", newline=""
    )


def _check_rees46_header(path: Path) -> None:
    try:
        with _open_text(path) as lines:
            header = next(csv.reader(lines), None) or []
    except _UNREADABLE as error:
        raise LkError(f"cannot read {path}: {error}") from error
    check_header(header, path.name)


def _rees46_file_values(path: Path) -> Iterator[bytes]:
    with _open_text(path) as lines:
        yield from rees46_values(lines)


def _jsonl_values(path: Path) -> Iterator[bytes | Skipped]:
    """Each line without its line end ("\\n" or "\\r\\n"), byte for byte; a line longer than
    MAX_RECORD_BYTES is read past (never held in memory whole) and skipped."""
    with _open_binary(path) as stream:
        while line := stream.readline(MAX_RECORD_BYTES + 2):
            if not line.endswith(b"\n") and len(line) == MAX_RECORD_BYTES + 2:
                size = len(line) + _read_past_line(stream)
                yield Skipped(f"too_large: {size} bytes")
                continue
            value = line[:-1].removesuffix(b"\r") if line.endswith(b"\n") else line
            yield value if value.strip() else Skipped("blank_line")


def _read_past_line(stream: BinaryIO) -> int:
    """Read to the end of the current line; the number of bytes read."""
    size = 0
    while chunk := stream.readline(1 << 20):
        size += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return size


def _records(values: Iterator[bytes | Skipped]) -> Iterator[Record]:
    """A record for each value: its key, its verdict, and for events duplicate and lateness."""
    seen: set[str] = set()
    newest_ms: int | None = None
    for value in values:
        if isinstance(value, Skipped):
            yield Record(None, b"", "skipped", reason=value.reason)
            continue
        if len(value) > MAX_RECORD_BYTES:
            yield Record(None, b"", "skipped", reason=f"too_large: {len(value)} bytes")
            continue
        checked = check_record(value)
        event = checked.event
        moment = parse_event_time(event["event_time"]) if event is not None else None
        if event is None or moment is None:
            yield Record(_key_of(value), value, "malformed", reason=checked.reason)
            continue
        event_ms = (moment - _EPOCH) // timedelta(milliseconds=1)
        kind = "duplicate" if event["event_id"] in seen else "event"
        seen.add(event["event_id"])
        late = newest_ms is not None and event_ms < newest_ms - LATE_AFTER_MS
        newest_ms = event_ms if newest_ms is None else max(newest_ms, event_ms)
        yield Record(user_key(event["user_id"]), value, kind, 0.0, late, event_ms)


def _key_of(value: bytes) -> bytes | None:
    """The key of a record that will be rejected: its user_id when it still has a readable
    one, so it lands with that user's events; otherwise no key."""
    try:
        document = json.loads(value.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return user_key(document.get("user_id")) if isinstance(document, dict) else None
