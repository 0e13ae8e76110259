"""The running dashboard in headless Chromium: a PDU scorecard reached by its link shows the overall
rating the core computes, and a workbook uploaded through the page loads, or is refused with its
problem named by cell.

The app runs as ``make run`` starts it (``python serve.py``: warmed up, then ``streamlit run asgi.py``) in a
subprocess on a free port, against a demo store in a SQLite file of its own (``DATABASE_URL``). Chromium is Debian's (the ``chromium_path`` fixture);
Playwright drives it but never downloads a browser of its own.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.app_helpers import BAD_CELL, ROOT, XLSX, build_demo_store, valid_workbook, workbook_with_a_bad_cell

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]  # this module's servers on one worker

STARTUP_SECONDS = 60
WAIT_MS = 30_000  # the longest any one thing on a page may take to appear
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, stderr_path) -> None:
    """Return once the server answers its health check; fail with its stderr if it dies or never answers."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with code {process.returncode}:\n{stderr_path.read_text(errors='replace')}")
        if _answers(f"{url}/_stcore/health"):
            return
        time.sleep(0.25)
    pytest.fail(f"streamlit did not answer on {url} within {STARTUP_SECONDS} s:\n{stderr_path.read_text(errors='replace')}")


def _answers(url: str) -> bool:
    """Whether the server answers OK yet (a refused or timed-out connection is 'not yet')."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo_store(tmp_path_factory.mktemp("browser-demo"))


# How the dashboard is started: as ``make run`` does (warmed up first), or by Streamlit alone.
SERVE = [sys.executable, "serve.py"]
STREAMLIT_RUN = [sys.executable, "-m", "streamlit", "run", "app.py"]


@contextlib.contextmanager
def serving(store_url: str, logs: Path, secrets: str | None = None, start: list[str] = SERVE, base_path: str = ""):
    """The dashboard (``serve.py``, as ``make run`` starts it, unless ``start`` says otherwise) on a free
    loopback port against ``store_url``; yields its address; always stopped. ``secrets``: a
    secrets.toml text, with {port} for the port ("" for none at all: open local mode); by default the
    checkout's own .streamlit/secrets.toml, if it has one. ``base_path``: the path the dashboard is served
    under (``server.baseUrlPath``, as behind a proxy), part of the address yielded."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": store_url, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    cmd = [*start, "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
           "--server.baseUrlPath", base_path]
    if secrets is not None:
        secrets_file = logs / "secrets.toml"
        secrets_file.write_text(secrets.replace("{port}", str(port)), encoding="utf-8")
        cmd += ["--secrets.files", str(secrets_file)]
    with open(logs / "stdout.txt", "wb") as out, open(logs / "stderr.txt", "wb") as err:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err)
    try:
        url = f"http://127.0.0.1:{port}" + (f"/{base_path}" if base_path else "")
        wait_until_serving(url, process, logs / "stderr.txt")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(demo, tmp_path_factory, browser):
    """The dashboard against the demo store. (A deep link opened first on a fresh server is tested on
    its own: test_a_scorecard_link_opened_first_on_a_fresh_server_keeps_the_app_navigation.)"""
    with serving(demo.url, tmp_path_factory.mktemp("streamlit-logs")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    p = context.new_page()
    try:
        yield p
    finally:
        context.close()


def wait_for_run(page) -> None:
    """Wait until the script has run to the end (Streamlit marks its app element with the run state)."""
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_be_attached()


def address(path: str) -> str:
    """A page's address below the server's: the default page (Overview) lives at the root, and
    '/overview' is not an address of the app (Streamlit would say "Page not found")."""
    return "" if path == "overview" else path


def assert_no_exception(page) -> None:
    __tracebackhide__ = True
    shown = page.get_by_test_id("stException")
    assert shown.count() == 0, shown.first.text_content()
    assert page.get_by_role("dialog").filter(has_text="Page not found").count() == 0, f"{page.url}: page not found"


def sidebar_pages(page) -> list[str]:
    # each link reads '<icon name>\n\n<title>'
    return [t.split("\n")[-1].strip() for t in page.get_by_test_id("stSidebarNav").locator("a").all_inner_texts()]


def scorecard_link(server: str, inspection) -> str:
    return f"{server}/scorecard?{urlencode({k: inspection[k] for k in ('round', 'region', 'unit')})}"


def test_a_scorecard_link_shows_the_overall_rating_the_core_gives_that_pdu(server, demo, page):
    from playwright.sync_api import expect

    pdus = demo.inspections("pdu")
    inspection = pdus.iloc[len(pdus) // 2 - 1]  # the earlier round's last PDU: not what the page shows by default
    overall = demo.overall(inspection["inspection_id"])
    page.goto(scorecard_link(server, inspection))

    expect(page.get_by_role("heading", name=f"{inspection['unit']} PDU")).to_be_visible()
    metric = page.get_by_test_id("stMetric")
    # the rating, with the marker where one of its domain two ratings rests on little
    expect(metric.filter(has_text="Overall rating").get_by_test_id("stMetricValue")).to_have_text(
        re.compile(rf"^{re.escape(overall['rating'])}( ⚠)?$"))
    expect(metric.filter(has_text="Score").get_by_test_id("stMetricValue")).to_have_text(
        f"{int(overall['score'])}/{int(overall['max_score'])}")
    ratings = page.locator(".st-key-table-scorecard-annex")
    expect(ratings).to_contain_text(f"{int(overall['score'])}/{int(overall['max_score'])}")  # the annex's Overall row
    wait_for_run(page)
    assert_no_exception(page)
    assert "PDU scorecard" in sidebar_pages(page)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "scorecard.png", full_page=True)
    shutil.copyfile(ARTIFACTS / "scorecard.png", SCREENSHOTS / "scorecard.png")
    assert (SCREENSHOTS / "scorecard.png").stat().st_size > 10_000


def server_requests(page) -> list[str]:
    """Every address the page asks the server for, from now on (a list that fills as the page loads)."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    return asked


def test_a_page_link_finds_the_server_at_once(server, demo, page):
    """A link to a page, opened in a fresh browser, connects at once: Streamlit's page, told nothing, first asks
    for the server under the page's own path (/scorecard/_stcore/health), gets a 404 and waits out a retry
    delay before it tries the root (asgi.py)."""
    from playwright.sync_api import expect

    asked = server_requests(page)
    inspection = demo.inspections("pdu").iloc[0]
    page.goto(scorecard_link(server, inspection))
    expect(page.get_by_role("heading", name=f"{inspection['unit']} PDU")).to_be_visible()
    page.goto(f"{server}/whatif?t=85,70,55")
    expect(page.get_by_role("heading", name="What-if")).to_be_visible()
    wait_for_run(page)
    assert_no_exception(page)
    assert asked.count(f"{server}/_stcore/health") == 2  # once for each page
    assert not [a for a in asked if "/scorecard/" in a or "/whatif/" in a]


def upload(page, name: str, data: bytes):
    """Put a file in the uploader, press Check and load, and return the outcome (the status box)."""
    from playwright.sync_api import expect

    page.locator("input[type=file]").set_input_files(files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    expect(page.get_by_test_id("stFileUploader")).to_contain_text(name)
    button = page.get_by_role("button", name="Check and load")
    expect(button).to_be_visible()
    wait_for_run(page)
    button.click()
    outcome = page.locator("details").filter(has_text=name)
    expect(outcome.locator("summary").first).to_contain_text(name)
    wait_for_run(page)
    return outcome


def open_outcome(outcome) -> None:
    # the page shows the outcome open (test_the_outcome_of_an_upload_is_shown_open_without_a_click)
    assert outcome.get_attribute("open") is not None, "the outcome box is closed"


def test_a_workbook_uploaded_through_the_page_loads_or_is_refused_with_its_cell(server, page):
    from playwright.sync_api import expect

    page.goto(f"{server}/upload")
    expect(page.get_by_role("heading", name="Upload fieldwork")).to_be_visible()
    expect(page.get_by_role("button", name="Download template")).to_be_visible()

    outcome = upload(page, "essex-north.xlsx", valid_workbook())
    expect(outcome.locator("summary").first).to_contain_text("essex-north.xlsx was loaded as version 1")
    open_outcome(outcome)
    expect(outcome.get_by_test_id("stAlertContentSuccess")).to_contain_text("essex-north.xlsx was loaded as version 1")
    expect(page.get_by_test_id("stProgress")).to_contain_text("Done: 1 of 1 file(s) loaded.")
    history = page.get_by_test_id("stDataFrame").last
    expect(history).to_contain_text("essex-north.xlsx")

    # a fresh visit, as an inspector coming back with the next file (the uploader starts empty)
    page.goto(f"{server}/upload")
    expect(page.get_by_role("heading", name="Upload fieldwork")).to_be_visible()
    outcome = upload(page, "essex-north-bad.xlsx", workbook_with_a_bad_cell())
    expect(outcome.locator("summary").first).to_contain_text("essex-north-bad.xlsx was not loaded: 1 problem(s)")
    open_outcome(outcome)
    expect(outcome.get_by_test_id("stAlertContentError")).to_contain_text(
        "essex-north-bad.xlsx was not loaded. Nothing was written.")
    problems = outcome.get_by_test_id("stDataFrame")
    expect(problems).to_contain_text(BAD_CELL)
    expect(problems).to_contain_text('"Yse" is not one of Yes, No, N/A')
    assert_no_exception(page)


def test_the_outcome_of_an_upload_is_shown_open_without_a_click(server, page):
    from playwright.sync_api import expect

    page.goto(f"{server}/upload")
    expect(page.get_by_role("heading", name="Upload fieldwork")).to_be_visible()
    outcome = upload(page, "refused.xlsx", workbook_with_a_bad_cell())
    assert outcome.get_attribute("open") is not None, "the outcome box is closed"
    expect(outcome.get_by_test_id("stDataFrame")).to_contain_text(BAD_CELL)


@pytest.mark.parametrize("start", [SERVE, STREAMLIT_RUN], ids=["serve.py", "streamlit run"])
def test_a_scorecard_link_opened_first_on_a_fresh_server_keeps_the_app_navigation(demo, browser, tmp_path, start):
    from playwright.sync_api import expect

    inspection = demo.inspections("pdu").iloc[0]
    with serving(demo.url, tmp_path, start=start) as url:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(scorecard_link(url, inspection))
            expect(page.get_by_role("heading", name=f"{inspection['unit']} PDU")).to_be_visible()
            wait_for_run(page)
            assert sidebar_pages(page) == ["Overview", "PDU scorecard", "Region", "Compare", "What-if", "Evidence", "Upload",
                                           "Admin"]  # open local mode: the admin page too (issue 10)
        finally:
            context.close()


def test_a_page_link_finds_the_server_under_a_base_path(demo, browser, tmp_path):
    """Behind a proxy that serves the dashboard under a path of its own (server.baseUrlPath), a page link
    still finds the server at once, at that path."""
    from playwright.sync_api import expect

    inspection = demo.inspections("pdu").iloc[0]
    with serving(demo.url, tmp_path, base_path="inspection") as url:
        context = browser.new_context()
        try:
            page = context.new_page()
            asked = server_requests(page)
            page.goto(scorecard_link(url, inspection))
            expect(page.get_by_role("heading", name=f"{inspection['unit']} PDU")).to_be_visible()
            wait_for_run(page)
            assert_no_exception(page)
            assert f"{url}/_stcore/health" in asked
            assert not [a for a in asked if "/scorecard/" in a]
        finally:
            context.close()
