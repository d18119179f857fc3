"""The oracle's own copy of the view parameters per logic version (DESIGN.md, "Views").

Durations are interval strings DuckDB reads ("5 minutes"). A test checks that they equal the
parameters the Spark views use in every logic version, so the two sides are compared at the
same logic without the oracle importing the pipelines' catalog.
"""

from __future__ import annotations

from core.errors import NotRetryable

VIEW_NAMES = ("action_counts", "action_counts_sliding", "user_sessions", "user_totals")
"""Every view, in the order the oracle computes and reports them."""

_V1: dict[str, dict[str, str]] = {
    "action_counts": {"window": "1 minute"},
    "action_counts_sliding": {"window": "5 minutes", "slide": "1 minute"},
    "user_sessions": {"gap": "5 minutes"},
    "user_totals": {"period": "1 hour"},
}

LOGIC_VERSIONS: dict[str, dict[str, dict[str, str]]] = {
    "v1": _V1,
    # v2 changes one view: a longer session gap, so a pause of 5..10 minutes no longer splits.
    "v2": {**_V1, "user_sessions": {"gap": "10 minutes"}},
}
"""Per logic version, per view name, that view's parameters (name -> interval string)."""


def view_params(logic_version: str) -> dict[str, dict[str, str]]:
    """Per view name (in `VIEW_NAMES` order), the parameters of that view at `logic_version`,
    e.g. {"user_sessions": {"gap": "5 minutes"}, ...}; a fresh copy the caller may change.

    Raises NotRetryable, with one line naming the known versions, for an unknown version."""
    try:
        views = LOGIC_VERSIONS[logic_version]
    except (KeyError, TypeError):
        raise NotRetryable(
            f"unknown logic version {logic_version!r}; choose one of: {', '.join(LOGIC_VERSIONS)}"
        ) from None
    return {name: dict(views[name]) for name in VIEW_NAMES}
