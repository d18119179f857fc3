"""`lk experiment run --orchestrator airflow`: the batch layer's runs go through Airflow.

For each repeat an Airflow of its own is started (its home in the repeat's data directory, so
its DAGs read that repeat's topic and data; `lambda_batch` unscheduled), and each batch run is
a `lambda_batch` DAG run triggered through the REST API with the admin's token and followed
until it ends. Airflow's processes (and the spark-submit jobs its tasks start) are measured as
the `airflow` component.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime

from batch_layer.batch_views import current_manifest
from core.errors import LkError
from core.layout import Layout
from core.net import free_port
from core.settings import Settings
from infra.airflow import AirflowState, start_airflow, stop_airflow
from infra.airflow_api import api_token, get_json, send_json

DAG = "lambda_batch"
RUN_TIMEOUT_S = 1800.0
"""How long one lambda_batch run may take before the experiment gives up on it (s)."""
ADMIN = "admin"


class AirflowBatch:
    """An Airflow for one repeat, and batch runs triggered in it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = replace(settings, lambda_schedule="none")
        self.state: AirflowState | None = None
        self._token = ""

    def start(self) -> list[int]:
        """Start Airflow on a free loopback port and unpause `lambda_batch`; the PIDs of its
        processes. LkError (one line) if it cannot start."""
        self.state = start_airflow(self.settings, port=free_port(), timeout=600.0)
        password = json.loads(self.state.files.passwords.read_text(encoding="utf-8"))[ADMIN]
        self._token = api_token(self.state.url, ADMIN, password)
        send_json(self.state.url, "PATCH", f"/api/v2/dags/{DAG}", self._token, {"is_paused": False})
        return [pid for pid in self.state.pids.values() if pid]

    def run(self, logic_version: str) -> str:
        """Trigger one lambda_batch run with this logic and wait until it ends; the horizon H it
        published. LkError if it fails or takes longer than RUN_TIMEOUT_S."""
        if self.state is None:
            raise LkError("Airflow is not started")
        url = self.state.url
        body = {
            "logical_date": datetime.now(UTC).isoformat(),
            "conf": {"logic_version": logic_version},
        }
        run = send_json(url, "POST", f"/api/v2/dags/{DAG}/dagRuns", self._token, body)
        path = f"/api/v2/dags/{DAG}/dagRuns/{run['dag_run_id']}"
        deadline = time.monotonic() + RUN_TIMEOUT_S
        state = run.get("state")
        while state not in ("success", "failed"):
            if time.monotonic() > deadline:
                raise LkError(f"{DAG} run {run['dag_run_id']} did not end in {RUN_TIMEOUT_S:.0f} s")
            time.sleep(2.0)
            state = get_json(url, path, self._token).get("state")
        if state == "failed":
            raise LkError(
                f"{DAG} run {run['dag_run_id']} failed: see its task logs in the UI ({url})"
            )
        manifest = current_manifest(Layout(self.settings.data_dir)) or {}
        return str(manifest.get("horizon"))

    def stop(self) -> None:
        """Stop this Airflow by PID (its running tasks included)."""
        if self.state is not None:
            stop_airflow(self.settings, timeout=60.0)
            self.state = None
