"""The dashboard as an ASGI application (``st.App``): ``app.py`` and its pages, served by Streamlit, with one
addition to what the browser receives. ``serve.py`` (``make run``) starts this; ``streamlit run asgi.py`` does too.

A link to a page (``/scorecard``, ``/whatif?t=85,70,55``, a bookmark, a reload) is answered with Streamlit's
page, whose script then has to find the server. Told nothing, it guesses that the server lives under the page's
own path, asks ``/scorecard/_stcore/health``, gets a 404, waits out its retry delay and only then tries the root:
some 100-500 ms before anything is drawn, on every page but the first (measured: the PDU scorecard in a fresh
browser 1,968 -> 1,438 ms, median of 5). Streamlit's page reads where the server is from
``window.__streamlit.BACKEND_BASE_URL`` when the page sets it; ``PageLinksFindTheServer`` sets it on a page link
to the link's parent path, which is where the server is (behind a proxy that adds a path prefix too).
"""
from __future__ import annotations

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import streamlit as st

# The parent of the page's path, from the browser's own address (so that a proxy's path prefix is kept).
SERVER_HINT = (b"<script>(function(){var p=location.pathname.replace(/\\/+$/,'');"
               b"window.__streamlit=Object.assign({BACKEND_BASE_URL:location.origin+p.slice(0,p.lastIndexOf('/')+1)},"
               b"window.__streamlit||{})})()</script>")


class PageLinksFindTheServer:
    """ASGI middleware: Streamlit's page, served for a one-segment path below the app's base (a page link), is
    sent with ``SERVER_HINT`` at the top of its ``<head>``. Anything else passes through untouched."""

    def __init__(self, app: ASGIApp, base_url_path: str | None = None) -> None:
        self.app = app
        self._base = base_url_path

    def _is_page_link(self, path: str) -> bool:
        from streamlit import config

        base = (self._base if self._base is not None else config.get_option("server.baseUrlPath") or "").strip("/")
        rest = path.strip("/")
        if base:
            if not rest.startswith(base + "/"):
                return False
            rest = rest[len(base) + 1:]
        return bool(rest) and "/" not in rest and not rest.startswith("_stcore")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self._is_page_link(scope["path"]):
            await self.app(scope, receive, send)
            return
        # the page asked for uncompressed, so that it can be read (it is some 5 KB)
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}
        start: Message | None = None
        body: list[bytes] = []

        async def send_with_hint(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            page = b"".join(body)
            headers = dict(start["headers"])
            if start["status"] == 200 and headers.get(b"content-type", b"").startswith(b"text/html") and b"<head>" in page:
                page = page.replace(b"<head>", b"<head>" + SERVER_HINT, 1)
            fixed = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            await send({**start, "headers": [*fixed, (b"content-length", str(len(page)).encode())]})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, send_with_hint)


app = st.App("app.py", middleware=[Middleware(PageLinksFindTheServer)])
