"""The Lambda merge: `lambda_<view>` = batch rows complete at the horizon H ∪ later speed rows.

A row of `lambda_<view>` is one row of the view (its contract columns and `processed_at`) plus
`layer`, the side that served it ('batch' or 'speed'). The two sides are merged only when they
ran the same logic version; otherwise every `lambda_<view>` refuses at query time.
"""

from __future__ import annotations

from serving_layer.columns import PROCESSED_AT, VIEW_COLUMNS
from serving_layer.sql import failing_select, literal
from views.catalog import View


def lambda_refusal(
    batch_version: int | None, batch_logic: str | None, speed_logic: str | None
) -> str | None:
    """Why the batch and speed views cannot be merged (one line saying what to do), or None.

    They can be merged when they ran the same logic version, or when either side has not run
    yet (its logic is unknown)."""
    if batch_logic is None or speed_logic is None or batch_logic == speed_logic:
        return None
    return (
        f"lambda views refused: batch version {batch_version} ran logic {batch_logic} but the "
        f"speed layer runs logic {speed_logic}, and merging them would mix two logics; run "
        f"`lk lambda batch --logic-version {speed_logic}`, or run the speed layer with logic "
        f"{batch_logic} in another data directory "
        f"(`lk lambda speed --logic-version {batch_logic} --data-dir OTHER_DIR`)"
    )


def refused_sql(name: str, message: str) -> str:
    """The columns of `lambda_<name>`, failing with `message` whenever its rows are read."""
    columns = (*VIEW_COLUMNS[name], PROCESSED_AT, ("layer", "VARCHAR"))
    return failing_select(columns, message)


def merge_sql(name: str, view: View, horizon: str | None) -> str:
    """Rows complete at the horizon H from `batch_<name>`, every later row from `speed_<name>`;
    with no horizon yet (no batch run), every row from the speed view."""
    names = ", ".join(column for column, _ in (*VIEW_COLUMNS[name], PROCESSED_AT))
    if not horizon:
        return f"SELECT {names}, 'speed' AS layer FROM speed_{name}"
    moment = f"TIMESTAMPTZ {literal(horizon)}"
    speed_rows = f"speed_{name} AS s WHERE {view.complete_at} > {moment}"
    if view.streaming_output_mode == "append":
        # Sessions have no fixed boundaries: where the speed layer drew a session that overlaps
        # one the batch closed by H (a late event split or merged them differently), the batch
        # saw every event and wins; serving both would count the shared events twice.
        speed_rows += (
            f" AND NOT EXISTS (SELECT 1 FROM batch_{name} AS b WHERE b.user_id = s.user_id"
            f" AND b.session_end <= {moment} AND b.session_start < s.session_end"
            " AND s.session_start < b.session_end)"
        )
    return (
        f"SELECT {names}, 'batch' AS layer FROM batch_{name} "
        f"WHERE {view.complete_at} <= {moment} "
        f"UNION ALL SELECT {names}, 'speed' AS layer FROM {speed_rows}"
    )
