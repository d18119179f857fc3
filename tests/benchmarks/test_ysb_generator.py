"""The YSB generator: YSB's schema and values, 100 campaigns of 10 ads, pacing, determinism."""

import json
import re
from collections import Counter

import pytest

from benchmarks.ysb.generator import (
    AD_TYPES,
    ADS_PER_CAMPAIGN,
    CAMPAIGNS,
    EVENT_TYPES,
    FIELDS,
    IP_ADDRESS,
    PAGES,
    USERS,
    WARM_UP_AD,
    campaign_map,
    generate_ysb,
    warm_up_records,
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def records(seed=3, rate=500.0, seconds=20.0, start_ms=START_MS):
    return list(generate_ysb(seed, rate=rate, seconds=seconds, start_ms=start_ms))


@pytest.fixture(scope="module")
def sample():
    return records()


def test_the_campaign_map_is_100_campaigns_of_10_distinct_ads():
    rows = campaign_map(3)
    ads = [ad for ad, _ in rows]
    per_campaign = Counter(campaign for _, campaign in rows)
    assert len(rows) == len(set(ads)) == CAMPAIGNS * ADS_PER_CAMPAIGN == 1000
    assert len(per_campaign) == CAMPAIGNS == 100
    assert set(per_campaign.values()) == {ADS_PER_CAMPAIGN}
    assert all(UUID.match(ad) and UUID.match(campaign) for ad, campaign in rows)


def test_every_event_has_ysb_fields_as_strings_and_only_allowed_values(sample):
    ads = {ad for ad, _ in campaign_map(3)}
    events = [json.loads(record.value) for record in sample]
    assert all(list(event) == list(FIELDS) for event in events)
    assert all(isinstance(value, str) for event in events for value in event.values())
    assert {e["ad_type"] for e in events} == set(AD_TYPES)
    assert {e["event_type"] for e in events} == set(EVENT_TYPES)
    assert {e["ip_address"] for e in events} == {IP_ADDRESS}
    assert {e["ad_id"] for e in events} <= ads
    assert len({e["user_id"] for e in events}) == USERS
    assert len({e["page_id"] for e in events}) == PAGES
    assert all(UUID.match(e["user_id"]) and UUID.match(e["page_id"]) for e in events)
    assert all(r.key == json.loads(r.value)["user_id"].encode() for r in sample)


def test_events_are_paced_and_stamped_with_their_send_time(sample):
    assert len(sample) == 500 * 20
    for index, record in enumerate(sample):
        assert record.send_at == pytest.approx(index / 500)
        assert record.event_time_ms == START_MS + int(index / 500 * 1000)
        assert json.loads(record.value)["event_time"] == str(record.event_time_ms)
        assert record.kind == "event" and not record.late


def test_about_a_third_of_the_events_are_views(sample):
    views = sum(json.loads(r.value)["event_type"] == "view" for r in sample)
    assert views / len(sample) == pytest.approx(1 / 3, abs=0.02)


def test_same_seed_same_bytes_other_seed_other_ids():
    assert [r.value for r in records(seconds=2)] == [r.value for r in records(seconds=2)]
    assert campaign_map(3) == campaign_map(3)
    assert {ad for ad, _ in campaign_map(4)}.isdisjoint({ad for ad, _ in campaign_map(3)})
    assert [r.value for r in records(seed=4, seconds=2)] != [r.value for r in records(seconds=2)]


def test_warm_up_events_name_an_ad_in_no_campaign():
    warm_up = warm_up_records(5, start_ms=START_MS)
    assert len(warm_up) == 5
    assert {json.loads(r.value)["ad_id"] for r in warm_up} == {WARM_UP_AD}
    assert WARM_UP_AD not in dict(campaign_map(3))


def test_a_rate_or_duration_of_zero_is_refused():
    with pytest.raises(ValueError):
        records(rate=0)
