"""asgi.py's PageLinksFindTheServer, on a stand-in for Streamlit's server: Streamlit's page, served for a page
link, tells the page where the server is; nothing else is touched. (In the browser:
tests/test_browser.py::test_a_page_link_finds_the_server_at_once and ..._under_a_base_path.)"""
from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

PAGE = "<!DOCTYPE html><html><head><title>Streamlit</title></head><body>" + "<div></div>" * 200 + "</body></html>"


@pytest.fixture(scope="module")
def asgi():
    from streamlit import config

    before = config._main_script_path  # st.App pins the script's folder the first time one is made
    import asgi

    config._main_script_path = before
    return asgi


def client(asgi, base: str = "") -> TestClient:
    """Streamlit's routes, much simplified: its page for any path it does not know (what a page link gets)."""
    async def health(request):
        return PlainTextResponse("ok")

    async def data(request):
        return JSONResponse({"page": "<head>"})

    async def page(request):
        return HTMLResponse(PAGE)

    async def missing(request):
        return HTMLResponse(PAGE, status_code=404)

    routes = [Route(f"{base}/_stcore/health", health), Route(f"{base}/data", data), Route(f"{base}/missing", missing),
              Route("/{path:path}", page, methods=["GET", "POST"])]
    # Streamlit's own middleware compresses what it sends when the browser accepts it
    app = Starlette(routes=routes, middleware=[Middleware(asgi.PageLinksFindTheServer, base_url_path=base.strip("/")),
                                              Middleware(GZipMiddleware, minimum_size=100)])
    return TestClient(app)


@pytest.mark.parametrize("link", ["/scorecard", "/whatif?t=85,70,55", "/region/"])
def test_a_page_link_is_sent_with_where_the_server_is(asgi, link):
    answer = client(asgi).get(link, headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.text.startswith("<!DOCTYPE html><html><head>" + asgi.SERVER_HINT.decode() + "<title>")
    assert answer.text.endswith(PAGE.split("<head>")[1])
    assert int(answer.headers["content-length"]) == len(answer.content)


@pytest.mark.parametrize("path", ["/", "/static/js/index.js", "/_stcore/health", "/media/abc/report.html", "/data"])
def test_anything_but_a_page_link_passes_untouched(asgi, path):
    answer = client(asgi).get(path)
    assert answer.status_code == 200
    assert asgi.SERVER_HINT.decode() not in answer.text


def test_under_a_base_path_only_its_page_links_are_told(asgi):
    c = client(asgi, base="/inspection")
    assert asgi.SERVER_HINT.decode() in c.get("/inspection/scorecard").text
    for path in ["/inspection", "/inspection/", "/scorecard", "/other/scorecard", "/inspection/_stcore/health"]:
        assert asgi.SERVER_HINT.decode() not in c.get(path).text, path


def test_a_page_that_is_not_found_or_not_asked_for_by_get_is_untouched(asgi):
    c = client(asgi)
    missing = c.get("/missing")
    assert missing.status_code == 404 and asgi.SERVER_HINT.decode() not in missing.text
    posted = c.post("/scorecard")
    assert posted.status_code == 200 and asgi.SERVER_HINT.decode() not in posted.text
