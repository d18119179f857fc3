"""The public REES46 e-commerce CSV as events: each row mapped to our schema, or sent as it is.

The rule for a row that cannot become a valid event: it is still sent, in a form every pipeline
rejects with one clear reason, and never skipped (only records too large for Kafka are skipped):

- a purchase whose price is not a plain finite number below the largest legal amount (`NaN`,
  `inf`, `-inf`, `1e999`, empty, text) keeps the price as a JSON string: `wrong_type: amount`;
- an unknown event type, empty user_id or odd timestamp is mapped as it is and rejected for it
  (`unknown_action`, `missing_field: user_id`, `impossible_timestamp`);
- a row that cannot be mapped at all (wrong number of columns, broken quoting, a field larger
  than the CSV reader takes, bytes that are not UTF-8) is sent as its raw bytes: `invalid_json`.
"""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal

from core.errors import LkError
from views.events import MAX_AMOUNT
from workloads.records import encode_event

REES46_COLUMNS = ("event_time", "event_type", "product_id", "price", "user_id", "user_session")
"""The columns the mapping reads; a REES46 file has a few more (category, brand)."""
REES46_ACTIONS = {
    "view": "view",
    "cart": "click",
    "remove_from_cart": "click",
    "purchase": "purchase",
}
"""REES46 event types mapped to our actions; any other type is kept and rejected downstream."""

REES46_NAMESPACE = uuid.UUID("5f1c9a52-3c1e-4f7e-9a51-6b2d1e0c4a77")
"""Namespace of the uuid5 event_id derived from a row's columns."""
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_CENT = Decimal("0.01")


def check_header(header: list[str], name: str) -> None:
    """Raise a readable LkError when a CSV header lacks a column the mapping needs."""
    missing = [column for column in REES46_COLUMNS if column not in header]
    if missing:
        raise LkError(f"{name} is not a REES46 CSV: missing column(s) {', '.join(missing)}")


def rees46_values(lines: Iterable[str]) -> Iterator[bytes]:
    """The value of each data row of a REES46 CSV (text lines, header first), in file order.

    `lines` keep their line ends (newline="") and hold undecodable bytes as surrogate escapes.
    """
    raw: list[str] = []  # the lines the CSV reader took for the current row

    def taken() -> Iterator[str]:
        for line in lines:
            raw.append(line)
            yield line

    reader = csv.reader(taken())
    header = next(reader, None) or []
    while True:
        raw.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:  # e.g. a field over the reader's size limit: sent as it is
            row = None
        yield _row_value(header, row, "".join(raw))


def _row_value(header: list[str], row: list[str] | None, raw: str) -> bytes:
    """The mapped event of a row, or the row's own bytes when it cannot be mapped."""
    original = raw.removesuffix("\n").removesuffix("\r").encode("utf-8", "surrogateescape")
    if row is None or len(row) != len(header) or not _is_utf8(raw):
        return original
    try:
        return encode_event(rees46_event(dict(zip(header, row, strict=True))))
    except ValueError:  # anything JSON cannot carry: the row as it is, for invalid_json
        return original


def _is_utf8(text: str) -> bool:
    """Whether the text came from valid UTF-8 (undecodable bytes are lone surrogates here)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def rees46_event(row: dict[str, str]) -> dict:
    """One REES46 row (column name -> text) as an event in our schema; the price becomes the
    amount of a purchase, or stays a string when it is not a legal number (see the module)."""
    action = REES46_ACTIONS.get(row["event_type"], row["event_type"])
    amount: float | str = 0.0
    if action == "purchase":
        amount = rees46_amount(row["price"])
    identity = "|".join(row.get(name, "") for name in REES46_COLUMNS)
    return {
        "event_id": str(uuid.uuid5(REES46_NAMESPACE, identity)),
        "user_id": row["user_id"],
        "action": action,
        "product_id": row["product_id"] or None,
        "amount": amount,
        "event_time": _rees46_time(row["event_time"]),
    }


def rees46_amount(price: str) -> float | str:
    """A purchase price as the amount: a number rounded half-up to cents when the price is a
    plain decimal (e.g. `1081.98`, `-3`) under the largest legal amount; otherwise the price
    text itself, which every pipeline rejects as `wrong_type: amount`.

    The float is exact enough: a cent amount below 10**10 has at most 12 significant digits,
    and JSON writes the shortest text that reads back as the same double, i.e. those digits.
    """
    if not _PLAIN_DECIMAL.fullmatch(price) or abs(Decimal(price)) >= MAX_AMOUNT:
        return price
    cents = Decimal(price).quantize(_CENT, ROUND_HALF_UP)  # fewer than 13 digits: exact
    if abs(cents) >= MAX_AMOUNT:  # 9999999999.995 rounds up out of range
        return price
    return float(cents) + 0.0  # + 0.0: -0.00 is written as 0.0


def _rees46_time(text: str) -> str:
    """'2019-10-01 00:00:04 UTC' as '2019-10-01T00:00:04.000Z'; anything else is passed through."""
    if text.endswith(" UTC") and len(text) == 23:
        return text[:10] + "T" + text[11:19] + ".000Z"
    return text
