"""The seeded event generator: the same scenario and seed always give the same records."""

from __future__ import annotations

import heapq
import itertools
import math
import random
import uuid
from collections.abc import Iterator

from core.errors import LkError
from views.events import EARLIEST_EVENT_YEAR, LATEST_EVENT_YEAR, MAX_AMOUNT
from workloads.malformed import MALFORMED_KINDS, malformed_value
from workloads.records import Record, encode_event, format_event_time, user_key
from workloads.scenarios import Scenario

ZIPF_EXPONENT = 1.1  # a few users and products are far busier than the rest
LARGEST_AMOUNT = (MAX_AMOUNT * 100 - 1) / 100
"""The largest legal amount (9999999999.99): a generated purchase never exceeds it."""


def generate(
    scenario: Scenario, seed: int, *, events: int | None = None, duration: float | None = None
) -> Iterator[Record]:
    """Records for `events` logical events, or for `duration` seconds of paced sending.

    Duplicates and malformed records come on top of the logical events. Every "event" record
    is valid under the contract; every "malformed" one breaks exactly the rule its kind names.
    """
    if (events is None) == (duration is None):
        raise ValueError("give exactly one of events or duration")
    if not EARLIEST_EVENT_YEAR < scenario.start.year < LATEST_EVENT_YEAR:
        raise LkError(
            f"start time {scenario.start.isoformat()} is outside the possible event years "
            f"({EARLIEST_EVENT_YEAR + 1} to {LATEST_EVENT_YEAR - 1})"
        )
    rng = random.Random(seed)
    users = _Population("u", scenario.users)
    products = _Population("p", scenario.products)
    actions = ("view", "click", "purchase")
    action_weights = _cumulative(
        [scenario.view_weight, scenario.click_weight, scenario.purchase_weight]
    )
    start_ms = int(scenario.start.timestamp() * 1000)
    amount_mu = math.log(scenario.purchase_amount_median)
    pending_duplicates: list[tuple[int, int, Record]] = []  # (due index, tie-break, record)
    tie = itertools.count()
    send_at = 0.0

    for index in itertools.count():
        if events is not None and index >= events:
            break
        if duration is not None and send_at >= duration - 1e-9:  # float sums drift
            break
        while pending_duplicates and pending_duplicates[0][0] <= index:
            yield _resent(heapq.heappop(pending_duplicates)[2], send_at)

        event_ms = start_ms + round(send_at * scenario.acceleration * 1000)
        event_ms -= round(rng.uniform(0, scenario.jitter_seconds) * 1000)
        late = rng.random() < scenario.late_fraction
        if late:
            lateness = min(
                rng.expovariate(1 / scenario.late_mean_seconds), scenario.late_max_seconds
            )
            event_ms -= round(lateness * 1000)
        action = rng.choices(actions, cum_weights=action_weights)[0]
        amount = 0.0
        if action == "purchase":
            amount = min(max(0.01, round(rng.lognormvariate(amount_mu, 0.8), 2)), LARGEST_AMOUNT)
        event = {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "user_id": users.pick(rng),
            "action": action,
            "product_id": products.pick(rng),
            "amount": amount,
            "event_time": format_event_time(event_ms),
        }
        key = user_key(event["user_id"])
        record = Record(key, encode_event(event), "event", send_at, late, event_ms)
        yield record

        if rng.random() < scenario.duplicate_fraction:
            due = index + rng.randint(1, scenario.duplicate_max_delay)
            heapq.heappush(pending_duplicates, (due, next(tie), record))
        if rng.random() < scenario.malformed_fraction:
            kind = rng.choice(MALFORMED_KINDS)
            yield Record(key, malformed_value(kind, event, rng), "malformed", send_at)
        send_at += 1 / _rate_at(scenario, send_at)

    while pending_duplicates:
        yield _resent(heapq.heappop(pending_duplicates)[2], send_at)


def _resent(original: Record, send_at: float) -> Record:
    """The same event sent again later: same key, same bytes, same event_id."""
    return Record(original.key, original.value, "duplicate", send_at, False, original.event_time_ms)


def _rate_at(scenario: Scenario, send_at: float) -> float:
    """Events per second at this point of the schedule (higher during the last part of each period)."""
    in_burst = send_at % scenario.burst_every_seconds >= (
        scenario.burst_every_seconds - scenario.burst_seconds
    )
    return scenario.rate * (scenario.burst_factor if in_burst else 1.0)


def _cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


class _Population:
    """Ids like u00042 drawn with Zipf-like popularity."""

    def __init__(self, prefix: str, size: int) -> None:
        width = max(5, len(str(size)))
        self.ids = [f"{prefix}{number:0{width}d}" for number in range(1, size + 1)]
        self.cum_weights = _cumulative([1 / rank**ZIPF_EXPONENT for rank in range(1, size + 1)])

    def pick(self, rng: random.Random) -> str:
        return rng.choices(self.ids, cum_weights=self.cum_weights)[0]
