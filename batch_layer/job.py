"""The batch layer's Spark entry point for `spark-submit` (what Airflow runs).

    spark-submit ... batch_layer/job.py ingest [--until ISO-TIME] --result FILE
    spark-submit ... batch_layer/job.py views [--logic-version v1] [--lateness '10 minutes']
                                              [--rebuild] --result FILE
    spark-submit ... batch_layer/job.py compact --result FILE

`ingest` also compacts the master dataset once enough runs wait (`compaction.COMPACT_AFTER_RUNS`);
`compact` merges whatever runs wait now. `views --rebuild` recomputes even when the newest
published version already covers the same runs and logic (an experiment's timed recompute).

Settings come from the LK_* environment variables; the result is written as JSON to FILE.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run one batch step under spark-submit and write its result as JSON."""
    parser = argparse.ArgumentParser(prog="batch_layer/job.py")
    parser.add_argument("step", choices=["ingest", "views", "compact"])
    parser.add_argument("--until", type=datetime.fromisoformat)
    parser.add_argument("--logic-version")
    parser.add_argument("--lateness")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)

    from batch_layer.batch_views import compute_views
    from batch_layer.compaction import compact
    from batch_layer.ingest import ingest
    from core.atomic import write_json
    from core.errors import NotRetryable, readable
    from core.settings import DEFAULT_LATENESS, DEFAULT_LOGIC_VERSION, Settings
    from core.spark import spark_session
    from core.spark_submit import NOT_RETRYABLE_EXIT

    settings = Settings.from_env()
    spark = spark_session(settings, f"lk-lambda-batch-{args.step}")
    try:
        if args.step == "ingest":
            result = ingest(spark, settings, args.until)
        elif args.step == "compact":
            result = compact(spark, settings)
        else:
            result = compute_views(
                spark,
                settings,
                args.logic_version or DEFAULT_LOGIC_VERSION,
                args.lateness or DEFAULT_LATENESS,
                rebuild=args.rebuild,
            )
    except Exception as error:
        if (line := readable(error)) is None:
            raise
        print(f"lk: error: {line}", file=sys.stderr)
        return NOT_RETRYABLE_EXIT if isinstance(error, NotRetryable) else 1
    finally:
        spark.stop()
    write_json(args.result, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
