"""The benchmarks: `lk bench <name>`, each figure a ratio to a reference measured in the same run.

One module or subpackage per benchmark, by what it measures:

- `produce`: our producer against Kafka's ProducerPerformance;
- `lambda_layers`: the batch layer's events/s and the speed layer's micro-batch latency;
- `replay`: a Kappa replay of the log against Kafka's consumer and a bare Spark read;
- `batch/`: the batch layer's recompute against DuckDB running the oracle's SQL (`data`: its
  master datasets);
- `scale/`: the cost curve of correcting everything, at several data sizes (`cost_fit`);
- `latency/`: window latency of the live streams at fixed rates against a bare Spark query;
- `serving/`: `lk query`'s queries while the streams write, against no writer;
- `ysb/`: the Yahoo Streaming Benchmark, with its own generator, query, streaming job and batch
  recompute (none of them is part of the measured pipelines).

`registry` lists them all: `lk bench`'s subcommands and `make bench`'s runs come from it.

Shared: `harness/` (the references: Kafka's own tools, a fresh workspace, a bare Spark read; a
measurement in a fresh process for its peak memory), `plots` (the plots of produce, replay,
lambda, batch and scale) and `live_defaults` (the defaults of latency and serving, light enough
for the command line). A figure over several runs (`spread`, `percentile`) and the environment
come from `experiments.figures`, shared with the experiments: the benchmarks import the
experiments (latency and serving drive its live runner), never the other way round.
"""
