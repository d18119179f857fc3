"""`lk bench latency`: window latency of the live streams at fixed rates, until they saturate."""
