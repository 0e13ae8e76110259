"""``python -m core ratings``: every computed rating in the store, with its basis."""
from __future__ import annotations

import argparse
import json
import sys

from core.analysis import OVERALL, decision_checks, rate_dataset, with_published
from core.codes import display, display_standard
from core.csvio import write_rows
from core.engine import percent_text
from core.errors import InputError
from core.names import name_key
from core.store.db import existing_store
from core.store.queries import load_dataset
from core.store.scope import Scope

COLUMNS = ["unit", "standard", "rating", "level", "region", "round", "framework", "standard_name", "source", "score", "max_score",
           "driving_key_question", "percent", "n_sufficient", "n_relevant", "threshold", "basis", "proposed_rating", "decision_rule", "rule_note", "check", "published_rating", "published_score", "agrees", "synthetic"]


def register(sub) -> None:
    p = sub.add_parser("ratings", help="print every computed rating in the store, with its basis")
    p.add_argument("--db", help="SQLAlchemy URL of the store (default: DATABASE_URL, else data/probation.db)")
    p.add_argument("--unit", help="only this unit (a PDU or region name, case-insensitive)")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.set_defaults(handler=ratings_command)


def ratings_rows(url: str | None, unit: str | None = None) -> list[dict]:
    """Rows as printed: standards in their published form, numbers tidied, empty where not applicable."""
    dataset = load_dataset(existing_store(url), Scope.national())
    rated = rate_dataset(dataset)
    table = with_published(rated, dataset)
    table["check"] = _check_notes(decision_checks(dataset, rated), table)
    if unit:
        table = table[table["unit"].map(name_key) == name_key(unit)]
        if table.empty:
            raise InputError(f"no unit named {unit!r} in the store", column="--unit")
    rows = []
    for r in table.to_dict("records"):
        row = {c: _tidy(r.get(c)) for c in COLUMNS}
        row["standard"] = display_standard(r["standard"])
        if isinstance(r.get("driving_key_question"), str):
            row["driving_key_question"] = display(r["driving_key_question"])
        if isinstance(r.get("percent"), float) and r["percent"] == r["percent"]:
            row["percent"] = percent_text(r["percent"])
        rows.append(row)
    return rows


def _check_notes(checks, table) -> list[str]:
    """For each row: the decision-rule check of a proposed rating ('flag: breaks DECISION GUIDANCE ...'),
    and on an OVERALL row, which proposals it counts at a lower rating because they break a DECISION RULE."""
    notes = {(c["inspection_id"], c["standard"]): f"{c['severity']}: {c['explanation']}" for c in checks.to_dict("records")}
    breaches = checks[checks["severity"] == "breach"]
    lowered = breaches.groupby("inspection_id").apply(
        lambda g: ", ".join(f"{display(s)} as {c}" for s, c in zip(g["standard"], g["counts_as"])), include_groups=False) \
        if not breaches.empty else {}
    out = []
    for r in table.to_dict("records"):
        note = notes.get((r["inspection_id"], r["standard"]), "")
        if r["standard"] == OVERALL and r["inspection_id"] in lowered:
            note = "; ".join(filter(None, [note, f"breach: counts {lowered[r['inspection_id']]} (proposals that break a DECISION RULE)"]))
        out.append(note)
    return out


def _tidy(value):
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def ratings_command(args: argparse.Namespace) -> int:
    rows = ratings_rows(args.db, args.unit)
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
    else:
        write_rows(COLUMNS, rows)
    return 0
