"""What a scenario does to the running jobs mid-run: kill and restart them (`failure`), or move
both architectures to another logic version (`logic-change`). A mixin of `ExperimentRun`: it
uses the run's jobs (`speed`, `kappa`, `batch`), `meter`, `sampler`, `record` and `mark`."""

from __future__ import annotations

import time

from core.errors import LkError
from core.settings import DEFAULT_MAX_LAG

ACTIONS = {"failure": "_fail_and_restart", "logic-change": "_change_logic"}
"""Scenario action -> the ScenarioActions method that carries it out."""


class ScenarioActions:
    """The actions, run in a thread of their own while the run keeps sampling; they start no
    job once the run is stopping (`_stopping`)."""

    def _fail_and_restart(self) -> None:
        """SIGKILL the speed job and Kappa v1 (driver and JVM), then restart both at once, as a
        supervisor would: each must resume from its checkpoint exactly once."""
        lags = dict(self.sampler.last_lag)
        self.speed.kill()
        self.kappa.kill(1)
        self.mark("speed job and Kappa v1 killed (SIGKILL)")
        self._wait_gone()
        if self._stopping.is_set():
            return
        self.meter.watch("speed", self.speed.start("v1"))
        self.meter.watch("kappa", self._restart_kappa(1, "v1"))
        restarted = time.time()
        self.mark("speed job and Kappa v1 restarted")
        self.record.action.update(
            {"lags_before": lags, "restarted": restarted, "rate": self.plan.rate}
        )

    def _wait_gone(self, seconds: float = 30.0) -> None:
        """Until the killed processes are gone (at most `seconds`)."""
        deadline = time.time() + seconds
        while time.time() < deadline and (self.speed.pid is not None or self.kappa.pid(1)):
            time.sleep(0.2)

    def _restart_kappa(self, number: int, logic: str) -> int:
        for _ in range(50):  # its lock is released when the killed process is reaped
            try:
                return self.kappa.start(number, logic)
            except LkError:
                time.sleep(0.2)
        return self.kappa.start(number, logic)

    def _change_logic(self) -> None:
        """Move both architectures to logic v2: Lambda redeploys its speed layer with v2 (from
        offset 0: a checkpoint is one logic) and recomputes its batch views with v2 at once;
        Kappa replays the log into v2 beside v1, switches when v2 has caught up, stops v1."""
        from architectures.kappa_architecture import catch_up_state, switch

        self.record.logic_version = "v2"
        self.mark("logic change to v2")
        self.batch.run_now("v2")  # a v1 run under way is not published
        self.meter.watch("kappa", self.kappa.start(2, "v2"))
        self.mark("Kappa: v2 replaying beside v1")
        if self._stopping.is_set():
            return
        self.meter.watch("speed", self.speed.start_over("v2"))
        self.mark("Lambda: speed layer redeployed with v2, batch recompute with v2 requested")
        while catch_up_state(self.settings, 2, max_lag=DEFAULT_MAX_LAG, keeps_tailing=True) is None:
            if self._stopping.is_set():
                return
            time.sleep(1.0)
        switch(self.settings, 2)
        self.kappa_version = 2
        self.mark("Kappa: v2 caught up and switched in")
        self.kappa.stop(1)
