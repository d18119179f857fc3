"""One repeat of an experiment: a scenario streamed live through Lambda and Kappa at once.

On a fresh topic (and a data directory of its own): the speed layer and Kappa v1 run live in
processes of their own; the batch layer runs every `batch_interval` s; the scenario's records
are sent at its rate; the served views are sampled every `sample_interval` s. The run ends once
everything is sent, both streaming jobs have caught up and a batch run that started after the
last record has served. Then the oracle reads the log, and the recompute is timed: the batch
layer's views over the whole master dataset, and a Kappa replay of the whole log into a new
version. Everything it records goes into its own folder (`run-<k>/`).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.errors import LkError
from core.kafka_client import delete_topic, ensure_topic
from core.layout import Layout
from core.settings import Settings
from experiments.experiment.actions import ACTIONS, ScenarioActions
from experiments.experiment.airflow_batch import AirflowBatch
from experiments.experiment.disk import DiskMeter
from experiments.experiment.jobs import BatchSchedule, KappaJobs, SpeedJob, live_query_runs
from experiments.experiment.plan import Plan
from experiments.experiment.recompute import Recompute
from experiments.experiment.resources import ResourceMeter
from experiments.experiment.retention import RetainedLog
from experiments.experiment.sampler import ServedRowsSampler, write_parquet
from experiments.experiment.truth_rows import truth_rows
from experiments.experiment.workload import records_of, sent_figures
from infra.kafka_broker import broker_files, running_pid
from kappa.versions import versions
from oracle.truth import compute_truth
from workloads.producer import send_records
from workloads.records import Record


@dataclass
class RunRecord:
    """What one repeat recorded: its start (s since the epoch), marks (t, what), the send
    summary, figures per component, disk bytes per architecture (figures and series), recompute
    figures, and the action's moments."""

    repeat: int
    folder: Path
    started: float = 0.0
    marks: list[tuple[float, str]] = field(default_factory=list)
    sent: dict = field(default_factory=dict)
    resources: dict = field(default_factory=dict)
    disk: dict = field(default_factory=dict)
    disk_series: list[dict] = field(default_factory=list)
    recompute: dict = field(default_factory=dict)
    status: dict = field(default_factory=dict)
    action: dict = field(default_factory=dict)
    logic_version: str = "v1"
    ended_by: str = ""


Display = Callable[[dict], None]
"""Shows the run's state: phase, elapsed s, records sent, lag per architecture, batch runs."""


class ExperimentRun(ScenarioActions, Recompute, RetainedLog):
    """One repeat: start the jobs, send, sample, act, settle, then the oracle and recompute."""

    def __init__(
        self, settings: Settings, plan: Plan, folder: Path, repeat: int, display: Display
    ) -> None:
        self.base = settings
        self.plan = plan
        self.record = RunRecord(repeat=repeat, folder=folder)
        self.display = display
        self.settings = replace(
            settings,
            data_dir=folder / "data",
            topic=f"lk-experiment-{plan.scenario.name}-{uuid.uuid4().hex[:8]}",
        )
        self.layout = Layout(self.settings.data_dir)
        self.meter = ResourceMeter()
        self.disk = DiskMeter(self.settings, plan.sample_interval)
        self.sampler = ServedRowsSampler(self.settings, self.mark, plan.sampled_views)
        watermark = plan.scenario.watermark
        self.speed = SpeedJob(self.settings, folder, watermark)
        self.kappa = KappaJobs(self.settings, watermark)
        self.airflow = AirflowBatch(self.settings) if plan.orchestrator == "airflow" else None
        self.batch = BatchSchedule(
            self.settings, plan.batch_interval, self.mark, self.airflow and self.airflow.run
        )
        self.kappa_version = 1
        self.phase = "starting"
        self.send_started = 0.0
        self._sender: threading.Thread | None = None
        self._send_done = threading.Event()
        self._send_error: list[BaseException] = []
        self._action_thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def mark(self, what: str) -> None:
        """Note a moment of the run."""
        self.record.marks.append((time.time(), what))

    def execute(self) -> RunRecord:
        """Run it; the record (files written to its folder)."""
        self.record.folder.mkdir(parents=True, exist_ok=True)
        ensure_topic(self.settings.bootstrap, self.settings.topic, configs=self._topic_configs())
        try:
            if not self.plan.streams_only:  # a benchmark of the streams: no walk of the disk
                self.disk.start()
            self._live()
            self._afterwards()
        finally:
            self.disk.stop()
            self._stopping.set()
            if self._action_thread is not None:
                self._action_thread.join(timeout=180.0)  # it starts no job from now on
            self.batch.stop()
            self._stop_jobs()
            if self.airflow is not None:
                self.airflow.stop()
            if not self.plan.keep_topic:
                delete_topic(self.settings.bootstrap, self.settings.topic)
        return self.record

    # -- live phase --------------------------------------------------------------------------

    def _live(self) -> None:
        self.record.started = time.time()
        self.meter.watch("kafka", running_pid(broker_files(self.base)))
        self.meter.watch("speed", self.speed.start("v1"))
        self.meter.watch("kappa", self.kappa.start(1, "v1"))
        self.meter.watch_children("batch")
        if self.airflow is not None:
            self.phase = "starting Airflow"
            self.display(self._state())
            for pid in self.airflow.start():
                self.meter.watch("airflow", pid)
            self.mark(f"Airflow started at {self.airflow.state.url}")
        self.mark("speed layer and Kappa v1 started")
        self.phase = "starting the jobs"
        self._wait_for_queries()
        self.mark("speed layer and Kappa v1 running: sending starts")
        self.send_started = time.time()
        if not self.plan.streams_only:
            self.batch.start()
        self._sender = threading.Thread(target=self._send, name="producer", daemon=True)
        self._sender.start()
        self.phase = "streaming"
        deadline = None
        while True:
            moment = self.sampler.sample()
            self.meter.sample()
            self._maybe_act(moment)
            if self._send_error:
                raise self._send_error[0]
            if self._send_done.is_set() and deadline is None:
                deadline = moment + self.plan.settle_timeout
                self.phase = "settling"
            if deadline is not None and self._settled():
                self.record.ended_by = "settled"
                break
            if deadline is not None and moment > deadline:
                self.record.ended_by = f"timeout after {self.plan.settle_timeout:.0f} s"
                self.mark("the jobs did not settle in time")
                break
            self.display(self._state())
            time.sleep(max(self.plan.sample_interval - (time.time() - moment), 0.0))
        self.sampler.sample()  # the state served at the end
        self.meter.sample()
        self.display(self._state())

    def _wait_for_queries(self) -> None:
        """Until the speed layer's and Kappa v1's live queries run (`jobs.live_query_runs`),
        so that the stream is live from its first record. LkError if a job stops first or
        none runs within the settle timeout."""
        jobs = {
            "the speed layer": (self.layout.speed, self.speed.log, lambda: self.speed.pid),
            "Kappa v1": (self.layout.kappa_version(1), None, lambda: self.kappa.pid(1)),
        }
        deadline = time.time() + self.plan.settle_timeout
        while True:
            waiting = []
            for name, (paths, log, pid) in jobs.items():
                if live_query_runs(paths):
                    continue
                if pid() is None:
                    log = log or paths.root / "job.log"
                    raise LkError(f"{name} stopped before its query started; see {log}")
                waiting.append(name)
            if not waiting:
                return
            if time.time() > deadline:
                raise LkError(f"{' and '.join(waiting)} did not start within the settle timeout")
            self.meter.sample()
            self.display(self._state())
            time.sleep(0.5)

    def _send(self) -> None:
        try:
            summary = send_records(
                self._records(),
                self.settings.bootstrap,
                self.settings.topic,
                paced=True,
                show_progress=False,
                total=None,
            )
            self.record.sent = sent_figures(summary)
            self.mark(f"all {summary.records} records sent")
            self.batch.enough_after(self._last_send())  # one batch run after it will do
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            self._send_error.append(error)
        finally:
            self._send_done.set()

    def _records(self) -> Iterator[Record]:
        return records_of(replace(self.plan, seed=self.plan.seed_of(self.record.repeat)))

    def _settled(self) -> bool:
        """Everything sent is processed by both streams, the action is over, and a batch run
        that started after the last record has served."""
        last_send = self._last_send()
        lags = self.sampler.last_lag
        caught_up = all(lags.get(arch) == 0 for arch in ("lambda", "kappa"))
        acted = self._action_thread is None or not self._action_thread.is_alive()
        batched = self.plan.streams_only or self.batch.served_since(last_send)
        return caught_up and acted and batched

    def _last_send(self) -> float | None:
        return max((t for t, what in self.record.marks if what.startswith("all ")), default=None)

    def _state(self) -> dict:
        return {
            "repeat": self.record.repeat,
            "phase": self.phase,
            "elapsed_s": time.time() - self.record.started,
            "sent": self.sampler.sent,
            "lag": dict(self.sampler.last_lag),
            "batch_runs": len(self.batch.runs),
            "errors": dict(self.sampler.last_error),
            "last_mark": self.record.marks[-1][1] if self.record.marks else "",
        }

    # -- the scenario's action ---------------------------------------------------------------

    def _maybe_act(self, moment: float) -> None:
        scenario = self.plan.scenario
        if scenario.action is None or self.record.action:
            return
        if moment - self.send_started < scenario.action_at * self.plan.send_seconds:
            return
        self.record.action = {"name": scenario.action, "at": moment}
        act = getattr(self, ACTIONS[scenario.action])
        self._action_thread = threading.Thread(target=act, name=scenario.action, daemon=True)
        self._action_thread.start()

    # -- after the stream --------------------------------------------------------------------

    def _afterwards(self) -> None:
        self.phase = "stopping"
        self.display(self._state())
        self.batch.stop()
        self._stop_jobs()
        self.record.status = self._stream_status()
        self.phase = "oracle"
        self.display(self._state())
        compute_truth(self.settings, self.record.logic_version)
        truth = truth_rows(self.settings, self.record.logic_version)
        folder = self.record.folder
        write_parquet(self.sampler.changes(), folder / "changes.parquet")
        write_parquet(self.sampler.samples(), folder / "samples.parquet")
        write_parquet(truth, folder / "truth_rows.parquet")
        if self.plan.recompute and not self.plan.streams_only:
            self.phase = self.disk.phase = "recompute"
            self.display(self._state())
            self.record.recompute = self._recompute()
        self.record.resources = self.meter.figures()
        self.record.disk, self.record.disk_series = self.disk.finish(self.record.started)

    def _stream_status(self) -> dict:
        """Per architecture, its streaming job's last summary (progress/latest.json)."""
        from core.atomic import read_json

        return {
            "lambda": read_json(self.layout.speed.progress / "latest.json") or {},
            "kappa": read_json(
                self.layout.kappa_version(self.kappa_version).progress / "latest.json"
            )
            or {},
        }

    def _stop_jobs(self) -> None:
        self.speed.stop()
        for number in versions(self.layout):
            self.kappa.stop(number)
