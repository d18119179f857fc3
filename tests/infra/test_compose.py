"""deploy/compose.yaml: the official images, pinned to the versions the project runs locally,
on host networking and bound to 127.0.0.1, with no secret in the file. (No Docker engine runs
here: this checks the file, not the containers.)"""

from __future__ import annotations

import re

import yaml

from core.settings import REPO_ROOT
from infra.kafka_broker import RETENTION_CHECK_MS

DEPLOY = REPO_ROOT / "deploy"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def pinned(name: str) -> str:
    """A package's version from requirements.lock."""
    for line in (REPO_ROOT / "requirements.lock").read_text().splitlines():
        if line.lower().startswith(f"{name}=="):
            return line.split("==")[1]
    raise AssertionError(f"{name} is not pinned")


def test_every_image_is_official_and_pinned_to_the_local_versions():
    kafka = re.search(
        r"<kafka.version>(.+)</kafka.version>", (REPO_ROOT / "infra/pom.xml").read_text()
    )
    dockerfile = (DEPLOY / "airflow.Dockerfile").read_text()
    expected = {
        "kafka-1": f"apache/kafka:{kafka.group(1)}",
        "spark-master": f"apache/spark:{pinned('pyspark')}-scala2.13-java17-ubuntu",
        "postgres": "postgres:15.18",
    }
    services = compose()["services"]
    for service, image in expected.items():
        assert services[service]["image"] == image
    for name, service in services.items():
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), f"{name}: {image} is not pinned"
    base = re.search(r"^FROM (\S+)", dockerfile, re.MULTILINE).group(1)
    assert base == f"apache/airflow:{pinned('apache-airflow')}-python3.11"
    assert "requirements.lock" in dockerfile  # the same pinned packages as `make setup`


def test_every_service_is_on_host_networking_and_listens_on_loopback_only():
    text = (DEPLOY / "compose.yaml").read_text()
    services = compose()["services"]
    assert services and all(s["network_mode"] == "host" for s in services.values())
    assert "ports" not in text  # host networking: nothing is published beyond what binds
    addresses = re.findall(r"(?:PLAINTEXT|CONTROLLER)://([^:,\s]+):\d+", text)
    assert addresses and set(addresses) == {"127.0.0.1"}
    for name in ("spark-master", "spark-worker-1", "spark-worker-2"):
        assert "--host 127.0.0.1" in services[name]["command"]
    assert "listen_addresses=127.0.0.1" in services["postgres"]["command"]
    airflow = services["airflow-api-server"]["environment"]
    assert airflow["AIRFLOW__API__HOST"] == "127.0.0.1"


def test_the_kafka_cluster_matches_the_replication_the_project_expects():
    services = compose()["services"]
    nodes = [services[f"kafka-{k}"]["environment"] for k in (1, 2, 3)]
    assert len({node["KAFKA_NODE_ID"] for node in nodes}) == 3
    voters = nodes[0]["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    assert len(voters) == 3 and all(node["CLUSTER_ID"] == nodes[0]["CLUSTER_ID"] for node in nodes)
    assert nodes[0]["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3"
    assert nodes[0]["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
    # the retention scenario needs brokers that check retention often, as `lk kafka up`'s do
    assert nodes[0]["KAFKA_LOG_RETENTION_CHECK_INTERVAL_MS"] == str(RETENTION_CHECK_MS)


def test_no_secret_is_in_the_repository():
    text = (DEPLOY / "compose.yaml").read_text()
    secrets = ("LK_POSTGRES_PASSWORD", "LK_AIRFLOW_JWT_SECRET", "LK_AIRFLOW_FERNET_KEY",
               "LK_KAFKA_CLUSTER_ID")  # fmt: skip
    for secret in secrets:
        assert f"${{{secret}" in text  # taken from deploy/.env
        assert re.search(rf"^{secret}=$", (DEPLOY / "env.example").read_text(), re.MULTILINE)
    assert "deploy/.env" in (REPO_ROOT / ".gitignore").read_text()


def test_airflow_starts_after_its_database_and_its_migration():
    services = compose()["services"]
    assert services["postgres"]["healthcheck"]["test"][1] == "pg_isready"
    assert services["airflow-migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("airflow-api-server", "airflow-scheduler", "airflow-dag-processor"):
        waits_for = services[name]["depends_on"]["airflow-migrate"]["condition"]
        assert waits_for == "service_completed_successfully"
