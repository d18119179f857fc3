"""The figures of one `lk bench latency` run, per rate and architecture, from what the run
recorded (pure functions over the experiment's tables: changes, samples, truth rows).

A window's latency is `experiments.experiment.metrics.window_latencies` (the experiment's
definition: the first sample at which the served `action_counts` row equals the oracle's, minus
the Kafka append time of the last event it counts); a window belongs to the step in which its
last event was appended. Times are s since the epoch; durations s; lag in records.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from benchmarks.latency.run import Step, catch_up_bound
from experiments.experiment.metrics import latency_summary, window_latencies
from experiments.experiment.timeline import ARCHITECTURES

APPEND_SLACK_S = 1.0
"""A step's records may reach the broker this long (s) after the sender took its last one."""


def in_step(appends: np.ndarray, step: Step) -> np.ndarray:
    """Which of the append times (s) fall within `step`: a boolean mask."""
    return (appends >= step.started) & (appends <= step.ended + APPEND_SLACK_S)


def step_figures(changes: pa.Table, samples: pa.Table, truth: pa.Table, steps: list[Step]) -> dict:
    """Per architecture, per step: `{architecture: {key: figures}}`, the key a step's rate, or
    COLD for the warm-up step (the first seconds after the jobs started), where figures are
    `rows` (windows), `p50_s`, `p95_s`, `p99_s`, `never_correct_share` (windows never served
    right), `lag_max` and `lag_end` (records behind the log, the largest sample during the step
    and the last one), `catch_up_s` (from the step's last record until the first sample with lag
    0; None if never), `sustainable` (caught up within `catch_up_bound`) and `sent_rate`."""
    found: dict = {}
    for architecture in ARCHITECTURES:
        rows = window_latencies(changes, truth, architecture)
        appends = rows["last_append"].to_numpy(zero_copy_only=False)
        latencies = np.array(rows["latency_s"].to_pylist(), dtype=object)
        mine = samples.filter(pc.equal(samples["architecture"], architecture))
        times = mine["t"].to_numpy()
        lags = np.array([-1 if v is None else v for v in mine["lag"].to_pylist()])
        per_rate = {}
        for step in steps:
            summary = latency_summary(list(latencies[in_step(appends, step)]))
            during = (times >= step.started) & (times <= step.ended) & (lags >= 0)
            catch_up = _catch_up(times, lags, step.ended)
            per_rate[COLD if step.warmup else step.rate] = {
                **summary,
                "lag_max": int(lags[during].max()) if during.any() else None,
                "lag_end": int(lags[during][-1]) if during.any() else None,
                "catch_up_s": catch_up,
                "sustainable": catch_up is not None
                and catch_up <= catch_up_bound(step.seconds)
                and (step.sent_rate or 0.0) >= SENT_SHARE * step.rate,
                "sent_rate": step.sent_rate,
            }
        found[architecture] = per_rate
    return found


COLD = "cold"
"""The key of the warm-up step's figures: how soon the jobs serve right after they start."""

SENT_SHARE = 0.95
"""A rate counts as sustainable only if the sender reached this share of it: on two shared cores
the generator itself can fall short, and a rate never offered proves nothing."""


def _catch_up(times: np.ndarray, lags: np.ndarray, ended: float) -> float | None:
    after = np.flatnonzero((times > ended + APPEND_SLACK_S) & (lags == 0))
    return float(times[after[0]] - ended) if len(after) else None


def highest_sustainable(per_rate: dict[float, dict]) -> float:
    """The highest rate (events/s) up to which every measured rate was sustainable; 0 if the
    lowest was not."""
    highest = 0.0
    for rate in sorted(rate for rate in per_rate if rate != COLD):
        if not per_rate[rate]["sustainable"]:
            break
        highest = rate
    return highest


def lag_series(samples: pa.Table, started: float) -> dict[str, dict[str, list]]:
    """Per architecture, the lag of every readable sample: `t_s` (s since `started`) and
    `lag` (records), for the plot."""
    series = {}
    for architecture in ARCHITECTURES:
        mine = samples.filter(pc.equal(samples["architecture"], architecture))
        mine = mine.filter(pc.is_valid(mine["lag"]))
        series[architecture] = {
            "t_s": [round(t - started, 2) for t in mine["t"].to_pylist()],
            "lag": mine["lag"].to_pylist(),
        }
    return series


def reference_summary(latencies: np.ndarray) -> dict:
    """`p50_s`, `p95_s`, `p99_s` and `rows` (events) of the reference's latencies."""
    summary = latency_summary(latencies.tolist())
    summary.pop("never_correct_share")
    return summary


class InJson(dict):
    """A benchmark's series (lists per name): written whole to the JSON by `write_figures`, but
    printed in its table as one short line instead of every value."""

    def __str__(self) -> str:
        return f"({len(self)} series: in the JSON and the plot)"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)
