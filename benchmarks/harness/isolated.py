"""Running one piece of a benchmark in a fresh Python process of its own, so that the memory it
takes is its own: the peak RSS of that process and its descendants (e.g. the Spark driver JVM it
starts), sampled with psutil while it runs.

In one process a JVM keeps the heap it once took, so a second measurement there would be charged
for the first one's memory; a fresh process per measurement starts from nothing.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

import psutil

T = TypeVar("T")

SAMPLE_SECONDS = 0.1
"""How often the process tree's RSS is read while the work runs (s): a peak that lasts less
than this may be missed, so the figure of a run of a few tenths of a second is a lower bound."""


def run_isolated(work: Callable[..., T], *args: object) -> tuple[T, int]:
    """(`work(*args)`, peak RSS in bytes of the process tree that ran it): `work` runs in a new
    Python process (multiprocessing `spawn`: nothing inherited but the environment); its
    arguments and result must pickle, and `work` must be a module-level function. An exception
    `work` raises is raised here again."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        pid = pool.submit(os.getpid).result()
        stop = threading.Event()
        peak = [0]
        sampler = threading.Thread(target=_sample, args=(pid, stop, peak), daemon=True)
        sampler.start()
        try:
            result = pool.submit(work, *args).result()
        finally:
            stop.set()
            sampler.join()
    return result, peak[0]


def tree_rss(pid: int) -> int:
    """Bytes resident in memory of process `pid` and all its descendants now (0 if gone)."""
    total = 0
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        for process in (root, *root.children(recursive=True)):
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
    return total


def _sample(pid: int, stop: threading.Event, peak: list[int]) -> None:
    """Keep the largest `tree_rss(pid)` in `peak[0]` until `stop` is set."""
    while True:
        peak[0] = max(peak[0], tree_rss(pid))
        if stop.wait(SAMPLE_SECONDS):
            return
