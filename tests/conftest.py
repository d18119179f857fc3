"""Session-wide real services: one Kafka broker from infra/, one Spark session; a topic per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from core.kafka_client import delete_topic, ensure_topic
from core.net import free_port
from core.settings import Settings
from infra.kafka_broker import broker_files, running_pid, start_broker, stop_broker


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings pointing at a real KRaft broker started the project's way, stopped by PID after."""
    settings = Settings.from_env(
        data_dir=tmp_path_factory.mktemp("lk-data"),
        bootstrap=f"127.0.0.1:{free_port()}",
        topic="unused-default-topic",
    )
    state = start_broker(settings)
    try:
        yield settings
    finally:
        stop_broker(settings)
        assert running_pid(broker_files(settings)) is None, f"broker pid {state.pid} survived"


@pytest.fixture
def topic(kafka: Settings) -> Iterator[str]:
    """A fresh topic of 4 partitions for one test, deleted afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    ensure_topic(kafka.bootstrap, name, partitions=4)
    yield name
    delete_topic(kafka.bootstrap, name)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory):
    """The one Spark session of the test run, started by the project's factory."""
    from core.spark import spark_session

    settings = Settings.from_env(data_dir=tmp_path_factory.mktemp("lk-spark"))
    session = spark_session(settings, "lk-tests")
    yield session
    session.stop()
