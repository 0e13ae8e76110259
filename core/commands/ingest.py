"""``template``, ``import`` and ``load-published``: templates out, checked uploads and reference ratings in."""
from __future__ import annotations

import argparse
import sys
import time

from core.csvio import write_rows
from core.ingest.spec import TEMPLATE_KINDS

EXIT_REJECTED = 2


def register(sub) -> None:
    p = sub.add_parser("template", help="write an upload template (.xlsx) generated from a framework")
    p.add_argument("--framework", required=True)
    p.add_argument("--kind", required=True, choices=TEMPLATE_KINDS,
                   help="cases (sentence management), court, unpaid-work, victim, or evidence (domain one)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    p.set_defaults(handler=template_command)

    p = sub.add_parser("import", help="check and load filled templates (.xlsx) or case CSV files, each in one transaction; "
                                      "a directory gives every .xlsx and .csv file in it and below")
    p.add_argument("files", nargs="+", metavar="DIR_OR_FILE")
    p.add_argument("--db", metavar="URL", help="SQLAlchemy URL of the store (default: DATABASE_URL, else data/probation.db)")
    p.add_argument("--as", dest="user", metavar="EMAIL", help="who is uploading, for the audit trail (default: your login name); "
                                                              "a known user's role and regions apply")
    p.add_argument("--workers", type=_workers, metavar="N", help="processes checking files ahead while one stores "
                                                            "(default: the cores this process may use, at most 4; 1: none)")
    p.set_defaults(handler=import_command)

    p = sub.add_parser("load-published", help="load data/published_ratings.csv into the store (safe to repeat)")
    p.add_argument("--db", metavar="URL", help="SQLAlchemy URL of the store (default: DATABASE_URL, else data/probation.db)")
    p.add_argument("--file", help="another published ratings CSV (default: data/published_ratings.csv)")
    p.add_argument("--as", dest="user", metavar="EMAIL", help="who is loading, for the audit trail; a known user must be an admin")
    p.set_defaults(handler=load_published_command)


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1 or more)")
    return n


def template_command(args: argparse.Namespace) -> int:
    from core.ingest.template import write_template

    path = write_template(args.framework, args.kind, args.output)
    print(path)
    return 0


def import_command(args: argparse.Namespace) -> int:
    """Each file is its own transaction: a refused file is reported and the others still load.
    Receipts go to stdout as CSV; on a terminal a progress bar (files, cases, time left) runs on
    stderr, and a summary ends the run there. ``--as`` names the principal: a known user's role and
    regions apply, and every file leaves its audit row."""
    from core.commands.access import principal
    from core.errors import InputError
    from core.ingest.audited import upload
    from core.ingest.importer import default_workers, expand_sources, import_many
    from core.store.db import get_engine

    paths = expand_sources(args.files)
    if not paths:
        raise InputError(f"no .xlsx or .csv files in {', '.join(args.files)}")
    engine = get_engine(args.db)
    by = principal(engine, args)
    bar = _progress_bar(len(paths)) if sys.stderr.isatty() else None
    say = (lambda text: bar.write(text, file=sys.stderr)) if bar is not None else (lambda text: print(text, file=sys.stderr))

    def progress(p) -> None:
        if not p.outcome.loaded:
            say(f"error: {p.outcome.message}")
        if bar is not None:
            bar.set_postfix_str(f"{p.cases:,} cases", refresh=False)
            bar.update(1)

    started = time.perf_counter()
    try:
        outcomes = import_many(engine, paths, progress=progress, importer=lambda data, name: upload(engine, by, data, name),
                               workers=args.workers if args.workers is not None else default_workers())
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - started
    write_rows(["file", "status", "inspection", "kind", "version", "counts", "sha256"],
               [{"file": str(path), "status": o.receipt.status, "inspection": o.receipt.inspection, "kind": o.receipt.kind,
                 "version": o.receipt.version, "counts": ";".join(f"{k}={v}" for k, v in o.receipt.counts.items()),
                 "sha256": o.receipt.sha256} for path, o in zip(paths, outcomes) if o.loaded])
    print(summary(outcomes, seconds), file=sys.stderr)
    rejected = sum(not o.loaded for o in outcomes)
    if rejected:
        print(f"{rejected} of {len(outcomes)} file{'s' if len(outcomes) != 1 else ''} rejected; nothing was stored from "
              f"{'them' if rejected != 1 else 'it'}", file=sys.stderr)
        return EXIT_REJECTED
    return 0


def summary(outcomes, seconds: float) -> str:
    """One line: how many files loaded, as new versions, already loaded or refused; the cases and answers stored."""
    from core.store.uploads import ALREADY_LOADED, LOADED, NEW_VERSION

    statuses = [o.receipt.status if o.loaded else "refused" for o in outcomes]
    changed = [o.receipt for o in outcomes if o.loaded and o.receipt.status != ALREADY_LOADED]
    cases = sum(r.counts.get("cases", 0) for r in changed)
    answers = sum(r.counts.get("answers", 0) for r in changed)
    parts = [f"{statuses.count(LOADED):,} loaded", f"{statuses.count(NEW_VERSION):,} new versions",
             f"{statuses.count(ALREADY_LOADED):,} already loaded (nothing changed)", f"{statuses.count('refused'):,} refused"]
    n = len(outcomes)
    return (f"{n:,} file{'s' if n != 1 else ''} in {seconds:.1f} s: {', '.join(parts)}; "
            f"{cases:,} cases and {answers:,} answers stored")


def _progress_bar(total: int):
    from tqdm import tqdm

    bar = tqdm(total=total, unit="file", desc="importing", file=sys.stderr, dynamic_ncols=True,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} files, {postfix} [{elapsed}<{remaining} left]")
    bar.set_postfix_str("0 cases", refresh=False)
    return bar


def load_published_command(args: argparse.Namespace) -> int:
    from core.commands.access import principal
    from core.store.actions import load_published_as
    from core.store.db import get_engine

    engine = get_engine(args.db)
    result = load_published_as(engine, principal(engine, args), args.file)
    print(result.summary())
    return 0

