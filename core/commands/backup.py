"""``backup`` and ``restore``: one file holding the whole store, and the store back from it."""
from __future__ import annotations

import argparse

DB_HELP = "the store's URL (default: DATABASE_URL, else the SQLite file under data/)"


def register(sub) -> None:
    p = sub.add_parser("backup", help="write a consistent snapshot of the store to FILE (a SQLite file, from SQLite or PostgreSQL)")
    p.add_argument("file", metavar="FILE", help="the backup file to write; it must not exist yet")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(handler=backup_command)
    r = sub.add_parser("restore", help="restore a backup FILE into an empty store (SQLite or PostgreSQL)")
    r.add_argument("file", metavar="FILE", help="a file written by 'python -m core backup'")
    r.add_argument("--db", help=DB_HELP + "; it must hold no rows (for SQLite, a file that does not exist yet is made)")
    r.set_defaults(handler=restore_command)


def backup_command(args: argparse.Namespace) -> int:
    from core.store.backup import backup
    from core.store.db import existing_store

    print(backup(existing_store(args.db), args.file).summary("Backed up the store to"))
    return 0


def restore_command(args: argparse.Namespace) -> int:
    from core.store.backup import check_backup, restore
    from core.store.db import get_engine

    check_backup(args.file)  # a file that is not a backup, or is too new, is refused before any store is made
    print(restore(get_engine(args.db), args.file).summary("Restored the store from"))
    return 0
