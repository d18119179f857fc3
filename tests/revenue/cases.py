"""Case 08 (revenue overflow) as the views' inputs: 101 purchases of 9,999,999,999.99, the
largest legal amount, by u-gus in [10:08, 10:09) on 2026-03-02; and the revenue bound."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

CASE_08 = Path(__file__).parents[1] / "cases" / "case-08-revenue-overflow.jsonl"
CASE_08_REVENUE = Decimal("1009999999998.99")
"""101 x 9,999,999,999.99: 1,009,999,999,998.99, in every view."""
REVENUE_MAX = Decimal("9" * 36 + ".99")
"""The largest revenue DECIMAL(38,2) holds: 10^36 - 0.01 (written out: Python's default decimal
context keeps only 28 digits, so no arithmetic builds these numbers)."""
NEAR_MAX_AMOUNTS = (Decimal("9" + "0" * 35 + ".00"), Decimal("9" * 35 + ".99"))
"""Two amounts (wider than an event's decimal(12,2), to reach the bound without 10^26
events) whose sum is exactly REVENUE_MAX."""


def case_08_events() -> list[dict]:
    """The case's records as accepted events: exact decimal amounts, aware UTC event times."""
    events = []
    for line in CASE_08.read_text().splitlines():
        record = json.loads(line, parse_float=Decimal)
        moment = datetime.fromisoformat(record["event_time"].replace("Z", "+00:00"))
        events.append({**record, "event_time": moment.astimezone(UTC)})
    return events
