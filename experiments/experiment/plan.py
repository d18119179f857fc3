"""What an experiment runs: a scenario, its size and rate, and how it is sampled."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from experiments.experiment.scenarios import ExperimentScenario


@dataclass(frozen=True)
class Plan:
    """What an experiment runs: the scenario and its size, rate (events/s), seed, file (for
    `real`), how many repeats, how often the batch layer runs and the views are sampled (s),
    how long to wait for the jobs to catch up after the last record (s), and who runs the batch
    layer: `direct` (the DAG's steps called in this process) or `airflow` (lambda_batch runs
    triggered in an Airflow of the repeat's own). `streams_only`: run only the two live streams
    (no batch layer, no recompute at the end), as `lk bench latency` measures them.
    `sampled_views`: the views the sampler reads each sample (None: all four); reading every
    row of every view each second costs a good part of a core at thousands of events/s, taken
    from the jobs measured. `seed_per_repeat`: repeat k sends the stream of seed + k - 1 (a
    study's repeats are different streams); otherwise every repeat sends the same one.
    `recompute`: end each repeat with the timed rebuild of both (off: no recompute figures)."""

    scenario: ExperimentScenario
    events: int
    rate: float
    seed: int = 7
    repeat: int = 1
    batch_interval: float = 60.0
    sample_interval: float = 1.0
    settle_timeout: float = 600.0
    file: Path | None = None
    keep_topic: bool = False
    orchestrator: str = "direct"
    streams_only: bool = False
    sampled_views: tuple[str, ...] | None = None
    seed_per_repeat: bool = False
    recompute: bool = True

    def seed_of(self, repeat: int) -> int:
        """The generator seed of repeat `repeat` (from 1)."""
        return self.seed + repeat - 1 if self.seed_per_repeat else self.seed

    @property
    def send_seconds(self) -> float:
        """Planned sending time (s): events / rate (a burst shortens it)."""
        return self.events / self.rate
