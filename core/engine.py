"""The rating rules (DESIGN.md section 3), pure functions over plain values.

Every result carries its basis: the key question that drove it, its counts and percentage, the
threshold crossed; for a proposed rating, which decision rule or guidance it meets or breaks.
Comparisons are made in whole numbers (yes x 100 >= threshold x relevant), so that a percentage
on a band edge is never lost to rounding.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from core import formatting
from core.codes import canonical, display
from core.errors import InputError
from core.framework import AGGREGATIONS, Bands, DecisionRule, Framework, OverallBands
from core.ratings import Rating, parse_rating

AGGREGATION_HELP = {
    "lowest": "the lowest key question drives the rating (the inspectorate's rule)",
    "mean": "the mean of the key question percentages",
    "pooled": "all key question answers pooled: sum of Yes over sum of relevant answers",
    "median": "the median key question percentage",
}


def percent_text(percent: float) -> str:
    """A percentage to one decimal place, rounded half up: core.formatting writes every figure."""
    return formatting.percent_text(percent)


# -- rule 1: key question sufficiency ---------------------------------------------------------

@dataclass(frozen=True)
class Sufficiency:
    """Yes / (Yes + No) among relevant cases of one key question (or prompt)."""

    code: str
    n_sufficient: int
    n_relevant: int

    def __post_init__(self):
        if self.n_sufficient < 0 or self.n_relevant < 0:
            raise InputError(f"{display(self.code)}: counts cannot be negative")
        if self.n_sufficient > self.n_relevant:
            raise InputError(f"{display(self.code)}: {self.n_sufficient} sufficient is more than {self.n_relevant} relevant")

    @property
    def fraction(self) -> Fraction | None:
        return Fraction(self.n_sufficient, self.n_relevant) if self.n_relevant else None

    @property
    def percent(self) -> float | None:
        return 100.0 * self.n_sufficient / self.n_relevant if self.n_relevant else None

    def describe(self) -> str:
        if not self.n_relevant:
            return f"{display(self.code)}: no relevant cases"
        return f"{display(self.code)}: {self.n_sufficient} of {self.n_relevant} cases sufficient ({percent_text(self.percent)}%)"


def tally(code: str, answers: Iterable[str | None]) -> Sufficiency:
    """Count answers: 'Yes' is sufficient, 'No' insufficient; 'N/A' and blanks are not relevant."""
    yes = no = 0
    for a in answers:
        if a == "Yes":
            yes += 1
        elif a == "No":
            no += 1
    return Sufficiency(code, yes, yes + no)


# -- rule 2: domain two standard rating -------------------------------------------------------

@dataclass(frozen=True)
class BandResult:
    rating: Rating
    threshold: float | None  # the lowest percentage of the band reached (None for Inadequate)
    next_threshold: float | None  # the percentage of the band above (None for Outstanding)

    def describe(self) -> str:
        if self.threshold is None:
            return f"below {self.next_threshold:g}%: {self.rating.label}"
        return f"at or above {self.threshold:g}%: {self.rating.label}"


def band(value: Fraction, thresholds: Mapping[Rating, float]) -> BandResult:
    """The rating of a sufficiency given as an exact fraction of cases (0..1); thresholds are percentages."""
    pct = Fraction(value) * 100
    ordered = sorted(thresholds.items(), key=lambda kv: -kv[0])  # Outstanding first
    above = None
    for rating, threshold in ordered:
        if pct >= Fraction(threshold).limit_denominator(10**9):
            return BandResult(rating, threshold, above)
        above = threshold
    return BandResult(Rating.INADEQUATE, None, above)


def check_thresholds(thresholds: Mapping[Rating, float]) -> None:
    """Thresholds must fall with the rating: Outstanding >= Good >= Requires improvement, within 0..100."""
    vals = [thresholds[r] for r in (Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT)]
    if not all(0 <= v <= 100 for v in vals) or not vals[0] >= vals[1] >= vals[2]:
        raise InputError(f"thresholds must be percentages with Outstanding >= Good >= Requires improvement; got {vals}")


@dataclass(frozen=True)
class StandardRating:
    """A domain two standard's rating with its basis."""

    standard: str
    rating: Rating | None  # None: no relevant cases at all
    aggregation: str
    driving: Sufficiency | None  # the driving key question (lowest); None for mean/pooled
    value: Fraction | None  # the aggregated sufficiency, 0..1
    band: BandResult | None
    key_questions: tuple[Sufficiency, ...]

    @property
    def percent(self) -> float | None:
        return float(self.value) * 100 if self.value is not None else None

    @property
    def driving_key_question(self) -> str | None:
        return self.driving.code if self.driving else None

    @property
    def basis(self) -> str:
        if self.rating is None:
            return f"{display(self.standard)}: no relevant cases; not rated"
        if self.aggregation == "lowest":
            head = f"lowest key question {self.driving.describe()}"
        else:
            head = f"{self.aggregation} of key questions {percent_text(self.percent)}% ({'; '.join(k.describe() for k in self.key_questions)})"
        return f"{head}; {self.band.describe()}"


def aggregate(key_questions: Sequence[Sufficiency], aggregation: str = "lowest") -> tuple[Fraction | None, Sufficiency | None]:
    """The standard's sufficiency from its key questions. Key questions with no relevant cases are left out."""
    rated = [k for k in key_questions if k.n_relevant]
    if not rated:
        return None, None
    if aggregation == "lowest":
        # the lowest percentage; on a tie, the one with more cases behind it
        driving = min(rated, key=lambda k: (k.fraction, -k.n_relevant))
        return driving.fraction, driving
    if aggregation == "mean":
        return sum((k.fraction for k in rated), Fraction(0)) / len(rated), None
    if aggregation == "pooled":
        return Fraction(sum(k.n_sufficient for k in rated), sum(k.n_relevant for k in rated)), None
    if aggregation == "median":
        fr = sorted(k.fraction for k in rated)
        mid = len(fr) // 2
        return (fr[mid] if len(fr) % 2 else (fr[mid - 1] + fr[mid]) / 2), None
    raise InputError(f"unknown aggregation {aggregation!r}; expected one of {', '.join(AGGREGATIONS)}")


def rate_standard(standard: str, key_questions: Sequence[Sufficiency], bands: Bands,
                  aggregation: str | None = None, thresholds: Mapping[Rating, float] | None = None) -> StandardRating:
    """Rule 2: a domain two standard's rating from its key questions, by default driven by the lowest."""
    aggregation = aggregation or bands.aggregation
    thresholds = thresholds or bands.thresholds
    value, driving = aggregate(key_questions, aggregation)
    result = band(value, thresholds) if value is not None else None
    return StandardRating(standard, result.rating if result else None, aggregation, driving, value, result, tuple(key_questions))


# -- rules 4 and 5: scores and the overall rating ----------------------------------------------

@dataclass(frozen=True)
class OverallResult:
    score: int
    max_score: int
    n_rated: int
    rating: Rating | None  # None when nothing is rated
    cutoffs: dict[Rating, tuple[int, int]]
    basis: str

    @property
    def score_text(self) -> str:
        return f"{self.score}/{self.max_score}"


def overall_cutoffs(n: int, overall: OverallBands, max_score: int | None = None) -> dict[Rating, tuple[int, int]]:
    """Score ranges of each rating for N rated standards (rule 5): Inadequate 0..floor(N/2), and so on."""
    top = max_score if max_score is not None else 3 * n
    out: dict[Rating, tuple[int, int]] = {}
    low = 0
    for rating in (Rating.INADEQUATE, Rating.REQUIRES_IMPROVEMENT, Rating.GOOD):
        high = math.floor(Fraction(overall.upper_fractions[rating]).limit_denominator(10**6) * n)
        out[rating] = (low, high)
        low = high + 1
    out[Rating.OUTSTANDING] = (low, top)
    return out


def overall_rating(score: int, n: int, overall: OverallBands) -> Rating:
    for rating, (_, high) in overall_cutoffs(n, overall).items():
        if rating is Rating.OUTSTANDING or score <= high:
            return rating
    raise AssertionError("unreachable")


def score_unit(ratings: Mapping[str, Rating | None], weights: Mapping[Rating, int], overall: OverallBands) -> OverallResult:
    """Rules 4-5: sum the scores of the rated standards ('Not inspected', given as None, is left out
    of both score and maximum) and band the sum by the number of standards rated."""
    rated = {code: r for code, r in ratings.items() if r is not None}
    n = len(rated)
    score = sum(weights[r] for r in rated.values())
    max_score = max(weights.values()) * n
    if n == 0:
        return OverallResult(0, 0, 0, None, {}, "no standards rated")
    cut = overall_cutoffs(n, overall, max_score)
    rating = overall_rating(score, n, overall)
    low, high = cut[rating]
    skipped = [display(c) for c, r in ratings.items() if r is None]
    basis = (f"score {score}/{max_score} from {n} rated standards"
             + (f" ({', '.join(skipped)} not inspected)" if skipped else "")
             + f"; {rating.label} is {low}-{high} for {n} standards")
    return OverallResult(score, max_score, n, rating, cut, basis)


# -- rule 6: decision rules and guidance ---------------------------------------------------------

@dataclass(frozen=True)
class RuleCheck:
    """Whether a proposed rating meets the decision rule or guidance for that rating."""

    standard: str
    proposed: Rating
    rule: DecisionRule | None
    met: bool | None  # None: cannot be judged yet (domain two ratings missing)
    explanation: str

    @property
    def kind(self) -> str:
        return self.rule.kind if self.rule else "none"

    @property
    def severity(self) -> str:
        """'breach' (a DECISION RULE broken), 'flag' (outside DECISION GUIDANCE), 'ok' or 'pending'."""
        if self.met is None:
            return "pending"
        if self.met:
            return "ok"
        return "breach" if self.kind == "rule" else "flag"


def _condition_met(cond: Mapping, domain_two: Mapping[str, Rating | None],
                   ratings: Mapping[str, Rating | None]) -> tuple[bool | None, str]:
    if cond["of"] == "domain_two":
        rated = {c: r for c, r in domain_two.items() if r is not None}
        if len(rated) < len(domain_two) or not domain_two:
            missing = [display(c) for c, r in domain_two.items() if r is None]
            return None, f"domain two not yet rated ({', '.join(missing) or 'none given'})"
        listing = ", ".join(f"{display(c)} {r.label}" for c, r in rated.items())
        if "all_in" in cond:
            allowed = {parse_rating(x) for x in cond["all_in"]}
            bad = [display(c) for c, r in rated.items() if r not in allowed]
            return not bad, f"domain two: {listing}" + (f"; not {' or '.join(x.label for x in sorted(allowed, reverse=True))}: {', '.join(bad)}" if bad else "")
        counted = parse_rating(cond["count"])
        n = sum(1 for r in rated.values() if r == counted)
        ok = cond.get("min", 0) <= n <= cond.get("max", len(rated))
        return ok, f"{n} domain two rating(s) {counted.label} ({listing})"
    target = canonical(cond["of"])
    r = ratings.get(target)
    if r is None:
        return None, f"{display(target)} not yet rated"
    allowed = [parse_rating(x) for x in cond["in"]]
    return r in allowed, f"{display(target)} is {r.label}; expected {' or '.join(x.label for x in allowed)}"


def check_proposed(framework: Framework, standard: str, proposed: Rating, ratings: Mapping[str, Rating | None],
                   not_inspected: Iterable[str] = ()) -> RuleCheck:
    """Check a proposed domain one rating against the decision rule or guidance for that rating.

    ``ratings`` holds the unit's standard ratings by code (None: not yet rated); the domain two
    ones at the standard's level, less those ``not_inspected``, are those a 'domain two' condition
    looks at.
    """
    code = canonical(standard)
    rules = [r for r in framework.rules_for(code) if r.proposed == proposed]
    if not rules:
        return RuleCheck(code, proposed, None, True, "no decision rule or guidance applies")
    rule = rules[0]
    ratings = {canonical(k): v for k, v in ratings.items()}
    level = framework.standard(code).level
    skipped = {canonical(c) for c in not_inspected}
    domain_two = {s.code: ratings.get(s.code) for s in framework.standards_at(level, 2) if s.code not in skipped}
    met, why = _condition_met(rule.condition, domain_two, ratings)
    verdict = {True: "meets", False: "breaks", None: "cannot yet check"}[met]
    label = "DECISION RULE" if rule.kind == "rule" else "DECISION GUIDANCE"
    return RuleCheck(code, proposed, rule, met, f"{verdict} {label} {rule.id}: {why}")


@dataclass(frozen=True)
class LimitingCheck:
    proposed_overall: Rating
    diversity_sufficient: bool | None
    flagged: bool
    explanation: str

    @property
    def severity(self) -> str:
        """'flag' where diversity is judged insufficient, 'pending' where not yet judged, else 'ok'."""
        if self.flagged:
            return "flag"
        return "pending" if self.diversity_sufficient is None else "ok"


def check_limiting_judgement(framework: Framework, level: str, proposed_overall: Rating | None,
                             diversity_sufficient: bool | None) -> LimitingCheck | None:
    """The limiting judgement on diversity: a proposed overall Outstanding is challenged where
    diversity arrangements are insufficient."""
    for lj in framework.limiting_judgements:
        if lj.level == level and proposed_overall == lj.proposed:
            flagged = diversity_sufficient is False
            why = ("diversity arrangements judged insufficient: the ratings panel will challenge this"
                   if flagged else "diversity arrangements judged sufficient" if diversity_sufficient else "diversity judgement not yet recorded")
            return LimitingCheck(proposed_overall, diversity_sufficient, flagged, f"LIMITING JUDGEMENT {lj.id}: {why}")
    return None


# -- rule 7: regional staffing --------------------------------------------------------------------

@dataclass(frozen=True)
class StaffingResult:
    region: str
    pdus: int
    aggregate_score: int
    aggregate_rating: Rating
    regional_question: bool
    usual: tuple[Rating, ...]
    cutoffs: dict[Rating, tuple[int, int]]
    basis: str

    def check(self, proposed: Rating) -> RuleCheck:
        met = proposed in self.usual
        return RuleCheck("R1.2", proposed, None, met,
                         f"{'within' if met else 'outside'} the usual rating(s) {' or '.join(r.label for r in self.usual)} ({self.basis})")


def regional_staffing(framework: Framework, region: str, pdu_ratings: Sequence[Rating], regional_question: bool,
                      weights: Mapping[Rating, int] | None = None) -> StaffingResult:
    """Rule 7: sum the P 1.2 ratings of the region's PDUs, band by its PDU count, combine with R 1.2.1."""
    rule = framework.regional_staffing
    if rule is None:
        raise InputError(f"framework {framework.id} has no regional staffing rule")
    try:
        cut = framework.region(region)
    except KeyError as exc:
        raise InputError(f"{exc.args[0]}; regions: {', '.join(r.name for r in framework.regions)}", column="region") from None
    if len(pdu_ratings) != cut.pdus:
        raise InputError(f"{cut.name} has {cut.pdus} PDUs; {len(pdu_ratings)} P 1.2 rating(s) given")
    weights = weights or framework.score_weights
    total = sum(weights[r] for r in pdu_ratings)
    agg = overall_rating(total, cut.pdus, framework.overall_bands)
    cutoffs = overall_cutoffs(cut.pdus, framework.overall_bands, max(weights.values()) * cut.pdus)
    combo = next(c for c in rule.combination if c.pdu_rating == agg and c.regional_question == regional_question)
    low, high = cutoffs[agg]
    basis = (f"PDU aggregate {total} of {max(weights.values()) * cut.pdus} over {cut.pdus} PDUs: {agg.label} ({low}-{high}); "
             f"R 1.2.1 {'yes' if regional_question else 'no'}: usually {' or '.join(r.label for r in combo.usual)}")
    return StaffingResult(cut.name, cut.pdus, total, agg, regional_question, combo.usual, cutoffs, basis)
