"""``backup`` and ``restore``: the round trip on SQLite and PostgreSQL gives a store that rates the same,
row for row; what cannot be restored is refused with nothing written."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.cli import main
from core.demo import load_demo
from core.ingest.importer import import_file
from core.store.answers import answers_stored
from core.store.db import get_engine
from core.store.models import Base
from core.store.published import load_published
from tests.conftest import PG_URL, postgres_engine
from tests.ingest_helpers import ESSEX_NORTH, case_workbook, evidence_workbook, table_counts, to_bytes


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A SQLite store with a small demo, the published annexes, and real uploads in two versions."""
    url = f"sqlite:///{tmp_path_factory.mktemp('backup-source') / 'store.db'}"
    engine = get_engine(url)
    load_demo(engine, rounds=1, regions=1, scale=0.2)
    load_published(engine)
    pdu = {**ESSEX_NORTH, "level": "pdu"}
    import_file(engine, to_bytes(case_workbook(cases=[{"case_id": f"E{i}", "P2.1.1": "Yes" if i % 3 else "No"} for i in range(12)])), "v1.xlsx")
    import_file(engine, to_bytes(case_workbook(cases=[{"case_id": f"E{i}", "P2.1.1": "Yes"} for i in range(9)])), "v2.xlsx")
    import_file(engine, to_bytes(evidence_workbook(pdu, ratings=[("P1.1", "Good", "ok")], judgements={"diversity": ("Yes", "")})), "ev.xlsx")
    return url


@pytest.fixture
def pg_url():
    """The URL of a fresh PostgreSQL schema (search_path in the URL, so that the commands reach it)."""
    eng, drop = postgres_engine()
    with eng.connect() as c:
        schema = c.execute(text("select current_schema()")).scalar_one()
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    yield url
    get_engine(url).dispose()
    drop()


def _ratings(url, capsys) -> str:
    assert main(["ratings", "--db", url]) == 0
    return capsys.readouterr().out


def _rows(url) -> dict[str, list]:
    """Every row of every table, in id order, times in UTC: what a restored store must hold again."""
    def plain(v):
        if isinstance(v, dt.datetime):
            return (v if v.tzinfo else v.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc).isoformat()
        return json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v

    with Session(get_engine(url)) as s:
        return {t.name: [tuple(plain(v) for v in r) for r in s.execute(select(t).order_by(*t.primary_key.columns)).all()]
                for t in Base.metadata.sorted_tables}


def test_a_sqlite_backup_restores_into_an_empty_sqlite_store_row_for_row(source, tmp_path, capsys):
    backup_file, target = tmp_path / "store.backup", f"sqlite:///{tmp_path / 'restored.db'}"
    assert main(["backup", str(backup_file), "--db", source]) == 0
    assert capsys.readouterr().out.startswith(f"Backed up the store to {backup_file}")
    assert main(["restore", str(backup_file), "--db", target]) == 0
    assert "Restored the store from" in capsys.readouterr().out
    assert _rows(target) == _rows(source)
    assert _ratings(target, capsys) == _ratings(source, capsys)


@pytest.mark.postgres
def test_the_round_trip_through_postgresql_rates_the_same(source, pg_url, tmp_path, capsys):
    # SQLite -> backup -> PostgreSQL -> backup (one REPEATABLE READ snapshot) -> SQLite
    first, second = tmp_path / "from-sqlite.backup", tmp_path / "from-postgresql.backup"
    assert main(["backup", str(first), "--db", source]) == 0
    assert main(["restore", str(first), "--db", pg_url]) == 0
    capsys.readouterr()
    assert _rows(pg_url) == _rows(source)
    assert _ratings(pg_url, capsys) == _ratings(source, capsys)
    assert main(["backup", str(second), "--db", pg_url]) == 0
    back = f"sqlite:///{tmp_path / 'back.db'}"
    assert main(["restore", str(second), "--db", back]) == 0
    capsys.readouterr()
    assert _rows(back) == _rows(source)
    assert _ratings(back, capsys) == _ratings(source, capsys)
    # the restored PostgreSQL store goes on: new rows get new ids
    receipt = import_file(get_engine(pg_url), to_bytes(case_workbook(cases=[{"case_id": "N1", "P2.1.1": "No"}])), "v3.xlsx")
    assert receipt.version == 3


def test_restore_refuses_a_store_that_holds_rows_and_changes_nothing(source, tmp_path, capsys):
    backup_file = tmp_path / "b.backup"
    assert main(["backup", str(backup_file), "--db", source]) == 0
    before = table_counts(get_engine(source))
    assert main(["restore", str(backup_file), "--db", source]) == 2
    assert "empty store only" in capsys.readouterr().err
    assert table_counts(get_engine(source)) == before


def test_restore_refuses_a_backup_of_a_newer_schema(source, tmp_path, capsys):
    backup_file = tmp_path / "b.backup"
    assert main(["backup", str(backup_file), "--db", source]) == 0
    with sqlite3.connect(backup_file) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.close()
    target = tmp_path / "never.db"
    assert main(["restore", str(backup_file), "--db", f"sqlite:///{target}"]) == 2
    assert "newer than this program knows" in capsys.readouterr().err
    assert not target.exists()


def test_backup_never_overwrites_and_restore_refuses_what_is_not_a_backup(source, tmp_path, capsys):
    existing = tmp_path / "exists.backup"
    existing.write_text("keep me")
    assert main(["backup", str(existing), "--db", source]) == 2
    assert existing.read_text() == "keep me"
    assert main(["restore", str(existing), "--db", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    assert "not a backup" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "missing.backup"), "--db", f"sqlite:///{tmp_path / 'x.db'}"]) == 2


def test_a_backup_of_an_older_schema_is_brought_up_to_date_on_restore(tmp_path, capsys):
    from alembic import command

    from core.store.migrations import alembic_config, current_revision, head_revision
    from tests.conftest import sqlite_engine
    from tests.test_store_integrity import _legacy_rows

    old = sqlite_engine(tmp_path)  # tmp_path/store.db, at the first revision, holding data
    with old.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
    with old.begin() as conn:
        _legacy_rows(conn)
    old.dispose()
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    assert main(["restore", str(tmp_path / "store.db"), "--db", target]) == 0
    assert "(schema 0001)" in capsys.readouterr().out
    assert current_revision(get_engine(target)) == head_revision()
    with Session(get_engine(target)) as s:
        assert answers_stored(s) == 6  # the legacy store's six answer rows, packed into their cases
    assert current_revision(sqlite_engine(tmp_path)) == "0001"  # the backup file itself is untouched


def test_a_restore_that_copies_short_is_refused_by_its_count_check_and_writes_nothing(source, tmp_path, capsys, monkeypatch):
    from core.store import backup

    backup_file, target = tmp_path / "store.backup", f"sqlite:///{tmp_path / 'short.db'}"
    assert main(["backup", str(backup_file), "--db", source]) == 0
    copy = backup._copy_table

    def copy_all_but_one_case(src, out, table, to_sqlite):  # as a copy cut short would
        copy(src, out, table, to_sqlite)
        if table.name == "cases":
            out.execute(text("DELETE FROM cases WHERE id = (SELECT max(id) FROM cases)"))

    monkeypatch.setattr(backup, "_copy_table", copy_all_but_one_case)
    capsys.readouterr()
    assert main(["restore", str(backup_file), "--db", target]) == 2
    err = capsys.readouterr().err
    assert "restored counts differ from the backup's" in err and "'cases'" in err and "nothing was restored" in err
    counts = table_counts(get_engine(target))
    assert "cases" in counts and not any(counts.values())  # the store is as empty as it was
