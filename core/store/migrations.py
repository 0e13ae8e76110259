"""Schema migrations: Alembic, run programmatically.

The migration scripts live in the package (``core/store/alembic/versions``); no ``alembic.ini`` is
needed at run time. ``upgrade(engine)`` brings any store to the newest schema and is what
``core.store.db.get_engine`` and the test fixtures call. To write a new migration after changing
``core/store/models.py``: ``python -m core.store.migrations revision "what changed"`` (autogenerates
it against a scratch SQLite store at the current head), then read and tidy the script.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect, text

SCRIPT_LOCATION = Path(__file__).resolve().parent / "alembic"
BASELINE = "0001"  # the schema that Base.metadata.create_all made before migrations existed


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the package's scripts, with ``connection`` handed to env.py."""
    cfg = Config()
    # ConfigParser interpolation would read a '%' in the path as a placeholder
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION).replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision among the package's migration scripts."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the store is at, or None for an empty store."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the store's schema to the newest revision (``alembic upgrade head``), in one transaction.

    Safe to call on every start: an up-to-date store is left as it is. A store made by the old
    ``create_all`` (tables, but no ``alembic_version``) is stamped at the baseline first, so that
    its data is kept. On PostgreSQL the tables and ``alembic_version`` land in the first schema of
    the connection's search_path, and concurrent upgrades of one schema wait for each other.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite's batch mode copies a table, drops the old one and renames the copy; with foreign
            # keys on, the drop fails (or, deferred, the commit does) wherever rows refer to the table.
            # SQLite's own recipe: keys off outside the transaction, checked before commit, on again.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                _upgrade_in_transaction(conn)
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def _upgrade_in_transaction(conn: Connection) -> None:
    # two processes starting at once on an empty store must not both create the tables
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('probation-store-migrations:' || current_schema()))"))
    elif conn.dialect.name == "sqlite":
        # and on SQLite the driver would otherwise run each CREATE outside any transaction,
        # so that a failed upgrade could leave half a schema behind
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    cfg = alembic_config(conn)
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" not in tables and "regions" in tables:
        command.stamp(cfg, BASELINE)
    command.upgrade(cfg, "head")
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"the upgrade would leave rows pointing nowhere (table, row, parent): {broken[:10]}")


def _autogenerate_revision(message: str) -> None:
    """Write a new migration script from the difference between the models and the head schema."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
        try:
            upgrade(engine)
            with engine.begin() as conn:
                command.revision(alembic_config(conn), message=message, autogenerate=True)
        finally:
            engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        sys.exit('usage: python -m core.store.migrations revision "what changed"')
    _autogenerate_revision(sys.argv[2])
