"""Kappa reprocessing, triggered by hand: a new version replays the log, then takes over serving.

Thin on purpose: each task calls one function of kappa/ (or the serving layer) and passes a small
dict on by XCom. Parsing this file imports only Airflow; the layers are imported inside the tasks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, PokeReturnValue, dag, task

POKE_SECONDS = 10
"""How often `wait_until_caught_up` measures the new version's lag."""

MAX_CATCH_UP_MINUTES = 24 * 60
"""The ceiling of the `catch_up_timeout_minutes` param (and the sensor's own hard timeout)."""

LAUNCH_RECORD = "launched_by.json"
"""Written into `kappa/v<N>/` by `start_version`: which DAG run chose N, so a retry reuses it."""

DOC = """
### Kappa reprocessing (Kreps)

To change the logic in a Kappa architecture, keep the log and reprocess it. One run of this DAG:

1. **start_version**: starts a new version `v<N>` of the streaming job in the background
   (`lk kappa run --version N`), reading the topic from offset 0 with the `logic_version` given
   here and writing to its own output folder `kappa/v<N>/`. The version in service keeps
   serving, untouched. `version` null means the next number after the newest version. If `v<N>`
   already runs it is reused, so a retry never starts a second job.
2. **wait_until_caught_up**: pokes every few seconds and logs how many records `v<N>` is behind
   the end of the log; done once it has replayed the whole log (`caught_up_at` in its
   `job.json`) and is at most `max_lag` records behind. Fails at once if the job died (see
   `kappa/v<N>/job.log`), and after `catch_up_timeout_minutes`.
3. **switch**: `kappa_*` serve `v<N>` from now on, in one atomic step (readers see the old version
   or the new one, never a mix), and the serving catalog is refreshed. The old version is kept,
   not retired, so `lk kappa rollback` serves it again at once; retire it later with
   `lk kappa retire M` (and stop its job with `lk kappa stop M`).

With `until_caught_up` false (the default) the new version keeps tailing the live log after the
switch, as Kreps describes; true stops it after the replay (a laptop, a test). When no version is
in service yet, the first one switches itself in as soon as it catches up and `switch` has
nothing to do.

Settings come from the `LK_*` environment variables the scheduler was started with
(`lk airflow up`).
"""


@dag(
    dag_id="kappa_reprocess",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 0,
        "retry_delay": timedelta(seconds=30),
    },
    params={
        "logic_version": Param("v1", type="string", description="the view logic to replay with"),
        "watermark": Param(
            "10 minutes", type="string", description="how late an event may arrive (event time)"
        ),
        "version": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            description="version number; null = the next after the newest existing version",
        ),
        "until_caught_up": Param(
            False,
            type="boolean",
            description="stop the new version after the replay instead of tailing the live log",
        ),
        "max_lag": Param(
            1000,
            type="integer",
            minimum=0,
            description="records the new version may be behind the log when it is switched in",
        ),
        "catch_up_timeout_minutes": Param(
            60,
            type="number",
            exclusiveMinimum=0,
            maximum=MAX_CATCH_UP_MINUTES,
            description="how long the replay may take before the run fails",
        ),
    },
    tags=["kappa", "reprocessing"],
    doc_md=DOC,
)
def kappa_reprocess() -> None:
    @task(retries=1, execution_timeout=timedelta(minutes=10))
    def start_version(params: dict | None = None, run_id: str | None = None) -> dict:
        """Start `lk kappa run --version N` in the background (or find it running); N, its PID
        and the version in service before it."""
        from airflow.sdk.exceptions import AirflowFailException

        from kappa.launch import running_pid, start_detached
        from kappa.versions import serving, versions
        from lk.atomic import read_json, write_json
        from lk.durations import parse_duration
        from lk.errors import LkError
        from lk.paths import Layout
        from lk.settings import Settings
        from views.catalog import views_at

        params = params or {}
        logic_version = params.get("logic_version") or "v1"
        watermark = params.get("watermark") or "10 minutes"
        try:  # a wrong param is not worth a retry
            views_at(logic_version)
            parse_duration(watermark)
        except LkError as error:
            raise AirflowFailException(str(error)) from None

        settings = Settings.from_env()
        layout = Layout(settings.data_dir)
        existing = versions(layout)
        number = params.get("version")
        if number is None:
            # A retry of this run reuses the version its first try chose.
            mine = [
                n
                for n in existing
                if (read_json(layout.kappa_version(n).root / LAUNCH_RECORD) or {}).get("run_id")
                == run_id
            ]
            number = mine[-1] if mine else max(existing, default=0) + 1
        number = int(number)
        paths = layout.kappa_version(number)
        previous = serving(layout).get("current")

        pid = running_pid(settings, number)
        if pid is not None:
            job = read_json(paths.state_file) or {}
            if job.get("logic_version") not in (None, logic_version):
                raise AirflowFailException(
                    f"v{number} already runs (pid {pid}) with logic {job['logic_version']}, "
                    f"not {logic_version}; choose another version number"
                )
            print(f"v{number} already runs in the background (pid {pid}); reusing it")
        else:
            paths.root.mkdir(parents=True, exist_ok=True)
            write_json(
                paths.root / LAUNCH_RECORD,
                {
                    "dag_id": "kappa_reprocess",
                    "run_id": run_id,
                    "launched_at": datetime.now(UTC).isoformat(),
                },
            )
            args = ["--logic-version", logic_version, "--watermark", watermark]
            if params.get("until_caught_up"):
                args.append("--until-caught-up")
            pid = start_detached(settings, number, args)
            print(
                f"started v{number} (logic {logic_version}, watermark {watermark!r}) in the "
                f"background, pid {pid}; log: {paths.root / 'job.log'}"
            )
        print(f"v{previous} keeps serving meanwhile" if previous else "no version serves yet")
        return {"version": number, "pid": pid, "previous": previous}

    @task.sensor(
        poke_interval=POKE_SECONDS,
        timeout=timedelta(minutes=MAX_CATCH_UP_MINUTES),  # the param's limit is checked in poke
        mode="poke",
    )
    def wait_until_caught_up(started: dict, params: dict | None = None, ti=None) -> PokeReturnValue:
        """Done when the version has replayed the whole log and is at most `max_lag` behind."""
        from airflow.sdk.exceptions import AirflowFailException, AirflowSensorTimeout

        from kappa.launch import running_pid
        from kappa.versions import lag
        from lk.atomic import read_json
        from lk.errors import LkError
        from lk.paths import Layout
        from lk.settings import Settings

        params = params or {}
        settings = Settings.from_env()
        number = started["version"]
        paths = Layout(settings.data_dir).kappa_version(number)
        max_lag = int(params.get("max_lag", 1000))
        try:
            behind = lag(settings, number)
        except LkError as error:  # e.g. the broker briefly away: the job keeps running
            print(f"v{number}: lag unknown this time ({error}); trying again")
            return PokeReturnValue(is_done=False)
        caught_up_at = (read_json(paths.state_file) or {}).get("caught_up_at")
        pid = running_pid(settings, number)
        print(
            f"v{number}: {behind['lag']} records behind the log (at most {max_lag} to switch); "
            f"offsets {behind['offsets']} of {behind['end_offsets']}; "
            f"{f'caught up at {caught_up_at}' if caught_up_at else 'replaying'}; "
            f"{f'running (pid {pid})' if pid else 'not running'}"
        )
        log = paths.root / "job.log"
        if pid is None and not caught_up_at:
            raise AirflowFailException(
                f"the job of v{number} stopped before catching up with the log; see {log}"
            )
        if pid is None and not params.get("until_caught_up"):
            raise AirflowFailException(
                f"the job of v{number} stopped after catching up, but it should keep tailing "
                f"the log; see {log}"
            )
        if caught_up_at and behind["lag"] <= max_lag:
            return PokeReturnValue(is_done=True, xcom_value={**started, "lag": behind["lag"]})
        if pid is None:  # stopped after its replay, and the log has grown since: it never will
            raise AirflowFailException(
                f"v{number} stopped after its replay and is {behind['lag']} records behind the "
                f"log now; run it again without until_caught_up, or `lk kappa switch {number} "
                "--force`"
            )
        limit = timedelta(minutes=float(params.get("catch_up_timeout_minutes", 60)))
        waited = datetime.now(UTC) - ti.start_date if ti and ti.start_date else timedelta(0)
        if waited > limit:
            raise AirflowSensorTimeout(
                f"v{number} is still {behind['lag']} records behind after {waited} (limit "
                f"{limit}); it keeps running: follow it with `lk kappa status`, switch it later "
                f"with `lk kappa switch {number}`, or stop it with `lk kappa stop {number}`"
            )
        return PokeReturnValue(is_done=False)

    @task(retries=1, retry_delay=timedelta(seconds=10), execution_timeout=timedelta(minutes=10))
    def switch(caught_up: dict, params: dict | None = None) -> dict:
        """Serve the new version (atomically) and refresh the catalog; the new serving state."""
        from kappa.versions import switch as switch_version
        from lk.settings import Settings
        from serving_layer.catalog import refresh_catalog

        settings = Settings.from_env()
        number = caught_up["version"]
        max_lag = int((params or {}).get("max_lag", 1000))
        switched = switch_version(settings, number, max_lag=max_lag)
        catalog = refresh_catalog(settings)
        if switched["changed"]:
            kept = switched.get("previous")
            print(
                f"kappa_* now serve v{number} (lag {switched['lag']} at the switch)"
                + (
                    f"; v{kept} is kept, not retired: `lk kappa rollback` serves it again at "
                    f"once, `lk kappa retire {kept}` deletes it"
                    if kept
                    else ""
                )
            )
        else:
            print(f"v{number} was already in service (the first version switches itself in)")
        return {**switched, "catalog": catalog}

    switch(wait_until_caught_up(start_version()))


kappa_reprocess()
