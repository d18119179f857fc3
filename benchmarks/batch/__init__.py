"""`lk bench batch`: the batch layer's recompute against DuckDB running the oracle's SQL."""
