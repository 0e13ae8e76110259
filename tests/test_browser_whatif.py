"""The What-if page in Debian's chromium: a link with values beyond the old widgets' limits opens on
exactly its scenario, and the browser's sliders and number inputs leave those values as they are.

The server and browser helpers are tests/test_browser.py's; this module runs its own server against
its own demo store.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from core.analysis import frameworks_of, rate_dataset, rules_for_scenario
from core.scenario import Scenario
from core.whatif import diff, summary
from tests.app_helpers import build_demo_store
from tests.test_browser import assert_no_exception, browser, page, serving, wait_for_run  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-whatif")]  # this module's servers on one worker

LINK = "t=85.5,70,55&w=99,2,1,0&f=20,30,40&x=1.1,P2.1"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo_store(tmp_path_factory.mktemp("browser-whatif-demo"))


@pytest.fixture(scope="module")
def server(demo, tmp_path_factory, browser):  # noqa: F811 (the imported fixture)
    with serving(demo.url, tmp_path_factory.mktemp("streamlit-logs")) as url:
        yield url


def test_a_link_beyond_the_old_widget_limits_opens_on_exactly_its_scenario(server, demo, page):  # noqa: F811
    from playwright.sync_api import expect

    scenario = Scenario.from_query(LINK)
    frameworks = frameworks_of(demo.dataset)
    changes = diff(demo.ratings[demo.ratings["inspection_id"].notna()],
                   rate_dataset(demo.dataset, rules_for_scenario(scenario, frameworks), frameworks))
    page.goto(f"{server}/whatif?{LINK}")
    expect(page.get_by_role("heading", name=summary(changes))).to_be_visible()
    wait_for_run(page)
    # a widget that changed a value on its own would send it back as a rerun, and the address would change with it
    # the address keeps the link's thresholds once the widgets have reported their values back
    expect(page).to_have_url(re.compile(r"[?&]t=85\.5(,|%2C)70(,|%2C)55(&|$)"))
    expect(page.get_by_test_id("stSlider").first).to_contain_text("85.5")
    wait_for_run(page)
    assert_no_exception(page)
    # (open local mode's banner aside: it is on every page, issue 10)
    assert page.get_by_test_id("stAlertContentWarning").filter(has_not_text="Open local mode").count() == 0
    assert Scenario.from_query(urlsplit(page.url).query) == scenario
    expect(page.get_by_test_id("stSlider").first).to_contain_text("85.5")
