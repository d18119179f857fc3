"""The three tasks of the `kappa_reprocess` DAG: each calls one step of the Kappa architecture
with the run's params and says in the task log what it did (version, offsets, lag, timings).

The DAG file holds only the params and the order of the steps; these functions turn the params
into the Kappa job's options and the steps' errors into Airflow's task states.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime, timedelta

from architectures.kappa_architecture import catch_up_state, start_for_run
from architectures.kappa_architecture import switch as switch_version
from architectures.task_states import failing_at_once, task_log
from core.settings import Settings
from kappa.job import KappaOptions

Report = Callable[[str], None]
"""Where a task writes its lines (the task log, by default)."""


def kappa_options(params: dict) -> KappaOptions:
    """The Kappa job's options from a run's params: every param named like an option (logic
    version, watermark, dedup horizon, until_caught_up); the others keep their defaults."""
    names = {field.name for field in fields(KappaOptions)}
    return KappaOptions(**{name: value for name, value in params.items() if name in names})


def start_version(
    settings: Settings, params: dict, run_id: str | None, report: Report = task_log
) -> dict:
    """Start the run's version in the background (or find it running); {version, pid,
    previous}. A version number already used with other logic fails the task at once."""
    options = kappa_options(params)
    report(
        f"options: logic {options.logic_version}, watermark {options.watermark!r}, dedup "
        f"horizon {options.dedup_horizon or options.watermark!r}, "
        + ("stop after the replay" if options.until_caught_up else "keep tailing the log")
    )
    with failing_at_once():
        return start_for_run(
            settings, options, run_id=run_id, number=params.get("version"), report=report
        )


def caught_up(
    settings: Settings,
    started: dict,
    params: dict,
    task_started: datetime | None,
    report: Report = task_log,
) -> dict | None:
    """One look at the new version: {version, lag, pid, previous, waited_seconds} once it has
    replayed the whole log and is at most `max_lag` records behind, else None (look again).
    Fails at once if its job died, or after `catch_up_timeout_minutes` (the job keeps running)."""
    waited = datetime.now(UTC) - task_started if task_started else None
    with failing_at_once():
        state = catch_up_state(
            settings,
            started["version"],
            max_lag=params["max_lag"],
            keeps_tailing=not params["until_caught_up"],
            waited=waited,
            timeout=timedelta(minutes=float(params["catch_up_timeout_minutes"])),
            report=report,
        )
    if state is None:
        return None
    seconds = round(waited.total_seconds(), 1) if waited else None
    report(f"v{state['version']} has caught up (lag {state['lag']}) after {seconds} s of waiting")
    return {**started, **state, "waited_seconds": seconds}


def switch(settings: Settings, ready: dict, params: dict, report: Report = task_log) -> dict:
    """Serve the new version (atomically) and refresh the catalog; the new serving state."""
    started = time.monotonic()
    state = switch_version(settings, ready["version"], max_lag=params["max_lag"], report=report)
    report(f"switch and catalog refresh took {time.monotonic() - started:.1f} s")
    return state
