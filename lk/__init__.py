"""The `lk` command line and the small pieces every layer shares (settings, errors, Spark)."""
