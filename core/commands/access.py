"""``users``, ``audit``, ``uploads`` and ``withdraw``: people and roles, the audit trail, uploads
listed and withdrawn. ``--as EMAIL`` says whom an action is recorded for; where that person is a
known user, their role and regions apply (``core.access``)."""
from __future__ import annotations

import datetime as dt
import getpass
import json
import sys

from core.access import ROLES
from core.csvio import printable, write_rows
from core.errors import InputError

DB_HELP = "SQLAlchemy URL of the store (default: DATABASE_URL, else data/probation.db)"
AS_HELP = "whom the action is recorded for; a known user's role and regions apply (default: your login name)"


def register(sub) -> None:
    users = sub.add_parser("users", help="people and roles: add, list, change, remove")
    verbs = users.add_subparsers(dest="verb", required=True, parser_class=type(users))

    p = verbs.add_parser("add", help="add a user with a role (and regions, for regional and inspector)")
    p.add_argument("email")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--region", dest="regions", nargs="+", action="extend", default=[], metavar="NAME",
                   help="a region they see (repeat or list several); needed for regional and inspector")
    _common(p)
    p.set_defaults(handler=users_add)

    p = verbs.add_parser("list", help="every user: email, role, regions")
    p.add_argument("--format", choices=("table", "csv"), default="table")
    p.add_argument("--db", metavar="URL", help=DB_HELP)
    p.set_defaults(handler=users_list)

    p = verbs.add_parser("change", help="change a user's role and/or regions (--region replaces their regions)")
    p.add_argument("email")
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--region", dest="regions", nargs="+", action="extend", default=None, metavar="NAME")
    _common(p)
    p.set_defaults(handler=users_change)

    p = verbs.add_parser("remove", help="remove a user (they keep nothing: signing in shows 'no access yet')")
    p.add_argument("email")
    _common(p)
    p.set_defaults(handler=users_remove)

    p = sub.add_parser("audit", help="the audit trail: who did what, when (UTC)")
    p.add_argument("--since", metavar="DATE", help="from this UTC date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM)")
    p.add_argument("--user", metavar="EMAIL")
    p.add_argument("--action", metavar="NAME", help="one of the recorded actions, e.g. upload-accepted")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--db", metavar="URL", help=DB_HELP)
    p.set_defaults(handler=audit_command)

    p = sub.add_parser("uploads", help="every upload, withdrawn ones included, newest first")
    p.add_argument("--format", choices=("table", "csv"), default="table")
    p.add_argument("--db", metavar="URL", help=DB_HELP)
    p.add_argument("--as", dest="user", metavar="EMAIL", help="list only what this known user may see")
    p.set_defaults(handler=uploads_command)

    p = sub.add_parser("withdraw", help="withdraw an upload: the previous version counts again; nothing is deleted")
    p.add_argument("upload_id", type=int, metavar="UPLOAD_ID")
    p.add_argument("--reason", required=True, metavar="TEXT")
    _common(p)
    p.set_defaults(handler=withdraw_command)


def _common(p) -> None:
    p.add_argument("--db", metavar="URL", help=DB_HELP)
    p.add_argument("--as", dest="user", metavar="EMAIL", help=AS_HELP)


def login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers: the audit trail still needs a name
        return "command line"


def principal(engine, args):
    from core.store.people import command_line_principal

    return command_line_principal(engine, getattr(args, "user", None), login_name())


def _engine(args):
    from core.store.db import get_engine

    return get_engine(args.db)


def users_add(args) -> int:
    from core.store.people import add_person

    engine = _engine(args)
    person = add_person(engine, args.email, args.role, args.regions, by=principal(engine, args))
    print(f"added {person.email}: {person.role}" + (f" of {', '.join(person.regions)}" if person.regions else ""))
    return 0


def users_change(args) -> int:
    from core.store.people import change_person

    if args.role is None and args.regions is None:
        raise InputError("say what changes: --role and/or --region")
    engine = _engine(args)
    person = change_person(engine, args.email, args.role, args.regions, by=principal(engine, args))
    print(f"changed {person.email}: {person.role}" + (f" of {', '.join(person.regions)}" if person.regions else ""))
    return 0


def users_remove(args) -> int:
    from core.store.people import remove_person

    engine = _engine(args)
    remove_person(engine, args.email, by=principal(engine, args))
    print(f"removed {args.email}")
    return 0


def users_list(args) -> int:
    from core.store.people import people_frame

    _print_frame(people_frame(_engine(args)), args.format)
    return 0


def _print_frame(frame, fmt: str) -> None:
    if fmt == "csv":
        write_rows(list(frame.columns), frame.to_dict("records"))
    elif frame.empty:
        print("(none)")
    else:  # stored text shown escaped (core.csvio.printable): a name cannot drive the terminal
        print(frame.map(lambda v: printable(v) if isinstance(v, str) else v).to_string(index=False))


def parse_since(text: str | None):
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--since {text!r}: expected a date as YYYY-MM-DD (or a time as YYYY-MM-DDTHH:MM), in UTC") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def audit_command(args) -> int:
    from core.store import audit

    if args.action and args.action not in audit.ACTIONS:
        raise InputError(f"--action {args.action!r}: expected one of {', '.join(audit.ACTIONS)}")
    frame = audit.events(_engine(args), since=parse_since(args.since), user=args.user, action=args.action)
    rows = [{**r, "at": r["at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")} for r in frame.to_dict("records")]
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=1)  # every character past ASCII escaped, controls and U+202E too
        print()
    else:
        write_rows(audit.COLUMNS, [{**r, "details": json.dumps(r["details"], ensure_ascii=False, sort_keys=True)} for r in rows])
    return 0


def uploads_command(args) -> int:
    from core.store.scope import Scope
    from core.store.withdrawals import uploads_listing

    engine = _engine(args)
    frame = uploads_listing(engine, Scope.for_principal(principal(engine, args)))
    frame["uploaded_at"] = frame["uploaded_at"].map(_when)
    frame["withdrawn_at"] = frame["withdrawn_at"].map(_when)
    frame["counts"] = frame["counts"].map(lambda c: ";".join(f"{k}={v}" for k, v in (c or {}).items()))
    if args.format == "table":
        frame = frame.drop(columns=["sha256", "counts", "withdrawn_reason"])
    _print_frame(frame, args.format)
    return 0


def _when(value) -> str:
    if value is None or value != value:
        return ""
    if getattr(value, "tzinfo", None) is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def withdraw_command(args) -> int:
    from core.store.withdrawals import withdraw_upload

    engine = _engine(args)
    print(withdraw_upload(engine, args.upload_id, args.reason, principal(engine, args)).summary())
    return 0
