"""Shared fixtures: a fresh store on SQLite and on PostgreSQL, and the browser.

PostgreSQL tests use TEST_DATABASE_URL (default: the local server, database ``test``). Each test
gets a schema of its own, dropped afterwards, so tests can run in parallel. Where the server is
unreachable they skip with the reason, unless REQUIRE_POSTGRES=1, where that is a failure.
"""
from __future__ import annotations

import os
import shutil
import uuid

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, event, text

# Speed is measured in bench/, not in tests: Hypothesis's per-example deadline would fail a correct
# test on a loaded machine, so it is off for the whole suite.
settings.register_profile("project", deadline=None)
settings.load_profile("project")

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _required(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false", "no")


def _postgres_unavailable() -> str | None:
    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
    except Exception as exc:  # any failure to connect is a reason to skip
        return f"PostgreSQL unreachable at {PG_URL}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return None


_PG_REASON = _postgres_unavailable()


def skip_or_fail(reason: str, required_env: str):
    if _required(required_env):
        pytest.fail(f"{reason} ({required_env}=1, so this is a failure, not a skip)")
    pytest.skip(reason)


def postgres_engine():
    """A fresh engine on its own PostgreSQL schema; returns (engine, drop)."""
    if _PG_REASON:
        skip_or_fail(_PG_REASON, "REQUIRE_POSTGRES")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"}, pool_pre_ping=True)

    def drop():
        eng.dispose()
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    return eng, drop


def sqlite_engine(tmp_path):
    from core.store.db import _sqlite_pragmas

    eng = create_engine(f"sqlite:///{tmp_path / 'store.db'}", connect_args={"timeout": 30})
    event.listen(eng, "connect", _sqlite_pragmas)
    return eng


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    """An empty store with the current schema, on SQLite and on PostgreSQL."""
    from core.store.migrations import upgrade

    if request.param == "sqlite":
        eng, drop = sqlite_engine(tmp_path), None
    else:
        eng, drop = postgres_engine()
    upgrade(eng)
    yield eng
    eng.dispose()
    if drop:
        drop()


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        skip_or_fail("Debian's chromium is not installed (apt-get install -y chromium)", "REQUIRE_BROWSER")
    return path
