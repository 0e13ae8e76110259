"""``whatif``: rate the whole store under a scenario and print only the ratings that change."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

import pandas as pd

from core.codes import display_standard
from core.csvio import write_rows
from core.engine import AGGREGATIONS
from core.errors import InputError
from core.framework import available_frameworks, load_framework
from core.scenario import Scenario
from core.whatif import diff, summary

OUTPUT_COLUMNS = ["unit", "level", "region", "round", "framework", "standard", "before", "after", "direction", "steps"]


def register(sub) -> None:
    p = sub.add_parser("whatif", help="rate the whole store under a what-if scenario; print the ratings that change",
                       description="Rate every inspection in the store under the framework's own rules and under a "
                                   "scenario, and print only the ratings that change (a summary goes to stderr).")
    p.add_argument("--db", help="the store's URL (default: DATABASE_URL, else the SQLite file under data/)")
    p.add_argument("--scenario", metavar="NAME", help="start from a saved scenario; the options below override it")
    p.add_argument("--link", metavar="QUERY",
                   help="start from a shared link's query (or the whole address), e.g. 't=85,70,55&agg=mean'. The pages' own "
                        "parameters (round, region, unit, ...) are ignored; any other parameter, or t, agg, w, f or x given "
                        "twice, is refused")
    p.add_argument("--thresholds", help="lowest percentages for Outstanding,Good,Requires improvement, e.g. 85,70,55")
    p.add_argument("--aggregation", choices=AGGREGATIONS, help="how a standard's key questions combine")
    p.add_argument("--weights", help="scores of Outstanding,Good,Requires improvement,Inadequate, e.g. 3,2,1,0")
    p.add_argument("--fractions", help="overall upper fractions for Inadequate,Requires improvement,Good, e.g. 0.5,1.5,2.5")
    p.add_argument("--exclude", action="append", default=[], metavar="STANDARD",
                   help="a standard that does not count towards the overall rating (repeat, or separate with commas)")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.set_defaults(handler=whatif_command)


def scenario_from_args(args: argparse.Namespace, engine=None) -> Scenario:
    """The scenario the options describe: a saved one or a link's, then each option on top."""
    base = Scenario()
    if args.scenario:
        from core.store.scenarios import load_scenario

        base = load_scenario(engine, args.scenario).scenario
    if args.link is not None:
        if not args.link.strip():
            raise InputError("--link is empty; give a link's query, e.g. 't=85,70,55&agg=mean'")
        try:
            base = _merge(base, Scenario.from_query(args.link, strict=True))
        except InputError as exc:
            raise InputError(f"--link {args.link!r}: {exc}") from None
    for name in ("thresholds", "aggregation", "weights", "fractions"):
        value = getattr(args, name)
        if value is not None:
            try:
                base = replace(base, **{name: value})
            except InputError as exc:
                raise InputError(f"--{name} {value!r}: {exc}") from None
    excluded = [part for text in args.exclude for part in text.split(",") if part.strip()]
    if excluded:
        try:
            base = replace(base, excluded=base.excluded | Scenario(excluded=excluded).excluded)
        except InputError as exc:
            raise InputError(f"--exclude: {exc}") from None
    return base


def _merge(base: Scenario, top: Scenario) -> Scenario:
    return replace(base, **{k: v for k, v in top.overrides().items() if k != "excluded"}, excluded=base.excluded | top.excluded)


def whatif_command(args: argparse.Namespace) -> int:
    from core.analysis import Rerater, rules_for_scenario
    from core.store.db import existing_store
    from core.store.queries import load_dataset
    from core.store.scope import Scope

    engine = existing_store(args.db)
    scenario = scenario_from_args(args, engine)
    scenario.check_standards(load_framework(f) for f in available_frameworks())
    dataset = load_dataset(engine, Scope.national("command line"))
    rerater = Rerater(dataset)
    before = rerater.rate(with_basis=False)
    after = rerater.rate(rules_for_scenario(scenario, rerater.frameworks), with_basis=False)
    changes = diff(before, after)
    print(f"{summary(changes)} under {scenario.describe()}", file=sys.stderr)
    out = changes.assign(standard=changes["standard"].map(display_standard))
    records = [{c: _plain(r.get(c)) for c in OUTPUT_COLUMNS} for r in out.to_dict("records")]
    if args.format == "json":
        json.dump(records, sys.stdout, indent=1)
        print()
    else:
        write_rows(OUTPUT_COLUMNS, records)
    return 0


def _plain(value):
    """Values json and csv can write: no numpy integers, no pandas NA."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value
