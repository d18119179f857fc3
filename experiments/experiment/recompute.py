"""The recompute at the end of an experiment, timed on the same events: the batch layer's views
over the whole master dataset (a spark-submit, as the `lambda_batch` DAG runs it) against a Kappa
replay of the whole log into a new version. A mixin of `ExperimentRun`: it uses the run's
`settings`, `layout`, `kappa`, `kappa_version`, `meter` and `record`, and `RetainedLog`'s steps
for a scenario whose topic's retention deletes the log's head before the rebuilds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial

from core.atomic import read_json
from core.errors import LkError
from core.processes import alive
from kappa.versions import versions


class Recompute:
    """Times both recomputes while the resource meter samples their processes."""

    def _recompute(self) -> dict:
        """The whole recompute, timed on the same events: the batch layer's views over the
        whole master dataset (a spark-submit, as the DAG runs it, rebuilt even when the last
        scheduled run covers the same runs: staged, not published) and a Kappa replay of the
        whole log into a new version (until caught up), each from its process start."""
        from architectures.lambda_architecture import views_step

        expired = self._expire_head()  # a scenario with a retention: the log's head goes
        logic = self.record.logic_version
        self.meter.watch_children("batch-recompute")
        started = time.perf_counter()
        staged = self._while_sampling(partial(views_step, rebuild=True), self.settings, logic)
        batch_seconds = time.perf_counter() - started
        number = max(versions(self.layout), default=0) + 1  # a new version: a whole replay
        started = time.perf_counter()
        pid = self.kappa.start(number, logic, until_caught_up=True)
        self.meter.watch("kappa-replay", pid)
        while alive(pid):
            self.meter.sample()
            time.sleep(0.5)
        replay_seconds = time.perf_counter() - started

        replayed = read_json(self.layout.kappa_version(number).progress / "latest.json") or {}
        if replayed.get("lag") != 0:
            raise LkError(
                f"the Kappa replay (v{number}) stopped before catching up; see "
                f"{self.layout.kappa_version(number).root / 'job.log'}"
            )
        figures = {
            "records": replayed.get("records"),
            "events": replayed.get("counted"),
            "lambda_seconds": round(batch_seconds, 2),
            "kappa_seconds": round(replay_seconds, 2),
        }
        if expired is not None:
            figures["retention"] = {**expired, **self._serve_rebuilds(staged, number)}
        return figures

    def _while_sampling(self, work: Callable[..., dict], *args: object) -> dict:
        """Run `work(*args)` in a thread while this one samples resources; what it returned, or
        its error, raised."""
        failed: list[BaseException] = []
        returned: list[dict] = []

        def run() -> None:
            try:
                returned.append(work(*args))
            except BaseException as error:  # noqa: BLE001 - raised again below
                failed.append(error)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        while thread.is_alive():
            self.meter.sample()
            thread.join(0.5)
        if failed:
            raise failed[0]
        return returned[0]
