"""``template``, ``import`` and ``load-published``: templates out, checked uploads and reference ratings in."""
from __future__ import annotations

import argparse
import sys

from core.csvio import write_rows
from core.errors import InvalidWorkbook
from core.ingest.spec import TEMPLATE_KINDS

EXIT_REJECTED = 2


def register(sub) -> None:
    p = sub.add_parser("template", help="write an upload template (.xlsx) generated from a framework")
    p.add_argument("--framework", required=True)
    p.add_argument("--kind", required=True, choices=TEMPLATE_KINDS,
                   help="cases (sentence management), court, unpaid-work, victim, or evidence (domain one)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    p.set_defaults(handler=template_command)

    p = sub.add_parser("import", help="check and load filled templates (.xlsx) or case CSV files, each in one transaction")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--db", metavar="URL", help="SQLAlchemy URL of the store (default: DATABASE_URL, else data/probation.db)")
    p.add_argument("--as", dest="user", metavar="EMAIL", help="who is uploading, for the audit trail (default: your login name); "
                                                              "a known user's role and regions apply")
    p.set_defaults(handler=import_command)

    p = sub.add_parser("load-published", help="load data/published_ratings.csv into the store (safe to repeat)")
    p.add_argument("--db", metavar="URL", help="SQLAlchemy URL of the store (default: DATABASE_URL, else data/probation.db)")
    p.add_argument("--file", help="another published ratings CSV (default: data/published_ratings.csv)")
    p.add_argument("--as", dest="user", metavar="EMAIL", help="who is loading, for the audit trail; a known user must be an admin")
    p.set_defaults(handler=load_published_command)


def template_command(args: argparse.Namespace) -> int:
    from core.ingest.template import write_template

    path = write_template(args.framework, args.kind, args.output)
    print(path)
    return 0


def import_command(args: argparse.Namespace) -> int:
    """Each file is its own transaction: a rejected file is reported and the others still load."""
    from core.commands.access import principal
    from core.ingest.audited import upload
    from core.store.db import get_engine

    engine = get_engine(args.db)
    by = principal(engine, args)
    receipts, rejected = [], 0
    for path in args.files:
        try:
            r = upload(engine, by, path)
        except InvalidWorkbook as exc:
            rejected += 1
            print(f"error: {exc}", file=sys.stderr)
            continue
        receipts.append({"file": path, "status": r.status, "inspection": r.inspection, "kind": r.kind, "version": r.version,
                         "counts": ";".join(f"{k}={v}" for k, v in r.counts.items()), "sha256": r.sha256})
    write_rows(["file", "status", "inspection", "kind", "version", "counts", "sha256"], receipts)
    if rejected:
        print(f"{rejected} of {len(args.files)} file{'s' if len(args.files) != 1 else ''} rejected; nothing was stored from "
              f"{'them' if rejected != 1 else 'it'}", file=sys.stderr)
        return EXIT_REJECTED
    return 0


def load_published_command(args: argparse.Namespace) -> int:
    from core.commands.access import principal
    from core.store.actions import load_published_as
    from core.store.db import get_engine

    engine = get_engine(args.db)
    result = load_published_as(engine, principal(engine, args), args.file)
    print(result.summary())
    return 0

