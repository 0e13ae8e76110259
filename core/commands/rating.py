"""``score``, ``band`` and ``staffing``: the rating rules applied to CSV input."""
from __future__ import annotations

import argparse
from collections import defaultdict

from core.codes import canonical, display
from core.csvio import read_rows, write_rows
from core.engine import AGGREGATIONS, Sufficiency, check_proposed, percent_text, rate_standard, regional_staffing, score_unit
from core.errors import InputError
from core.framework import Framework, load_framework
from core.names import name_key
from core.ratings import Rating, parse_rating
from core.rules import Rules
from core.scenario import Scenario

SCORE_COLUMNS = ["unit", "score", "max_score", "overall_rating", "score_text", "standards_rated", "missing_standards", "basis",
                 "decision_rules"]


def register(sub) -> None:
    p = sub.add_parser("score", help="score units from their standard ratings and give the overall rating")
    p.add_argument("--framework", required=True)
    p.add_argument("file")
    p.set_defaults(handler=score_command)

    p = sub.add_parser("band", help="rate domain two standards from key question counts")
    p.add_argument("--framework", required=True)
    p.add_argument("--thresholds", help="Outstanding,Good,Requires improvement lowest percentages, e.g. 80,65,50")
    p.add_argument("--aggregation", choices=AGGREGATIONS, help="how key questions combine (default: the framework's, lowest)")
    p.add_argument("file")
    p.set_defaults(handler=band_command)

    p = sub.add_parser("staffing", help="regional staffing R 1.2 from the region's PDU P 1.2 ratings")
    p.add_argument("--framework", required=True)
    p.add_argument("--region", required=True)
    p.add_argument("--regional-question", required=True, type=str.lower, choices=("yes", "no"))
    p.add_argument("file")
    p.set_defaults(handler=staffing_command)


def band_rules(fw: Framework, thresholds: str | None, aggregation: str | None) -> Rules:
    """The framework's rules with ``--thresholds`` and ``--aggregation`` on top (one decimal place at most)."""
    try:
        scenario = Scenario(thresholds=thresholds.split(",") if thresholds is not None else None, aggregation=aggregation)
    except InputError as exc:
        raise InputError(f"--thresholds {thresholds!r}: {exc}") from None
    return Rules.of(fw, scenario)


def _standard_code(framework, text: str, row: int, column: str = "standard") -> str:
    try:
        return framework.standard(text).code
    except KeyError:
        raise InputError(f"{text!r} is not a standard of {framework.id}", row=row, column=column) from None


def score_command(args: argparse.Namespace) -> int:
    fw = load_framework(args.framework)
    units: dict[str, dict[str, Rating | None]] = {}
    names: dict[str, str] = {}  # canonical name -> the first spelling given
    levels: dict[str, str] = {}
    for row, rec in read_rows(args.file, ["unit", "standard", "rating"]):
        unit = rec["unit"]
        if not unit.strip():
            raise InputError("the unit is blank", row=row, column="unit")
        key = name_key(unit)  # 'Essex North' and 'essex  north' are one unit
        names.setdefault(key, unit.strip())
        code = _standard_code(fw, rec["standard"], row)
        try:
            rating = parse_rating(rec["rating"], allow_not_inspected=True)
        except InputError as exc:
            raise InputError(str(exc), row=row, column="rating") from None
        given = units.setdefault(key, {})
        if code in given:
            raise InputError(f"{display(code)} is given twice for {names[key]!r}", row=row, column="standard")
        level = fw.standard(code).level
        if levels.setdefault(key, level) != level:
            raise InputError(f"{names[key]!r} mixes regional and PDU standards", row=row, column="standard")
        given[code] = rating
    out = [_score_row(fw, names[key], ratings, levels[key]) for key, ratings in units.items()]
    write_rows(SCORE_COLUMNS, out)
    return 0


def _score_row(fw: Framework, unit: str, given: dict[str, Rating | None], level: str) -> dict:
    """One unit's score: DECISION RULEs applied to its proposed domain one ratings where the domain
    two ratings they need are given ('not checked' where not); no overall where a counted standard
    is missing (a standard 'Not inspected' is not missing: it is left out)."""
    not_inspected = {c for c, r in given.items() if r is None}
    counted, notes = dict(given), []
    for code, rating in given.items():
        if rating is None or fw.standard(code).domain != 1 or not any(r.kind == "rule" for r in fw.rules_for(code)):
            continue
        check = check_proposed(fw, code, rating, given, not_inspected)
        if check.counts_as is not None:
            counted[code] = check.counts_as
            notes.append(check.note)
        elif check.met is None and check.kind == "rule":
            notes.append(f"{display(code)} {rating.label}: DECISION RULE not checked ({check.explanation.split(': ', 1)[1]})")
    result = score_unit(counted, fw.rules)
    missing = [display(s.code) for s in fw.standards_at(level) if s.code not in given and fw.rules.counts(s.code)]
    complete = not missing and result.rating is not None
    basis = result.basis if complete else (
        f"no overall rating: {', '.join(missing)} not given" if missing else "no overall rating: no standard rated")
    return {"unit": unit, "score": result.score, "max_score": result.max_score,
            "overall_rating": result.rating.label if complete else "", "score_text": result.score_text if complete else "",
            "standards_rated": result.n_rated, "missing_standards": "|".join(missing), "basis": basis,
            "decision_rules": "; ".join(notes)}


def band_command(args: argparse.Namespace) -> int:
    fw = load_framework(args.framework)
    rules = band_rules(fw, args.thresholds, args.aggregation)
    groups: dict[tuple[str, str], list[Sufficiency]] = defaultdict(list)
    for row, rec in read_rows(args.file, ["unit", "standard", "key_question", "n_sufficient", "n_relevant"]):
        if not rec["unit"]:
            raise InputError("the unit is blank", row=row, column="unit")
        code = _standard_code(fw, rec["standard"], row)
        standard = fw.standard(code)
        if standard.domain != 2:
            raise InputError(f"{display(code)} is a domain one standard; only domain two standards are banded", row=row, column="standard")
        try:
            kq = canonical(rec["key_question"])
        except ValueError:
            kq = None
        if kq not in {k.code for k in standard.key_questions}:
            raise InputError(f"{rec['key_question']!r} is not a key question of {display(code)}", row=row, column="key_question")
        counts = []
        for col in ("n_sufficient", "n_relevant"):
            try:
                n = int(rec[col])
            except ValueError:
                raise InputError(f"{rec[col]!r} is not a whole number", row=row, column=col) from None
            if n < 0:
                raise InputError(f"{n} is negative", row=row, column=col)
            counts.append(n)
        if counts[0] > counts[1]:
            raise InputError(f"n_sufficient {counts[0]} is more than n_relevant {counts[1]}", row=row, column="n_sufficient")
        key = (rec["unit"], code)
        if any(s.code == kq for s in groups[key]):
            raise InputError(f"{display(kq)} is given twice for {rec['unit']!r}", row=row, column="key_question")
        groups[key].append(Sufficiency(kq, *counts))
    out = []
    for (unit, code), kqs in groups.items():
        r = rate_standard(code, kqs, rules)
        out.append({"unit": unit, "standard": display(code),
                    "driving_key_question": display(r.driving_key_question) if r.driving_key_question else "",
                    "percent": percent_text(r.percent) if r.percent is not None else "",
                    "rating": r.rating.label if r.rating else "Not rated",
                    "n_sufficient": r.driving.n_sufficient if r.driving else "",
                    "n_relevant": r.driving.n_relevant if r.driving else "",
                    "aggregation": r.aggregation,
                    "threshold": f"{r.band.threshold:g}" if r.band and r.band.threshold is not None else "",
                    "basis": r.basis})
    write_rows(["unit", "standard", "driving_key_question", "percent", "rating", "n_sufficient", "n_relevant", "aggregation", "threshold", "basis"], out)
    return 0


def staffing_command(args: argparse.Namespace) -> int:
    fw = load_framework(args.framework)
    ratings, seen = [], {}
    for row, rec in read_rows(args.file, ["pdu", "rating"]):
        if not rec["pdu"].strip():
            raise InputError("the PDU is blank", row=row, column="pdu")
        key = name_key(rec["pdu"])  # 'Cardiff North' and 'cardiff  north' are one PDU
        if key in seen:
            first = seen[key]
            again = f"{rec['pdu']!r} is given twice" if first == rec["pdu"] else f"{rec['pdu']!r} is {first!r} again (names are matched without regard to case, spacing, commas or '&')"
            raise InputError(again, row=row, column="pdu")
        seen[key] = rec["pdu"]
        try:
            ratings.append(parse_rating(rec["rating"]))
        except InputError as exc:
            raise InputError(str(exc), row=row, column="rating") from None
    result = regional_staffing(fw, args.region, ratings, args.regional_question == "yes")
    cut = "; ".join(f"{r.label} {lo}-{hi}" for r, (lo, hi) in result.cutoffs.items())
    write_rows(["region", "pdus", "aggregate_score", "aggregate_rating", "usual_ratings", "regional_question", "cutoffs", "basis"], [{
        "region": result.region, "pdus": result.pdus, "aggregate_score": result.aggregate_score,
        "aggregate_rating": result.aggregate_rating.label, "usual_ratings": "|".join(r.label for r in result.usual),
        "regional_question": "yes" if result.regional_question else "no", "cutoffs": cut, "basis": result.basis}])
    return 0
