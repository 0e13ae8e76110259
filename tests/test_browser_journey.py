"""The regional leader's journey in Debian's chromium (issue 12); on every page, in one visit, what holds
of each page: accessibility (axe-core, headings, the Tab key), the open local mode's warning, and no
request to another machine; a phone-width reading; text from people shown as text on every page
(issue 9 item 1).

The server and browser helpers are tests/test_browser.py's; this module runs its own servers: one
against the demo store (open local mode: no sign-in configured), one against a store holding hostile
names and texts.
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pandas as pd
import pytest

from core import views
from core.codes import display
from core.ingest.importer import import_file
from core.ratings import OVERALL
from core.store.db import get_engine
from tests.app_helpers import XLSX, build_demo_store
from tests.ingest_helpers import case_workbook, evidence_workbook, to_bytes
from tests.test_browser import (ARTIFACTS, SCREENSHOTS, address, assert_no_exception, browser, page, serving,  # noqa: F401
                                wait_for_run)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-journey")]  # this module's servers on one worker

PAGES = ["overview", "scorecard", "region", "compare", "whatif", "evidence", "upload", "admin"]  # admin: open local mode
SERIOUS = {"moderate", "serious", "critical"}
# Streamlit's own sidebar page list puts its <li> items in a <ul> with other children: excepted, as the issue allows.
STREAMLIT_SIDEBAR_RULES = {"list", "listitem"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo_store(tmp_path_factory.mktemp("browser-journey-demo"))


@pytest.fixture(scope="module")
def server(demo, tmp_path_factory, browser):  # noqa: F811 (the imported fixture)
    """The dashboard in open local mode: no secrets at all, whatever the checkout holds."""
    with serving(demo.url, tmp_path_factory.mktemp("streamlit-logs"), secrets="") as url:
        yield url


def settled(page) -> None:  # noqa: F811
    wait_for_run(page)
    assert_no_exception(page)


def shoot(page, name: str) -> None:  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    shutil.copyfile(ARTIFACTS / f"{name}.png", SCREENSHOTS / f"{name}.png")


def grid_column(grid, index: int) -> list[str]:
    """The cells of one column of a Streamlit table, as its accessible grid gives them (rows in view)."""
    return grid.locator(f'td[role="gridcell"][aria-colindex="{index}"]').all_inner_texts()


# -- the journey ---------------------------------------------------------------------------------------------

def test_the_regional_leaders_journey_from_overview_to_scorecard_download_and_region(server, demo, page, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    regions = sorted(demo.dataset.inspections["region"].unique())
    rounds = sorted(demo.dataset.inspections["round"].unique())
    region, round_ = regions[-1], rounds[0]  # neither is what a page shows by default: they must be carried
    page.goto(f"{server}/?{urlencode({'round': round_, 'region': region})}")
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stMultiSelect")).to_contain_text(region)
    settled(page)

    # the table opens worst first: its first unit is the weakest by the core's overall rating and score
    rated = demo.ratings[(demo.ratings["round"] == round_) & (demo.ratings["region"] == region) & demo.ratings["inspection_id"].notna()]
    overall = rated[rated["standard"] == OVERALL]
    expected_order = views.overview_units(rated)["Unit"].tolist()
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid.locator('th[role="columnheader"]').first).to_have_text("Unit")
    assert grid_column(grid, 1)[:len(expected_order)] == expected_order[:len(grid_column(grid, 1))]
    shoot(page, "overview")

    # follow the weakest PDU's link to its scorecard
    weakest = next(u for u in expected_order if u != region)
    page.get_by_test_id("stPageLink").filter(has_text=weakest).first.click()
    expect(page.get_by_role("heading", name=f"{weakest} PDU")).to_be_visible()
    assert parse_qs(urlsplit(page.url).query) == {"round": [round_], "region": [region], "unit": [weakest]}
    settled(page)

    # the driving key question of each domain two rating, and its count, on screen without scrolling sideways
    ins = overall.loc[overall["unit"] == weakest, "inspection_id"].iloc[0]
    d2 = rated[(rated["inspection_id"] == ins) & (rated["domain"] == 2) & rated["rating"].notna()]
    for row in d2.to_dict("records"):
        count = f"{int(row['n_sufficient'])} of {int(row['n_relevant'])} cases"
        line = page.get_by_test_id("stMarkdown").filter(has_text=f"Driven by {display(row['driving_key_question'])}").filter(
            has_text=count)
        expect(line.first).to_be_visible()
        box = line.first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    shoot(page, "scorecard")

    # download the ratings table seen, and check it is that table
    ratings_grid = page.locator(".st-key-table-scorecard-annex")
    expect(ratings_grid.locator('th[role="columnheader"]').first).to_have_text("Standard")
    seen = grid_column(ratings_grid, 1)
    with page.expect_download() as download:
        page.locator(".st-key-scorecard-download-csv button").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    heading, body = rows[0], rows[1:]
    assert heading == ["Standard", "Name", "Rating", "Score", "How it is reached", "Basis", "Read with care", "Published"]
    assert [r[0] for r in body][:len(seen)] == seen
    expected = demo.ratings[demo.ratings["inspection_id"] == ins]
    assert [r[0] for r in body] == [("Overall" if s == OVERALL else display(s)) for s in expected["standard"]]
    assert [r[2].split(" ⚠")[0] for r in body] == expected["rating"].fillna("").tolist()
    o = expected[expected["standard"] == OVERALL].iloc[0]
    assert body[-1][3] == f"{int(o['score'])}/{int(o['max_score'])}"
    text = "\n".join(",".join(r) for r in rows)
    assert "None" not in text and "nan" not in text and "inspection_id" not in text

    # to the Region page by the sidebar: the region and the round are kept
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile("Region")).click()
    expect(page.get_by_role("heading", name=f"{region} region")).to_be_visible()
    settled(page)
    pdus = page.locator(".st-key-table-region-pdus")
    expect(pdus.locator('th[role="columnheader"]').nth(1)).to_have_text("Overall rating")
    expect(pdus).to_contain_text(weakest)
    expect(page).to_have_url(re.compile(r"/region\?"))
    assert parse_qs(urlsplit(page.url).query) == {"round": [round_], "region": [region]}
    shoot(page, "region")


# -- accessibility on every page --------------------------------------------------------------------------------

def _in_sidebar_nav(page, targets) -> bool:  # noqa: F811
    return all(page.evaluate("(sel) => !!document.querySelector(sel)?.closest('[data-testid=stSidebarNav]')", t[0])
               for t in targets)


FOCUSABLE = ("input:not([disabled]), button:not([disabled]), select:not([disabled]), textarea:not([disabled]), a[href], "
             "[tabindex]:not([tabindex='-1'])")  # a disabled control (Save, before a name is typed) takes no focus
TAB_PRESSES = 300
# the key of the control that has the focus ('st-key-…'), else the focused element's tag
FOCUSED_KEY = """() => { const e = document.activeElement; const k = e && e.closest('[class*=st-key-]');
    return k ? [...k.classList].find(c => c.startsWith('st-key-')) : (e ? e.tagName : ''); }"""


LOCAL_SCHEMES = {"data", "blob", "about"}


def test_the_per_page_checks_visit_every_page_the_app_has():
    from tests.app_helpers import ROOT

    assert sorted(PAGES) == sorted(re.findall(r'url_path="([^"]+)"', (ROOT / "app.py").read_text(encoding="utf-8")))


def _outside(address: str, own_host: str) -> bool:
    parts = urlsplit(address)
    return parts.scheme not in LOCAL_SCHEMES and parts.hostname != own_host


@pytest.mark.parametrize("path", PAGES)
def test_each_page_is_accessible_warns_it_is_open_and_asks_nothing_of_other_machines(server, page, path):  # noqa: F811
    """One visit per page for everything that holds of each page: axe finds no moderate or worse violation the
    app causes, headings go in order, every control is reached by the Tab key; without sign-in configured the
    page says it is open to everyone who can reach it and offers no sign-in; every request Chromium makes
    while the page renders (documents, scripts, fonts, the page icon, images, web sockets) goes to the app's
    own address."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("websocket", lambda ws: requested.append(ws.url))
    page.goto(f"{server}/{address(path)}")
    expect(page.locator("h1").first).to_be_visible()
    settled(page)
    page.wait_for_load_state("networkidle")

    expect(page.get_by_text("everyone who can reach this server sees every region")).to_be_visible()
    assert page.get_by_role("button", name="Sign in").count() == 0
    own_host = urlsplit(server).hostname
    assert any(u.startswith(f"ws://{own_host}") for u in requested) and len(set(requested)) > 5  # recorded at all
    outside = sorted({u for u in requested if _outside(u, own_host)})
    assert not outside, f"{path} asked other machines for: {outside}"

    violations = Axe().run(page).response["violations"]
    ours = [v for v in violations if v["impact"] in SERIOUS and not (
        v["id"] in STREAMLIT_SIDEBAR_RULES and _in_sidebar_nav(page, [n["target"] for n in v["nodes"]]))]
    assert not ours, "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in ours)

    levels = page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].filter(h => h.offsetParent !== null)"
                           ".map(h => Number(h.tagName[1]))")
    assert levels and levels[0] == 1, levels
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), f"a heading level is skipped: {levels}"

    charts = page.get_by_test_id("stPlotlyChart")
    for i in range(charts.count()):
        assert charts.nth(i).get_attribute("role") == "figure"
        assert (charts.nth(i).get_attribute("aria-label") or "").strip(), f"chart {i} on {path} has no accessible name"

    # every control can be reached by the Tab key: each keyed control of the page (Streamlit marks it 'st-key-…')
    # that holds something focusable is focused at least once on the way through (one inside a folded part is
    # reached once its summary, itself reached, is opened)
    keyed_controls = f"""() => [...document.querySelectorAll('[class*=st-key-]')]
        .filter(k => k.offsetParent !== null && !k.closest('details:not([open])') && k.querySelector({json.dumps(FOCUSABLE)}))
        .map(k => [...k.classList].find(c => c.startsWith('st-key-')))"""
    page.wait_for_function(f"({keyed_controls})().length > 0")  # drawn again after a rerun the address may bring
    settled(page)
    controls = set(page.evaluate(keyed_controls))
    page.get_by_role("heading", level=1).first.click()  # the start of the Tab order: the page's title, not the browser's
    reached: set = set()
    focused = ""
    for _ in range(TAB_PRESSES):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_KEY)
        reached.add(focused)
        if controls <= reached:
            break
    assert controls <= reached, f"not reached by the Tab key on {path}: {sorted(controls - reached)} (focus ended on {focused!r})"


# -- a phone ---------------------------------------------------------------------------------------------------------

def test_at_390_pixels_overview_and_scorecard_show_each_units_overall_rating_without_scrolling_sideways(server, browser):  # noqa: F811
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        phone = context.new_page()
        phone.goto(f"{server}/")
        expect(phone.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
        settled(phone)
        grid = phone.locator(".st-key-table-overview-units")
        headers = grid.locator('th[role="columnheader"]')
        expect(headers.nth(1)).to_have_text("Overall rating")  # in view without scrolling the table sideways
        cell = grid.locator('td[role="gridcell"][aria-colindex="2"]').first
        expect(cell).to_be_attached()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390

        phone.goto(f"{server}/scorecard")
        expect(phone.get_by_role("heading", name="PDU scorecard")).to_be_visible()
        settled(phone)
        metric = phone.get_by_test_id("stMetric").filter(has_text="Overall rating")
        expect(metric).to_be_visible()
        box = metric.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


# -- text from people is data, never markup (issue 9 item 1) -------------------------------------------------------

EVIL = "evil.example"
HOSTILE_UNIT = f"Essex [North](https://{EVIL}/u) ![i](https://{EVIL}/u.png) <a href='https://{EVIL}/a'>a</a>"
HOSTILE_FILE = f"[f](https://{EVIL}/f) <img src='https://{EVIL}/f.png'>.xlsx"
HOSTILE_TEXT = f"See [this](https://{EVIL}/e) ![e](https://{EVIL}/e.png) <a href='https://{EVIL}/e2'>here</a> www.{EVIL}"
HOSTILE_LINK = f"t=80,65,50&x=[x](https://{EVIL}/w)&evil=![w](https://{EVIL}/w.png)"
HOSTILE = {"region": "East of England", "unit": HOSTILE_UNIT, "fieldwork_start": pd.Timestamp("2025-06-02").date(),
           "fieldwork_end": pd.Timestamp("2025-06-13").date()}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, browser):  # noqa: F811
    """A demo store with a PDU, a file, evidence and a rationale that hold markdown links, images and HTML anchors."""
    store = build_demo_store(tmp_path_factory.mktemp("browser-hostile"))
    engine = get_engine(store.url)
    cases = [{"case_id": f"H-{i:02d}", "sentence_type": "Community", "P2.1.1": "Yes" if i % 3 else "No", "P2.2.1": "Yes"}
             for i in range(1, 13)]
    import_file(engine, to_bytes(case_workbook(inspection=HOSTILE, cases=cases)), HOSTILE_FILE, user=f"[u](https://{EVIL}/by)")
    import_file(engine, to_bytes(evidence_workbook({**HOSTILE, "level": "pdu"},
                                                   items=[("P 1.1", "P 1.1.1", "P 1.1.1.a", "strength", "positive", "documents",
                                                           HOSTILE_TEXT)],
                                                   ratings=[("P 1.1", "Good", HOSTILE_TEXT)])), f"e-{HOSTILE_FILE}")
    with serving(store.url, tmp_path_factory.mktemp("streamlit-logs-hostile")) as url:
        yield url


def links_to_the_host(page) -> list[str]:  # noqa: F811
    """Every link, image, frame or source on the page that points at the hostile host (a link to a page of
    the app that carries a hostile name in its query string points at the app, and is fine)."""
    addresses = page.evaluate("""() => [
        // an HTML link's href is its absolute address; an SVG link (plotly writes links in charts so) holds
        // a plain or xlink:href attribute, which 'a[href]' alone does not match
        ...[...document.querySelectorAll('a[href], area[href], a[*|href]')].map(e => typeof e.href === 'string' ? e.href
            : (e.getAttribute('href') || e.getAttributeNS('http://www.w3.org/1999/xlink', 'href') || '')),
        ...[...document.querySelectorAll('img[src], iframe[src], source[src], video[src], audio[src]')].map(e => e.src),
        ...[...document.querySelectorAll('image')].map(e => e.getAttribute('href') || e.getAttribute('xlink:href') || '')]""")
    return [a for a in addresses if a and (urlsplit(a).hostname or "").endswith(EVIL)]


def where_the_links_are(page) -> list[str]:  # noqa: F811
    return page.evaluate(f"""() => [...document.querySelectorAll("a[href*='{EVIL}'], a[*|href*='{EVIL}'], img[src*='{EVIL}']")].map(
        e => (e.closest('[data-testid]')?.getAttribute('data-testid') || '') + ': ' + e.parentElement.outerHTML.slice(0, 300))""")


def test_names_texts_and_links_holding_markup_show_as_text_on_every_page(hostile, page):  # noqa: F811
    from playwright.sync_api import expect

    requested = []
    page.on("request", lambda r: requested.append(r.url) if (urlsplit(r.url).hostname or "").endswith(EVIL) else None)
    round_ = "2025-26"
    unit_query = urlencode({"round": round_, "region": "East of England", "unit": HOSTILE_UNIT})
    visits = [f"?{urlencode({'round': round_, 'region': 'East of England'})}", f"scorecard?{unit_query}",
              f"region?{urlencode({'round': round_, 'region': 'East of England'})}", f"compare?{unit_query}&by=unit",
              f"whatif?{HOSTILE_LINK}", f"evidence?{urlencode({'q': 'See'})}", "upload"]
    for visit in visits:
        page.goto(f"{hostile}/{visit}")
        expect(page.locator("h1").first).to_be_visible()
        settled(page)
        for expander in page.get_by_test_id("stExpander").locator("summary").all():
            expander.click()  # open every folded part, so that what it holds is rendered too
        settled(page)
        page.wait_for_load_state("networkidle")
        assert not links_to_the_host(page), (visit, where_the_links_are(page))
        if visit.startswith("scorecard"):
            # the name is shown as written (an invisible word joiner keeps 'https://' from being linked)
            heading = page.get_by_role("heading", level=2).first.inner_text().replace("\u2060", "")
            assert heading.strip() == f"{HOSTILE_UNIT} PDU"

    # an upload through the page under a hostile file name: its receipt shows the name as written
    page.goto(f"{hostile}/upload")
    expect(page.get_by_role("heading", name="Upload fieldwork")).to_be_visible()
    settled(page)
    cases = [{"case_id": f"H-{i:02d}", "sentence_type": "Community", "P2.1.1": "Yes" if i % 3 else "No", "P2.2.1": "Yes"}
             for i in range(1, 13)]
    page.locator("input[type=file]").set_input_files(files=[{"name": HOSTILE_FILE, "mimeType": XLSX,
                                                             "buffer": to_bytes(case_workbook(inspection=HOSTILE, cases=cases))}])
    page.get_by_role("button", name="Check and load").click()
    expect(page.get_by_test_id("stAlertContentSuccess").first).to_contain_text("was")
    settled(page)
    said = page.get_by_test_id("stAlertContentSuccess").first.inner_text().replace("\u2060", "")
    assert HOSTILE_FILE in said
    assert not links_to_the_host(page)
    assert not requested, requested
