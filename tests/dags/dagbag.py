"""Parse dags/ the way Airflow does, in a fresh interpreter with the project's Airflow settings
(Airflow reads its configuration when first imported, so AIRFLOW_HOME must be set before)."""

from __future__ import annotations

import json
import subprocess
import sys

from core.settings import Settings
from infra.airflow_home import airflow_env

PARSE = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
from core.settings import REPO_ROOT
bag = DagBag(dag_folder=REPO_ROOT / "dags")
dag = bag.dags.get(sys.argv[1])
print(json.dumps({
    "import_errors": bag.import_errors,
    "dag_ids": sorted(bag.dag_ids),
    "downstream": {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks} if dag else {},
    "retries": {t.task_id: t.retries for t in dag.tasks} if dag else {},
    "task_docs": {t.task_id: t.doc_md for t in dag.tasks} if dag else {},
    "param_descriptions": (
        {name: dag.params.get_param(name).description for name in dag.params} if dag else {}
    ),
    "sensor_mode": {t.task_id: getattr(t, "mode", None) for t in dag.tasks} if dag else {},
    "schedule": (
        dag.schedule if not dag or dag.schedule is None or isinstance(dag.schedule, str)
        else {type(dag.schedule).__name__: sorted(a.name for a in dag.schedule.objects)}
    ) if dag else "no dag",
    "outlets": {t.task_id: sorted(a.name for a in t.outlets) for t in dag.tasks} if dag else {},
    "catchup": dag.catchup if dag else None,
    "max_active_runs": dag.max_active_runs if dag else None,
    "params": dag.params.dump() if dag else None,
    "start_date": dag.start_date.isoformat() if dag else None,
    "tags": sorted(dag.tags) if dag else None,
    "doc_md": dag.doc_md if dag else None,
    "heavy_modules": sorted(
        name for name in sys.modules
        if name.split(".")[0] in (
            "pyspark", "py4j", "duckdb", "kafka", "kappa", "views", "batch_layer", "serving_layer",
            "architectures",
        )
    ),
}))
"""


def parse_dag(settings: Settings, dag_id: str, **extra_env: str) -> dict:
    """What a DagBag over dags/ finds, and the shape of one DAG of it."""
    return run_with_airflow(settings, PARSE, dag_id, **extra_env)


def run_with_airflow(settings: Settings, code: str, *args: str, **extra_env: str):
    """Run Python `code` (with `args`) in a fresh interpreter with the project's Airflow settings
    and `extra_env`; the JSON its last line prints."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**airflow_env(settings), **extra_env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
