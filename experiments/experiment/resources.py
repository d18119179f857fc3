"""CPU time and memory of each component of an experiment (Kafka, each Spark job, Airflow),
read with psutil from the process trees it started.

A component is one or more root processes and all their descendants. Each sample reads every
live process's CPU time (user + system, s) and resident memory (bytes): a component's CPU time
is the sum over every process ever seen of the last CPU time read (a process that exits keeps
what it used up to its last sample), minus what a process had used before the meter began (a
broker or an Airflow started earlier is charged only for the experiment's time); its peak RSS
is the largest sum of RSS in one sample. Thread-safe: components may be added while sampling.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import defaultdict

import psutil


class ResourceMeter:
    """Samples the process trees of named components; `figures()` gives what they used."""

    def __init__(self) -> None:
        self._roots: dict[str, set[int]] = defaultdict(set)
        self._cpu: dict[str, dict[tuple[int, float], float]] = defaultdict(dict)
        self._peak_rss: dict[str, int] = defaultdict(int)
        self._unclaimed: str | None = None
        self._began = time.time()
        self._before: dict[tuple[int, float], float] = {}
        self._lock = threading.Lock()

    def watch_children(self, component: str) -> None:
        """Count this process's children that no other component claims (and their
        descendants) as `component`: the jobs it runs and waits for, e.g. spark-submit."""
        with self._lock:
            self._unclaimed = component
            self._roots.setdefault(component, set())

    def watch(self, component: str, pid: int | None) -> None:
        """Count process `pid` and its descendants as `component` from the next sample on."""
        if pid is not None:
            with self._lock:
                self._roots[component].add(pid)

    def sample(self) -> None:
        """Read CPU time and RSS of every live process of every component."""
        with self._lock:
            roots_now = {component: set(roots) for component, roots in self._roots.items()}
            unclaimed = self._unclaimed
        claimed = {component: _trees(roots) for component, roots in roots_now.items() if roots}
        if unclaimed is not None:
            known = {process.pid for processes in claimed.values() for process in processes}
            mine = {p.pid for p in psutil.Process().children() if p.pid not in known}
            claimed[unclaimed] = _trees(mine)
        for component, processes in claimed.items():
            rss = 0
            for process in processes:
                with contextlib.suppress(psutil.Error):
                    with process.oneshot():
                        times = process.cpu_times()
                        memory = process.memory_info().rss
                        started = process.create_time()
                    key, used = (process.pid, started), times.user + times.system
                    if key not in self._before:  # first seen: what it used before the meter
                        self._before[key] = used if started < self._began else 0.0
                    self._cpu[component][key] = used - self._before[key]
                    rss += memory
            self._peak_rss[component] = max(self._peak_rss[component], rss)

    def figures(self) -> dict[str, dict[str, float]]:
        """Per component: `cpu_seconds` (s) and `peak_rss_bytes` (bytes)."""
        return {
            component: {
                "cpu_seconds": round(sum(self._cpu[component].values()), 2),
                "peak_rss_bytes": self._peak_rss[component],
            }
            for component in list(self._roots)
        }


def _trees(roots: set[int]) -> list[psutil.Process]:
    found: dict[int, psutil.Process] = {}
    for pid in roots:
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(pid)
            found[pid] = root
            for child in root.children(recursive=True):
                found[child.pid] = child
    return list(found.values())
