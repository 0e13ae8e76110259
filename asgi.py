"""The dashboard as an ASGI application (``st.App``): ``app.py`` and its pages, served by Streamlit, with two
additions to how the browser is answered. ``serve.py`` (``make run``) starts this; ``streamlit run asgi.py`` does too.

- ``PageLinksFindTheServer``. A link to a page (``/scorecard``, ``/whatif?t=85,70,55``, a bookmark, a reload) is
  answered with Streamlit's page, whose script then has to find the server. Told nothing, it guesses that the
  server lives under the page's own path, asks ``/scorecard/_stcore/health``, gets a 404, waits out its retry
  delay and only then tries the root: some 100-500 ms before anything is drawn, on every page but the first
  (the PDU scorecard in a fresh browser 1,968 -> 1,438 ms, median of 5). Streamlit's page reads where the server
  is from ``window.__streamlit.BACKEND_BASE_URL`` when the page sets it; this sets it on a page link to the
  link's parent path, which is where the server is (behind a proxy that adds a path prefix too).
- ``StreamlitAssetsFromMemory``: Streamlit's own scripts, styles and fonts sent from memory, not read from disk
  at every request (each page's first visit 50-120 ms sooner, median of 8, interleaved).
"""
from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

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
        rest = _below_base(path.rstrip("/"), self._base)
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
                kept = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                start = {**start, "headers": [*kept, (b"content-length", str(len(page)).encode())]}
            await send(start)  # anything else as Streamlit sent it
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, send_with_hint)


class StreamlitAssetsFromMemory:
    """ASGI middleware: Streamlit's own assets (``static/...`` under the app's base: its scripts, styles and fonts,
    named by their content and sent as immutable) served from memory, each read from disk once. A fresh browser
    asks for some 130 of them (4.5 MB) at each page's first visit; Streamlit reads each from disk in 64 KB pieces,
    each a hop to a worker thread, while the page waits for the scripts of its tables and widgets. Anything else,
    an asset that is not there, or a request for part of one passes through to Streamlit."""

    CACHE_CONTROL = b"public, immutable, max-age=31536000"  # as Streamlit sends them

    def __init__(self, app: ASGIApp, directory: str | Path | None = None, base_url_path: str | None = None) -> None:
        from streamlit import file_util

        self.app = app
        self._directory = Path(directory or file_util.get_static_dir()).resolve()
        self._base = base_url_path
        self._assets: dict[str, tuple[bytes, list[tuple[bytes, bytes]]]] = {}  # only files that are there: bounded

    def _asset(self, path: str) -> tuple[bytes, list[tuple[bytes, bytes]]] | None:
        """The body and headers of the asset at ``path``, or None where Streamlit should answer."""
        rest = _below_base(path, self._base)
        if rest is None or not rest.startswith("static/") or "\\" in rest or "\0" in rest or ".." in rest.split("/"):
            return None
        if rest not in self._assets:
            try:
                file = (self._directory / rest).resolve()
                if not file.is_relative_to(self._directory) or not file.is_file():
                    return None
                data = file.read_bytes()
            except (OSError, ValueError):
                return None
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            self._assets[rest] = (data, [(b"content-type", kind.encode()), (b"content-length", str(len(data)).encode()),
                                         (b"cache-control", self.CACHE_CONTROL),
                                         (b"etag", b'"' + hashlib.md5(data).hexdigest().encode() + b'"')])
        return self._assets[rest]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asset = None
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and not any(k.lower() == b"range" for k, _ in scope["headers"]):
            asset = self._asset(scope["path"])
        if asset is None:
            await self.app(scope, receive, send)
            return
        data, headers = asset
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": data if scope["method"] == "GET" else b""})


def _below_base(path: str, base_url_path: str | None) -> str | None:
    """``path`` relative to the app's base (``server.baseUrlPath`` unless given), without its leading slash;
    None if it is not below the base."""
    from streamlit import config

    base = (base_url_path if base_url_path is not None else config.get_option("server.baseUrlPath") or "").strip("/")
    rest = path[1:] if path.startswith("/") else path
    if not base:
        return rest
    return rest[len(base) + 1:] if rest.startswith(base + "/") else None


app = st.App("app.py", middleware=[Middleware(PageLinksFindTheServer), Middleware(StreamlitAssetsFromMemory)])
