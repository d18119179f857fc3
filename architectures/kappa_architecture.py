"""The Kappa architecture, run end to end (Kreps): a version replays the log from offset 0, and
once it has caught up it goes into service; switch, rollback and retire keep readers whole.

The command line (`lk kappa ...`) and the `kappa_reprocess` DAG both call these functions, so
the rules live here once: the first version serves as soon as it catches up; a switch waits for
a finished replay and a small lag; every change of what serves is followed by a catalog refresh.
Background versions are started from here (`python -m architectures.kappa_background`), with
their PID and start time in `kappa/v<N>/job.pid`, and stopped by PID. Every running version
also beats in `kappa/v<N>/heartbeat.json` (core.heartbeat), so a process that cannot see the
PID (another Airflow worker, another host on a shared data directory) can tell it is alive.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from architectures.kappa_liveness import (
    background_pid,
    job_pulse,
    pid_file,
    runs_elsewhere,
)
from core.atomic import read_json, write_json
from core.durations import checked_duration
from core.errors import LkError, NotRetryable
from core.heartbeat import announce
from core.layout import Layout
from core.processes import start_background, stop_processes
from core.settings import DEFAULT_MAX_LAG, Settings
from kappa import versions as kappa_versions
from kappa.job import KappaOptions, run_kappa
from serving_layer.catalog import refresh_catalog
from streaming.options import StreamOptions

Report = Callable[[str], None]
"""Where a function says what it is doing, one line at a time (print, a task log, nothing)."""

LAUNCH_RECORD = "launched_by.json"
"""Written into `kappa/v<N>/` by `start_for_run`: which run chose N, so a retry reuses it."""


def _quiet(line: str) -> None:
    """A Report that says nothing."""


def check_options(options: KappaOptions) -> KappaOptions:
    """The options, once their logic version and durations exist; NotRetryable otherwise."""
    from views.catalog import views_at

    views_at(options.logic_version)
    checked_duration(options.watermark)
    checked_duration(options.live_trigger)
    StreamOptions(  # a dedup horizon that reads as a duration and is not below the watermark
        name="check", watermark=options.watermark, dedup_horizon=options.dedup_horizon
    )
    return options


def default_version(settings: Settings) -> int:
    """The version `lk kappa run` uses without --version: the newest existing one (to resume
    it), or 1."""
    return (kappa_versions.versions(Layout(settings.data_dir)) or [1])[-1]


def run_version(
    settings: Settings, number: int, options: KappaOptions, report: Report = _quiet
) -> dict:
    """Run version N in this process: replay from offset 0, then tail the log live (or stop,
    with `until_caught_up`). When it has caught up and no version serves yet, it goes into
    service. Returns the job's final status (offsets, lag, watermark, late events dropped)."""
    check_options(options)
    layout = Layout(settings.data_dir)

    def caught_up(status: dict) -> None:
        if kappa_versions.serving(layout).get("current") is None:
            kappa_versions.switch(settings, number, force=True)
            report(f"v{number} caught up and is now in service")
        else:
            report(f"v{number} caught up; switch with: lk kappa switch {number}")
        refresh_catalog(settings)

    report(f"Kappa v{number}: replaying {settings.topic} ...")
    status = run_kappa(
        settings,
        number,
        options,
        on_caught_up=caught_up,
        on_first_rows=lambda: refresh_catalog(settings),
    )
    refresh_catalog(settings)
    return status


def refuse_other_logic(settings: Settings, number: int, options: KappaOptions) -> None:
    """NotRetryable if version N exists with another logic version, watermark or dedup
    horizon: a version keeps what it was replayed with (a new logic is a new version, replayed
    from offset 0)."""
    job = read_json(Layout(settings.data_dir).kappa_version(number).state_file) or {}
    horizon = options.dedup_horizon or options.watermark
    recorded = (
        job.get("logic_version"),
        job.get("watermark"),
        job.get("dedup_horizon") or job.get("watermark"),
    )
    if job and recorded != (options.logic_version, options.watermark, horizon):
        newest = max(kappa_versions.versions(Layout(settings.data_dir)), default=number)
        raise NotRetryable(
            f"v{number} was replayed with logic {recorded[0]}, watermark {recorded[1]!r} and "
            f"dedup horizon {recorded[2]!r}, not {options.logic_version}, "
            f"{options.watermark!r} and {horizon!r}: a version keeps its logic; start a new "
            f"one from offset 0 (lk kappa run --version {newest + 1})"
        )


def start_in_background(settings: Settings, number: int, options: KappaOptions) -> int:
    """Start `run_version` for version N in a process of its own (output in `job.log`); its PID.
    Refuses if N already runs, in the background or in the foreground."""
    check_options(options)
    refuse_other_logic(settings, number, options)
    paths = Layout(settings.data_dir).kappa_version(number)
    paths.root.mkdir(parents=True, exist_ok=True)
    if (pid := background_pid(settings, number)) is not None:
        raise LkError(f"Kappa v{number} already runs in the background (pid {pid})")
    if kappa_versions.running(paths):
        raise LkError(f"Kappa v{number} is already running in the foreground (lk kappa run)")
    if (pulse := runs_elsewhere(settings, number)) is not None:
        raise LkError(f"Kappa v{number} already runs: {pulse.describe()}")
    command = [
        sys.executable, "-m", "architectures.kappa_background",
        "--version", str(number), "--options", json.dumps(asdict(options)),
    ]  # fmt: skip
    env = {**os.environ, **settings.as_env()}  # PATH, JAVA_HOME, ... and our settings
    pid = start_background(
        command, log=paths.root / "job.log", pid_file=pid_file(settings, number), env=env
    )
    announce(paths.heartbeat, pid)  # alive to other hosts before its own first beat
    return pid


def stop_background(settings: Settings, number: int, timeout: float = 120.0) -> int | None:
    """Stop version N's background job: SIGTERM (it stops between micro-batches), then SIGKILL
    to its whole session (Python driver and Spark JVM). The PID stopped, or None if it was not
    running; LkError if it runs in the foreground or something of it survives."""
    pid = background_pid(settings, number)
    if pid is None:
        if kappa_versions.running(Layout(settings.data_dir).kappa_version(number)):
            raise LkError(f"v{number} runs in the foreground, not from lk kappa run --background")
        if (pulse := runs_elsewhere(settings, number)) is not None:
            raise LkError(f"v{number} runs {pulse.describe()}: stop it on that host")
        return None
    stop_processes([pid], timeout=timeout, grace=30.0)
    return pid


def switch(
    settings: Settings,
    number: int,
    *,
    force: bool = False,
    max_lag: int = DEFAULT_MAX_LAG,
    report: Report = _quiet,
) -> dict:
    """Serve version N (refused until it has replayed the log and is at most `max_lag` records
    behind, unless forced), then refresh the catalog; the new serving state with `changed`
    and `lag` (records behind the log at the switch)."""
    switched = kappa_versions.switch(settings, number, force=force, max_lag=max_lag)
    catalog = refresh_catalog(settings)
    previous = switched.get("previous")
    if not switched["changed"]:
        report(f"v{number} is already in service")
    else:
        report(
            f"kappa_* now serve v{number} (lag {switched['lag']})"
            + (f"; v{previous} is kept: `lk kappa rollback` serves it again" if previous else "")
        )
    return {**switched, "catalog": catalog}


def rollback(settings: Settings, *, force: bool = False, max_lag: int = DEFAULT_MAX_LAG) -> dict:
    """Serve the previous version again at once, then refresh the catalog; the new state."""
    rolled = kappa_versions.rollback(settings, force=force, max_lag=max_lag)
    return {**rolled, "catalog": refresh_catalog(settings)}


def retire(settings: Settings, number: int) -> Path:
    """Delete version N's outputs (never the one in service or a running one); the catalog is
    rebuilt without N before anything is deleted. The folder that was deleted."""
    return kappa_versions.retire(settings, number, before_delete=lambda: refresh_catalog(settings))


def start_for_run(
    settings: Settings,
    options: KappaOptions,
    *,
    run_id: str | None,
    number: int | None = None,
    report: Report = _quiet,
) -> dict:
    """Start a new version in the background for one reprocessing run (the DAG's first step);
    a retry of the same run reuses the version its first try chose, and a version already
    running with the same logic is reused. Returns {version, pid, previous}."""
    check_options(options)
    layout = Layout(settings.data_dir)
    existing = kappa_versions.versions(layout)
    if number is None:
        mine = [n for n in existing if _launched_by(layout, n) == run_id]
        number = mine[-1] if mine else max(existing, default=0) + 1
    paths = layout.kappa_version(number)
    previous = kappa_versions.serving(layout).get("current")
    refuse_other_logic(settings, number, options)
    pid = background_pid(settings, number)
    elsewhere = runs_elsewhere(settings, number)
    if pid is not None:
        report(f"v{number} already runs in the background (pid {pid}); reusing it")
    elif elsewhere is not None:
        pid = elsewhere.pid
        report(f"v{number} already runs: {elsewhere.describe()}; reusing it")
    else:
        launched = {"run_id": run_id, "launched_at": datetime.now(UTC).isoformat()}
        write_json(paths.root / LAUNCH_RECORD, launched)
        pid = start_in_background(settings, number, options)
        report(
            f"started v{number} (logic {options.logic_version}, watermark "
            f"{options.watermark!r}) in the background, pid {pid}; log: {paths.root / 'job.log'}"
        )
    report(f"v{previous} keeps serving meanwhile" if previous else "no version serves yet")
    return {"version": number, "pid": pid, "previous": previous}


def catch_up_state(
    settings: Settings,
    number: int,
    *,
    max_lag: int,
    keeps_tailing: bool,
    waited: timedelta | None = None,
    timeout: timedelta | None = None,
    report: Report = _quiet,
) -> dict | None:
    """Has version N caught up? {version, lag} once it has replayed the whole log and is at
    most `max_lag` records behind; None while it is still on its way (or the broker is briefly
    away). NotRetryable when it never will (its job stopped before catching up, stopped
    although it should keep tailing, or stopped after its replay while the log grew since), and
    when `waited` exceeds `timeout` (the job keeps running then)."""
    try:
        behind = kappa_versions.lag(settings, number)
    except LkError as error:
        report(f"v{number}: lag unknown this time ({error}); trying again")
        return None
    pid = background_pid(settings, number)
    pulse = job_pulse(settings, number)
    alive = pid is not None or (pulse is not None and pulse.alive)
    caught_up_at = behind["caught_up_at"]
    paths = Layout(settings.data_dir).kappa_version(number)
    launched = (read_json(paths.root / LAUNCH_RECORD) or {}).get("launched_at", "")
    replayed = ((read_json(paths.state_file) or {}).get("last_replay") or {}).get("finished_at")
    if caught_up_at and launched > (replayed or ""):
        caught_up_at = None  # an earlier run's replay: the job launched now has not caught up
    log = paths.root / "job.log"
    report(
        f"v{number}: {behind['lag']} records behind the log (at most {max_lag} to switch); "
        f"offsets {behind['offsets']} of {behind['end_offsets']}; "
        f"{f'caught up at {caught_up_at}' if caught_up_at else 'replaying'}; "
        + (f"running (pid {pid})" if pid else pulse.describe() if pulse else "not running")
    )
    if not alive and not caught_up_at:
        raise NotRetryable(f"the job of v{number} stopped before catching up; see {log}")
    if not alive and keeps_tailing:
        raise NotRetryable(
            f"the job of v{number} stopped after catching up, but it should keep tailing the "
            f"log; see {log}"
        )
    if caught_up_at and behind["lag"] <= max_lag:
        return {"version": number, "lag": behind["lag"]}
    if not alive:
        raise NotRetryable(
            f"v{number} stopped after its replay and is {behind['lag']} records behind the log "
            f"now; run it again without until_caught_up, or `lk kappa switch {number} --force`"
        )
    if waited is not None and timeout is not None and waited > timeout:
        raise NotRetryable(
            f"v{number} is still {behind['lag']} records behind after {waited} (limit {timeout}); "
            f"it keeps running: follow it with `lk kappa status`, switch it later with "
            f"`lk kappa switch {number}`, or stop it with `lk kappa stop {number}`"
        )
    return None


def _launched_by(layout: Layout, number: int) -> str | None:
    return (read_json(layout.kappa_version(number).root / LAUNCH_RECORD) or {}).get("run_id")
