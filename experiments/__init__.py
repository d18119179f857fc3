"""Oracle, scenarios, metrics, reports and benchmarks that compare the two architectures."""
