"""A topic that keeps only the newest part of its log (the `retention` scenario), and what each
architecture rebuilds from what it keeps.

Real clusters delete a topic's oldest segments once their records are older than `retention.ms`
(seven days by default). Lambda's master dataset keeps every event its batch layer ingested; a
Kappa replay starts at the log start offset and rebuilds only what the log still holds.

A run of this scenario creates its topic with segments that roll every RETENTION_SEGMENTS-th of
the sending time (`segment.ms`), so retention can delete part of a short stream. Once the live
phase has settled (a batch run that began after the last record has served: every record is in
the master dataset) and the oracle has read the whole log, it sets the topic's `retention.ms`
to the age of the records appended at the scenario's share of the sending time, and as soon as
the brokers' next retention checks have deleted the segments older than that, sets it back to
-1 (retention is relative to now: left on, it would take the rest of the log within seconds).
The cut is whole segments, as retention deletes them, and up to a check interval (1 s on a
broker of `lk kafka up`; on a cluster up to OTHER_BROKERS_S more) later than asked: the records
deleted are those before the log start offsets found, per partition. The cut is taken on this
machine's clock against the brokers' append times (LogAppendTime): on a remote cluster, their
clocks' offset moves it.

After the timed rebuilds, both are put in service (Lambda publishes its rebuilt batch version,
Kappa switches to its replay) and one sample of the served views is compared with the oracle of
the full stream: `rebuild_accuracy`, the share of the oracle's rows each serves exactly.
"""

from __future__ import annotations

import time

import pyarrow.parquet as pq

from core.errors import LkError
from core.kafka_client import start_offsets
from core.kafka_configs import retention_check_ms, set_topic_config
from experiments.experiment.metrics import final_state
from experiments.experiment.sampler import ServedRowsSampler
from experiments.experiment.served import of_views

RETENTION_SEGMENTS = 12
"""Segments the sending time is cut into (`segment.ms` = sending time / this): Kafka deletes
whole segments, so the cut falls within a twelfth of the sending time of the share asked for."""
MIN_SEGMENT_MS = 500
"""The shortest segment time the scenario sets (ms): a segment per partition at most twice a
second, whatever the stream's length."""
DELETION_WAIT_S = 30.0
"""How long to wait for the brokers to delete the expired segments (s); nothing deleted by then is
an LkError. A broker started here checks every second (`infra.kafka_broker.RETENTION_CHECK_MS`);
Kafka's default is 5 minutes, refused up front (MAX_CHECK_MS)."""
MAX_CHECK_MS = 10_000
"""The longest retention check interval of the brokers (`log.retention.check.interval.ms`, ms)
the scenario runs with: it is refused before its live phase on a cluster that checks less often."""
OTHER_BROKERS_S = 2.5
"""After the first partition's head is deleted, how long the other brokers (each checks on a
clock of its own) get to delete theirs before retention is set back (s)."""
STABLE_S = 2.0
"""The log start offsets must stay put this long (s) after retention is set back."""


def retention_topic_config(send_seconds: float, retention: float | None) -> dict[str, str]:
    """Topic settings for a run that sends for `send_seconds` s: `segment.ms` for a scenario
    with a retention (None: no settings beyond the project's)."""
    if retention is None:
        return {}
    segment_ms = max(MIN_SEGMENT_MS, round(send_seconds * 1000 / RETENTION_SEGMENTS))
    return {"segment.ms": str(segment_ms)}


def require_retention_checks(bootstrap: str, scenario: str) -> None:
    """LkError (one line) unless the brokers at `bootstrap` check retention at least every
    MAX_CHECK_MS (a scenario with a retention waits for their check)."""
    check_ms = retention_check_ms(bootstrap)
    if check_ms is None or check_ms > MAX_CHECK_MS:
        raise LkError(
            f"the {scenario} scenario needs brokers that check retention at least every "
            f"{MAX_CHECK_MS // 1000} s; {bootstrap} checks every {check_ms} ms (set "
            "log.retention.check.interval.ms=1000, as `lk kafka up` does)"
        )


class RetainedLog:
    """The retention step and the rebuilds' accuracy. A mixin of `ExperimentRun`: it uses the
    run's `settings`, `plan`, `record`, `send_started` and `mark`."""

    def _topic_configs(self) -> dict[str, str]:
        """The run topic's settings beyond the project's. LkError (one line) for a scenario
        with a retention on brokers that check retention less often than MAX_CHECK_MS."""
        if self.plan.scenario.retention is not None:
            require_retention_checks(self.settings.bootstrap, self.plan.scenario.name)
        return retention_topic_config(self.plan.send_seconds, self.plan.scenario.retention)

    def _expire_head(self) -> dict | None:
        """For a scenario with a retention, delete the log's head as retention would and return
        `retention_ms` (what it was set to), `cut_s` (s after sending began: the records
        appended before it, and up to a retention check later, expire), `log_start_offsets`
        (per partition) and `records_deleted`; None for any other scenario."""
        share = self.plan.scenario.retention
        if share is None:
            return None
        bootstrap, topic = self.settings.bootstrap, self.settings.topic
        cut = self.send_started + share * self.plan.send_seconds
        before = start_offsets(bootstrap, topic)
        retention_ms = max(1, round((time.time() - cut) * 1000))
        set_topic_config(bootstrap, topic, {"retention.ms": str(retention_ms)})
        try:
            self._wait_for_change(before)
        finally:  # retention is relative to now: left on, it would take the rest in seconds
            set_topic_config(bootstrap, topic, {"retention.ms": "-1"})
        log_start = self._settled_offsets()
        deleted = sum(log_start.values()) - sum(before.values())
        if not deleted:
            raise LkError(
                f"retention deleted nothing from {topic} within {DELETION_WAIT_S:.0f} s of "
                f"retention.ms={retention_ms}: were its segments rolled (segment.ms)?"
            )
        self.mark(f"retention deleted {deleted} records (the log's head before "
                  f"{cut - self.send_started:.1f} s)")  # fmt: skip
        return {
            "retention_ms": retention_ms,
            "cut_s": round(cut - self.send_started, 3),
            "log_start_offsets": {str(p): offset for p, offset in sorted(log_start.items())},
            "records_deleted": deleted,
        }

    def _wait_for_change(self, before: dict[int, int]) -> None:
        """Until every log start offset has moved from `before`, or OTHER_BROKERS_S after the
        first one did (a partition may have no segment old enough), or DELETION_WAIT_S."""
        bootstrap, topic = self.settings.bootstrap, self.settings.topic
        deadline, first = time.time() + DELETION_WAIT_S, None
        while time.time() < deadline:
            now = start_offsets(bootstrap, topic)
            moved = [p for p, offset in now.items() if offset != before.get(p)]
            if moved and first is None:
                first = time.time()
            if len(moved) == len(now) or (first and time.time() - first >= OTHER_BROKERS_S):
                return
            time.sleep(0.25)

    def _settled_offsets(self) -> dict[int, int]:
        """The log start offsets once they stayed put for STABLE_S (a retention check under
        way when retention was set back may still delete)."""
        bootstrap, topic = self.settings.bootstrap, self.settings.topic
        last, since = start_offsets(bootstrap, topic), time.time()
        while time.time() - since < STABLE_S:
            time.sleep(0.2)
            now = start_offsets(bootstrap, topic)
            if now != last:
                last, since = now, time.time()
        return last

    def _serve_rebuilds(self, staged: dict, number: int) -> dict:
        """Put both rebuilds in service (publish Lambda's staged batch version; switch Kappa to
        version `number`), read the served views once and return `rebuild_accuracy` per
        architecture: the share of the oracle's rows (of the full stream) served exactly."""
        from architectures.kappa_architecture import switch
        from architectures.lambda_architecture import publish_step

        publish_step(self.settings, staged)
        switch(self.settings, number)  # and refreshes the catalog: both rebuilds served
        sampler = ServedRowsSampler(self.settings, self.mark, self.plan.sampled_views)
        sampler.sample()
        truth = of_views(
            pq.read_table(self.record.folder / "truth_rows.parquet"), self.plan.sampled_views
        )
        return {
            "rebuild_accuracy": {
                architecture: final_state(
                    sampler.changes(), sampler.samples(), truth, architecture
                )["accuracy_final"]
                for architecture in ("lambda", "kappa")
            }
        }
