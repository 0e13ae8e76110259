"""``demo``: load the synthetic national picture (every inspection marked synthetic) into the store,
with the published reference ratings beside it."""
from __future__ import annotations

import argparse
import sys

from sqlalchemy import Engine

from core.demo import DEFAULT_ROUNDS, DEFAULT_SEED, MAX_ROUNDS, load_demo
from core.errors import InputError
from core.store.published import load_published


def register(sub) -> None:
    p = sub.add_parser("demo", help="load the synthetic demo: 12 regions, 108 invented PDUs, every inspection marked synthetic")
    p.add_argument("--db", help="the store's URL (default: DATABASE_URL, else the SQLite file under data/)")
    p.add_argument("--if-empty", action="store_true", help="load only if the store holds no inspections; otherwise do nothing")
    p.add_argument("--remove", action="store_true",
                   help="remove the demo instead: every synthetic inspection and all that hangs from it, and the PDUs and "
                        "regions only the demo used; real uploads and the published ratings stay")
    p.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS,
                   help=f"inspection rounds, ending with 2025-26 (default {DEFAULT_ROUNDS}; at most {MAX_ROUNDS})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"the same seed gives the same store (default {DEFAULT_SEED})")
    p.set_defaults(handler=demo_command)


def load_published_reference(engine: Engine) -> str:
    """Load the published reference ratings (data/published_ratings.csv) beside the demo, so that
    the comparison with published annexes has something to show. Safe to repeat: rows already
    there are left alone."""
    return load_published(engine).summary()


def demo_command(args: argparse.Namespace) -> int:
    if args.remove:
        return remove_command(args)
    if not 1 <= args.rounds <= MAX_ROUNDS:
        raise InputError(f"--rounds {args.rounds}: expected a number from 1 to {MAX_ROUNDS}")
    from core.store.db import get_engine

    engine = get_engine(args.db)

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    summary = load_demo(engine, rounds=args.rounds, seed=args.seed, progress=progress, if_empty=args.if_empty)
    for line in summary.lines():
        print(line)
    print(load_published_reference(engine))
    return 0


def remove_command(args: argparse.Namespace) -> int:
    from core.store.db import existing_store
    from core.store.demo_data import remove_demo

    removed = remove_demo(existing_store(args.db))
    if not removed:
        print("The store holds no demo data; nothing was removed.")
        return 0
    print("Removed the synthetic demo: " + ", ".join(f"{n:,} {table.replace('_', ' ')}" for table, n in removed.items()))
    return 0
