"""The live line an experiment shows while it runs (rich), or nothing when output is no
terminal: the scenario (in a study), repeat, phase, elapsed time, records in the log, each
streaming job's lag, batch runs, the newest mark."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.live import Live
from rich.table import Table

from experiments.experiment.run import Display


@contextmanager
def live_display(enabled: bool | None = None) -> Iterator[Display]:
    """A Display for the duration of the block; `enabled` None: only on a terminal."""
    console = Console(stderr=True)
    if enabled is False or (enabled is None and not console.is_terminal):
        yield lambda state: None
        return
    with Live(console=console, refresh_per_second=2, transient=True) as live:
        yield lambda state: live.update(_render(state))


def _render(state: dict) -> Table:
    table = Table.grid(padding=(0, 2))
    lag = state.get("lag", {})
    table.add_row(
        f"{state['scenario']}, repeat {state['repeat']}" if "scenario" in state
        else f"repeat {state['repeat']}",
        f"[bold]{state['phase']}[/bold]",
        f"{state['elapsed_s']:.0f} s",
        f"{state['sent']:,} records in the log",
        f"lag: lambda {_lag(lag.get('lambda'))}, kappa {_lag(lag.get('kappa'))}",
        f"batch runs {state['batch_runs']}",
    )
    table.add_row("", "", "", "", state.get("last_mark", ""), "")
    return table


def _lag(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"
