"""The app asks nothing of other machines: every request that Chromium makes while every page renders
(documents, scripts, fonts, the page icon, images, web sockets) goes to the app's own address."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.app_helpers import ROOT, build_demo_store
from tests.test_browser import CHROMIUM_ARGS, serving

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WAIT_MS = 60_000
PAGE_PATHS = re.findall(r'url_path="([^"]+)"', (ROOT / "app.py").read_text(encoding="utf-8"))
LOCAL_SCHEMES = {"data", "blob", "about"}


@pytest.fixture(scope="module")
def served(tmp_path_factory, chromium_path):
    demo = build_demo_store(tmp_path_factory.mktemp("offline-demo"), regions=1, scale=0.3)
    with serving(demo.url, tmp_path_factory.mktemp("offline-logs")) as url:
        yield url


def _outside(address: str, own_host: str) -> bool:
    parts = urlsplit(address)
    return parts.scheme not in LOCAL_SCHEMES and parts.hostname != own_host


def test_every_page_requests_nothing_from_outside_the_machine(served, chromium_path):
    from playwright.sync_api import expect, sync_playwright

    assert len(PAGE_PATHS) >= 7
    own_host = urlsplit(served).hostname
    seen: list[tuple[str, str]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            context.set_default_timeout(WAIT_MS)
            page = context.new_page()
            page.on("request", lambda r: seen.append((page.url, r.url)))
            page.on("websocket", lambda ws: seen.append((page.url, ws.url)))
            for path in PAGE_PATHS:
                page.goto(f"{served}/{path}")
                expect(page.locator("h1").first).to_be_visible(timeout=WAIT_MS)
                expect(page.get_by_test_id("stStatusWidget").filter(has_text="Running")).to_have_count(0, timeout=WAIT_MS)
                page.wait_for_load_state("networkidle")
        finally:
            browser.close()
    assert any(path in url for url, _ in seen for path in PAGE_PATHS)
    assert len({u for _, u in seen}) > 5  # the requests were recorded at all
    outside = sorted({(url, u) for url, u in seen if _outside(u, own_host)})
    assert not outside, "requests to other machines:\n" + "\n".join(f"{page} -> {u}" for page, u in outside)
