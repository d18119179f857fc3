"""The shared helpers of core/net.py: a free port, and waiting for a condition."""

from __future__ import annotations

import socket
import time

from core.net import free_port, wait_until


def test_a_free_port_can_be_bound_on_its_host():
    port = free_port()
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))  # raises if the port were taken
    assert 1024 <= port <= 65535


def test_wait_until_returns_as_soon_as_the_condition_holds():
    started = time.monotonic()
    calls = []
    assert wait_until(lambda: calls.append(1) or len(calls) >= 3, timeout_s=5, interval_s=0.01)
    assert len(calls) == 3 and time.monotonic() - started < 1


def test_wait_until_gives_up_after_its_timeout_with_one_last_look():
    calls = []
    assert not wait_until(lambda: calls.append(1) and False, timeout_s=0.2, interval_s=0.05)
    assert len(calls) >= 3  # during the wait, and once more at the deadline
