"""The defaults of `lk bench latency` and `lk bench serving`, apart from their heavy imports so
that the command line can show them without loading Spark's or DuckDB's clients."""

from __future__ import annotations

LATENCY_RATES = (1000.0, 5000.0, 10000.0)
"""Events/s of the default steps of `lk bench latency` (issue 12: 1k, 5k, 10k and up)."""
LATENCY_SECONDS = 30.0
"""Seconds of sending per rate: about 90 windows of `action_counts` per rate (30 minutes of event
time at the baseline scenario's 60x, three actions)."""
LATENCY_WARMUP_SECONDS = 15.0
"""Seconds of warm-up at the first rate, not measured."""
SERVING_RATE = 1000.0
"""Events/s sent while `lk bench serving` runs its queries under write."""
SERVING_SECONDS = 30.0
"""Seconds of sending under write (the idle phase runs as many rounds of queries)."""
