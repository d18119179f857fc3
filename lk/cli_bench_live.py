"""`lk bench latency` and `lk bench serving`: benchmarks of the live jobs and of serving."""

from __future__ import annotations

import argparse

from core.settings import Settings
from lk.cli_args import add_repeat_and_out, command, positive_float
from lk.output import write_figures


def register_latency(
    bench_commands: argparse._SubParsersAction, common: argparse.ArgumentParser, summary: str
) -> None:
    """Add `lk bench latency` (`summary`: its line of help, from the registry)."""
    from benchmarks.live_defaults import LATENCY_RATES, LATENCY_SECONDS, LATENCY_WARMUP_SECONDS

    latency = command(bench_commands, "latency", summary, common, _latency)
    rates = ",".join(f"{rate:g}" for rate in LATENCY_RATES)
    latency.add_argument(
        "--rates",
        type=rate_list,
        default=list(LATENCY_RATES),
        metavar="R[,R...]",
        help=f"events/s, one step each, ascending; stops after the first one not sustained "
        f"(default {rates})",
    )
    latency.add_argument(
        "--seconds",
        type=positive_float,
        default=LATENCY_SECONDS,
        help=f"seconds of sending per rate (default {LATENCY_SECONDS:g})",
    )
    latency.add_argument(
        "--warmup",
        type=positive_float,
        default=LATENCY_WARMUP_SECONDS,
        help="seconds of sending at the first rate before the measured rates, reported apart as "
        f"the `cold` figures (default {LATENCY_WARMUP_SECONDS:g})",
    )
    add_repeat_and_out(latency, "runs, each on fresh topics")


def register_serving(
    bench_commands: argparse._SubParsersAction, common: argparse.ArgumentParser, summary: str
) -> None:
    """Add `lk bench serving` (`summary`: its line of help, from the registry)."""
    from benchmarks.live_defaults import SERVING_RATE, SERVING_SECONDS

    serving = command(bench_commands, "serving", summary, common, _serving)
    serving.add_argument(
        "--rate",
        type=positive_float,
        default=SERVING_RATE,
        help=f"events/s sent while the queries run under write (default {SERVING_RATE:g})",
    )
    serving.add_argument(
        "--seconds",
        type=positive_float,
        default=SERVING_SECONDS,
        help=f"seconds of sending under write (default {SERVING_SECONDS:g})",
    )
    add_repeat_and_out(serving, "runs, each on a fresh topic")


def rate_list(text: str) -> list[float]:
    """An argparse type: rates in events/s above 0, separated by commas (1000,5000,1e4)."""
    rates = []
    for part in text.split(","):
        try:
            rate = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r} is not a rate in events/s") from None
        if not rate > 0 or rate == float("inf"):
            raise argparse.ArgumentTypeError(f"{part!r} must be a rate above 0 events/s")
        rates.append(rate)
    return sorted(set(rates))


def _latency(settings: Settings, args: argparse.Namespace) -> int:
    from benchmarks.latency.bench import plot_latency, run_bench_latency

    figures = run_bench_latency(
        settings, rates=args.rates, seconds=args.seconds, warmup=args.warmup, repeat=args.repeat
    )
    write_figures(figures, args.out, plot=plot_latency)
    return 0


def _serving(settings: Settings, args: argparse.Namespace) -> int:
    from benchmarks.serving.bench import plot_serving, run_bench_serving

    figures = run_bench_serving(settings, rate=args.rate, seconds=args.seconds, repeat=args.repeat)
    write_figures(figures, args.out, plot=plot_serving)
    return 0
