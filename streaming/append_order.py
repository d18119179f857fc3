"""A stream's events judged in the order the log appended them, whatever cut Spark reads.

**The order.** The log's append order is (append time, partition, offset): Kafka's
LogAppendTime, ties broken by partition and then offset. It is the same for every reader of
the same log; how Spark cuts the log into micro-batches is not (`maxOffsetsPerTrigger` splits a
micro-batch across partitions by how many offsets each has left, so a sparse partition is read
ahead in append time; a live job reads whatever arrived since the last trigger).

**The rules**, per accepted event e:

- e's partition's *frontier* is the newest event time of the events before it in its own
  partition (by offset);
- e is a **duplicate** when an event appended before it (in that order, any partition) has its
  event_id and is still remembered: an id is remembered until e's frontier is more than two
  dedup horizons past its first copy's event time (as Spark's `dropDuplicatesWithinWatermark`
  on a watermark one horizon behind the newest event time did); a duplicate is dropped. A copy
  with its first copy's event time is so never counted twice: once forgotten it is late;
- otherwise e is **late** when its event time is at or before its frontier less the watermark;
  a late event is dropped;
- otherwise e is **counted**.

Lateness is judged per partition (as Flink's per-partition watermarks): a producer writes each
partition in order, but batches the partitions apart, so records appended in one millisecond to
one partition can span minutes of event time that another partition's next batch goes back
over. Every accepted event moves its partition's frontier, duplicates and late ones included. The
remembered ids are kept while the slowest partition's frontier may still need them (a partition
that receives nothing keeps them all: the state then grows until it does). Rejected
records are not judged. So the same log gives the same verdicts read live or replayed with any
limit.

**Holding back.** An event can be judged only once every record before it has been read. A
partition read to its end holds nothing back; in any other partition p, the records not read
yet come at or after (its newest-read append time, p) in append order. So an event of another
partition that does not come before that is *held*: kept, unjudged, and judged in a later
micro-batch (`streaming.micro_batch` keeps their rows).

Pure: pyarrow and numpy only, no Spark; `judge` is tested over random cuts of random logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

KEY_COLUMNS = ("partition", "offset", "append_ms", "event_id", "event_time_us")
"""What judging needs of an accepted event: where it sits in the log, its append time (ms since
the epoch, Kafka's resolution), its id and its event time (µs since the epoch, the contract's
resolution)."""
COUNTED, LATE, DUPLICATE = 0, 1, 2
"""A judged event's verdict (column `verdict`, int8)."""


def key_schema() -> pa.Schema:
    """The Arrow schema of KEY_COLUMNS."""
    import pyarrow as pa

    return pa.schema(
        [
            ("partition", pa.int32()),
            ("offset", pa.int64()),
            ("append_ms", pa.int64()),
            ("event_id", pa.string()),
            ("event_time_us", pa.int64()),
        ]
    )


def remembered_schema() -> pa.Schema:
    """The Arrow schema of remembered ids: event_id and the first copy's event time (ms)."""
    import pyarrow as pa

    return pa.schema([("event_id", pa.string()), ("event_time_us", pa.int64())])


@dataclass(frozen=True)
class OrderState:
    """What judging carries from one micro-batch to the next."""

    frontier_us: dict[int, int] = field(default_factory=dict)
    """Per partition, the newest event time (µs) of the events judged in it so far."""
    read_ms: dict[int, int] = field(default_factory=dict)
    """Per partition, the append time (ms) of the newest record read from it, any record."""
    held: pa.Table | None = None
    """KEY_COLUMNS of the events read but not judged yet (None: none)."""
    remembered: pa.Table | None = None
    """event_id and first event time (µs) of the ids still remembered (None: none)."""


@dataclass(frozen=True)
class Judged:
    """One micro-batch's verdicts."""

    verdicts: pa.Table
    """KEY_COLUMNS and `verdict` (COUNTED, LATE, DUPLICATE) of each event judged now, in append
    order (held events of earlier micro-batches included)."""
    held: pa.Table
    """KEY_COLUMNS of the events held back for a later micro-batch."""
    state: OrderState
    """The state to judge the next micro-batch with."""
    cuts: dict[int, int]
    """Per partition that holds events back, the offset from which on they are held: the first
    pending event appended at or after the oldest newest-read time of a partition not read to
    its end. Empty when nothing is held."""


def judge(
    state: OrderState,
    events: pa.Table,
    read_ms: dict[int, int],
    unfinished: set[int],
    *,
    watermark_us: int,
    horizon_us: int,
    partitions: set[int] | None = None,
) -> Judged:
    """Judge `events` (KEY_COLUMNS, the accepted events a micro-batch read) with the events
    `state` holds, by the rules of the module docstring.

    `read_ms`: per partition, the newest append time (ms) among every record the micro-batch
    read (rejected ones too). `unfinished`: the partitions not read to their end (a micro-batch
    without a limit reads every partition to the end it saw when planned: none); one of them
    from which nothing was read yet holds every event back.
    `watermark_us`, `horizon_us`: the watermark and the dedup horizon (µs, horizon >= watermark).
    `partitions`: every partition of the topic (None: those read so far); an id is forgotten
    only once every one of them would forget it.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    schema = key_schema()
    pending = pa.concat_tables(
        [
            table.select(schema.names).cast(schema)
            for table in (state.held, events)
            if table is not None
        ]
        or [schema.empty_table()]
    )
    read = dict(state.read_ms)
    for partition, moment in read_ms.items():
        read[partition] = max(moment, read.get(partition, moment))
    never = np.iinfo(np.int64).min
    # What an unread part of partition p may hold comes at or after (read_ms[p], p) in append
    # order: an event of partition q is ready when it comes before that for every other p.
    unread_from = sorted((read.get(p, never), p) for p in unfinished)
    cuts = _cuts(pending, unread_from)
    if cuts:
        held_mask = _at_or_after_cuts(pending, cuts)
        ready = pending.filter(pc.invert(held_mask))
        held = pending.filter(held_mask)
    else:
        ready, held = pending, schema.empty_table()
    ready = ready.sort_by(
        [("append_ms", "ascending"), ("partition", "ascending"), ("offset", "ascending")]
    )

    times = ready["event_time_us"].to_numpy(zero_copy_only=False).astype(np.int64)
    before, frontiers = _partition_frontiers(ready, times, state.frontier_us)
    has_frontier = before != np.iinfo(np.int64).min
    late = has_frontier & (times <= before - watermark_us)
    duplicate, remembered = _duplicates(ready, before, state.remembered, horizon_us)
    verdict = np.where(duplicate, DUPLICATE, np.where(late, LATE, COUNTED)).astype(np.int8)
    everyone = set(frontiers) | set(read) | (partitions or set())
    if ready.num_rows and everyone <= set(frontiers):  # forgotten by every partition's rule
        oldest = min(frontiers[p] for p in everyone) - 2 * horizon_us
        remembered = remembered.filter(pc.greater_equal(remembered["event_time_us"], oldest))
    return Judged(
        verdicts=ready.append_column("verdict", pa.array(verdict, pa.int8())),
        held=held,
        state=OrderState(frontiers, read, held if held.num_rows else None, remembered),
        cuts=cuts,
    )


def _partition_frontiers(ready: pa.Table, times, carried: dict[int, int]):
    """For each ready event, the newest event time before it in its own partition (offset
    order; the carried frontier included; int64's minimum when none), and the frontiers after
    them, per partition."""
    import numpy as np

    never = np.iinfo(np.int64).min
    partitions = ready["partition"].to_numpy(zero_copy_only=False)
    offsets = ready["offset"].to_numpy(zero_copy_only=False)
    before = np.full(len(times), never, dtype=np.int64)
    frontiers = dict(carried)
    for partition in np.unique(partitions):
        where = np.flatnonzero(partitions == partition)
        where = where[np.argsort(offsets[where], kind="stable")]
        start = frontiers.get(int(partition), never)
        running = np.maximum.accumulate(np.concatenate(([start], times[where])))
        before[where] = running[:-1]
        frontiers[int(partition)] = int(running[-1])
    return before, frontiers


def _duplicates(
    ready: pa.Table, before, remembered: pa.Table | None, horizon_us: int
) -> tuple[object, pa.Table]:
    """Which of the `ready` events (in append order; `before`: each one's partition frontier)
    are
    duplicates, and the remembered ids after them (first copies added, none pruned yet).

    Vectorised for the events whose id occurs once (in `ready` and `remembered` together); the
    few ids with copies are walked in order."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    remembered = remembered if remembered is not None else remembered_schema().empty_table()
    ids = ready["event_id"]
    duplicate = np.zeros(ready.num_rows, dtype=bool)
    known = pc.is_in(ids, value_set=remembered["event_id"]).to_numpy(zero_copy_only=False)
    counts = pc.value_counts(ids)
    repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    copies = pc.is_in(ids, value_set=repeated).to_numpy(zero_copy_only=False)
    walk = np.flatnonzero(known | copies)
    first_time = (
        dict(
            zip(
                remembered["event_id"].to_pylist(),
                remembered["event_time_us"].to_pylist(),
                strict=True,
            )
        )
        if walk.size
        else {}
    )
    id_list = ids.to_pylist() if walk.size else []
    times = ready["event_time_us"].to_numpy(zero_copy_only=False)
    for index in walk:
        event_id = id_list[index]
        first = first_time.get(event_id)
        if first is not None and first >= int(before[index]) - 2 * horizon_us:
            duplicate[index] = True
        else:
            first_time[event_id] = int(times[index])
    walked = np.zeros(ready.num_rows, dtype=bool)
    walked[walk] = True
    firsts = ready.filter(pa.array(~duplicate & ~walked)).select(remembered_schema().names)
    firsts = firsts.cast(remembered_schema())
    if not walk.size:
        return duplicate, pa.concat_tables([remembered, firsts])
    # An id with copies is remembered by its last first copy in append order (a copy counted
    # again once its first copy was forgotten replaces it), as the walk left it.
    ids_walked = sorted({id_list[index] for index in walk})
    latest = pa.table(
        {"event_id": ids_walked, "event_time_us": [first_time[i] for i in ids_walked]},
        schema=remembered_schema(),
    )
    kept = pc.invert(pc.is_in(remembered["event_id"], value_set=latest["event_id"]))
    return duplicate, pa.concat_tables([remembered.filter(kept), latest, firsts])


def _cuts(pending: pa.Table, unread_from: list[tuple[int, int]]) -> dict[int, int]:
    """Per partition q, the lowest offset of a pending event of q that is not ready: not before
    (append time, partition) = (read_ms[p], p) of every unfinished partition p other than q
    (`unread_from`, ascending). None of q's later events is ready either (append times never
    go back within a partition)."""
    import pyarrow.compute as pc

    if not unread_from or not pending.num_rows:
        return {}
    cuts = {}
    for partition in pc.unique(pending["partition"]).to_pylist():
        bound = next((item for item in unread_from if item[1] != partition), None)
        if bound is None:
            continue
        moment, other = bound
        events = pending.filter(pc.equal(pending["partition"], partition))
        if partition > other:  # the same millisecond: the lower partition comes first
            waiting = pc.greater_equal(events["append_ms"], moment)
        else:
            waiting = pc.greater(events["append_ms"], moment)
        held = events.filter(waiting)
        if held.num_rows:
            cuts[partition] = pc.min(held["offset"]).as_py()
    return cuts


def _at_or_after_cuts(pending: pa.Table, cuts: dict[int, int]):
    """A boolean mask: the pending events at or after their partition's cut (held)."""
    import numpy as np
    import pyarrow as pa

    partitions = pending["partition"].to_numpy(zero_copy_only=False)
    offsets = pending["offset"].to_numpy(zero_copy_only=False)
    limit = np.full(len(offsets), np.iinfo(np.int64).max, dtype=np.int64)
    for partition, cut in cuts.items():
        limit[partitions == partition] = cut
    return pa.array(offsets >= limit)
