"""The project's errors in Airflow's terms: which failures end a task at once, which runs skip.

Airflow is imported inside the functions, so the CLI can import the architectures without it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from core.errors import LkError, NotRetryable
from core.kafka_client import end_offsets
from core.settings import Settings

SCHEDULED = "scheduled"
"""The `run_type` of a run the scheduler created (DagRunType.SCHEDULED)."""
TASK_LOGGER = logging.getLogger("airflow.task")
"""The task log. Its lines carry the moment they were said; a `print` is stamped when Airflow
reads the task's stdout, so the UI may show it after the task's last line (or not at all)."""


def task_log(line: str) -> None:
    """Say one line in the task log (the `report` of every task function)."""
    TASK_LOGGER.info(line)


@contextmanager
def failing_at_once() -> Iterator[None]:
    """A NotRetryable error fails the task at once (AirflowFailException) instead of being
    retried: a recreated topic, an unknown logic version, a job that stopped for good."""
    from airflow.sdk.exceptions import AirflowFailException

    try:
        yield
    except NotRetryable as error:
        raise AirflowFailException(str(error)) from None


def require_log(settings: Settings, *, run_type: str | None) -> dict[int, int]:
    """The topic's end offsets now. Without a broker or topic, a scheduled run is skipped
    (AirflowSkipException) and any other run fails at once (AirflowFailException), each with
    one line that says what to start; retrying would only fail the same way a minute later."""
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    try:
        return end_offsets(settings.bootstrap, settings.topic)
    except LkError as error:
        if run_type == SCHEDULED:
            raise AirflowSkipException(f"skipped this scheduled run: {error}") from None
        raise AirflowFailException(str(error)) from None
