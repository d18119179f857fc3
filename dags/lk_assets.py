"""The data the DAGs publish, as Airflow Assets (the UI's Assets view shows each update):
`lambda_batch`'s publish step updates BATCH_VIEWS, `kappa_reprocess`'s switch updates
KAPPA_SERVING, and `serving_catalog` runs on either. Their URIs name the folders under the
data directory the scheduler was started with (`LK_DATA_DIR`)."""

from __future__ import annotations

from airflow.sdk import Asset

from core.layout import Layout
from core.settings import Settings

_LAYOUT = Layout(Settings.from_env().data_dir.resolve())

BATCH_VIEWS = Asset(name="lk_batch_views", uri=_LAYOUT.batch.as_uri())
"""The published batch versions (a new one, with its horizon H, per publish)."""
KAPPA_SERVING = Asset(name="lk_kappa_serving", uri=_LAYOUT.kappa_serving.as_uri())
"""Which Kappa version `kappa_*` serve (updated by each switch)."""
