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


# -- StreamlitAssetsFromMemory ----------------------------------------------------------------------------

SCRIPT = b"export const answer = 42;\n" * 100


@pytest.fixture
def assets(tmp_path):
    """A stand-in for Streamlit's static folder (one script, and a link out of it), and a file beside it."""
    (tmp_path / "static" / "static" / "js").mkdir(parents=True)
    (tmp_path / "static" / "static" / "js" / "index.abc123.js").write_bytes(SCRIPT)
    (tmp_path / "secret.txt").write_text("not an asset")
    (tmp_path / "static" / "static" / "js" / "out.js").symlink_to(tmp_path / "secret.txt")
    return tmp_path / "static"


def asset_client(asgi, directory, base: str = "") -> TestClient:
    """Streamlit stood in for by an app that says it answered (and with what part, where one was asked for)."""
    async def streamlit(request):
        return PlainTextResponse(f"streamlit {request.headers.get('range', '')}".strip())

    app = Starlette(routes=[Route("/{path:path}", streamlit, methods=["GET", "HEAD"])],
                    middleware=[Middleware(asgi.StreamlitAssetsFromMemory, directory=directory, base_url_path=base.strip("/"))])
    return TestClient(app)


def test_an_asset_is_sent_from_memory_as_streamlit_sends_it(asgi, assets):
    c = asset_client(asgi, assets)
    first = c.get("/static/js/index.abc123.js")
    assert first.status_code == 200 and first.content == SCRIPT
    assert first.headers["content-type"] in ("text/javascript", "application/javascript")
    assert first.headers["cache-control"] == "public, immutable, max-age=31536000"
    assert int(first.headers["content-length"]) == len(SCRIPT)
    (assets / "static" / "js" / "index.abc123.js").unlink()  # read once: the next answer comes from memory
    again = c.get("/static/js/index.abc123.js")
    assert again.content == SCRIPT and again.headers["etag"] == first.headers["etag"]
    head = c.head("/static/js/index.abc123.js")
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) == len(SCRIPT)


@pytest.mark.parametrize("path", ["/static/js/missing.js", "/static/js/out.js", "/static/../secret.txt", "/static/js/../../../secret.txt",
                                  "/static/js\\..\\..\\..\\secret.txt", "//static/js/index.abc123.js", "/index.html", "/scorecard",
                                  "/_stcore/health"])
def test_anything_else_is_left_to_streamlit(asgi, assets, path):
    answer = asset_client(asgi, assets).get(path)
    assert answer.text == "streamlit", path


def test_a_request_for_part_of_an_asset_is_left_to_streamlit(asgi, assets):
    answer = asset_client(asgi, assets).get("/static/js/index.abc123.js", headers={"Range": "bytes=0-9"})
    assert answer.text == "streamlit bytes=0-9"


def test_under_a_base_path_only_its_assets_are_sent(asgi, assets):
    c = asset_client(asgi, assets, base="/inspection")
    assert c.get("/inspection/static/js/index.abc123.js").content == SCRIPT
    assert c.get("/static/js/index.abc123.js").text == "streamlit"


@pytest.mark.parametrize("raw", ["/static/../secret.txt", "/static/js/../../../secret.txt", "/static/js/../../../secret.txt\0.js",
                                 "/static/js/out.js"])
def test_a_path_out_of_the_folder_is_never_read(asgi, assets, raw):
    """As a server hands it over, unnormalised (an HTTP client would remove the dot segments before sending)."""
    import asyncio

    sent, passed = [], []

    async def streamlit(scope, receive, send):
        passed.append(scope["path"])

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    middleware = asgi.StreamlitAssetsFromMemory(streamlit, directory=assets, base_url_path="")
    asyncio.run(middleware({"type": "http", "method": "GET", "path": raw, "headers": []}, receive, send))
    assert passed == [raw] and sent == []
