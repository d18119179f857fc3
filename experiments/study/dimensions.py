"""The dimensions a study compares Lambda and Kappa on: for each, the scenario that shows it, the
metric records of that scenario's results.json it reads, and which way is better.

A dimension's value for one architecture in one repeat is the sum of its metrics' values in that
repeat (a metric ending in `:*` sums every component). Peak memory sums the live jobs' peaks,
each measured separately: an upper bound of what they held at once. A
dimension compares by `ratio` (Lambda ÷ Kappa, for times, bytes and counts) or by `difference`
(Lambda − Kappa, in percentage points, for accuracies, which are shares near 1).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dimension:
    """One row of the verdict table.

    `name`: what it is called; `scenario`: the experiment scenario it is read from; `metrics`:
    per architecture, the metric names summed (`name:*` for every component); `unit` of the
    value; `better`: "lower" or "higher"; `compare`: "ratio" or "difference"; `fixed`: the
    value does not depend on the run (lines of code, jobs), so it needs no interval;
    `recompute`: it reads figures of the timed rebuild at the end of each repeat (the study
    runs that rebuild only where some dimension needs it); `what`: a line on how to read it."""

    name: str
    scenario: str
    metrics: dict[str, tuple[str, ...]]
    unit: str
    better: str = "lower"
    compare: str = "ratio"
    fixed: bool = False
    recompute: bool = False
    what: str = ""


def _same(*metrics: str) -> dict[str, tuple[str, ...]]:
    return {"lambda": metrics, "kappa": metrics}


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("freshness p50", "baseline", _same("window_latency_p50_s"), "s",
              what="s from a window's last event until it is served exactly, median window"),
    Dimension("freshness p99", "baseline", _same("window_latency_p99_s"), "s",
              what="the same, 99th percentile window"),
    Dimension("freshness p99 under a burst", "burst", _same("window_latency_p99_s"), "s",
              what="99th percentile window when the rate jumps tenfold for 30 s"),
    Dimension("accuracy at the end", "baseline", _same("accuracy_final"), "share", "higher",
              "difference", what="share of the oracle's rows served exactly once all is in"),
    Dimension("accuracy over time", "baseline", _same("accuracy_mean"), "share", "higher",
              "difference", what="share of the oracle's due rows served exactly, mean of samples"),
    Dimension("late data", "late-data", _same("accuracy_final"), "share", "higher", "difference",
              what="accuracy at the end when 10% of events arrive up to 30 minutes late"),
    Dimension("duplicates and bad records", "dirty", _same("accuracy_final"), "share", "higher",
              "difference", what="accuracy at the end with re-sent, late and malformed records"),
    Dimension("time to correct after a logic change", "logic-change", _same("time_to_correct_s"),
              "s", what="s from the change until logic v2 is served right and stays so"),
    Dimension("recovery after a failure", "failure", _same("recovery_seconds"), "s",
              what="s from SIGKILL until the restarted job has caught up again"),
    Dimension("recompute time", "baseline", _same("recompute_seconds"), "s", recompute=True,
              what="s to rebuild every view from all events (batch run; replay from offset 0)"),
    Dimension("recompute CPU", "baseline",
              {"lambda": ("cpu_seconds:batch-recompute",), "kappa": ("cpu_seconds:kappa-replay",)},
              "s", recompute=True, what="CPU s of the rebuild's processes"),
    Dimension("peak memory", "baseline",
              {"lambda": ("peak_rss_bytes:speed", "peak_rss_bytes:batch"),
               "kappa": ("peak_rss_bytes:kappa",)}, "bytes",
              what="the live jobs' peak RSS, summed (Lambda: speed layer and batch runs; Kappa: "
                   "its job)"),
    Dimension("disk bytes", "baseline", _same("disk_peak_bytes"), "bytes",
              what="peak bytes on disk while live, of what each must keep (Lambda: master "
                   "dataset, batch versions, speed layer; Kappa: its versions and the whole "
                   "Kafka log it replays from)"),
    Dimension("disk while reprocessing", "baseline", _same("disk_reprocess_ratio"), "x",
              recompute=True, what="output bytes (Lambda: batch versions; Kappa: its versions) at their peak "
                   "during the rebuild ÷ before it (Kreps 2014: about 2 for Kappa)"),
    Dimension("rebuild after retention", "retention", _same("rebuild_accuracy"), "share",
              "higher", "difference", recompute=True,
              what="share of the oracle's rows (full stream) served exactly after a rebuild, "
                   "once the topic's retention deleted the oldest half of the log"),
    Dimension("jobs to operate", "baseline", _same("jobs_to_operate"), "jobs", fixed=True,
              what="jobs that run all the time or on a schedule"),
    Dimension("lines of code", "baseline", _same("code_lines"), "lines", fixed=True,
              what="Python lines of each architecture's own code"),
)  # fmt: skip
"""Every dimension, in the verdict table's order."""

RECOMPUTED_IN = frozenset(d.scenario for d in DIMENSIONS if d.recompute)
"""The scenarios whose repeats end with the timed rebuild (it costs about 45 s a repeat here)."""


def dimension_value(metrics: dict[str, float | None], names: tuple[str, ...]) -> float | None:
    """The value of one architecture in one repeat: the sum of `names` in `metrics` (metric name
    -> value of that architecture and repeat); `name:*` sums every `name:<component>`. None if
    any named metric is missing or None."""
    total = 0.0
    for name in names:
        if name.endswith(":*"):
            prefix = name[:-1]
            found = [value for key, value in metrics.items() if key.startswith(prefix)]
            if not found or any(value is None for value in found):
                return None
            total += sum(found)  # type: ignore[arg-type]
        else:
            value = metrics.get(name)
            if value is None:
                return None
            total += value
    return total
