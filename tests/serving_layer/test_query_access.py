"""`lk query` reads the serving views and the files they read, and no other file: not the
system's, not the broker's or Airflow's files in the same data directory."""

from __future__ import annotations

import json

import duckdb
import pytest

from core.errors import LkError
from core.settings import Settings
from serving_layer.catalog import refresh_catalog
from serving_layer.query import run_query


@pytest.fixture
def settings(tmp_path):
    """A data directory with one oracle view (2 rows), an Airflow secret and a broker file."""
    truth = tmp_path / "truth" / "v1"
    truth.mkdir(parents=True)
    connection = duckdb.connect()  # its own: the module's default one is shared by every test
    connection.execute(
        "COPY (SELECT TIMESTAMPTZ '2026-01-01 10:00:00+00' AS window_start, "
        "TIMESTAMPTZ '2026-01-01 10:01:00+00' AS window_end, action, 1::BIGINT AS events, "
        "0::DECIMAL(38,2) AS revenue FROM (VALUES ('view'), ('click')) t(action)) "
        f"TO '{truth / 'action_counts.parquet'}' (FORMAT parquet)"
    )
    connection.close()
    (truth / "summary.json").write_text(json.dumps({"computed_at": "2026-01-01T11:00:00+00:00"}))
    (tmp_path / "airflow").mkdir()
    (tmp_path / "airflow" / "admin-password.txt").write_text("s3cret\n")
    (tmp_path / "kafka").mkdir()
    (tmp_path / "kafka" / "server.properties").write_text("node.id=1\n")
    settings = Settings.from_env(data_dir=tmp_path)
    refresh_catalog(settings)
    return settings


def test_the_serving_views_and_their_files_can_be_read(settings):
    columns, rows = run_query(settings, "SELECT action, events FROM truth_action_counts ORDER BY 1")
    assert (columns, rows) == (["action", "events"], [("click", 1), ("view", 1)])
    own = settings.data_dir / "truth" / "v1" / "action_counts.parquet"
    assert run_query(settings, f"SELECT count(*) FROM read_parquet('{own}')")[1] == [(2,)]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('{data}/airflow/admin-password.txt')",
        "SELECT * FROM read_text('{data}/kafka/server.properties')",
        "SELECT * FROM read_text('{data}/truth/../airflow/admin-password.txt')",
        "SELECT * FROM glob('/etc/*')",
    ],
)
def test_no_other_file_can_be_read(settings, sql):
    with pytest.raises(LkError) as refused:
        run_query(settings, sql.format(data=settings.data_dir))
    line = str(refused.value)
    assert line.startswith("query failed: ") and "\n" not in line
    assert "s3cret" not in line and "root:" not in line


@pytest.mark.parametrize(
    "sql",
    [
        "SET enable_external_access = true",
        "COPY (SELECT 1) TO '/tmp/out.csv'",
        "ATTACH '/tmp/other.duckdb'",
        "SELECT 1; SELECT * FROM read_csv('/etc/passwd')",
    ],
)
def test_only_one_read_statement_runs(settings, sql):
    with pytest.raises(LkError, match="runs one SELECT"):
        run_query(settings, sql)
