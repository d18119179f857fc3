"""Two small helpers every room needs: a free port on a host, and waiting for a condition."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on `host` nothing listens on right now (the OS picks it; a default port such
    as 9092 may be held by a leftover process). Another process may take it before it is used:
    callers bind it soon after. OSError if `host` is not an address of this machine."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], object], timeout_s: float, interval_s: float = 0.1) -> bool:
    """Call `condition` every `interval_s` seconds until it returns something true or
    `timeout_s` seconds have passed; whether it did (it is called once more at the deadline,
    so a condition that just became true is not missed). Exceptions from `condition` pass
    through."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval_s)
    return bool(condition())
