"""Backing up a store to one file, and restoring it into an empty store.

The backup file is always a SQLite database at the schema revision of the store it came from, so that
one file restores into SQLite or PostgreSQL alike and can be opened with any SQLite tool:
- from SQLite, it is SQLite's online backup (``sqlite3.Connection.backup``): a consistent copy taken
  while the app may be writing;
- from PostgreSQL, every table is read in one REPEATABLE READ, read-only transaction (one snapshot:
  an upload landing meanwhile is either wholly in the backup or not at all) into a new SQLite file.
Times are kept in UTC.

``restore`` refuses a backup whose schema revision this program does not know (a newer program made
it), brings an older one up to date on a scratch copy first, writes every row in one transaction into
a store that must hold no rows, checks the count of every table against the backup, and on
PostgreSQL moves each id sequence past the restored ids.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import DateTime, Engine, Table, create_engine, func, insert, inspect, select, text

from core.errors import InputError
from core.store.migrations import alembic_config, current_revision, head_revision, upgrade
from core.store.models import Base

BATCH = 5000


class BackupError(InputError):
    """A backup or restore that cannot go ahead: the message says why; nothing was written."""


@dataclass(frozen=True)
class Outcome:
    path: Path
    revision: str
    counts: dict[str, int]  # rows per table

    def summary(self, verb: str) -> str:
        total = sum(self.counts.values())
        held = ", ".join(f"{n:,} {t.replace('_', ' ')}" for t, n in self.counts.items() if n)
        return f"{verb} {self.path} (schema {self.revision}): {total:,} rows ({held or 'no rows'})"


def tables() -> list[Table]:
    """Every table of the store, parents before the tables that refer to them."""
    return list(Base.metadata.sorted_tables)


def backup(engine: Engine, path: str | Path) -> Outcome:
    """Write a consistent snapshot of the store to ``path`` (a new file). Raises BackupError."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} already exists; give a new file name (a backup never overwrites a file)")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a folder")
    revision = current_revision(engine)
    if revision is None:
        raise BackupError("the store has no schema yet: there is nothing to back up")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_online_backup(engine, partial)
        else:
            _snapshot_into_sqlite(engine, partial)
        counts = _counts(_sqlite_engine(partial))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(path, revision, counts)


def _sqlite_online_backup(engine: Engine, target: Path) -> None:
    source = engine.raw_connection()
    try:
        with sqlite3.connect(target) as dest:
            source.driver_connection.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        dest.close()
    finally:
        source.close()


def _snapshot_into_sqlite(engine: Engine, target: Path) -> None:
    dest = _sqlite_engine(target)
    try:
        upgrade(dest)
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as src, src.begin():
            src.execute(text("SET TRANSACTION READ ONLY"))
            with dest.begin() as out:
                for table in tables():
                    _copy_table(src, out, table, to_sqlite=True)
    finally:
        dest.dispose()


def restore(engine: Engine, path: str | Path) -> Outcome:
    """Restore the backup at ``path`` into the store of ``engine``, which must hold no rows.
    Raises BackupError, having written nothing, where it cannot."""
    path = Path(path)
    revision = check_backup(path)
    upgrade(engine)
    held = {t: n for t, n in _counts(engine).items() if n}
    if held:
        listed = ", ".join(f"{n:,} {t.replace('_', ' ')}" for t, n in held.items())
        raise BackupError(f"restore goes into an empty store only, and this one holds {listed}: "
                          "give --db a new store (for SQLite, a file that does not exist yet)")
    with tempfile.TemporaryDirectory() as tmp:
        source_path = path
        if revision != head_revision():  # an older backup: brought up to date on a copy, never in place
            source_path = Path(tmp) / "backup.db"
            shutil.copyfile(path, source_path)
            scratch = _sqlite_engine(source_path)
            upgrade(scratch)
            scratch.dispose()
        source = _sqlite_engine(source_path)
        try:
            expected = _counts(source)
            with source.connect() as src, engine.begin() as out:
                if out.dialect.name == "sqlite":
                    out.exec_driver_sql("BEGIN IMMEDIATE")
                for table in tables():
                    _copy_table(src, out, table, to_sqlite=out.dialect.name == "sqlite")
                got = {t.name: out.execute(select(func.count()).select_from(t)).scalar_one() for t in tables()}
                if got != expected:
                    wrong = {t: (expected[t], got[t]) for t in expected if expected[t] != got[t]}
                    raise BackupError(f"restored counts differ from the backup's (table: backup, restored): {wrong}; nothing was restored")
                if out.dialect.name == "postgresql":
                    _move_sequences(out)
        finally:
            source.dispose()
    return Outcome(path, revision, expected)


def check_backup(path: str | Path) -> str:
    """The schema revision of a backup this program can restore. Raises BackupError for a file that is
    not a backup, or one whose schema is newer than this program knows."""
    path = Path(path)
    revision = backup_revision(path)
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if revision not in known:
        raise BackupError(f"{path} holds schema revision {revision!r}, newer than this program knows (it is at "
                          f"{head_revision()}): restore it with the program that made it, or a newer one")
    return revision


def backup_revision(path: Path) -> str:
    """The schema revision a backup file holds. Raises BackupError for anything that is not a backup."""
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    with open(path, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{path} is not a backup made by 'python -m core backup' (not a SQLite database)")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        raise BackupError(f"{path} is not a backup made by 'python -m core backup' (it has no schema version)") from None
    finally:
        conn.close()
    if not row:
        raise BackupError(f"{path} holds no schema version")
    return row[0]


# -- the pieces ---------------------------------------------------------------------------------------

def _sqlite_engine(path: Path) -> Engine:
    return create_engine(f"sqlite:///{path}")


def _counts(engine: Engine) -> dict[str, int]:
    present = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() if t.name in present else 0
                for t in tables()}


def _copy_table(src, out, table: Table, to_sqlite: bool) -> None:
    stamps = [c.name for c in table.columns if isinstance(c.type, DateTime) and c.type.timezone]
    result = src.execution_options(yield_per=BATCH).execute(select(table).order_by(*table.primary_key.columns))
    for part in result.partitions():
        rows = [dict(r._mapping) for r in part]
        for row in rows:
            for name in stamps:
                row[name] = _utc(row[name], naive=to_sqlite)
        out.execute(insert(table), rows)


def _utc(value, naive: bool):
    """SQLite keeps no time zone: times go into it as naive UTC, and come out of it read as UTC."""
    if not isinstance(value, dt.datetime):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    value = value.astimezone(dt.timezone.utc)
    return value.replace(tzinfo=None) if naive else value


def _move_sequences(conn) -> None:
    for table in tables():
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and isinstance(pk[0].type.python_type, type) \
                and pk[0].type.python_type is int:
            conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE((SELECT MAX({c}) FROM {t}), 0) + 1, false)"
                              .format(c=pk[0].name, t=table.name)), {"t": table.name, "c": pk[0].name})
