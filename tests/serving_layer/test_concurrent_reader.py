"""A reader in another process queries while batch and speed layers write: no error, and a
batch view is always one whole published version, never part of one."""

from dataclasses import replace

import pytest

from architectures.lambda_architecture import run_batch
from batch_layer.batch_views import published_versions
from core.layout import Layout
from serving_layer.catalog import refresh_catalog
from speed_layer.job import run_speed, speed_options
from tests.processes import LoopingReader
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow

READ = """SELECT (SELECT coalesce(sum(events), 0) FROM batch_action_counts),
                 (SELECT count(*) FROM lambda_action_counts),
                 (SELECT count(*) FROM speed_user_totals)"""


def test_reader_sees_whole_versions_while_batch_and_speed_write(kafka, topic, spark, tmp_path):
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    records = list(generate(SCENARIOS["dirty"], seed=31, events=5000))
    send_records(records[:3000], kafka.bootstrap, topic, paced=False, total=None)
    refresh_catalog(settings)

    with LoopingReader(settings, READ, tmp_path) as reader:
        run_batch(settings)
        refresh_catalog(settings)
        send_records(records[3000:], kafka.bootstrap, topic, paced=False, total=None)
        run_speed(
            settings,
            speed_options(until_caught_up=True, max_offsets_per_trigger=1000),
            on_started=lambda: refresh_catalog(settings),
        )
        refresh_catalog(settings)
        run_batch(settings)
        refresh_catalog(settings)
    assert not reader.errors, reader.errors[:3]

    import duckdb

    version_totals = {0}
    connection = duckdb.connect()
    for _, folder in published_versions(Layout(tmp_path)):
        pattern = str(folder / "action_counts" / "*.parquet")
        query = f"SELECT sum(events) FROM read_parquet('{pattern}')"
        version_totals.add(int(connection.execute(query).fetchall()[0][0]))
    connection.close()
    seen = {int(result[0]) for result in reader.results}
    assert len(reader.results) >= 10, "the reader hardly ran"
    assert seen <= version_totals, f"partial batch totals seen: {seen - version_totals}"
    assert len(version_totals) == 3  # nothing, then the first and the second version
