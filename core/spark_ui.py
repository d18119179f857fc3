"""What a Spark user opens first: the web UI of a long-running job (its Structured Streaming
tab) and the event logs Spark's History Server shows after a job ended.

- The UI is on for the streaming jobs (the speed layer, each Kappa version) when Spark runs on
  loopback, off for the batch steps. Spark's UI listens on SPARK_LOCAL_IP (127.0.0.1 on
  loopback, `core.spark`), or on every interface when that is unset, so with a master elsewhere
  it stays off unless `LK_SPARK_CONF` turns it on (with SPARK_LOCAL_IP set to the address it may
  listen on). It takes a free port, cannot kill jobs from its pages, and keeps only the last
  UI_RETAINED jobs, stages and SQL executions, so a job that runs for days holds a bounded
  status store.
- Event logs are on for every session, in `LK_DATA_DIR/spark/events` (`Layout.spark_events`),
  rolled every EVENT_LOG_FILE_SIZE; `lk spark history up` serves them. LK_SPARK_CONF overrides
  either (e.g. `spark.eventLog.enabled=false`).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from core.heartbeat import Heartbeat
from core.layout import Layout
from core.net import free_port
from core.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

UI_RETAINED = "100"
"""Jobs, stages and SQL executions a job's UI keeps (Spark's defaults: 1,000 each)."""
EVENT_LOG_FILE_SIZE = "64m"
"""One event-log file's size before Spark rolls to the next (`spark.eventLog.rolling.*`)."""


def ui_conf(enabled: bool) -> dict[str, str]:
    """Spark settings for a session's web UI: off, or on a free port with bounded history and
    no kill links."""
    if not enabled:
        return {"spark.ui.enabled": "false"}
    return {
        "spark.ui.enabled": "true",
        "spark.ui.killEnabled": "false",
        "spark.ui.port": str(free_port()),
        "spark.ui.retainedJobs": UI_RETAINED,
        "spark.ui.retainedStages": UI_RETAINED,
        "spark.sql.ui.retainedExecutions": UI_RETAINED,
        "spark.sql.streaming.ui.retainedQueries": UI_RETAINED,
    }


def event_log_conf(settings: Settings) -> dict[str, str]:
    """Spark settings that write every session's event log under the data directory (made
    here if missing)."""
    folder = Layout(settings.data_dir).spark_events.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": folder.as_uri(),
        "spark.eventLog.rolling.enabled": "true",
        "spark.eventLog.rolling.maxFileSize": EVENT_LOG_FILE_SIZE,
    }


def ui_address(spark: SparkSession) -> str | None:
    """The session's web UI address (e.g. `http://127.0.0.1:41234`), or None when it is off."""
    return spark.sparkContext.uiWebUrl


def announce_ui(spark: SparkSession, heartbeat: Heartbeat, job: str) -> None:
    """Say where the job's Spark UI is: one line on stderr (stdout may carry `--json`) and in
    its heartbeat (`lk kappa status`)."""
    address = ui_address(spark)
    if address:
        heartbeat.note(spark_ui=address)
        print(f"{job}: Spark UI {address}", file=sys.stderr, flush=True)
