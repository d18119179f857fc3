"""Named workload presets: the knobs of the generator, and the four scenarios experiments use."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime

from core.errors import LkError

DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Scenario:
    """Every knob of the generator; a preset is one of these with a name."""

    name: str
    users: int = 1_000
    products: int = 500
    view_weight: float = 0.80
    click_weight: float = 0.15
    purchase_weight: float = 0.05
    purchase_amount_median: float = 25.0  # log-normal purchase amounts, two decimals
    rate: float = 500.0  # events per wall-clock second: paces sending and drives the event clock
    acceleration: float = 60.0  # seconds of event time per wall-clock second (60: an hour a minute)
    jitter_seconds: float = 2.0  # every event's time is pulled back by up to this: out of order
    late_fraction: float = 0.0  # share of events from devices that were offline
    late_mean_seconds: float = 180.0  # mean lateness of those events (exponential)
    late_max_seconds: float = 1_800.0
    duplicate_fraction: float = 0.0  # share of events re-sent with the same event_id
    duplicate_max_delay: int = 200  # a duplicate follows its original within this many records
    malformed_fraction: float = 0.0  # extra records that break the contract, one kind at a time
    burst_factor: float = 1.0  # the rate multiplies by this during a burst
    burst_every_seconds: float = 10.0
    burst_seconds: float = 2.0
    start: datetime = DEFAULT_START  # event time of the first event

    def with_overrides(self, **knobs: object) -> Scenario:
        """A copy with the given knobs changed; None values are ignored."""
        chosen = {key: value for key, value in knobs.items() if value is not None}
        known = {f.name for f in fields(self)}
        unknown = sorted(set(chosen) - known)
        if unknown:
            raise LkError(f"unknown scenario knob(s): {', '.join(unknown)}")
        return replace(self, **chosen)


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario("steady"),
        Scenario("late-data", late_fraction=0.10, duplicate_fraction=0.02),
        Scenario("dirty", late_fraction=0.05, duplicate_fraction=0.05, malformed_fraction=0.05),
        Scenario("burst", burst_factor=10.0, burst_every_seconds=10.0, burst_seconds=2.0),
    )
}
"""steady: clean and in order; late-data: offline devices and a few re-sends;
dirty: late, duplicate and malformed records; burst: 10x traffic for 2 s in every 10 s."""


def scenario_named(name: str) -> Scenario:
    """The preset with this name, or a readable error listing the presets."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise LkError(f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}") from None
