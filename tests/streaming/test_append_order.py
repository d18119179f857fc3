"""Judging in append order (`streaming.append_order`): the same log gives the same verdicts
however it is cut into micro-batches, and they are the rules' verdicts walked one event at a
time (a plain reference here)."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from streaming.append_order import (
    COUNTED,
    DUPLICATE,
    LATE,
    OrderState,
    judge,
    key_schema,
)

WATERMARK_US = 10_000_000
HORIZON_US = 15_000_000


@st.composite
def logs(draw) -> dict[int, list[dict]]:
    """Per partition, its records in offset order: append times (ms) that never go back (ties
    across partitions likely), event times around them (some far behind, some ahead), ids from
    a small pool (copies, also across partitions), a few rejected records (no id)."""
    partitions = draw(st.integers(1, 4))
    log = {}
    for partition in range(partitions):
        records, append_ms = [], draw(st.integers(0, 5))
        for offset in range(draw(st.integers(0, 25))):
            append_ms += draw(st.integers(0, 3))
            rejected = draw(st.integers(0, 9)) == 0
            drift_s = draw(st.sampled_from([0, -1, -5, -12, -30, 4, 20, -3]))
            records.append(
                {
                    "partition": partition,
                    "offset": offset * draw(st.integers(1, 2)) if offset else 0,
                    "append_ms": append_ms,
                    "event_id": None if rejected else f"e{draw(st.integers(0, 30))}",
                    "event_time_us": (append_ms * 1000 + drift_s * 1_000_000) * 10,
                }
            )
        # offsets strictly increasing even with the gaps drawn above
        for index in range(1, len(records)):
            records[index]["offset"] = max(
                records[index]["offset"], records[index - 1]["offset"] + 1
            )
        log[partition] = records
    return log


def _reference(log: dict[int, list[dict]]) -> dict[tuple[int, int], int]:
    """The rules walked one accepted event at a time, in (append time, partition, offset); a
    partition's events come in offset order, their append times never going back."""
    events = sorted(
        (record for records in log.values() for record in records if record["event_id"]),
        key=lambda r: (r["append_ms"], r["partition"], r["offset"]),
    )
    verdicts, first_copy, frontier = {}, {}, {}
    for event in events:
        time, event_id, partition = event["event_time_us"], event["event_id"], event["partition"]
        first, own = first_copy.get(event_id), frontier.get(partition)
        if first is not None and (own is None or first >= own - 2 * HORIZON_US):
            verdict = DUPLICATE
        else:
            first_copy[event_id] = time
            late = own is not None and time <= own - WATERMARK_US
            verdict = LATE if late else COUNTED
        verdicts[(partition, event["offset"])] = verdict
        frontier[partition] = max(time, frontier.get(partition, time))
    return verdicts


def _table(records: list[dict]) -> pa.Table:
    accepted = [record for record in records if record["event_id"]]
    return pa.Table.from_pylist(accepted, schema=key_schema())


def _judged_in_cuts(log: dict[int, list[dict]], steps: list[dict[int, int]]) -> dict:
    """Judge the log micro-batch by micro-batch: each step reads up to so many more records of
    each partition; then a last one reads the rest."""
    position = {partition: 0 for partition in log}
    state, verdicts = OrderState(), {}
    for step in [*steps, {partition: len(records) for partition, records in log.items()}]:
        batch = []
        for partition, records in log.items():
            end = min(len(records), position[partition] + step.get(partition, 0))
            batch += records[position[partition] : end]
            position[partition] = end
        read_ms = {}
        for record in batch:
            read_ms[record["partition"]] = max(
                record["append_ms"], read_ms.get(record["partition"], 0)
            )
        unfinished = {p for p, records in log.items() if position[p] < len(records)}
        judged = judge(
            state,
            _table(batch),
            read_ms,
            unfinished,
            watermark_us=WATERMARK_US,
            horizon_us=HORIZON_US,
            partitions=set(log),
        )
        for row in judged.verdicts.to_pylist():
            key = (row["partition"], row["offset"])
            assert key not in verdicts, f"{key} judged twice"
            verdicts[key] = row["verdict"]
        state = judged.state
    assert state.held is None, "the last micro-batch read every partition to its end"
    return verdicts


@settings(max_examples=300, deadline=None)
@given(
    log=logs(), steps=st.lists(st.dictionaries(st.integers(0, 3), st.integers(0, 6)), max_size=8)
)
def test_any_cut_gives_the_verdicts_of_the_rules(log, steps):
    assert _judged_in_cuts(log, steps) == _reference(log)


@settings(max_examples=100, deadline=None)
@given(log=logs())
def test_one_record_at_a_time_gives_the_verdicts_of_the_whole_log(log):
    one_each = [{partition: 1} for partition in log for _ in log[partition]]
    assert _judged_in_cuts(log, one_each) == _judged_in_cuts(log, [])


def test_a_partition_read_ahead_holds_until_the_others_catch_up():
    """Case 16's kind: a sparse partition read ahead in append time makes no dense event late."""
    dense_s = [30 * i for i in range(20)]  # 20 views, 30 s apart
    sparse_s = [15, *(720 * j for j in range(1, 6))]  # 6 clicks, 12 minutes apart
    dense = [
        {"partition": 0, "offset": i, "append_ms": s, "event_id": f"d{i}",
         "event_time_us": s * 1_000_000}
        for i, s in enumerate(dense_s)
    ]  # fmt: skip
    sparse = [
        {"partition": 1, "offset": j, "append_ms": s, "event_id": f"s{j}",
         "event_time_us": s * 1_000_000}
        for j, s in enumerate(sparse_s)
    ]  # fmt: skip
    verdicts = _judged_in_cuts({0: dense, 1: sparse}, [{0: 3, 1: 1}] * 7)
    assert set(verdicts.values()) == {COUNTED}
    assert len(verdicts) == 26
