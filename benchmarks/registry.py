"""The benchmarks, one list: `lk bench`'s subcommands (their order and their line of help),
`make bench`'s runs and the table in docs/benchmarks.md all come from `BENCHMARKS`.

Light on purpose (no Spark, Kafka or DuckDB client is imported): the command line reads it on
every start. A benchmark's flags are the command line's (`lk/cli_bench.py` names, per benchmark,
the function that adds them); its measurement is `run_bench_<name>` in its module or subpackage.

`python -m benchmarks.registry` prints `make bench`'s runs, one a line: the name, then the flags
`make bench` adds (it adds `--out LK_DATA_DIR/bench/<name>.json` itself).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Benchmark:
    """One `lk bench <name>`."""

    name: str
    """The subcommand; `make bench` writes its figures to `LK_DATA_DIR/bench/<name>.json`."""
    summary: str
    """What it measures against what: its line in `lk bench --help` and in docs/benchmarks.md."""
    reference: str
    """What its ratios are to, measured in the same run (docs/benchmarks.md's table)."""
    make_flags: str = ""
    """The flags `make bench` adds: sizes that keep the whole target under 30 minutes."""
    make_note: str = ""
    """Why `make bench` runs it at other sizes than the default (docs/benchmarks.md's table)."""


BENCHMARKS = (
    Benchmark(
        "produce",
        "our producer against Kafka's ProducerPerformance",
        "Kafka's ProducerPerformance, same producer settings, records and mean size",
    ),
    Benchmark(
        "batch",
        "the batch layer's view recompute against DuckDB on the same Parquet",
        "DuckDB running the oracle's SQL over the same Parquet files",
        "--events 1e5,1e6",
        "the default adds 1e7: 15-25 min more",
    ),
    Benchmark(
        "lambda",
        "batch events/s and speed micro-batch latency (p50, p99) on a fresh topic",
        "Kafka's ConsumerPerformance and a bare Spark read (batch); a bare streaming query (speed)",
    ),
    Benchmark(
        "replay",
        "Kappa replay records/s against ConsumerPerformance on a fresh topic",
        "Kafka's ConsumerPerformance, a bare Spark read, a Spark batch job on the same views",
        "--events 500000",
    ),
    Benchmark(
        "scale",
        "the cost curve: recompute (vs DuckDB) and replay (vs ConsumerPerformance) time and "
        "peak memory at several sizes, fitted as fixed cost + events / rate",
        "DuckDB (recompute) and Kafka's ConsumerPerformance (replay), at each size",
        "--events 1e5,3e5,1e6",
        "the default 1e5,1e6,1e7; reuses batch's datasets, so it runs after batch",
    ),
    Benchmark(
        "ysb",
        "the Yahoo Streaming Benchmark: YSB latency, throughput and counts, both architectures",
        "a bare streaming query counting records per window; published YSB figures per core",
    ),
    Benchmark(
        "latency",
        "window latency (p50/p95/p99) of the speed layer and Kappa's live job at fixed rates "
        "until they saturate, against a bare Spark query; lag and the highest sustainable rate",
        "a bare Spark streaming query fed the same rates",
    ),
    Benchmark(
        "serving",
        "lk query latency (p50/p99) on the merged views while the speed layer and Kappa write, "
        "against the same queries with no writer",
        "the same queries on the same catalog with no writer",
    ),
)


def benchmark(name: str) -> Benchmark:
    """The benchmark `lk bench <name>` runs."""
    return next(item for item in BENCHMARKS if item.name == name)


def markdown_table() -> list[str]:
    """The table of docs/benchmarks.md, one line a row, from `BENCHMARKS`."""
    rows = [
        "| `lk bench` | what it measures | its reference, same run | `make bench` adds |",
        "| --- | --- | --- | --- |",
    ]
    for item in BENCHMARKS:
        make = f"`{item.make_flags}`" if item.make_flags else ""
        make += f" ({item.make_note})" if item.make_note else ""
        rows.append(f"| `{item.name}` | {item.summary} | {item.reference} | {make} |")
    return rows


def make_runs() -> list[str]:
    """`make bench`'s runs, in order: the name and the flags it adds."""
    return [f"{item.name} {item.make_flags}".strip() for item in BENCHMARKS]


if __name__ == "__main__":
    print("\n".join(make_runs()))
