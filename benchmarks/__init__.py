"""The benchmarks: `lk bench <name>`, each figure a ratio to a reference measured in the same run.

One module or subpackage per benchmark, by what it measures:

- `produce/`: our producer against Kafka's ProducerPerformance;
- `batch/`: the batch layer's recompute against DuckDB running the oracle's SQL (`data`: its
  master datasets);
- `lambda_layers/`: the batch layer's events/s and the speed layer's micro-batch latency;
- `replay/`: a Kappa replay of the log against Kafka's consumer and a bare Spark read;
- `scale/`: the cost curve of correcting everything, at several data sizes (`cost_fit`);
- `ysb/`: the Yahoo Streaming Benchmark, with its own generator, query, streaming job and batch
  recompute (none of them is part of the measured pipelines);
- `latency/`: window latency of the live streams at fixed rates against a bare Spark query;
- `serving/`: `lk query`'s queries while the streams write, against no writer;
- `parse`: the record parse alone against a bare `from_json`.

Each declares itself, light, as `BENCHMARK` (its flags, its measurement and its plot, the last two
imported only when run), in its module or its subpackage's `__init__`; `registry` finds them:
`lk bench`'s subcommands, `make bench`'s runs and docs/benchmarks.md's table come from there.
A subpackage's `bench` measures and its `plot` draws.

Shared: `harness/` (the references: Kafka's own tools, a fresh workspace, a bare Spark read; a
measurement in a fresh process for its peak memory; `plotting`, what every plot shares). A figure
over several runs (`spread`, `percentile`) and the environment come from `experiments.figures`,
shared with the experiments: the benchmarks import the experiments (latency and serving drive its
live runner), never the other way round.
"""
