"""The Yahoo Streaming Benchmark's workload (YSB): ad events and the ad → campaign map.

Following Chintapalli et al., "Benchmarking Streaming Computation Engines: Storm, Flink and
Spark Streaming" (IEEE IPDPSW 2016) and its code, github.com/yahoo/streaming-benchmarks
(`data/src/setup/core.clj`, functions `make-kafka-event-at` and `run`): 100 campaigns of 10 ads
each; every event is a JSON object of seven string fields `user_id, page_id, ad_id, ad_type,
event_type, event_time, ip_address`, with `ad_id` drawn uniformly from the 1,000 ads, `ad_type`
from five and `event_type` from three values (so a third of the events are views), `user_id` and
`page_id` from 100 ids each, `ip_address` "1.2.3.4", and `event_time` the time (epoch
milliseconds, as a decimal string) at which the generator is scheduled to send it: events go out
at a paced rate, so event time is the send time. YSB's generator draws fresh random UUIDs; here
every id comes from the seed, so the same seed (and start) gives the same records.

These events are not the project's event contract (DESIGN.md): they go to a topic of their own
and are read by the YSB query (`benchmarks/ysb/query.py`) only.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

from workloads.records import Record, encode_event

CAMPAIGNS = 100
"""Campaigns in YSB's map (core.clj: num-campaigns)."""
ADS_PER_CAMPAIGN = 10
"""Ads per campaign (core.clj: ads are partitioned 10 to a campaign)."""
AD_TYPES = ("banner", "modal", "sponsored-search", "mail", "mobile")
EVENT_TYPES = ("view", "click", "purchase")
USERS = 100
PAGES = 100
"""YSB draws user_id and page_id from 100 ids each (core.clj `run`: make-ids 100)."""
IP_ADDRESS = "1.2.3.4"
FIELDS = ("user_id", "page_id", "ad_id", "ad_type", "event_type", "event_time", "ip_address")
"""The fields of a YSB event, in YSB's order; every value is a string."""


def _ids(rng: random.Random, count: int) -> list[str]:
    """`count` UUIDs (version 4 layout) drawn from `rng`: random-looking, reproducible."""
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


def campaign_map(seed: int) -> list[tuple[str, str]]:
    """The ad → campaign table as (ad_id, campaign_id) rows: CAMPAIGNS × ADS_PER_CAMPAIGN rows,
    every ad once, ADS_PER_CAMPAIGN ads per campaign. YSB keeps it in Redis; here it is a small
    static table the query joins (broadcast)."""
    rng = random.Random(f"ysb-campaigns-{seed}")
    campaigns = _ids(rng, CAMPAIGNS)
    ads = _ids(rng, CAMPAIGNS * ADS_PER_CAMPAIGN)
    return [(ad, campaigns[index // ADS_PER_CAMPAIGN]) for index, ad in enumerate(ads)]


def generate_ysb(seed: int, *, rate: float, seconds: float, start_ms: int) -> Iterator[Record]:
    """YSB events for `seconds` of paced sending at `rate` events/s: event i is due at
    `send_at` = i / rate s and carries event_time = start_ms + its due time in ms (YSB's
    generator stamps the time it is scheduled to send). Keyed by user_id. ValueError for a rate
    or duration not above 0."""
    if rate <= 0 or seconds <= 0:
        raise ValueError("rate and seconds must be above 0")
    rng = random.Random(f"ysb-events-{seed}")
    ads = [ad for ad, _campaign in campaign_map(seed)]
    users = _ids(random.Random(f"ysb-users-{seed}"), USERS)
    pages = _ids(random.Random(f"ysb-pages-{seed}"), PAGES)
    count = int(rate * seconds)
    for index in range(count):
        send_at = index / rate
        event_ms = start_ms + int(send_at * 1000)
        user = rng.choice(users)
        event = {
            "user_id": user,
            "page_id": rng.choice(pages),
            "ad_id": rng.choice(ads),
            "ad_type": rng.choice(AD_TYPES),
            "event_type": rng.choice(EVENT_TYPES),
            "event_time": str(event_ms),
            "ip_address": IP_ADDRESS,
        }
        yield Record(user.encode(), encode_event(event), "event", send_at, False, event_ms)


WARM_UP_AD = "warm-up"
"""The ad_id of warm-up events: in no campaign, so the query reads, parses and joins them but
counts none."""


def warm_up_records(count: int, *, start_ms: int) -> list[Record]:
    """`count` view events for an ad in no campaign (WARM_UP_AD), event time `start_ms`: sent
    before a measurement so that a query's first micro-batch with data (Spark plans and
    compiles it) is not one that is measured."""
    event = {
        "user_id": "warm-up", "page_id": "warm-up", "ad_id": WARM_UP_AD, "ad_type": AD_TYPES[0],
        "event_type": "view", "event_time": str(start_ms), "ip_address": IP_ADDRESS,
    }  # fmt: skip
    value = encode_event(event)
    return [Record(b"warm-up", value, "event", 0.0, False, start_ms) for _ in range(count)]
