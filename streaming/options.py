"""What one streaming job is: its name, logic version, watermark, trigger and how it reads."""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import DEFAULT_LOGIC_VERSION, DEFAULT_TRIGGER, DEFAULT_WATERMARK


@dataclass(frozen=True)
class StreamOptions:
    """How a streaming job reads, what it computes and how often it emits."""

    name: str
    logic_version: str = DEFAULT_LOGIC_VERSION
    watermark: str = DEFAULT_WATERMARK
    trigger: str = DEFAULT_TRIGGER
    until_caught_up: bool = False
    starting_offsets: str = "earliest"
    max_offsets_per_trigger: int | None = None
    min_partitions: int | None = None
    keep_rejected: bool = False
