"""Is a Kappa version's job alive, and where? Its PID file (`kappa/v<N>/job.pid`, for a job
started in the background on this host) and its heartbeat (`kappa/v<N>/heartbeat.json`, written
by the job wherever it runs: core.heartbeat) answer it; the heartbeat also answers for a job
that another Airflow worker or host started."""

from __future__ import annotations

from pathlib import Path

from core.heartbeat import Pulse, read_pulse
from core.layout import Layout
from core.processes import pid_from_file
from core.settings import Settings


def background_pid(settings: Settings, number: int) -> int | None:
    """The PID of version N's background job while that very process is alive, else None."""
    return pid_from_file(pid_file(settings, number))


def job_pulse(settings: Settings, number: int) -> Pulse | None:
    """Version N's heartbeat as read now (host, PID, age, alive), or None if it never ran."""
    return read_pulse(Layout(settings.data_dir).kappa_version(number).heartbeat)


def runs_elsewhere(settings: Settings, number: int) -> Pulse | None:
    """Version N's heartbeat when its job is alive but not a background job of this host's
    (started by another Airflow worker or host), else None."""
    pulse = job_pulse(settings, number)
    if pulse is None or not pulse.alive or background_pid(settings, number) is not None:
        return None
    return pulse


def pid_file(settings: Settings, number: int) -> Path:
    """Where version N's background job keeps its PID and start time (`kappa/v<N>/job.pid`)."""
    return Layout(settings.data_dir).kappa_version(number).root / "job.pid"
