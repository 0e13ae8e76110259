"""The schema comes from Alembic migrations, and the migrated schema is exactly the models'."""
from __future__ import annotations

import pytest

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from core.store.migrations import current_revision, head_revision, upgrade
from core.store.models import Base


def test_the_migrated_schema_matches_the_models(store):
    with store.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diffs == []


def test_the_store_is_at_the_newest_revision_and_upgrading_again_changes_nothing(store):
    assert current_revision(store) == head_revision() == "0006_packed_tallies"
    upgrade(store)
    assert current_revision(store) == head_revision()


def test_every_table_and_the_version_table_land_in_the_stores_own_schema(store):
    with store.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        if conn.dialect.name == "postgresql":
            schema = conn.execute(text("select current_schema()")).scalar_one()
            assert schema.startswith("t_")  # conftest's per-test schema, not public
            in_schema = set(conn.execute(text("select table_name from information_schema.tables where table_schema = :s"),
                                         {"s": schema}).scalars())
            assert in_schema == tables
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


def test_a_store_made_before_migrations_is_stamped_and_keeps_its_rows(store):
    # a store that Base.metadata.create_all made: the first revision's tables, no alembic_version
    from alembic import command

    from core.store.migrations import alembic_config

    with store.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
        conn.execute(text("drop table alembic_version"))
        conn.execute(text("insert into regions (name) values ('Wales')"))
    assert current_revision(store) is None
    upgrade(store)
    assert current_revision(store) == head_revision()
    with store.connect() as conn:
        assert conn.execute(text("select name from regions")).scalars().all() == ["Wales"]


def test_a_failed_upgrade_leaves_no_half_built_schema(store, monkeypatch):
    import alembic.op
    from alembic import command

    from core.store.migrations import alembic_config

    with store.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert set(inspect(store).get_table_names()) == {"alembic_version"}

    def fail(*_args, **_kwargs):
        raise RuntimeError("interrupted")

    # the first index comes after three tables are made: all three must go again
    monkeypatch.setattr(alembic.op, "create_index", fail)
    with pytest.raises(RuntimeError, match="interrupted"):
        upgrade(store)
    assert set(inspect(store).get_table_names()) == {"alembic_version"}
    assert current_revision(store) is None
    monkeypatch.undo()
    upgrade(store)
    assert current_revision(store) == head_revision()
