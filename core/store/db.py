"""One engine per process and URL; one session per action.

The default store is a SQLite file under ``data/``; ``DATABASE_URL`` (any SQLAlchemy URL, e.g.
``postgresql+psycopg://user@host/db``) selects another.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_URL = f"sqlite:///{DATA_DIR / 'probation.db'}"


def database_url(url: str | None = None) -> str:
    """The URL to use: the one given, else ``DATABASE_URL``, else the SQLite file under data/."""
    return url or os.environ.get("DATABASE_URL") or DEFAULT_URL


@functools.lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """The process's engine for this URL, created once. The schema is brought up to date on first use."""
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    from core.store.migrations import upgrade

    upgrade(engine)
    return engine


def existing_store(url: str | None = None) -> Engine:
    """The engine of a store that must already exist (for commands that only read it): a SQLite
    file that is not there is an error, not a new empty store. Raises InputError."""
    from sqlalchemy.engine import make_url

    from core.errors import InputError

    url = database_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError: not a URL at all
        raise InputError(f"{url!r} is not a database URL (e.g. sqlite:///data/probation.db or postgresql+psycopg://user@host/db): {exc}") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).is_file():
            raise InputError(f"no store at {parsed.database}; load one first (python -m core demo, or python -m core import)")
    return get_engine(url)


def _sqlite_pragmas(dbapi_connection, _record):
    # foreign keys are off by default in SQLite; WAL lets readers carry on while an upload writes
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    # in WAL mode NORMAL never corrupts the store and keeps each transaction whole; it skips the
    # disk flush on every commit (a power cut, not a killed process, may lose the last commits)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
