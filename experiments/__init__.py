"""The live experiments (scenarios, the runner, metrics, reports) and `lk compare`, measured
against the oracle (`oracle/`); `figures` (a figure over several runs, the environment) is
shared with the benchmarks (`benchmarks/`), which import this package, never the other way round."""
