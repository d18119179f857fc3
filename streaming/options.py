"""What one streaming job is: its name, logic version, watermark, trigger and how it reads."""

from __future__ import annotations

from dataclasses import dataclass

from core.durations import parse_duration
from core.errors import NotRetryable
from core.settings import DEFAULT_LOGIC_VERSION, DEFAULT_TRIGGER, DEFAULT_WATERMARK


@dataclass(frozen=True)
class StreamOptions:
    """How a streaming job reads, what it computes and how often it emits.

    `watermark`: how late (event time) an event may be and still be counted; a row is final
    once the watermark passes its end. `dedup_horizon`: how long (event time) an event_id is
    remembered to drop its copies: until a watermark that trails the newest event time by the
    horizon passes the first copy's time plus the horizon; at least the watermark (None: the
    watermark). Remembering longer costs state: one entry per distinct id in two horizons.
    """

    name: str
    logic_version: str = DEFAULT_LOGIC_VERSION
    watermark: str = DEFAULT_WATERMARK
    trigger: str = DEFAULT_TRIGGER
    until_caught_up: bool = False
    starting_offsets: str = "earliest"
    max_offsets_per_trigger: int | None = None
    min_partitions: int | None = None
    dedup_horizon: str | None = None

    def __post_init__(self) -> None:
        """The dedup horizon defaults to the watermark; NotRetryable for a malformed duration
        or a horizon below the watermark."""
        object.__setattr__(self, "dedup_horizon", self.dedup_horizon or self.watermark)
        if parse_duration(self.dedup_horizon) < parse_duration(self.watermark):
            raise NotRetryable(
                f"the dedup horizon {self.dedup_horizon!r} is shorter than the watermark "
                f"{self.watermark!r}: an id must be remembered at least as long as an event "
                "may be late"
            )
