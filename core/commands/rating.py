"""``score``, ``band`` and ``staffing``: the rating rules applied to CSV input."""
from __future__ import annotations

import argparse
from collections import defaultdict
from fractions import Fraction

from core.codes import canonical, display
from core.csvio import read_rows, write_rows
from core.engine import AGGREGATIONS, percent_text, Sufficiency, check_thresholds, rate_standard, regional_staffing, score_unit
from core.errors import InputError
from core.framework import load_framework
from core.ratings import Rating, parse_rating


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


def parse_thresholds(text: str | None) -> dict[Rating, float] | None:
    """'80,65,50' -> thresholds for Outstanding, Good, Requires improvement."""
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"--thresholds {text!r}: expected three numbers such as 80,65,50") from None
    if len(values) != 3:
        raise InputError(f"--thresholds {text!r}: expected three numbers (Outstanding, Good, Requires improvement)")
    out = dict(zip((Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT), values))
    check_thresholds(out)
    return out


def _standard_code(framework, text: str, row: int, column: str = "standard") -> str:
    try:
        return framework.standard(text).code
    except KeyError:
        raise InputError(f"{text!r} is not a standard of {framework.id}", row=row, column=column) from None


def score_command(args: argparse.Namespace) -> int:
    fw = load_framework(args.framework)
    units: dict[str, dict[str, Rating | None]] = defaultdict(dict)
    levels: dict[str, str] = {}
    for row, rec in read_rows(args.file, ["unit", "standard", "rating"]):
        unit = rec["unit"]
        if not unit:
            raise InputError("the unit is blank", row=row, column="unit")
        code = _standard_code(fw, rec["standard"], row)
        try:
            rating = parse_rating(rec["rating"], allow_not_inspected=True)
        except InputError as exc:
            raise InputError(str(exc), row=row, column="rating") from None
        if code in units[unit]:
            raise InputError(f"{display(code)} is given twice for {unit!r}", row=row, column="standard")
        level = fw.standard(code).level
        if levels.setdefault(unit, level) != level:
            raise InputError(f"{unit!r} mixes regional and PDU standards", row=row, column="standard")
        units[unit][code] = rating
    out = []
    for unit, ratings in units.items():
        result = score_unit(ratings, fw.score_weights, fw.overall_bands)
        expected = [s.code for s in fw.standards_at(levels[unit])]
        missing = [display(c) for c in expected if c not in ratings]
        out.append({"unit": unit, "score": result.score, "max_score": result.max_score,
                    "overall_rating": result.rating.label if result.rating else "Not rated",
                    "score_text": result.score_text, "standards_rated": result.n_rated,
                    "missing_standards": "|".join(missing), "basis": result.basis})
    write_rows(["unit", "score", "max_score", "overall_rating", "score_text", "standards_rated", "missing_standards", "basis"], out)
    return 0


def band_command(args: argparse.Namespace) -> int:
    fw = load_framework(args.framework)
    thresholds = parse_thresholds(args.thresholds)
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
        r = rate_standard(code, kqs, fw.bands, args.aggregation, thresholds)
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
    ratings, seen = [], set()
    for row, rec in read_rows(args.file, ["pdu", "rating"]):
        if not rec["pdu"]:
            raise InputError("the PDU is blank", row=row, column="pdu")
        if rec["pdu"].lower() in seen:
            raise InputError(f"{rec['pdu']!r} is given twice", row=row, column="pdu")
        seen.add(rec["pdu"].lower())
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
