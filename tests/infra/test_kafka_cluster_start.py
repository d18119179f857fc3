"""`lk kafka up --brokers N` when a start cannot go through: no Kafka runs in these tests (the
format step and the launches are replaced where reached), so they are fast.

A taken or impossible port is refused before anything is written; a first start that fails
leaves no node folder (which would count as a cluster of that many nodes); a failed launch
stops the nodes already launched; `lk kafka status` shows a single broker beside node folders.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import infra.kafka_cluster as kafka_cluster
import infra.kafka_status as kafka_status
from core.errors import LkError
from core.net import free_port
from core.processes import alive, start_background
from core.settings import Settings
from infra.kafka_broker import server_properties
from infra.kafka_cluster import start_cluster
from infra.kafka_nodes import cluster_node_ids, node_addresses, node_files
from infra.startup import require_free_port


@contextmanager
def held_port(port: int = 0) -> Iterator[int]:
    """A port another process would hold: bound and listening until the block ends."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        yield holder.getsockname()[1]


def cluster_settings(data_dir: Path, ports: list[int]) -> Settings:
    bootstrap = ",".join(f"127.0.0.1:{port}" for port in ports)
    return Settings.from_env(data_dir=data_dir, bootstrap=bootstrap, topic="unused")


def node_folders(settings: Settings) -> list[str]:
    root = settings.data_dir / "kafka"
    return sorted(p.name for p in root.glob("node-*")) if root.exists() else []


def failing_format(*_args) -> None:
    raise LkError("formatting Kafka storage failed (as the test wants)")


def existing_cluster(settings: Settings, ports: list[int], *, formatted: list[int]) -> dict:
    """Node folders as a started cluster leaves them (configs; `formatted` nodes' storage);
    node id -> its config's text."""
    voters = {k: f"127.0.0.1:{free_port()}" for k in range(1, len(ports) + 1)}
    configs = {}
    for k, port in enumerate(ports, start=1):
        files = node_files(settings, k)
        files.root.mkdir(parents=True)
        configs[k] = server_properties(
            files, "127.0.0.1", "127.0.0.1", port, voters=voters, node_id=k
        )
        files.config.write_text(configs[k])
        if k in formatted:
            files.log_dirs.mkdir()
            (files.log_dirs / "meta.properties").write_text(f"node.id={k}\n")
    return configs


def test_a_taken_port_writes_nothing_and_a_failed_first_start_leaves_no_cluster(
    tmp_path, monkeypatch
):
    ports = [free_port() for _ in range(3)]
    settings = cluster_settings(tmp_path, ports)
    with held_port(ports[1]), pytest.raises(LkError, match=f"port {ports[1]} .* taken"):
        start_cluster(settings, 3)
    assert node_folders(settings) == [] and cluster_node_ids(settings) == []

    # Again on other ports: not refused as "a 1-node cluster"; its format fails, and it too
    # leaves nothing behind.
    monkeypatch.setattr(kafka_cluster, "format_storage", failing_format)
    settings = cluster_settings(tmp_path, [free_port() for _ in range(3)])
    with pytest.raises(LkError, match="formatting Kafka storage failed"):
        start_cluster(settings, 3)
    assert node_folders(settings) == [] and cluster_node_ids(settings) == []
    assert not (tmp_path / "kafka" / "cluster-id").exists()
    settings = cluster_settings(tmp_path, [free_port() for _ in range(2)])
    with pytest.raises(LkError, match="formatting Kafka storage failed"):
        start_cluster(settings, 2)  # any size: the failed 3-node start holds none
    assert cluster_node_ids(settings) == []


def test_the_cli_refuses_a_taken_port_in_one_line_and_writes_no_node(tmp_path):
    with held_port() as taken:
        bootstrap = f"127.0.0.1:{free_port()},127.0.0.1:{taken},127.0.0.1:{free_port()}"
        result = subprocess.run(
            [sys.executable, "-m", "lk.cli", "kafka", "up", "--brokers", "3"]
            + ["--data-dir", str(tmp_path), "--bootstrap", bootstrap],
            capture_output=True,
            text=True,
            timeout=120,
            env=os.environ,
            check=False,
        )
    assert result.returncode == 1
    assert result.stderr.startswith(f"lk: error: port {taken} on 127.0.0.1 is taken"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not list((tmp_path / "kafka").glob("node-*"))


def test_a_restart_checks_every_port_before_writing_and_keeps_its_nodes(tmp_path, monkeypatch):
    ports = [free_port() for _ in range(3)]
    settings = cluster_settings(tmp_path, ports)
    configs = existing_cluster(settings, ports, formatted=[1, 2])
    controller_3 = kafka_cluster.controller_port_of(node_files(settings, 3))
    moved = cluster_settings(tmp_path, [free_port() for _ in range(3)])
    with held_port(controller_3), pytest.raises(LkError, match="KRaft controller of node 3"):
        start_cluster(moved, 3)
    assert {k: node_files(settings, k).config.read_text() for k in (1, 2, 3)} == configs

    # A restart whose format of node 3 fails keeps the cluster: it is no first start.
    monkeypatch.setattr(kafka_cluster, "format_storage", failing_format)
    with pytest.raises(LkError, match="formatting Kafka storage failed"):
        start_cluster(settings, 3)
    assert cluster_node_ids(settings) == [1, 2, 3]
    assert all((node_files(settings, k).log_dirs / "meta.properties").exists() for k in (1, 2))


def test_a_failed_launch_stops_the_nodes_already_launched(tmp_path, monkeypatch):
    settings = cluster_settings(tmp_path, [free_port() for _ in range(3)])
    monkeypatch.setattr(kafka_cluster, "format_storage", lambda *_: None)
    launched = []

    def launch(command, *, log, pid_file):
        if launched:
            raise OSError("cannot launch node 2 (as the test wants)")
        launched.append(start_background(["sleep", "60"], log=log, pid_file=pid_file))
        return launched[-1]

    monkeypatch.setattr(kafka_cluster, "start_background", launch)
    with pytest.raises(OSError, match="cannot launch node 2"):
        start_cluster(settings, 3)
    assert len(launched) == 1 and not alive(launched[0])


def test_status_shows_a_running_single_broker_beside_node_folders(tmp_path, monkeypatch):
    ports = [free_port() for _ in range(3)]
    settings = cluster_settings(tmp_path, ports)
    existing_cluster(settings, ports, formatted=[1, 2, 3])
    monkeypatch.setattr(kafka_status, "running_pid", lambda files: 4242)  # the single broker

    def no_answer(bootstrap):
        raise LkError("no Kafka broker answers")

    monkeypatch.setattr(kafka_status, "list_topics", no_answer)
    report, healthy = kafka_status.describe_kafka(settings)
    assert not healthy
    assert "local cluster: 3 node(s)" in report and "node 1: not running" in report
    assert "local broker: running (pid 4242)" in report, report


@pytest.mark.parametrize(
    "bootstrap, message",
    [
        ("127.0.0.1:65534", "gives Kafka node 3 port 65536.*at most 65533"),
        ("127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:70000", "70000"),
        ("127.0.0.1:70000", "70000"),
    ],
)
def test_a_port_past_65535_is_one_clear_error(bootstrap, message):
    with pytest.raises(LkError, match=message):
        node_addresses(bootstrap, 3)


def test_require_free_port_refuses_what_is_no_port():
    for port in (0, 65536, 70000):
        with pytest.raises(LkError, match=f"port {port} is not a TCP port"):
            require_free_port("127.0.0.1", port, "Kafka node 3", "--bootstrap")


def test_the_cli_reports_a_port_overflow_in_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "lk.cli", "kafka", "up", "--brokers", "3"]
        + ["--data-dir", str(tmp_path), "--bootstrap", "127.0.0.1:65534"],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("lk: error: --bootstrap 127.0.0.1:65534 gives Kafka node 3")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
