"""Publishing batch versions: one rename, idempotent on retry, never older data over newer,
and retention never deletes the version the serving catalog reads."""

import json

from batch_layer.batch_views import publish, published_versions
from core.atomic import staging_dir, write_json
from core.layout import Layout
from core.settings import Settings


def stage(settings: Settings, ingest_run: int) -> dict:
    """A staged version as compute_views leaves it (its files do not matter here)."""
    layout = Layout(settings.data_dir)
    folder = staging_dir(layout.batch, "version")
    manifest = {"staging_id": folder.name, "ingest_run": ingest_run, "horizon": "2026-01-01T00:00Z"}
    write_json(folder / "manifest.json", manifest)
    (folder / "action_counts").mkdir()
    return {**manifest, "staging": str(folder), "skipped": False}


def test_a_retried_publish_returns_the_version_it_already_published(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path)
    staged = stage(settings, ingest_run=1)
    first = publish(settings, staged)
    again = publish(settings, staged)
    assert first == {"version": 1, "horizon": staged["horizon"], "published": True}
    assert again["version"] == 1 and again["published"] is False
    assert [n for n, _ in published_versions(Layout(tmp_path))] == [1]


def test_a_version_computed_from_less_data_never_replaces_a_newer_one(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path)
    slow = stage(settings, ingest_run=1)  # started first, finishes last
    publish(settings, stage(settings, ingest_run=2))
    result = publish(settings, slow)
    assert result["published"] is False and result["version"] == 1
    newest = published_versions(Layout(tmp_path))[-1][1]
    assert json.loads((newest / "manifest.json").read_text())["ingest_run"] == 2


def test_retention_keeps_the_newest_versions_and_the_one_the_catalog_reads(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path)
    layout = Layout(tmp_path)
    publish(settings, stage(settings, ingest_run=1))
    write_json(layout.catalog_pins, {"batch_version": 1})  # a catalog not refreshed since
    for run in range(2, 7):
        publish(settings, stage(settings, ingest_run=run), keep=3)
    assert [n for n, _ in published_versions(layout)] == [1, 4, 5, 6]
    assert not any(p.name.startswith("_staging-retired") for p in layout.batch.iterdir())
