"""Alembic's environment for the store.

``core.store.migrations.upgrade(engine)`` runs this with the caller's open connection in
``config.attributes["connection"]``, so that the version table and every table land where that
connection points (on PostgreSQL, the first schema of its search_path). Run from the ``alembic``
command line instead, it opens its own connection from ``sqlalchemy.url``.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from core.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against a database")
run_migrations_online()
