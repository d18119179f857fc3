"""`lk bench ysb`: the Yahoo Streaming Benchmark (YSB) run by both architectures on this machine.

One run, on fresh topics and a fresh data directory (all removed after):

1. Reference: a bare streaming query that only counts records per 10 s window of Kafka append
   time (no parse, filter or join) on its own topic, fed the same events at the same rate; its
   window latencies are the floor Spark's micro-batches set here.
2. The YSB query live (`benchmarks/ysb/job.py`): Kappa's job, from offset 0 of the YSB topic,
   while YSB events (`benchmarks/ysb/generator.py`) are sent at `rate` for `seconds`. Lambda's speed path
   is this same query on the same log, so it is measured once and reported for both.
3. Lambda's batch recompute (`benchmarks/ysb/batch.py`) over the stored log; Lambda serves its
   counts up to the horizon (the newest event time minus the watermark) and the stream's after.
   A Kappa replay of the log (the same query, from offset 0, to the end) is timed beside it,
   both against Kafka's ConsumerPerformance reading the same topic.
4. Correctness: every served count against `truth_counts` (plain Python over the sent bytes).

Each live query first reads 50 warm-up events (an ad in no campaign, so counted nowhere) so that
its first micro-batch with data, where Spark plans and compiles, is not measured. Latency is
YSB's (`benchmarks/ysb/truth.py`): a window's last update minus its end, in ms, over the
windows that ended while events were sent (`windows_measured`).
Throughput: `processed_events_per_second` = records the query read / (when it had read them all
- when sending started); the query kept up when it had read everything within one window (10 s)
after the last send. With `repeat` > 1, every figure is the median with min and max.
"""

from __future__ import annotations

import os
import uuid

from benchmarks.harness.kafka_reference import consumer_performance, fresh_workspace
from benchmarks.ysb.generator import campaign_map, generate_ysb
from benchmarks.ysb.published import published_figures
from benchmarks.ysb.run import send_while_running, start_reference_query
from benchmarks.ysb.truth import (
    WINDOW_MS,
    differences,
    final_counts,
    lambda_served,
    percentiles,
    truth_counts,
    window_latencies,
)
from core.settings import Settings
from experiments.figures import environment, spread

SEED = 12
"""The generator's seed (campaigns, ads and events)."""

MEASURED = {
    "sent_events_per_second": 0,
    "processed_events_per_second": 0,
    "caught_up_after_send_s": 2,
    "send_started_late_s": 2,
    **{f"latency_p{p}_ms": 0 for p in (50, 90, 99)},
    **{f"reference_latency_p{p}_ms": 0 for p in (50, 90, 99)},
    **{f"ratio_latency_p{p}_to_reference": 2 for p in (50, 90, 99)},
    "events_per_second_per_thread": 0,
    "lambda_batch_recompute_s": 2,
    "kappa_replay_s": 2,
    "consumer_performance_records_per_second": 0,
    "ratio_batch_recompute_to_consumer_performance": 4,
    "ratio_kappa_replay_to_consumer_performance": 4,
}
"""The figures each run measures, with the digits they are reported to (0: whole numbers)."""
CHECKS = ("kept_up", "kappa_exact", "lambda_exact", "lambda_batch_equals_stream")
"""Yes/no figures: true in the summary only when true in every run."""


def run_bench_ysb(settings: Settings, *, rate: float, seconds: float, repeat: int = 1) -> dict:
    """Figures of `repeat` runs at `rate` events/s for `seconds` s each (module docstring):
    counts of the first run, the MEASURED figures (median, min, max), the CHECKS, the published
    figures (`benchmarks/ysb/published.py`) and the environment."""
    from core.spark import spark_session

    spark = spark_session(settings, "lk-bench-ysb")
    runs = [_one_run(spark, settings, rate, seconds) for _ in range(repeat)]
    first = runs[0]
    figures: dict = {
        "rate_events_per_second": rate, "seconds": seconds, "repeat": repeat,
        "events": first["events"], "view_events": first["view_events"],
        "windows": first["windows"], "windows_measured": first["windows_measured"],
        "campaigns": first["campaigns"],
        "kappa_windows_wrong": first["kappa_windows_wrong"],
        "lambda_windows_wrong": first["lambda_windows_wrong"],
    }  # fmt: skip
    for name, digits in MEASURED.items():
        values = [run[name] for run in runs if run.get(name) is not None]
        figures.update(spread(name, values, digits=digits or None) if values else {name: None})
    figures.update({name: all(run[name] for run in runs) for name in CHECKS})
    figures["note"] = (
        "latency = a window's last update minus its end (YSB); the Kappa job and Lambda's speed "
        "path are the same query and are measured once"
    )
    figures.update(published_figures())
    figures.update({f"environment_{key}": value for key, value in environment().items()})
    figures["spark_master"] = settings.spark_master
    figures["stream_shuffle_partitions"] = settings.stream_shuffle_partitions
    return figures


def _one_run(spark, settings: Settings, rate: float, seconds: float) -> dict:
    """One run's raw figures (module docstring), each phase on a fresh topic."""
    campaigns = campaign_map(SEED)
    run: dict = {"campaigns": len({campaign for _ad, campaign in campaigns})}
    with fresh_workspace(settings, "ysb-reference") as bench:
        sent, rows = _live(spark, bench, rate, seconds, reference=True)
        run["reference_latencies"] = window_latencies(rows, sent["span_ms"], key_column=None)
    with fresh_workspace(settings, "ysb") as bench:
        sent, rows = _live(spark, bench, rate, seconds, reference=False)
        run.update(_live_figures(sent, rows, campaigns, run))
        run.update(_recompute_figures(spark, bench, campaigns, sent, rows, run))
    run.pop("reference_latencies")
    run["events_per_second_per_thread"] = (
        run["sent_events_per_second"] / (os.cpu_count() or 1) if run["kept_up"] else None
    )
    return run


def _live(spark, bench: Settings, rate: float, seconds: float, *, reference: bool):
    """Send YSB events at `rate` for `seconds` while the YSB query (or the bare counting
    query) runs from offset 0; the send's figures and the query's window rows."""
    from benchmarks.ysb.job import start_ysb_query

    root = bench.data_dir / ("reference" if reference else "ysb-live")
    if reference:
        start = lambda: start_reference_query(spark, bench, root)  # noqa: E731
    else:
        start = lambda: start_ysb_query(spark, bench, root, campaign_map(SEED))  # noqa: E731

    def records(start_ms: int) -> list:
        return list(generate_ysb(SEED, rate=rate, seconds=seconds, start_ms=start_ms))

    return send_while_running(bench, root, start, records, int(rate * seconds))


def _live_figures(sent: dict, rows: list[dict], campaigns, run: dict) -> dict:
    """Latency, throughput and the Kappa job's correctness from the live phase."""
    ad_to_campaign = dict(campaigns)
    truth = truth_counts(sent["records"], ad_to_campaign)
    stream = final_counts(rows)
    latencies = window_latencies(rows, sent["span_ms"])
    ours = percentiles(latencies)
    base = percentiles(run["reference_latencies"])
    figures = {
        "events": len(sent["records"]),
        "view_events": sum(truth.values()),
        "windows": len(truth),
        "windows_measured": len(latencies),
        "truth": truth,
        "stream": stream,
        "kappa_windows_wrong": differences(stream, truth),
        "sent_events_per_second": sent["sent_events_per_second"],
        "processed_events_per_second": sent["processed_events_per_second"],
        "caught_up_after_send_s": sent["caught_up_after_send_s"],
        "send_started_late_s": sent["send_started_late_s"],
        "kept_up": sent["caught_up_after_send_s"] <= WINDOW_MS / 1000,
    }
    figures["kappa_exact"] = figures["kappa_windows_wrong"] == 0
    for p in (50, 90, 99):
        figures[f"latency_p{p}_ms"] = ours[p]
        figures[f"reference_latency_p{p}_ms"] = base[p]
        figures[f"ratio_latency_p{p}_to_reference"] = (
            ours[p] / base[p] if ours[p] is not None and base[p] else None
        )
    return figures


def _recompute_figures(spark, bench: Settings, campaigns, sent, rows, run: dict) -> dict:
    """Lambda's batch recompute and merge, a Kappa replay, and ConsumerPerformance."""
    from benchmarks.ysb.batch import recompute_ysb
    from benchmarks.ysb.run import replay_seconds

    records = len(sent["records"])
    table, batch_seconds = recompute_ysb(spark, bench, campaigns)
    batch = final_counts(table.to_pylist())
    newest_ms = max(record.event_time_ms for record in sent["records"])
    horizon_ms = (newest_ms - WINDOW_MS) // WINDOW_MS * WINDOW_MS  # newest - watermark (10 s)
    served = lambda_served(run.pop("stream"), batch, horizon_ms)
    truth = run.pop("truth")
    replay_root = bench.data_dir / f"replay-{uuid.uuid4().hex[:6]}"
    replay = replay_seconds(spark, bench, replay_root, campaigns)
    reference = consumer_performance(bench.bootstrap, bench.topic, records)["total"]
    return {
        "lambda_windows_wrong": differences(served, truth),
        "lambda_exact": differences(served, truth) == 0,
        "lambda_batch_equals_stream": batch == final_counts(rows),
        "lambda_batch_recompute_s": batch_seconds,
        "kappa_replay_s": replay,
        "consumer_performance_records_per_second": reference,
        "ratio_batch_recompute_to_consumer_performance": records / batch_seconds / reference,
        "ratio_kappa_replay_to_consumer_performance": records / replay / reference,
    }
