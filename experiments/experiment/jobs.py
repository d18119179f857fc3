"""The jobs an experiment runs live: the speed layer and Kappa versions in processes of their
own (so they can be killed and measured), and the Lambda batch layer on a schedule through the
same steps the `lambda_batch` DAG runs (ingest, views, publish, refresh; each Spark step a
spark-submit)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from architectures.kappa_architecture import background_pid, start_in_background
from architectures.lambda_architecture import ingest_step, publish_step, refresh_step, views_step
from core.atomic import read_json
from core.errors import LkError
from core.layout import Layout, StreamPaths
from core.processes import pid_from_file, start_background, stop_processes
from core.settings import Settings
from kappa.job import KappaOptions

Mark = Callable[[str], None]
"""Notes a moment of the run (what happened) on its timeline."""


def live_query_runs(paths: StreamPaths) -> bool:
    """Whether the streaming job at `paths` runs its live query (its progress says `live`:
    Spark reported it started, warmed up and past any replay until caught up; a Kappa
    version replays the log first, then warms up and tails it). A stream measured before that
    pays the job's start-up."""
    progress = read_json(paths.progress / "latest.json") or {}
    return bool(progress.get("live"))


class SpeedJob:
    """`lk lambda speed` running live in a process (session) of its own; output in `log`."""

    def __init__(self, settings: Settings, folder: Path, watermark: str) -> None:
        self.settings, self.watermark = settings, watermark
        self.log, self.pid_file = folder / "speed.log", folder / "speed.pid"

    def start(self, logic_version: str) -> int:
        """Start it (resuming its checkpoint); its PID."""
        command = [
            sys.executable, "-m", "lk.cli", "lambda", "speed",
            "--logic-version", logic_version, "--watermark", self.watermark,
        ]  # fmt: skip
        env = {**os.environ, **self.settings.as_env()}
        return start_background(command, log=self.log, pid_file=self.pid_file, env=env)

    @property
    def pid(self) -> int | None:
        """Its PID while that process lives."""
        return pid_from_file(self.pid_file)

    def kill(self) -> None:
        """SIGKILL its whole session (Python driver and Spark JVM) at once."""
        kill_session(self.pid)

    def stop(self) -> None:
        """Stop it cleanly (SIGTERM, then SIGKILL after 60 s)."""
        if (pid := self.pid) is not None:
            stop_processes([pid], timeout=60.0)

    def start_over(self, logic_version: str) -> int:
        """Redeploy it with another logic: stop it, remove its checkpoint and outputs (a
        checkpoint is one logic), start it again from offset 0; its new PID."""
        self.stop()
        shutil.rmtree(Layout(self.settings.data_dir).speed.root, ignore_errors=True)
        return self.start(logic_version)


class KappaJobs:
    """Kappa versions running live in the background (`lk kappa run --background`)."""

    def __init__(self, settings: Settings, watermark: str) -> None:
        self.settings, self.watermark = settings, watermark

    def options(self, logic_version: str, *, until_caught_up: bool = False) -> KappaOptions:
        """The options every version of the run uses."""
        return KappaOptions(
            logic_version=logic_version, watermark=self.watermark, until_caught_up=until_caught_up
        )

    def start(self, number: int, logic_version: str, *, until_caught_up: bool = False) -> int:
        """Start version N (replaying from offset 0, or resuming its checkpoint); its PID."""
        options = self.options(logic_version, until_caught_up=until_caught_up)
        return start_in_background(self.settings, number, options)

    def pid(self, number: int) -> int | None:
        """Version N's PID while it runs."""
        return background_pid(self.settings, number)

    def kill(self, number: int) -> None:
        """SIGKILL version N's whole session at once."""
        kill_session(self.pid(number))

    def stop(self, number: int) -> None:
        """Stop version N cleanly if it runs."""
        if (pid := self.pid(number)) is not None:
            stop_processes([pid], timeout=60.0)


def kill_session(pid: int | None) -> None:
    """SIGKILL the session that `pid` leads (every job here leads its own), if it lives."""
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


class Superseded(LkError):
    """A batch run computed with a logic version replaced while it ran: not published (it
    would make `lambda_*` refuse to merge it with a speed layer already on the new logic)."""


class BatchSchedule:
    """The batch layer run every `interval` s in a thread (by `run_batch(logic_version)`,
    which returns the horizon H it published: the DAG's steps called directly by default, or a
    lambda_batch run in Airflow): one run at a time, the first `interval` s after `start()` (as
    Airflow starts a scheduled run once its data interval has ended), the next due `interval` s
    after the previous one started (at once if a run took longer), or at once when `run_now()`
    is called. `runs` lists (started, finished, horizon or error) in s since the epoch.

    A first run at `start()` would begin with the stream: a cold spark-submit on the cores the
    live jobs need for their first micro-batches (it delayed their first windows here by up to
    15 s), and in a stream shorter than `interval` a run that ingests part of it, so a second
    is needed."""

    def __init__(
        self,
        settings: Settings,
        interval: float,
        mark: Mark,
        run_batch: Callable[[str], str] | None = None,
    ) -> None:
        self.settings, self.interval, self.mark = settings, interval, mark
        self.run_batch = run_batch or self.run_steps
        self.logic_version = "v1"
        self.runs: list[tuple[float, float, str]] = []
        self._enough_after: float | None = None
        self._stop, self._wake = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._loop, name="batch-schedule", daemon=True)

    def start(self) -> None:
        """Start the schedule: the first run `interval` s from now (or at `run_now()`)."""
        self._thread.start()

    def run_now(self, logic_version: str | None = None) -> None:
        """Start the next run as soon as the current one (if any) ends, with this logic."""
        if logic_version:
            self.logic_version = logic_version
        self._wake.set()

    def enough_after(self, moment: float) -> None:
        """Once a run that started after `moment` (s since the epoch, e.g. the last record's
        sending) has served, start no more runs on the schedule; `run_now()` still starts one.
        Without this, the run that happens to start while the experiment ends is waited for."""
        self._enough_after = moment

    def served_since(self, moment: float | None) -> bool:
        """Whether a run that started after `moment` (s since the epoch) has served; False
        for None."""
        return moment is not None and any(
            started > moment and not result.startswith("error") for started, _, result in self.runs
        )

    def stop(self) -> None:
        """Finish the run under way, if any, and start no other."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        self._wake.wait(self.interval)  # the first data interval
        self._wake.clear()
        while not self._stop.is_set():
            started = time.time()
            self.runs.append((started, *self.run_once()))
            due = max(self.interval - (time.time() - started), 0.0)
            enough = self.served_since(self._enough_after)
            self._wake.wait(None if enough else due)  # None: until run_now() or stop()
            self._wake.clear()

    def run_once(self) -> tuple[float, str]:
        """One batch run now: (finished, its horizon H or the error's line)."""
        number = len(self.runs) + 1
        logic = self.logic_version
        self.mark(f"batch run {number} starts (logic {logic})")
        try:
            horizon = self.run_batch(logic)
        except Superseded as error:
            self.mark(f"batch run {number} not published: {error}")
            return time.time(), f"error: {error}"
        except LkError as error:
            self.mark(f"batch run {number} failed: {error}")
            return time.time(), f"error: {error}"
        self.mark(f"batch run {number} served (H = {horizon})")
        return time.time(), horizon

    def run_steps(self, logic_version: str) -> str:
        """One batch run through the DAG's steps, called directly; the horizon H published."""
        ingest_step(self.settings)
        staged = views_step(self.settings, logic_version)
        if self.logic_version != logic_version:  # the logic changed while it ran
            raise Superseded(f"its logic {logic_version} was replaced by {self.logic_version}")
        published = publish_step(self.settings, staged)
        refresh_step(self.settings)
        return str(published.get("horizon"))
