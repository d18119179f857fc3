"""One run of `lk bench latency`: both live streams (the Lambda speed layer and Kappa v1) fed a
stepped workload, one fixed rate after another, by the experiment machinery.

The run is an `ExperimentRun` with `streams_only` (no batch layer, no recompute), so the served
rows, their samples and the oracle's rows are recorded exactly as `lk experiment run` records
them. Its records are a **warm-up** (the first rate for `warmup` s: a job's first micro-batch
after a cold start takes tens of seconds here and is not what a rate costs), then one **step**
per rate of `seconds` s each. Before each step the sender pauses until both jobs have caught up
(lag 0, at most `catch_up_bound` s), so every rate starts on warm jobs with nothing behind. A
step whose backlog is not cleared within the bound is over the sustainable rate: no faster step
is sent (the benchmark runs "until it saturates"). Event time follows the wall clock (the
scenario's acceleration) through the pauses: a pause is an empty stretch of event time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from core.settings import Settings
from experiments.experiment.metrics import LATENCY_VIEW
from experiments.experiment.plan import Plan
from experiments.experiment.run import ExperimentRun
from experiments.experiment.scenarios import experiment_scenario
from workloads.generator import generate
from workloads.records import Record
from workloads.scenarios import DEFAULT_START, scenario_named

SCENARIO = "baseline"
"""The experiment scenario whose workload and watermark each step uses: a clean stream in
event-time order (2 s of jitter), so a window's latency is the jobs' and not late data's."""

CATCH_UP_FLOOR_S = 10.0
CATCH_UP_SHARE = 0.25
"""A step is sustainable when its backlog is cleared within max(CATCH_UP_FLOOR_S,
CATCH_UP_SHARE × its sending time) after its last record. A job that keeps up leaves at most a
micro-batch or two of records behind (a few seconds here: the floor). One that processes only
C < R events/s leaves (R - C) × S records after S s, which take (R / C - 1) × S s to clear: the
share flags C below 0.8 R once S × 0.25 exceeds the floor (S ≥ 40 s)."""


COLD_START_S = 300.0
"""The longest wait (s) after the warm-up for the jobs' backlog, which includes a cold start
(tens of seconds here, minutes on a busy machine)."""


def catch_up_bound(seconds: float) -> float:
    """The longest catch-up (s) after a step of `seconds` s that still counts as sustainable."""
    return max(CATCH_UP_FLOOR_S, CATCH_UP_SHARE * seconds)


@dataclass
class Step:
    """One rate of the run: `rate` (events/s asked), `started` and `ended` (s since the epoch:
    when its first and last record went to the sender), `records` sent, `paused_s` (how long
    the sender waited for both jobs to catch up before it), `warmup` (not measured)."""

    rate: float
    seconds: float
    warmup: bool = False
    started: float | None = None
    ended: float | None = None
    records: int = 0
    paused_s: float = 0.0

    @property
    def sent_rate(self) -> float | None:
        """Events/s the sender achieved over the step (None before it ended)."""
        if self.started is None or self.ended is None or self.ended <= self.started:
            return None
        return self.records / (self.ended - self.started)


@dataclass
class SteppedPlan:
    """The rates (events/s, ascending), seconds per rate, warm-up seconds, generator seed and
    sampling interval (s); `steps`: the warm-up and one step per rate, filled in as sent."""

    rates: list[float]
    seconds: float
    warmup: float
    seed: int = 7
    sample_interval: float = 1.0
    steps: list[Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.steps = [Step(self.rates[0], self.warmup, warmup=True)] + [
            Step(rate, self.seconds) for rate in self.rates
        ]

    @property
    def sent(self) -> int:
        """Records handed to the sender so far, over every step."""
        return sum(step.records for step in self.steps)

    def measured(self) -> list[Step]:
        """The steps that were sent, warm-up left out."""
        return [s for s in self.steps if not s.warmup and s.ended is not None]

    def experiment_plan(self) -> Plan:
        """The experiment's plan: its events and rate are only what a live display shows."""
        scenario = experiment_scenario(SCENARIO)
        events = int(sum(step.rate * step.seconds for step in self.steps))
        return Plan(
            scenario=scenario,
            events=events,
            rate=max(self.rates),
            seed=self.seed,
            sample_interval=self.sample_interval,
            settle_timeout=max(120.0, 4 * catch_up_bound(self.seconds)),
            streams_only=True,
            sampled_views=(LATENCY_VIEW,),  # the only view whose windows it times
        )


class SteppedRun(ExperimentRun):
    """An experiment run that sends the stepped workload of a `SteppedPlan`."""

    def __init__(self, settings: Settings, stepped: SteppedPlan, folder: Path, repeat: int) -> None:
        super().__init__(settings, stepped.experiment_plan(), folder, repeat, self._observe)
        self.stepped = stepped
        self.observed: tuple[int, dict] = (0, {})

    def _observe(self, state: dict) -> None:
        """The run's display, called after each sample: keep the records in the log and each
        job's lag, for the sender thread to read."""
        self.observed = (state.get("sent", 0), dict(state.get("lag") or {}))

    def _records(self) -> Iterator[Record]:
        return stepped_records(self.stepped, self._caught_up)

    def _caught_up(self, step: Step) -> bool:
        """Wait until the log holds every record yielded and both jobs' lag is 0 (at most the
        bound `pause_bound` gives); whether they caught up. Marked on the run's timeline."""
        bound = pause_bound(self.stepped, step, COLD_START_S)
        deadline = time.time() + bound
        while time.time() < deadline and not self._stopping.is_set():
            in_log, lags = self.observed
            if in_log >= self.stepped.sent and all(lags.get(n) == 0 for n in ("lambda", "kappa")):
                self.mark(f"caught up: sending {step.rate:g} events/s")
                return True
            time.sleep(0.2)
        self.mark(f"not caught up within {bound:g} s: {step.rate:g} events/s not sent")
        return False


def pause_bound(stepped: SteppedPlan, step: Step, cold_start: float) -> float:
    """How long (s) the sender waits before `step` for the jobs to catch up: the catch-up bound
    of the step before, or `cold_start` after the warm-up (its backlog includes a cold start)."""
    before = stepped.steps[stepped.steps.index(step) - 1]
    return cold_start if before.warmup else catch_up_bound(before.seconds)


def stepped_records(stepped: SteppedPlan, ready: Callable[[Step], bool]) -> Iterator[Record]:
    """Every step's records in sending order, each `send_at` shifted to its step's start. Before
    each step after the first, `ready(step)` waits for the consumers; False ends the records
    (the step before was over the sustainable rate). Fills in each step's figures."""
    started = time.perf_counter()  # the sender's clock starts with its first record
    offset = 0.0
    scenario = experiment_scenario(SCENARIO)
    preset = scenario_named(scenario.workload)
    for index, step in enumerate(stepped.steps):
        if index > 0:
            waited = time.perf_counter()
            caught_up = ready(step)
            step.paused_s = time.perf_counter() - waited
            if not caught_up:
                return
            offset = time.perf_counter() - started
        event_start = DEFAULT_START + timedelta(seconds=offset * scenario.acceleration)
        workload = preset.with_overrides(
            rate=step.rate, acceleration=scenario.acceleration, start=event_start
        )
        for record in generate(workload, stepped.seed + index, duration=step.seconds):
            if step.started is None:
                step.started = time.time()
            step.records += 1
            yield replace(record, send_at=record.send_at + offset)
        step.ended = time.time()
