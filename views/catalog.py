"""Which views exist, in which logic version, with which parameters: the one list every path reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from views.definitions import action_counts, action_counts_sliding, user_sessions, user_totals

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


@dataclass(frozen=True)
class View:
    """A named view at one logic version: its function, parameters and the column that says
    when a row is complete (a row is final once this event time is at or before the horizon)."""

    name: str
    version: str
    function: Callable[..., DataFrame]
    params: dict[str, str] = field(default_factory=dict)
    complete_at: str = "window_end"

    def apply(self, events: DataFrame) -> DataFrame:
        return self.function(events, **self.params)


LOGIC_VERSIONS: dict[str, tuple[View, ...]] = {
    "v1": (
        View("action_counts", "v1", action_counts, {"window": "1 minute"}),
        View(
            "action_counts_sliding",
            "v1",
            action_counts_sliding,
            {"window": "5 minutes", "slide": "1 minute"},
        ),
        View("user_sessions", "v1", user_sessions, {"gap": "5 minutes"}, "session_end"),
        View("user_totals", "v1", user_totals, {"period": "1 hour"}, "hour_start"),
    ),
}
"""v1 is the logic of DESIGN.md. v2 changes one view's logic (a longer session gap: a user
who pauses 5-10 minutes is one session, not two), to measure what a logic change costs."""
LOGIC_VERSIONS["v2"] = tuple(
    View(v.name, "v2", v.function, {"gap": "10 minutes"}, v.complete_at)
    if v.name == "user_sessions"
    else v
    for v in LOGIC_VERSIONS["v1"]
)

VIEW_NAMES = tuple(view.name for view in LOGIC_VERSIONS["v1"])


def views_at(version: str) -> tuple[View, ...]:
    """The views of one logic version."""
    from lk.errors import LkError

    try:
        return LOGIC_VERSIONS[version]
    except KeyError:
        raise LkError(
            f"unknown logic version {version!r}; choose one of: {', '.join(LOGIC_VERSIONS)}"
        ) from None
