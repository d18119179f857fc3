"""The Airflow UI as a user sees it, in a real browser: Debian's Chromium driven by Playwright
logs into the project's Airflow (started once for this module, the project's way, on a free
port, with a real Kafka broker), triggers both DAGs from their trigger forms and reads the logs.

Screenshots of every step are kept in the test's temporary folder and copied to
`test-artifacts/airflow-ui/` at the repository root (ignored by git). Run alone with
`.venv/bin/pytest tests/infra/test_airflow_ui.py`.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from core.atomic import read_json
from core.kafka_client import delete_topic, end_offsets, ensure_topic
from core.layout import Layout
from core.net import free_port
from core.settings import REPO_ROOT, Settings
from infra.airflow import start_airflow, stop_airflow
from infra.airflow_home import ADMIN_USER

pytestmark = pytest.mark.slow

ARTIFACTS = REPO_ROOT / "test-artifacts" / "airflow-ui"
"""Where the screenshots are copied for a person to look at after the run."""
EVENTS = 2_000
"""Events in the module's topic: enough for every view to have rows, small for 2 cores."""
RUN_TIMEOUT_MS = 12 * 60 * 1000
"""How long a DAG run may take on a busy 2-core machine before the test gives up on it."""
EXPECT_TIMEOUT_MS = 60_000
"""How long an expectation waits for the page to show what it expects (Playwright: 5 s)."""
FINISHED = re.compile(r"^\S+ (Success|Failed|Upstream Failed|Skipped|Removed) ")
"""A task instance row whose task has ended, one way or another."""


@dataclass(frozen=True)
class AirflowUI:
    """The running Airflow the browser talks to, the settings its tasks use, the screenshots."""

    url: str
    password: str
    settings: Settings
    screenshots: Path

    def screenshot(self, page: Page, name: str) -> None:
        """Keep the page as `<name>.png` in the test's folder and in test-artifacts/."""
        path = self.screenshots / f"{name}.png"
        page.screenshot(path=path, full_page=True, animations="disabled")  # no half-faded dialog
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, ARTIFACTS / path.name)


@pytest.fixture(scope="module")
def airflow_ui(kafka: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowUI]:
    """One Airflow (API server, scheduler, DAG processor) for the module, its tasks reading a
    fresh topic of EVENTS events on the session's broker; stopped by PID afterwards."""
    from architectures.kappa_architecture import stop_background
    from workloads.generator import generate
    from workloads.producer import send_records
    from workloads.scenarios import SCENARIOS

    topic = f"test-ui-{uuid.uuid4().hex[:12]}"
    ensure_topic(kafka.bootstrap, topic, partitions=4)
    settings = replace(
        kafka,
        data_dir=tmp_path_factory.mktemp("lk-ui"),
        topic=topic,
        lambda_schedule="none",  # runs start from the browser only
    )
    scenario = SCENARIOS["steady"].with_overrides(acceleration=600.0)  # sessions close in the log
    records = list(generate(scenario, seed=7, events=EVENTS))
    send_records(records, settings.bootstrap, topic, show_progress=False)
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # only this run's screenshots
    try:
        state = start_airflow(settings, free_port(), timeout=240)
        password = read_json(state.files.passwords)[ADMIN_USER]
        yield AirflowUI(state.url, password, settings, tmp_path_factory.mktemp("screenshots"))
    finally:
        stop_airflow(settings)
        for number in (1, 2):
            stop_background(settings, number)  # a Kappa version the DAG left tailing
        delete_topic(kafka.bootstrap, topic)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium: the one on PATH (Debian's, which `make setup-dev` installs as root),
    else Playwright's own build (`playwright install chromium`, no root needed)."""
    chromium = shutil.which("chromium")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=chromium)
        except PlaywrightError as error:
            pytest.fail(
                f"no browser ({error.message.splitlines()[0]}): `make setup-dev` installs one "
                "(`sudo apt-get install -y chromium`, or `.venv/bin/playwright install chromium`)"
            )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser: Browser, airflow_ui: AirflowUI) -> Iterator[Page]:
    """One page, logged in through the sign-in form with the generated admin password."""
    # On a loaded 2-core machine the UI may take many seconds to render (its translations
    # load lazily): every expectation waits up to EXPECT_TIMEOUT_MS for its element.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(f"{airflow_ui.url}/dags")
    expect(page.get_by_text("Sign into Airflow")).to_be_visible()
    page.get_by_label("Username").fill(ADMIN_USER)
    page.get_by_label("Password").fill(airflow_ui.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{airflow_ui.url}/dags")
    yield page
    context.close()


def label(name: str) -> re.Pattern:
    """A param's label in the trigger form ("logic_version *" when the param is required)."""
    return re.compile(rf"^{name}\b")


def form_field(dialog: Locator, name: str) -> Locator:
    """The trigger form's field of one param: its label, input and description."""
    return dialog.get_by_role("group").filter(has=dialog.page.get_by_text(label(name)))


def trigger(page: Page, airflow_ui: AirflowUI, dag_id: str, fields: dict[str, str]) -> Locator:
    """Open the DAG and its trigger form, and fill textboxes by their param name; the dialog."""
    page.goto(f"{airflow_ui.url}/dags/{dag_id}")
    page.get_by_role("button", name="Trigger Dag").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name=f"Trigger Dag - {dag_id}")).to_be_visible()
    for name, value in fields.items():
        form_field(dialog, name).get_by_role("textbox").fill(value)
    return dialog


def wait_for_run(page: Page, dag_id: str, last_task: str) -> None:
    """On a run's page, wait until its last task has ended, then require that it succeeded."""
    expect(page).to_have_url(re.compile(f"/dags/{dag_id}/runs/manual__"))
    task_rows = page.get_by_role("row", name=FINISHED)
    expect(task_rows.filter(has_text=last_task)).to_be_visible(timeout=RUN_TIMEOUT_MS)
    for row in task_rows.all():
        expect(row).to_contain_text("Success")
    running = page.get_by_text("Running", exact=True)  # the run's own state, once it is done
    expect(running).to_have_count(0)


def open_log(page: Page, task_id: str) -> None:
    """From a run's page, open the log of one of its task instances."""
    row = page.get_by_role("row", name=re.compile(f"^{task_id} "))
    row.get_by_role("link", name=task_id, exact=True).click()
    expect(page.get_by_role("link", name="Logs")).to_be_visible()


def test_login_shows_both_dags_with_their_tags(page: Page, airflow_ui: AirflowUI) -> None:
    expect(page.get_by_role("heading", name=re.compile(r"^\d+ Dags$"))).to_be_visible()
    for dag_id, tags in (("lambda_batch", ("lambda", "batch")), ("kappa_reprocess", ("kappa",))):
        expect(page.get_by_role("link", name=dag_id, exact=True)).to_be_visible()
        for tag in tags:
            expect(page.get_by_role("link", name=tag, exact=True)).to_be_visible()
    airflow_ui.screenshot(page, "01-dags")


def test_the_dag_and_each_task_explain_themselves(page: Page, airflow_ui: AirflowUI) -> None:
    page.goto(f"{airflow_ui.url}/dags/lambda_batch")
    page.get_by_role("button", name="Dag Docs").click()
    docs = page.get_by_role("dialog")
    expect(docs).to_contain_text("Lambda batch layer")
    expect(docs).to_contain_text("is skipped")
    airflow_ui.screenshot(page, "02-lambda-batch-docs")
    page.keyboard.press("Escape")
    expect(docs).to_have_count(0)

    page.goto(f"{airflow_ui.url}/dags/lambda_batch/tasks/ingest")
    page.get_by_role("button", name="Documentation").click()
    expect(docs).to_contain_text("Kafka → master dataset")
    page.keyboard.press("Escape")


def test_lambda_batch_runs_against_the_broker_and_its_log_says_what_it_did(
    page: Page, airflow_ui: AirflowUI
) -> None:
    dialog = trigger(page, airflow_ui, "lambda_batch", {"logic_version": "v1"})
    expect(dialog.get_by_text("the view logic to compute")).to_be_visible()  # described param
    dialog.get_by_role("button", name="Trigger").click()
    wait_for_run(page, "lambda_batch", "refresh_serving")
    airflow_ui.screenshot(page, "03-lambda-batch-run")

    open_log(page, "ingest")
    log = page.get_by_role("code").first
    expect(log).to_contain_text(f"ingest run 1: {EVENTS} records")
    expect(log).to_contain_text(f"{EVENTS} events accepted, 0 rejected")
    expect(log).to_contain_text("s with spark-submit")
    airflow_ui.screenshot(page, "04-lambda-ingest-log")

    settings = airflow_ui.settings
    layout = Layout(settings.data_dir)
    manifest = read_json(next(layout.batch.glob("version=*")) / "manifest.json")
    assert manifest["offsets"] == {
        str(p): end for p, end in end_offsets(settings.bootstrap, settings.topic).items()
    }
    assert layout.catalog.exists()


def test_kappa_reprocess_takes_its_params_from_the_trigger_form(
    page: Page, airflow_ui: AirflowUI
) -> None:
    fields = {"logic_version": "v2", "watermark": "1 minute", "dedup_horizon": "2 minutes"}
    dialog = trigger(page, airflow_ui, "kappa_reprocess", fields)
    # The switch's input is covered by its styling: a user clicks its label.
    form_field(dialog, "until_caught_up").get_by_text(label("until_caught_up")).click()
    expect(dialog.get_by_role("checkbox", name="until_caught_up")).to_be_checked()
    airflow_ui.screenshot(page, "05-kappa-trigger-form")
    dialog.get_by_role("button", name="Trigger").click()
    wait_for_run(page, "kappa_reprocess", "switch")
    airflow_ui.screenshot(page, "06-kappa-reprocess-run")

    open_log(page, "start_version")
    log = page.get_by_role("code").first
    expect(log).to_contain_text(
        "options: logic v2, watermark '1 minute', dedup horizon '2 minutes', stop after the replay"
    )
    expect(log).to_contain_text("started v1")
    airflow_ui.screenshot(page, "07-kappa-start-log")

    layout = Layout(airflow_ui.settings.data_dir)
    job = read_json(layout.kappa_version(1).state_file)
    assert (job["logic_version"], job["watermark"], job["dedup_horizon"]) == (
        "v2",
        "1 minute",
        "2 minutes",
    )
    assert read_json(layout.kappa_serving)["current"] == 1
