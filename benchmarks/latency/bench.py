"""`lk bench latency`: window latency of the Lambda speed layer and of Kappa's live job at fixed
rates, until they saturate, each as a ratio to a bare Spark query measured in the same run.

One repeat: both live streams run as in `lk experiment run` (no batch layer, no recompute) on a
fresh topic, fed a warm-up and then one step per rate (`benchmarks.latency.run`); the
served views are sampled every second and the oracle gives every window's final value, so a
window's latency is the experiment's (DESIGN.md, *Measuring*): the first sample at which the
served `action_counts` row equals the oracle's, minus the LogAppendTime of its last event.
Then the reference, a bare streaming query, takes the same steps on a topic of its own
(`benchmarks.latency.reference`). Per rate and architecture: p50/p95/p99 (s), each
divided by the reference's at that rate; the lag (records) during the step and the catch-up
after it; whether the rate was sustainable (`benchmarks.latency.run.CATCH_UP_SHARE`);
the highest sustainable rate. **Cold** (`<series>_cold_*`): the same percentiles and ratios for
the warm-up's windows, the first seconds after the jobs started (ours rehearse a micro-batch
before their query starts, `streaming.warm_up`; the bare query does not); the rates are warm.
With `repeat` > 1 every figure is the median with min and max.
"""

from __future__ import annotations

import shutil
import uuid

import pyarrow.parquet as pq

from benchmarks.latency.reference import reference_latencies
from benchmarks.latency.run import (
    CATCH_UP_FLOOR_S,
    CATCH_UP_SHARE,
    COLD_START_S,
    SteppedPlan,
    SteppedRun,
)
from benchmarks.latency.steps import (
    COLD,
    InJson,
    highest_sustainable,
    lag_series,
    reference_summary,
    step_figures,
)
from core.errors import LkError
from core.settings import Settings
from experiments.experiment.timeline import ARCHITECTURES
from experiments.figures import environment, spread

PERCENTILES = ("p50_s", "p95_s", "p99_s")


def run_bench_latency(
    settings: Settings,
    *,
    rates: list[float],
    seconds: float,
    warmup: float,
    repeat: int = 1,
) -> dict:
    """The benchmark's figures (see the module): flat names `<architecture>_<rate>_<figure>`
    and `reference_<rate>_<figure>`, medians over `repeat` runs with `_min`/`_max`; `lag` (the
    first repeat's lag series per architecture, for the plot); the environment. LkError (one
    line) when the broker is missing or a job does not start."""
    runs = [_one_repeat(settings, sorted(rates), seconds, warmup, k) for k in range(1, repeat + 1)]
    figures: dict = {
        "rates_events_per_second": sorted(rates),
        "seconds_per_rate": seconds,
        "warmup_seconds": warmup,
        "repeat": repeat,
        "sustainable_if": f"caught up within max({CATCH_UP_FLOOR_S:g} s, "
        f"{CATCH_UP_SHARE:g} x seconds per rate) after the rate's last record",
    }
    names = sorted({name for run in runs for name in run["figures"]}, key=_order)
    for name in names:
        values = [run["figures"][name] for run in runs if run["figures"].get(name) is not None]
        digits = 0 if name.endswith(("_lag_max", "_lag_end", "_windows", "_events")) else 3
        figures.update(spread(name, values, digits=digits or None) if values else {name: None})
    figures["lag"] = InJson(runs[0]["lag"])
    figures.update({f"environment_{key}": value for key, value in environment().items()})
    figures["spark_master"] = settings.spark_master
    return figures


def _order(name: str) -> tuple:
    parts = name.split("_")
    rate = float(parts[1]) if len(parts) > 1 and parts[1].replace(".", "").isdigit() else -1.0
    # cold (the warm-up step) first, then the rates
    return (parts[0] != "reference", parts[0], rate, name)


def _one_repeat(settings: Settings, rates: list, seconds: float, warmup: float, k: int) -> dict:
    """One repeat's flat figures (unrounded) and lag series; its files removed after."""
    folder = settings.data_dir / "bench" / f"latency-{uuid.uuid4().hex[:8]}"
    try:
        stepped = SteppedPlan(rates, seconds, warmup, seed=7 + k)
        run = SteppedRun(settings, stepped, folder / "run", k).execute()
        tables = {
            name: pq.read_table(run.folder / f"{name}.parquet")
            for name in ("changes", "samples", "truth_rows")
        }
        measured = stepped.measured()
        if not measured:
            raise LkError(
                f"the streaming jobs did not catch up with the warm-up within {COLD_START_S:g} s: "
                "nothing measured (a busy machine? try a lower first rate)"
            )
        per_arch = step_figures(
            tables["changes"],
            tables["samples"],
            tables["truth_rows"],
            [stepped.steps[0], *measured],
        )
        reference_plan = SteppedPlan([step.rate for step in measured], seconds, warmup)
        reference = reference_latencies(settings, reference_plan)
        lag = lag_series(tables["samples"], run.started)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"figures": _flat(per_arch, reference, measured), "lag": lag}


def _flat(per_arch: dict, reference: dict, measured: list) -> dict:
    figures: dict = {}
    for key, latencies in reference.items():
        summary = reference_summary(latencies)
        figures[f"reference_{_label(key)}_events"] = summary["rows"]
        for name in PERCENTILES:
            figures[f"reference_{_label(key)}_{name}"] = summary[name]
    for architecture in ARCHITECTURES:
        per_rate = per_arch[architecture]
        for key in (COLD, *(step.rate for step in measured)):
            got, prefix = per_rate[key], f"{architecture}_{_label(key)}"
            figures[f"{prefix}_windows"] = got["rows"]
            for name in PERCENTILES:
                figures[f"{prefix}_{name}"] = got[name]
                base = figures.get(f"reference_{_label(key)}_{name}")
                ratio = got[name] / base if got[name] is not None and base else None
                figures[f"{prefix}_ratio_{name.removesuffix('_s')}_to_reference"] = ratio
            figures[f"{prefix}_never_correct_share"] = got["never_correct_share"]
            if key == COLD:
                continue
            figures[f"{prefix}_lag_max"] = got["lag_max"]
            figures[f"{prefix}_lag_end"] = got["lag_end"]
            figures[f"{prefix}_catch_up_s"] = got["catch_up_s"]
            figures[f"{prefix}_sustainable"] = 1.0 if got["sustainable"] else 0.0
            figures[f"{prefix}_sent_events_per_second"] = per_rate[key]["sent_rate"]
        figures[f"{architecture}_highest_sustainable_events_per_second"] = highest_sustainable(
            per_rate
        )
    return figures


def _label(key: float | str) -> str:
    """A step's part of a figure's name: its rate (`1000`) or `cold`."""
    return key if isinstance(key, str) else f"{key:g}"


def plot_latency(figures: dict):
    """Window latency percentiles against rate per architecture (and the reference), and each
    job's lag over the first repeat: one plotly figure."""
    from benchmarks.latency.plot import latency_figure

    return latency_figure(figures)
