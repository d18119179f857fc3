"""`lk bench scale`: the cost curve of correcting everything, at several data sizes.

For each size (logical events of the late-data scenario, seed 7):

- **Recompute**: the batch layer's views over the whole master dataset, exactly as `lk bench
  batch` runs them (`benchmarks.batch.bench.spark_views` on the dataset it keeps and reuses),
  against its reference, DuckDB running the oracle's SQL of the same views on the same Parquet
  (`duckdb_views`). Both must give the same rows per view.
- **Replay**: a Kappa version replaying the same events from offset 0 until caught up, as `lk
  bench replay` runs it (`benchmarks.replay.timed_replay`), each repeat into a new
  version, against its reference, Kafka's ConsumerPerformance reading the same topic.

Every measurement runs in a fresh Python process of its own (`benchmarks.harness.isolated`) so its
peak memory (RSS of that process tree: Python, the Spark driver JVM, the perf tool's JVM) is its
own. Times start after the process and its Spark session have started. Each path's median
times are fitted as `seconds = fixed + events / rate` (`benchmarks.scale.cost_fit`).

Up to 10^6 the replay's log holds the same generated events as the master dataset (same
generator, scenario and seed); above it the master dataset is time-shifted copies of the 10^6
one (see `benchmarks.batch.bench`) while the log is generated whole: same size and mix, not
the same bytes.
"""

from __future__ import annotations

from dataclasses import replace

from benchmarks.batch.bench import check_same_rows, dataset_root, duckdb_views, short_count
from benchmarks.batch.data import master_dataset
from benchmarks.harness.isolated import run_isolated
from benchmarks.harness.kafka_reference import consumer_performance, fresh_workspace
from benchmarks.replay.bench import load_topic, timed_replay
from benchmarks.scale.cost_fit import fit_cost
from core.errors import LkError
from core.settings import DEFAULT_LOGIC_VERSION, DEFAULT_REPLAY_MAX_OFFSETS, Settings
from experiments.figures import environment, spread

PATHS = {"recompute": "duckdb", "replay": "consumer_performance"}
"""Each measured path and the reference it is divided by."""


def run_bench_scale(
    settings: Settings,
    *,
    sizes: list[int],
    repeat: int = 1,
    seed: int = 7,
    replay_max_offsets: int = DEFAULT_REPLAY_MAX_OFFSETS,
    logic_version: str = DEFAULT_LOGIC_VERSION,
) -> dict:
    """Figures per size (`events_<N>_...`): seconds and peak RSS (bytes) of recompute, DuckDB,
    replay and ConsumerPerformance (median, min, max over `repeat`), each path's time and memory
    over its reference's; then per path and reference the fitted `fit_<name>_fixed_seconds`,
    `..._events_per_second` and `..._residual_seconds`; then the environment.
    LkError with fewer than two different sizes, or if a replay stops before catching up."""
    from core.spark import spark_session

    sizes = sorted(set(sizes))
    if len(sizes) < 2:
        raise LkError(f"lk bench scale fits a cost curve: give at least two sizes, got {sizes}")
    spark = spark_session(settings, "lk-bench-scale")  # writes the master datasets
    figures: dict = {"sizes": sizes, "repeat": repeat, "logic_version": logic_version}
    medians: dict[str, list[float]] = {}
    for events in sizes:
        dataset = master_dataset(spark, dataset_root(settings, events, seed), events, seed)
        runs = _recompute_runs(settings, events, seed, repeat, logic_version)
        runs.update(_replay_runs(settings, events, seed, repeat, replay_max_offsets))
        prefix = f"events_{short_count(events)}"
        figures[f"{prefix}_master_records"] = dataset["records"]
        figures[f"{prefix}_log_records"] = runs.pop("log_records")
        figures[f"{prefix}_produce_seconds"] = round(runs.pop("produce_seconds"), 1)
        figures.update(_size_figures(prefix, runs))
        for name in runs:
            if name.endswith("_seconds"):
                medians.setdefault(name.removesuffix("_seconds"), []).append(
                    figures[f"{prefix}_{name}"]
                )
    for name, seconds in medians.items():
        fit = fit_cost(sizes, seconds)
        figures.update({f"fit_{name}_{key}": value for key, value in fit.items()})
    figures["replay_max_offsets_per_trigger"] = replay_max_offsets
    figures.update({f"environment_{key}": value for key, value in environment().items()})
    figures["spark_master"] = settings.spark_master
    figures["spark_driver_memory"] = settings.spark_driver_memory
    return figures


def _size_figures(prefix: str, runs: dict[str, list]) -> dict:
    """One size's figures from its runs: each measurement's spread (seconds to 2 digits, bytes
    whole), then each path's time and memory over its reference's, run by run."""
    figures: dict = {}
    for name, values in runs.items():
        figures.update(spread(f"{prefix}_{name}", values, digits=2 if "seconds" in name else None))
    for path, reference in PATHS.items():
        for measure, unit in (("time", "seconds"), ("memory", "peak_rss_bytes")):
            ours, theirs = runs[f"{path}_{unit}"], runs[f"{reference}_{unit}"]
            ratios = [mine / base for mine, base in zip(ours, theirs, strict=True)]
            figures.update(spread(f"{prefix}_{path}_to_{reference}_{measure}", ratios, digits=3))
    return figures


def _recompute_runs(
    settings: Settings, events: int, seed: int, repeat: int, logic_version: str
) -> dict[str, list]:
    """`repeat` runs of Spark's then DuckDB's views over the kept master dataset of `events`:
    their seconds and peak RSS, each run in a fresh process. LkError if their rows differ."""
    root = dataset_root(settings, events, seed)
    runs: dict[str, list] = {name: [] for name in _names("recompute", "duckdb")}
    for _ in range(repeat):
        (seconds, spark_rows), rss = run_isolated(
            _spark_views, settings, replace(settings, data_dir=root), logic_version
        )
        runs["recompute_seconds"].append(seconds)
        runs["recompute_peak_rss_bytes"].append(rss)
        (seconds, duckdb_rows), rss = run_isolated(
            duckdb_views, root, root / "duckdb-views", logic_version, settings
        )
        runs["duckdb_seconds"].append(seconds)
        runs["duckdb_peak_rss_bytes"].append(rss)
        check_same_rows(spark_rows, duckdb_rows, events)
    return runs


def _replay_runs(
    settings: Settings, events: int, seed: int, repeat: int, replay_max_offsets: int
) -> dict[str, list]:
    """The same events sent to a fresh topic (removed after), then `repeat` runs of a Kappa
    replay into a new version and of ConsumerPerformance reading the whole topic: their seconds
    and peak RSS, each in a fresh process; with `log_records` and `produce_seconds`."""
    runs: dict = {name: [] for name in _names("replay", "consumer_performance")}
    with fresh_workspace(settings, "scale") as bench:
        records, runs["produce_seconds"] = load_topic(bench, events, seed)
        runs["log_records"] = records
        for number in range(1, repeat + 1):
            (seconds, status), rss = run_isolated(timed_replay, bench, number, replay_max_offsets)
            if status.get("lag") != 0:
                raise LkError(f"the replay of {events} events stopped before catching up: {status}")
            runs["replay_seconds"].append(seconds)
            runs["replay_peak_rss_bytes"].append(rss)
            rates, rss = run_isolated(consumer_performance, bench.bootstrap, bench.topic, records)
            runs["consumer_performance_seconds"].append(records / rates["total"])
            runs["consumer_performance_peak_rss_bytes"].append(rss)
    return runs


def _names(*paths: str) -> list[str]:
    return [f"{path}_{unit}" for path in paths for unit in ("seconds", "peak_rss_bytes")]


def _spark_views(
    settings: Settings, dataset: Settings, logic_version: str
) -> tuple[float, dict[str, int]]:
    """In a fresh process: start Spark (its log under `settings.data_dir`), then time the batch
    views of the master dataset in `dataset.data_dir` (`benchmarks.batch.bench.spark_views`)."""
    from benchmarks.batch.bench import spark_views
    from core.spark import spark_session

    spark = spark_session(settings, "lk-bench-scale-recompute")
    return spark_views(spark, dataset, logic_version)
