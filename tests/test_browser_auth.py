"""Sign-in end to end (issue 10): headless Chromium, the dashboard as ``make run`` starts it (``serve.py``) in a
subprocess, and a real OpenID Connect provider (``oidc-provider-mock``, a Flask app served by
werkzeug in a thread of this process) on a loopback port.

The app reads a secrets file written for the test (``--secrets.files``) whose ``[auth]`` points at
the provider's discovery document. Each person signs in through the provider's own authorization
form, in a browser context of their own. The people: a regional leader and an inspector of East of
England, and a stranger the store does not know. The demo store holds East of England and Kent,
Surrey & Sussex.
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from core.framework import national_regions
from core.ratings import RATING_LABELS
from core.store import audit
from core.store.db import get_engine
from tests.app_helpers import build_demo_store, ensure_person, valid_workbook
from tests.ingest_helpers import ESSEX_NORTH, case_workbook, to_bytes
from tests.test_browser import (WAIT_MS, assert_no_exception, browser, serving,  # noqa: F401 (fixture)
                                wait_for_run)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser-auth")]  # this module's servers on one worker

MINE, OTHER = "East of England", "Kent, Surrey & Sussex"
CSV_DOWNLOAD = re.compile(r"^Download .*\(CSV\)$")  # every table's CSV download (pages.common.download_table)
LEAD, INSPECTOR, STRANGER = "lead@example.org", "inspector@example.org", "stranger@example.org"
TITLES = {"": "Overview",  # the default page lives at the root (its url_path is not an address of its own)
           "scorecard": "PDU scorecard", "region": "Region", "compare": "Compare", "whatif": "What-if",
          "evidence": "Evidence", "upload": "Upload fieldwork"}
PAGES = list(TITLES)
NO_ACCESS = "no access yet: ask an administrator"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = build_demo_store(tmp_path_factory.mktemp("auth-demo"))
    ensure_person(store.url, LEAD, "regional", [MINE])
    ensure_person(store.url, INSPECTOR, "inspector", [MINE])
    return store


@pytest.fixture(scope="module")
def provider():
    """The OpenID Connect provider on 127.0.0.1: every person signs in with their e-mail, verified."""
    import oidc_provider_mock
    import werkzeug.serving

    previous = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain http on loopback, for the test only
    users = [oidc_provider_mock.User(sub=email, claims={"email": email, "email_verified": True, "name": email.split("@")[0]})
             for email in (LEAD, INSPECTOR, STRANGER)]
    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(user_claims=users), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
        if previous is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = previous


SECRETS = """
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "a-cookie-secret-for-the-test-only-0123456789"
client_id = "probation-dashboard"
client_secret = "any secret: the mock provider takes any"
server_metadata_url = "%s/.well-known/openid-configuration"
"""


@pytest.fixture(scope="module")
def server(demo, provider, tmp_path_factory, browser):
    with serving(demo.url, tmp_path_factory.mktemp("auth-logs"), SECRETS % provider) as url:
        yield url


def new_page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    return context, context.new_page()


@pytest.fixture
def visitor(browser):
    context, page = new_page(browser)
    try:
        yield page
    finally:
        context.close()


def body(page) -> str:
    return page.locator("body").inner_text()


def assert_sign_in_page_only(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    wait_for_run(page)
    expect(page.get_by_role("heading", name="Probation inspection ratings")).to_be_visible()
    assert page.get_by_test_id("stDataFrame").count() == 0 and page.get_by_test_id("stMetric").count() == 0
    assert page.get_by_test_id("stSidebarNav").count() == 0
    text = body(page)
    for region in national_regions():
        assert region.name not in text
    for label in RATING_LABELS:
        assert label not in text


def sign_in(page, server: str, provider: str, email: str, start: str = "") -> None:
    """Through the app's sign-in button and the provider's authorization form, back to the app."""
    from playwright.sync_api import expect

    page.goto(f"{server}/{start}")
    button = page.get_by_role("button", name="Sign in")
    expect(button).to_be_visible()
    wait_for_run(page)
    button.click()
    page.wait_for_url(f"{provider}/**")
    page.get_by_role("button", name=email, exact=True).click()  # the provider's form: a predefined user
    page.wait_for_url(f"{server}/**")
    expect(page.get_by_test_id("stApp")).to_be_attached()
    wait_for_run(page)


def sign_out(page, server: str, provider: str) -> None:
    from playwright.sync_api import expect

    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{provider}/**")  # the provider's end-session form, then back to the app
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{server}/**")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_an_anonymous_visitor_gets_the_sign_in_page_only_on_every_page_and_deep_link(server, demo, visitor):
    pdu = demo.inspections("pdu").iloc[0]
    links = [*PAGES, "admin", f"scorecard?round={pdu['round']}&region={pdu['region']}&unit={pdu['unit']}"]
    for link in links:
        visitor.goto(f"{server}/{link}")
        assert_sign_in_page_only(visitor)
        assert_no_exception(visitor)


def test_a_regional_leader_sees_their_region_only_on_every_page_and_in_every_export(server, provider, demo, visitor):
    from playwright.sync_api import expect

    sign_in(visitor, server, provider, LEAD)
    # the address is shown as text, with an invisible word joiner after '@' so that markdown never makes it a link
    expect(visitor.get_by_test_id("stSidebar")).to_contain_text(re.compile(r"Signed in as lead@\u2060?example\.org"))
    exported = []
    for name in PAGES:
        visitor.goto(f"{server}/{name}")
        expect(visitor.get_by_role("heading", name=TITLES[name], exact=True)).to_be_visible()
        wait_for_run(visitor)
        assert_no_exception(visitor)
        assert visitor.get_by_role("button", name="Sign in").count() == 0, f"{name} asks to sign in again"
        text = body(visitor)
        assert OTHER not in text, f"{OTHER} shown on {name}"
        if name in ("", "scorecard", "region", "compare", "evidence"):  # the pages with tables to download
            expect(visitor.get_by_role("button", name=CSV_DOWNLOAD).first).to_be_visible()
            wait_for_run(visitor)
        for i in range(visitor.get_by_role("button", name=CSV_DOWNLOAD).count()):
            with visitor.expect_download() as download:
                visitor.get_by_role("button", name=CSV_DOWNLOAD).nth(i).click()
            content = Path(download.value.path()).read_text(encoding="utf-8-sig")
            assert OTHER not in content, f"{download.value.suggested_filename} holds {OTHER}"
            exported.append((name, download.value.suggested_filename, content))
    assert {name for name, _, _ in exported} >= {"", "scorecard", "region", "evidence"}
    assert all(MINE in content for name, _, content in exported if name in ("", "evidence"))  # tables with a region column
    visitor.goto(f"{server}/region")
    wait_for_run(visitor)
    expect(visitor.get_by_role("heading", name=f"{MINE} region")).to_be_visible()

    events = audit.events(get_engine(demo.url), user=LEAD)
    assert audit.SIGN_IN in set(events["action"])
    exports = events[events["action"] == audit.EXPORT_DOWNLOADED]
    assert sorted(exports["object"]) == sorted(f for _, f, _ in exported)
    assert {d["scope"] for d in exports["details"]} == {MINE}


def test_an_inspector_uploads_for_their_region_and_is_refused_for_another(server, provider, demo, visitor):
    from playwright.sync_api import expect

    from tests.test_browser import upload

    other_pdu = demo.inspections("pdu").query("region == @OTHER").iloc[0]["unit"]
    elsewhere = to_bytes(case_workbook(inspection={**ESSEX_NORTH, "region": OTHER, "unit": other_pdu},
                                       cases=[{"case_id": "X-1", "sentence_type": "Community", "P2.1.1": "Yes"}]))
    sign_in(visitor, server, provider, INSPECTOR, "upload")
    visitor.goto(f"{server}/upload")
    expect(visitor.get_by_role("heading", name="Upload fieldwork")).to_be_visible()
    outcome = upload(visitor, "essex-north.xlsx", valid_workbook())
    expect(outcome.locator("summary").first).to_contain_text("essex-north.xlsx was loaded as version 1")

    visitor.goto(f"{server}/upload")
    expect(visitor.get_by_role("heading", name="Upload fieldwork")).to_be_visible()
    outcome = upload(visitor, "elsewhere.xlsx", elsewhere)
    expect(outcome.locator("summary").first).to_contain_text("elsewhere.xlsx was not loaded")
    expect(outcome.get_by_test_id("stDataFrame")).to_contain_text(f"{OTHER} is not one of the regions you may upload for")
    assert_no_exception(visitor)

    events = audit.events(get_engine(demo.url), user=INSPECTOR)
    assert [(e["action"], e["outcome"]) for e in events.to_dict("records") if e["action"] != audit.SIGN_IN] == [
        (audit.UPLOAD_ACCEPTED, "ok"), (audit.ACCESS_REFUSED, "refused")]


def test_an_unknown_person_sees_nothing_and_signs_out(server, provider, demo, visitor):
    from playwright.sync_api import expect

    sign_in(visitor, server, provider, STRANGER, "region")
    expect(visitor.get_by_test_id("stAlertContentError")).to_have_text(NO_ACCESS)
    for name in ("", "scorecard", "region", "evidence"):
        visitor.goto(f"{server}/{name}")
        expect(visitor.get_by_test_id("stAlertContentError")).to_have_text(NO_ACCESS)
        wait_for_run(visitor)
        text = body(visitor)
        assert not any(region.name in text for region in national_regions())
        assert visitor.get_by_test_id("stDataFrame").count() == 0 and visitor.get_by_test_id("stSidebarNav").count() == 0
    sign_out(visitor, server, provider)
    assert_sign_in_page_only(visitor)
    refused = audit.events(get_engine(demo.url), user=STRANGER, action=audit.ACCESS_REFUSED)
    assert len(refused) >= 1 and set(refused["object"]) == {"sign-in"}


def test_a_signed_in_leader_signs_out_from_the_sidebar(server, provider, visitor):
    sign_in(visitor, server, provider, LEAD)
    assert MINE in body(visitor)
    sign_out(visitor, server, provider)
    assert_sign_in_page_only(visitor)
