"""Reading the served action counts back, as {(window start HH:MM, action): (events, revenue)}."""

from __future__ import annotations

from decimal import Decimal

from core.settings import Settings
from serving_layer.catalog import refresh_catalog
from serving_layer.query import run_query

Counts = dict[tuple[str, str], tuple[int, Decimal]]
"""(window start as HH:MM, action) -> (events, revenue) of one action_counts view."""


def action_counts(settings: Settings, view: str) -> Counts:
    """The rows one serving view (`truth_action_counts`, `batch_action_counts`, ...) serves
    after a catalog refresh."""
    refresh_catalog(settings)
    columns, rows = run_query(settings, f"SELECT * FROM {view}")
    served: Counts = {}
    for row in rows:
        fields = dict(zip(columns, row, strict=True))
        key = (fields["window_start"].strftime("%H:%M"), fields["action"])
        served[key] = (int(fields["events"]), Decimal(fields["revenue"]))
    return served
