"""What a study runs: which scenarios, how many repeats, how large, from which seed.

Each scenario runs as an experiment (`experiments.experiment`) with its own stream per repeat:
the scenario's seed is derived from the study's seed and the scenario's name (CRC-32, so the
same study seed always gives the same streams), and repeat k sends that seed + k − 1.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from core.errors import LkError
from experiments.experiment.plan import Plan
from experiments.experiment.scenarios import SCENARIOS, experiment_scenario
from experiments.study.dimensions import RECOMPUTED_IN


@dataclass(frozen=True)
class StudySize:
    """A study's default size: `repeat`s per scenario, `share` of each scenario's own number of
    events (its rate stays), and the batch layer's interval (s)."""

    repeat: int
    share: float
    batch_interval: float


SIZES = {
    "default": StudySize(repeat=3, share=0.25, batch_interval=20.0),
    "quick": StudySize(repeat=2, share=0.125, batch_interval=20.0),
}
"""A repeat takes 2 to 4.5 minutes on a 2-core machine whatever its size (the jobs' start,
a batch run and, where a dimension reads it, the rebuild dominate): `default` is 21 repeats,
`quick` 14 (docs/study.md has the measured times)."""

STUDY_SCENARIOS = tuple(name for name, scenario in SCENARIOS.items() if not scenario.needs_file)
"""Every scenario that needs no data file (`real` needs one)."""


@dataclass(frozen=True)
class StudyPlan:
    """What one study runs. `events` and `rate` (events/s) None: each scenario's own events
    times `share` (all of them for a scenario that is not `scalable`, e.g. the burst), at its
    own rate."""

    scenarios: tuple[str, ...] = STUDY_SCENARIOS
    repeat: int = SIZES["default"].repeat
    share: float = SIZES["default"].share
    events: int | None = None
    rate: float | None = None
    seed: int = 7
    batch_interval: float = SIZES["default"].batch_interval
    settle_timeout: float = 600.0

    def __post_init__(self) -> None:
        for name in self.scenarios:
            experiment_scenario(name)  # LkError for an unknown one
            if SCENARIOS[name].needs_file:
                raise LkError(f"scenario {name!r} replays a data file: run it with lk experiment")
        if not self.scenarios:
            raise LkError("a study needs at least one scenario")

    def scenario_seed(self, name: str) -> int:
        """The seed of `name`'s first repeat, derived from the study's seed."""
        return zlib.crc32(f"{self.seed}:{name}".encode()) % 1_000_000

    def _events(self, events: int, scalable: bool) -> int:
        return max(1, round(events * self.share)) if scalable else events

    def experiment_plan(self, name: str) -> Plan:
        """The experiment plan of scenario `name` in this study."""
        scenario = experiment_scenario(name)
        return Plan(
            scenario=scenario,
            events=self.events or self._events(scenario.events, scenario.scalable),
            rate=self.rate or scenario.rate,
            seed=self.scenario_seed(name),
            repeat=self.repeat,
            batch_interval=self.batch_interval,
            settle_timeout=self.settle_timeout,
            seed_per_repeat=True,
            recompute=name in RECOMPUTED_IN,
        )
