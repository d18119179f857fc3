"""The cost curve of a path: its time at several data sizes fitted as a fixed cost plus a rate,
`seconds = fixed_seconds + events / events_per_second`, by least squares (numpy)."""

from __future__ import annotations

import numpy as np

from core.errors import LkError


def fit_cost(events: list[int], seconds: list[float]) -> dict:
    """The least-squares line through (events, seconds): `fixed_seconds` (s, the time at zero
    events: starting, planning, writing), `seconds_per_million_events` (s, the slope),
    `events_per_second` (events/s, the inverse slope; None when the slope is not positive, i.e.
    time did not grow with size, as noise can make it at tiny sizes), and `residual_seconds` (s,
    root mean square of fitted minus measured; 0 for two sizes, where the line is exact).
    LkError with fewer than two distinct sizes."""
    if len(set(events)) < 2:
        raise LkError(f"a cost curve needs at least two different sizes, got {sorted(events)}")
    x = np.asarray(events, dtype=float)
    y = np.asarray(seconds, dtype=float)
    design = np.column_stack([np.ones_like(x), x])
    (fixed, slope), *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = float(np.sqrt(np.mean((design @ np.array([fixed, slope]) - y) ** 2)))
    return {
        "fixed_seconds": round(float(fixed), 3),
        "seconds_per_million_events": round(float(slope) * 1e6, 4),
        "events_per_second": round(1 / slope) if slope > 0 else None,
        "residual_seconds": round(residual, 3),
    }


def fitted_seconds(fit: dict, events: float) -> float:
    """The time (s) the fit gives for `events`."""
    return fit["fixed_seconds"] + events * fit["seconds_per_million_events"] / 1e6
