"""The experiment scenarios: small declarative presets, one per trade-off the two architectures
are known to differ in. Adding one is adding an `ExperimentScenario` to `SCENARIOS`.

A scenario names a workload preset of the generator (`workloads.scenarios`) with knob
overrides, the stream's size and rate, the streams' watermark, at most one action taken
while the stream runs (a logic change, a failure), at a share of the sending time, and the share
of its log the topic's retention deletes before the final rebuild
(`experiments.experiment.retention`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import LkError

ACTIONS = ("logic-change", "failure")
"""What a scenario can do mid-run: move the views to logic v2 (Lambda redeploys its speed layer
and recomputes its batch views; Kappa replays v2 beside v1 and switches), or SIGKILL the
speed job and the Kappa job and restart them."""


@dataclass(frozen=True)
class ExperimentScenario:
    """One experiment preset.

    `events` and `rate` (events/s of wall time) are defaults the command line may change;
    `acceleration` is seconds of event time per wall second (60: an hour of events per minute),
    so the 10-minute watermark is 10 s of wall time. `action_at` is the share of the sending
    time (0..1) at which `action` happens. `needs_file`: the workload is a real data file
    (`--file`), replayed at `rate` instead of generated. `scalable`: a study may send a share
    of `events` (a burst needs its whole period, so it may not). `retention`: after the live
    phase, the topic's retention deletes the records appended in this first share of the
    sending time (0..1), before both rebuild; None keeps the whole log."""

    name: str
    description: str
    workload: str = "steady"
    knobs: dict[str, float] = field(default_factory=dict)
    events: int = 12_000
    rate: float = 200.0
    acceleration: float = 60.0
    watermark: str = "10 minutes"
    action: str | None = None
    action_at: float = 0.5
    needs_file: bool = False
    scalable: bool = True
    retention: float | None = None


SCENARIOS: dict[str, ExperimentScenario] = {
    scenario.name: scenario
    for scenario in (
        ExperimentScenario(
            "baseline",
            "a clean stream in event-time order (2 s of jitter): both architectures should end "
            "exact, and differ only in freshness and cost",
        ),
        ExperimentScenario(
            "late-data",
            "10% of events come from devices that were offline (lateness exponential, mean 5 "
            "minutes of event time, up to 30): a stream drops what is later than its 10-minute "
            "watermark; Lambda's batch run counts it again, Kappa does not",
            workload="late-data",
            knobs={"late_fraction": 0.10, "late_mean_seconds": 300.0},
        ),
        ExperimentScenario(
            "dirty",
            "late, re-sent and malformed records (5% each): both must reject the same records "
            "with the same reasons and count each event once",
            workload="dirty",
        ),
        ExperimentScenario(
            "logic-change",
            "halfway, the views move to logic v2 (a 10-minute session gap): Lambda redeploys "
            "its speed layer and recomputes its batch views, Kappa replays the log into v2 "
            "beside v1 and switches; how long until v2 is served right",
            action="logic-change",
        ),
        ExperimentScenario(
            "failure",
            "halfway, the speed job and the Kappa job are killed (SIGKILL) and restarted: how "
            "long until each is back, and whether anything is lost or counted twice",
            action="failure",
        ),
        ExperimentScenario(
            "burst",
            "ten times the rate for 30 s in the middle of the stream: how far each job falls "
            "behind and how fast it catches up",
            workload="burst",
            knobs={"burst_factor": 10.0, "burst_every_seconds": 75.0, "burst_seconds": 30.0},
            events=39_000,  # 45 s at 100/s, 30 s at 1,000/s, 45 s at 100/s
            rate=100.0,
            scalable=False,
        ),
        ExperimentScenario(
            "retention",
            "a clean stream whose topic keeps only its newest half: after the live phase the "
            "topic's retention.ms is shortened so Kafka deletes the oldest half of the log, as "
            "retention does once its days have passed; then both rebuild every view (as a logic "
            "change needs): Lambda from its master dataset, which kept every event its batch "
            "layer ingested, Kappa by replaying what the log still holds; each rebuild is put "
            "in service and compared with the oracle of the full stream",
            retention=0.5,
        ),
        ExperimentScenario(
            "real",
            "a real data file (e.g. the REES46 e-commerce sample) replayed at a rate",
            needs_file=True,
        ),
    )
}


def experiment_scenario(name: str) -> ExperimentScenario:
    """The scenario with this name; LkError listing them otherwise."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise LkError(
            f"unknown experiment scenario {name!r}; choose one of: {', '.join(SCENARIOS)}"
        ) from None
