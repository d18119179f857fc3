"""The seeded generator: determinism, and that each knob produces the distribution it promises."""

import json
import statistics
from collections import Counter
from datetime import datetime

import pytest

from views.validation import check_record, parse_event_time
from workloads.generator import generate
from workloads.malformed import MALFORMED_KINDS
from workloads.scenarios import SCENARIOS, Scenario, scenario_named


def records(scenario="dirty", seed=7, **amount):
    chosen = scenario if isinstance(scenario, Scenario) else SCENARIOS[scenario]
    return list(generate(chosen, seed, **amount))


@pytest.fixture(scope="module")
def dirty():
    return records("dirty", events=50_000)


def test_same_seed_same_bytes_other_seed_other_bytes():
    first = [(r.key, r.value, r.kind) for r in records(events=2_000)]
    again = [(r.key, r.value, r.kind) for r in records(events=2_000)]
    other = [(r.key, r.value, r.kind) for r in records(seed=8, events=2_000)]
    assert first == again
    assert first != other


def test_event_ids_are_unique_and_duplicates_repeat_an_earlier_event_exactly(dirty):
    originals = [r for r in dirty if r.kind == "event"]
    ids = [json.loads(r.value)["event_id"] for r in originals]
    assert len(ids) == len(set(ids)) == 50_000
    assert all(len(i) == 36 for i in ids)  # UUIDs, never small integers
    sent_before = set()
    for record in dirty:
        if record.kind == "event":
            sent_before.add(record.value)
        elif record.kind == "duplicate":
            assert record.value in sent_before


def test_fractions_match_the_scenario(dirty):
    kinds = Counter(r.kind for r in dirty)
    scenario = SCENARIOS["dirty"]
    assert kinds["duplicate"] / 50_000 == pytest.approx(scenario.duplicate_fraction, abs=0.005)
    assert kinds["malformed"] / 50_000 == pytest.approx(scenario.malformed_fraction, abs=0.005)
    late = [r for r in dirty if r.late]
    assert len(late) / 50_000 == pytest.approx(scenario.late_fraction, abs=0.005)


def test_action_mix_and_amounts(dirty):
    events = [json.loads(r.value) for r in dirty if r.kind == "event"]
    actions = Counter(e["action"] for e in events)
    assert actions["view"] / len(events) == pytest.approx(0.80, abs=0.01)
    assert actions["click"] / len(events) == pytest.approx(0.15, abs=0.01)
    assert actions["purchase"] / len(events) == pytest.approx(0.05, abs=0.01)
    amounts = [e["amount"] for e in events if e["action"] == "purchase"]
    assert all(a > 0 and round(a, 2) == a for a in amounts)
    assert statistics.median(amounts) == pytest.approx(25.0, rel=0.15)
    assert all(e["amount"] == 0 for e in events if e["action"] != "purchase")


def test_users_are_skewed_but_many(dirty):
    users = Counter(json.loads(r.value)["user_id"] for r in dirty if r.kind == "event")
    assert len(users) > 900
    assert users.most_common(1)[0][1] > 20 * statistics.median(users.values())


def test_every_valid_record_passes_validation_and_every_malformed_kind_is_rejected_for_its_reason():
    seen = Counter()
    for record in records("dirty", events=20_000):
        checked = check_record(record.value)
        if record.kind == "malformed":
            reason = checked.reason.split(":")[0]
            kind = "invalid_json" if reason == "not_an_object" else reason
            seen[kind] += 1
        else:
            assert checked.accepted, (record.value, checked.reason)
    assert set(seen) == set(MALFORMED_KINDS)


def test_late_events_lag_by_the_configured_distribution():
    scenario = scenario_named("late-data").with_overrides(jitter_seconds=0.0, acceleration=1.0)
    lags = []
    for record in records(scenario, events=40_000):
        if record.kind == "event":
            scheduled_ms = scenario.start.timestamp() * 1000 + record.send_at * 1000
            lag = (scheduled_ms - record.event_time_ms) / 1000
            assert (lag > 0.001) == record.late
            if record.late:
                lags.append(lag)
    assert statistics.mean(lags) == pytest.approx(scenario.late_mean_seconds, rel=0.1)
    assert max(lags) <= scenario.late_max_seconds


def test_duration_rate_and_acceleration_set_count_and_event_time_span():
    scenario = scenario_named("steady").with_overrides(rate=200.0, acceleration=60.0)
    sent = records(scenario, duration=30.0)
    assert len(sent) == 6_000
    times = [parse_event_time(json.loads(r.value)["event_time"]) for r in sent]
    span = (max(times) - min(times)).total_seconds()
    assert span == pytest.approx(30 * 60, rel=0.01)  # 30 s of sending, 30 min of event time
    assert all(t.tzinfo is not None for t in times)


def test_burst_multiplies_the_rate_during_the_burst():
    scenario = SCENARIOS["burst"].with_overrides(rate=100.0)
    sent = records(scenario, duration=20.0)
    per_second = Counter(int(r.send_at) for r in sent)
    quiet, busy = per_second[0], per_second[9]
    assert quiet == pytest.approx(100, abs=2)
    assert busy == pytest.approx(1_000, abs=20)


def test_start_time_moves_the_event_clock():
    start = datetime.fromisoformat("2030-06-01T12:00:00+00:00")
    first = records(
        scenario_named("steady").with_overrides(start=start, jitter_seconds=0), events=1
    )
    assert json.loads(first[0].value)["event_time"] == "2030-06-01T12:00:00.000Z"


def test_unknown_scenario_and_knob_are_readable_errors():
    from core.errors import LkError

    with pytest.raises(LkError, match="steady, late-data, dirty, burst"):
        scenario_named("nope")
    with pytest.raises(LkError, match="unknown scenario knob"):
        SCENARIOS["steady"].with_overrides(colour="red")
