"""Published Yahoo Streaming Benchmark figures, normalised per core, and the plot beside ours.

Each row is one published run: the engine, its set-up (engine nodes and hardware threads per
node: the machines Kafka, Redis and the generators ran on are not counted), the throughput
reported, a latency if the source states one as a number, and the source. Normalised throughput
= events/s ÷ (engine nodes × hardware threads per node): events/s per hardware thread, the unit
`lk bench ysb` reports ours in (`os.cpu_count()`; here Kafka, the generator and Spark share them).

`checked` says whether the row's throughput (and its p99 reading, if any) was read in the source
itself when this table was last verified (5 Dec 2026); `setup_checked` says the same of the
set-up (nodes, hardware threads per node) that the normalisation divides by. A row with either
False must be verified before its normalised figure is quoted (`docs/benchmarks.md` says which).
`latency_p99_ms` is only filled where a source states the p99 as a number; `p99_ms_from_chart`
is a p99 read off a published chart (±~50 ms, not a stated number) at `at_events_per_second`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plotly.graph_objects as go

YSB_PAPER = (
    "Chintapalli et al., Benchmarking Streaming Computation Engines: Storm, Flink and Spark "
    "Streaming, IEEE IPDPSW 2016 (First Annual Workshop on Emerging Parallel and Distributed "
    "Runtime Systems and Middleware; reference as given in github.com/yahoo/streaming-benchmarks "
    "README, commit 08c363c); Yahoo engineering blog, 16 Dec 2015 "
    "(yahooeng.tumblr.com/post/135321837876); figures read in the authors' chart files "
    "github.com/yahoo/streaming-benchmarks graphs/fig2-flink.pdf, fig6b-storm-11.pdf, "
    "fig8-all-b.pdf (added at commit 0c95fea; numbered and versioned like the 2015 blog's "
    "figures, that they are those figures is inferred, the paper's and blog's text was not read)"
)
YSB_SETUP = (
    "UNVERIFIED (from memory, not found in any source read): 10 engine nodes, each 2x Intel "
    "Xeon E5530 2.4 GHz (8 cores, 16 hardware threads), 24 GB, 1 GbE; Kafka, Redis and the "
    "generators on other nodes; 10 s windows, Redis sink"
)
GRIER = (
    "J. Grier, Extending the Yahoo! Streaming Benchmark, data Artisans blog, 2 Feb 2016 "
    "(data-artisans.com/blog/extending-the-yahoo-streaming-benchmark, now "
    "ververica.com/blog/extending-the-yahoo-streaming-benchmark; read in a stored copy of the "
    "post, sections 'Benchmarking: Comparing Flink and Storm' and 'Fault Tolerance and "
    "Throughput') and slides (slideshare.net/JamieGrier/extending-the-yahoo-streaming-benchmark, "
    "slide 8 'Hardware Specs')"
)
GRIER_SETUP = (
    "10 engine nodes (Flink / Storm), each 1x Xeon E3-1230-V2 3.30 GHz (4 cores with "
    "hyperthreading, 8 hardware threads), 32 GB (8 GB to the JVMs), 10 GbE between them; "
    "10 Kafka brokers (2 partitions each) linked to the engine nodes by 1 GbE"
)

PUBLISHED: tuple[dict, ...] = (
    {
        "system": "Storm 0.10.0 (YSB)", "events_per_second": 135_000, "nodes": 10,
        "threads_per_node": 16, "latency_p99_ms": None, "at_events_per_second": 135_000,
        "p99_ms_from_chart": 1_750, "setup": YSB_SETUP, "source": YSB_PAPER, "checked": True,
        "setup_checked": False,
        "note": "highest rate plotted for Storm 0.10.0 (series 'Storm 10.0'; acking presumably "
        "on, as only 'Storm 11.0 NO ACK' is marked off) in fig8-all-b.pdf (99th percentile "
        "latency against throughput, 50,000-170,000 events/s); the legend of fig6b-storm-11.pdf "
        "(50000/s ... 135000/s) ends there too, though its file name says 0.11 while "
        "fig6a-storm-10.pdf holds the '(No Ack)' runs to 170000/s; p99 read off fig8 "
        "is about 1.05-1.55 s from 50,000 to 130,000 events/s and about 1.75 s at 135,000, so "
        "not sub-second at the 99th percentile; why the series stops at 135,000 is in text not read",
    },
    {
        "system": "Storm 0.11.0-SNAPSHOT, acking off (YSB)", "events_per_second": 170_000,
        "nodes": 10, "threads_per_node": 16, "latency_p99_ms": None,
        "at_events_per_second": 170_000, "p99_ms_from_chart": 1_200, "setup": YSB_SETUP,
        "source": YSB_PAPER, "checked": True, "setup_checked": False,
        "note": "series 'Storm 11.0 NO ACK' of fig8-all-b.pdf at 135,000, 150,000 and 170,000 "
        "events/s (p99 about 1.2 s at each); the version 0.11.0-SNAPSHOT is named in the blog's "
        "executive summary; Grier's post cites '170K in the Yahoo! benchmark' for Storm",
    },
    {
        "system": "Flink 0.10.1 (YSB)", "events_per_second": 170_000, "nodes": 10,
        "threads_per_node": 16, "latency_p99_ms": None, "at_events_per_second": 170_000,
        "p99_ms_from_chart": 1_850, "setup": YSB_SETUP, "source": YSB_PAPER, "checked": True,
        "setup_checked": False,
        "note": "the highest rate YSB offered, not a limit Flink reached: fig2-flink.pdf's legend "
        "runs 50000/s ... 170000/s and fig8-all-b.pdf's Flink series ends at 170,000 (p99 read "
        "off fig8 about 1.2-1.3 s up to 130,000, 1.8 s at 135,000, 1.5 s at 150,000, 1.85 s at "
        "170,000); the blog's summary (read: developer.yahoo.com/blogs/135370591481, executive "
        "summary) says Storm and Flink show sub-second latencies at relatively high throughputs",
    },
    {
        "system": "Spark Streaming 1.5.1 (YSB)", "events_per_second": 170_000, "nodes": 10,
        "threads_per_node": 16, "latency_p99_ms": None, "at_events_per_second": 170_000,
        "p99_ms_from_chart": 8_200, "setup": YSB_SETUP, "source": YSB_PAPER, "checked": True,
        "setup_checked": False,
        "note": "highest rate of fig8-all-b.pdf's Spark series (x read against the axis ticks); "
        "p99 read off fig8 about 3.3 s at 100,000, 5.8 s at 130,000, 7.6 s at 150,000 and 8.2 s "
        "at 170,000 events/s; fig8 does not say the micro-batch interval (fig3-spark-10s.pdf and "
        "fig4-spark-3s.pdf show 10 s and 3 s batches at 100,000 events/s); the blog's summary "
        "(read) says Spark supports high throughputs at a relatively higher latency",
    },
    {
        "system": "Flink, Flink windows, early updates to Redis (Grier)",
        "events_per_second": 3_000_000, "nodes": 10, "threads_per_node": 8,
        "latency_p99_ms": None, "at_events_per_second": None, "p99_ms_from_chart": None,
        "setup": GRIER_SETUP, "source": GRIER, "checked": True, "setup_checked": True,
        "note": "Flink started to saturate the network links to Kafka at around 3 million "
        "events/s, so this is a network limit, not Flink's; the job used Flink's own event-time "
        "windows, wrote each window to Redis when complete plus an early update every second, "
        "with checkpoints every second (exactly-once state); no latency percentile stated",
    },
    {
        "system": "Flink, generator inside the job, no Kafka (Grier)",
        "events_per_second": 15_000_000, "nodes": 10, "threads_per_node": 8,
        "latency_p99_ms": None, "at_events_per_second": None, "p99_ms_from_chart": None,
        "setup": GRIER_SETUP, "source": GRIER, "checked": True, "setup_checked": True,
        "note": "the data generator moved into the Flink topology (datagen -> map-filter -> "
        "window), so no Kafka input at all: not the YSB pipeline",
    },
    {
        "system": "Storm, YSB job (Grier)", "events_per_second": 400_000, "nodes": 10,
        "threads_per_node": 8, "latency_p99_ms": None, "at_events_per_second": None,
        "p99_ms_from_chart": None, "setup": GRIER_SETUP, "source": GRIER, "checked": True,
        "setup_checked": True,
        "note": "acknowledgements on (at-least-once); 400K events/s against 170K in the Yahoo! "
        "benchmark; Storm did not saturate the network links to Kafka; no latency percentile "
        "stated (the post says Storm's latency distribution was comparable to YSB's)",
    },
)  # fmt: skip
"""Published YSB runs (see the module docstring for `checked` and `setup_checked`)."""


def published_rows() -> list[dict]:
    """PUBLISHED with `events_per_second_per_thread` added (events/s per hardware thread of
    the engine nodes; None where no throughput is given)."""
    return [{**row, "events_per_second_per_thread": _per_thread(row)} for row in PUBLISHED]


def published_figures() -> dict[str, str]:
    """Each published run as one figure, `published_<n>`: its system, normalised and reported
    throughput, the p99 read off a chart (if any), set-up, source and whether its figure and its
    set-up were checked, in one line."""
    figures = {}
    for number, row in enumerate(published_rows(), start=1):
        rate = row["events_per_second"]
        throughput = (
            f"{row['events_per_second_per_thread']:,} events/s per thread ({rate:,} events/s)"
            if rate is not None
            else "no throughput figure"
        )
        chart = row.get("p99_ms_from_chart")
        p99 = (
            f"; p99 ≈ {chart:,} ms at {row['at_events_per_second']:,} events/s (read off a chart)"
            if chart is not None
            else ""
        )
        figures[f"published_{number}"] = (
            f"{row['system']}: {throughput}{p99}; {row['note']}; set-up: {row['setup']}; "
            f"source: {row['source']}; checked: {'yes' if row['checked'] else 'no'}; "
            f"set-up checked: {'yes' if row.get('setup_checked') else 'no'}"
        )
    return figures


def _per_thread(row: dict) -> int | None:
    rate = row["events_per_second"]
    return None if rate is None else round(rate / (row["nodes"] * row["threads_per_node"]))


def plot_ysb(figures: dict) -> go.Figure:
    """Our YSB latency percentiles (s) at our events/s per hardware thread, the bare counting
    query's beside them, and each published run's normalised throughput as a dotted vertical
    line named in the legend (with its p99 where the source gives one)."""
    import plotly.graph_objects as go

    figure = go.Figure()
    ours = figures.get("events_per_second_per_thread")
    highest = 1.0
    for label, prefix in (("YSB query (Kappa job = Lambda speed)", "latency"),
                          ("bare counting query", "reference_latency")):  # fmt: skip
        values = [figures.get(f"{prefix}_p{p}_ms") for p in (50, 90, 99)]
        seconds = [None if v is None else v / 1000 for v in values]
        highest = max([highest, *(v for v in seconds if v is not None)])
        if ours and any(v is not None for v in seconds):
            figure.add_trace(
                go.Scatter(
                    x=[ours] * 3,
                    y=seconds,
                    mode="markers",
                    marker={"size": 10},
                    hovertext=["p50", "p90", "p99"],
                    name=f"{label}, this machine: p50, p90, p99",
                )
            )
    for row in published_rows():
        x = row["events_per_second_per_thread"]
        if x is None:
            continue
        p99 = row.get("latency_p99_ms")
        figure.add_trace(
            go.Scatter(
                x=[x, x],
                y=[0, highest * 1.1],
                mode="lines",
                line={"dash": "dot"},
                name=f"{row['system']}: {x:,} events/s per thread",
            )
        )
        if p99 is not None:
            figure.add_trace(
                go.Scatter(x=[x], y=[p99 / 1000], mode="markers", name=f"{row['system']} p99")
            )
    figure.update_layout(
        title="YSB latency (a window's last update minus its end) against throughput per "
        "hardware thread",
        xaxis={"title": "events/s per hardware thread", "type": "log"},
        yaxis={"title": "latency (s)", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure
