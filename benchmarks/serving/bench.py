"""`lk bench serving`: how long `lk query`'s read-only queries on the merged views take while the
speed layer and a Kappa job write, against the same queries on the same catalog with no writer.

One repeat, on a fresh topic and data directory: PREFILL times the events of the write phase
go to the log at once; the speed layer and Kappa v1 start (each a process of its own, as `lk
experiment run` starts them) and catch up, so `lambda_*` and `kappa_*` serve every row.
**Under write**: `rate` × `seconds` more events are sent, paced, while the queries of
`serving_queries` run one after another, round after round, through
`serving_layer.query.run_query` (what `lk query` runs: open the catalog read-only, confine it,
one SELECT, every row fetched). Then both jobs are stopped (by PID) and **idle**: the same
number of rounds on the same catalog. It then serves every row written under write too: at
most 1 / PREFILL more rows than when the write phase began, and more micro-batch files, so the
idle reference is slightly heavier than the measured phase, never lighter (the ratio errs low).
A query's latency is its wall time (s); a query that raised counts as failed, with its one-line
reason. The ratio under write / idle is per query, p50 and p99; `all` is the
geometric mean of the queries' ratios.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import replace

import numpy as np

from benchmarks.harness.kafka_reference import fresh_workspace
from benchmarks.latency.steps import InJson
from benchmarks.serving.queries import serving_queries, time_queries
from core.errors import LkError
from core.layout import Layout
from core.settings import Settings
from experiments.experiment.jobs import KappaJobs, SpeedJob
from experiments.experiment.scenarios import experiment_scenario
from experiments.figures import environment, percentile, spread
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import scenario_named

PREFILL = 5
"""Events in the log before the write phase, as a multiple of the events sent during it: the
catalog grows by at most a sixth of its rows while the queries are timed under write."""
START_TIMEOUT_S = 300.0
"""The longest wait for both jobs to start and catch up with the first half (s)."""
PHASES = ("idle", "write")


def run_bench_serving(
    settings: Settings, *, rate: float, seconds: float,
    repeat: int = 1,
) -> dict:  # fmt: skip
    """The benchmark's figures (see the module): per query `<query>_<phase>_p50_s` / `_p99_s`,
    `<query>_ratio_p50` / `_p99`, `all_ratio_p50` / `_p99`, `queries_<phase>` and
    `failed_<phase>` (counts), medians over `repeat` with `_min` / `_max`; `latencies` (the first
    repeat's per phase and query, for the plot) and `failure_reasons`; the environment. LkError
    (one line) when the broker is missing or a job does not start."""
    runs = [_one_repeat(settings, rate, seconds) for _ in range(repeat)]
    figures: dict = {
        "rate_events_per_second": rate,
        "seconds": seconds,
        "events_before_write": round(PREFILL * rate * seconds),
        "repeat": repeat,
    }
    for name in runs[0]["figures"]:
        values = [run["figures"][name] for run in runs if run["figures"][name] is not None]
        whole = name.startswith(("queries_", "failed_", "rounds"))
        figures.update(
            spread(name, values, digits=None if whole else 4) if values else {name: None}
        )
    reasons: Counter = Counter()
    for run in runs:
        reasons.update(run["reasons"])
    figures["failure_reasons"] = dict(reasons.most_common(5))
    figures["latencies"] = InJson(runs[0]["latencies"])
    figures.update({f"environment_{key}": value for key, value in environment().items()})
    return figures


def plot_serving(figures: dict):
    """Each query's latency distribution (s, log scale), idle against under write, over the
    first repeat: one plotly figure of box plots."""
    import plotly.graph_objects as go

    plot = go.Figure()
    for phase, colour in (("idle", "#7f7f7f"), ("write", "#d62728")):
        by_query = (figures.get("latencies") or {}).get(phase) or {}
        names = [name for name, values in by_query.items() for _ in values]
        values = [value for values in by_query.values() for value in values]
        label = "idle (no writer)" if phase == "idle" else "under write"
        plot.add_trace(go.Box(x=names, y=values, name=label, marker_color=colour))
    plot.update_layout(
        title="lk bench serving: query latency, idle and under write",
        boxmode="group",
        yaxis={"title": "latency (s)", "type": "log"},
        template="plotly_white",
    )
    return plot


def _one_repeat(settings: Settings, rate: float, seconds: float) -> dict:
    scenario = experiment_scenario("baseline")
    workload = scenario_named(scenario.workload).with_overrides(rate=rate)
    before = PREFILL * seconds
    records = list(generate(workload, seed=11, duration=before + seconds))
    first = [record for record in records if record.send_at < before]
    second = [replace(record, send_at=record.send_at - before) for record in records[len(first) :]]
    with fresh_workspace(settings, "serving") as bench:
        send_records(first, bench.bootstrap, bench.topic, show_progress=False)
        speed = SpeedJob(bench, bench.data_dir, scenario.watermark)
        kappa = KappaJobs(bench, scenario.watermark)
        try:
            speed.start("v1")
            kappa.start(1, "v1")
            queries = serving_queries(workload.start)
            _wait_until_served(bench, queries, len(first), speed, kappa)
            write = _under_write(bench, queries, second)
        finally:
            try:
                speed.stop()
            finally:
                kappa.stop(1)
        idle = time_queries(bench, queries, rounds=write["rounds"])
    return _figures({"write": write, "idle": idle})


def _wait_until_served(bench: Settings, queries: dict, records: int, speed, kappa) -> None:
    """Until both jobs have read `records` and every query answers; LkError after
    START_TIMEOUT_S or when a job stops first."""
    layout = Layout(bench.data_dir)
    deadline = time.time() + START_TIMEOUT_S
    while time.time() < deadline:
        if speed.pid is None or kappa.pid(1) is None:
            raise LkError(f"a streaming job stopped while starting; see {bench.data_dir}")
        done = [
            _read_offsets(paths) >= records for paths in (layout.speed, layout.kappa_version(1))
        ]
        if all(done) and time_queries(bench, queries, rounds=1)["failed"] == 0:
            return
        time.sleep(1.0)
    raise LkError(f"the speed layer and Kappa v1 did not serve within {START_TIMEOUT_S:g} s")


def _read_offsets(paths) -> int:
    from core.atomic import read_json

    latest = read_json(paths.progress / "latest.json") or {}
    return sum(int(offset) for offset in (latest.get("offsets") or {}).values())


def _under_write(bench: Settings, queries: dict, records: list) -> dict:
    """Rounds of the queries while `records` are sent paced (at least one round)."""
    sent = threading.Event()
    failed: list[BaseException] = []

    def send() -> None:
        try:
            send_records(records, bench.bootstrap, bench.topic, paced=True, show_progress=False)
        except BaseException as error:  # noqa: BLE001 - raised again below
            failed.append(error)
        finally:
            sent.set()

    sender = threading.Thread(target=send, name="serving-writer", daemon=True)
    sender.start()
    result = time_queries(bench, queries, until=sent)
    sender.join()
    if failed:
        raise failed[0]
    return result


def _figures(phases: dict) -> dict:
    figures: dict = {"rounds": phases["write"]["rounds"]}
    ratios: dict[str, list[float]] = {"p50": [], "p99": []}
    for query in phases["idle"]["latencies"]:
        for phase in PHASES:
            values = np.array(phases[phase]["latencies"][query])
            for p in (50, 99):
                figures[f"{query}_{phase}_p{p}_s"] = percentile(values, p)
        for p in (50, 99):
            idle, write = figures[f"{query}_idle_p{p}_s"], figures[f"{query}_write_p{p}_s"]
            ratio = write / idle if idle and write else None
            figures[f"{query}_ratio_p{p}"] = ratio
            if ratio:
                ratios[f"p{p}"].append(ratio)
    for p, values in ratios.items():
        figures[f"all_ratio_{p}"] = math.exp(np.mean(np.log(values))) if values else None
    for phase in PHASES:
        figures[f"queries_{phase}"] = phases[phase]["queries"]
        figures[f"failed_{phase}"] = phases[phase]["failed"]
    latencies = {phase: phases[phase]["latencies"] for phase in PHASES}
    reasons = Counter()
    for phase in PHASES:
        reasons.update({f"{phase}: {r}": n for r, n in phases[phase]["reasons"].items()})
    return {"figures": figures, "latencies": latencies, "reasons": reasons}
