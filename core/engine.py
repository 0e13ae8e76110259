"""The rating rules (DESIGN.md section 3), pure functions over plain values.

Every result carries its basis: the key question that drove it, its counts and percentage, the
threshold crossed; for a proposed rating, which decision rule or guidance it meets or breaks.
The numbers of the rules (thresholds, aggregation, scores, overall bands) come in one ``Rules``
object (``core.rules``), whose whole-number comparisons are the only implementation of rules 2
and 5: this module calls them for one value, ``core.analysis`` for a whole store.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from core import formatting
from core.codes import canonical, display
from core.errors import InputError
from core.framework import DecisionRule, Framework
from core.ratings import Rating, parse_rating
from core.rules import AGGREGATIONS, Rules, check_aggregation  # noqa: F401 (AGGREGATIONS: the commands take it from here)

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


def band(value: Fraction, rules: Rules) -> BandResult:
    """The rating of a sufficiency given as an exact fraction of cases (0..1), by ``Rules.band``."""
    value = Fraction(value)
    rating = rules.band(value.numerator, value.denominator)
    threshold = rules.threshold(rating) if rating > Rating.INADEQUATE else None
    above = rules.threshold(Rating(rating + 1)) if rating < Rating.OUTSTANDING else None
    return BandResult(rating, threshold, above)


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
    check_aggregation(aggregation)
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
    raise AssertionError("unreachable: the aggregation was checked above")


def rate_standard(standard: str, key_questions: Sequence[Sufficiency], rules: Rules) -> StandardRating:
    """Rule 2: a domain two standard's rating from its key questions, combined as the rules say
    (the framework's default: driven by the lowest)."""
    value, driving = aggregate(key_questions, rules.aggregation)
    result = band(value, rules) if value is not None else None
    return StandardRating(standard, result.rating if result else None, rules.aggregation, driving, value, result, tuple(key_questions))


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


def score_unit(ratings: Mapping[str, Rating | None], rules: Rules) -> OverallResult:
    """Rules 4-5: sum the scores of the rated standards ('Not inspected', given as None, is left out
    of both score and maximum; so is a standard the rules exclude) and band the sum by the number
    of standards rated."""
    ratings = {code: r for code, r in ratings.items() if rules.counts(code)}
    rated = {code: r for code, r in ratings.items() if r is not None}
    n = len(rated)
    score = sum(rules.weights[r] for r in rated.values())
    max_score = rules.max_score(n)
    if n == 0:
        return OverallResult(0, 0, 0, None, {}, "no standards rated")
    cut = rules.cutoffs(n, max_score)
    rating = rules.overall(score, n)
    low, high = cut[rating]
    skipped = [display(c) for c, r in ratings.items() if r is None]
    basis = (f"score {score}/{max_score} from {n} rated standards"
             + (f" ({', '.join(skipped)} not inspected)" if skipped else "")
             + f"; {rating.label} is {low}-{high} for {n} standards")
    return OverallResult(score, max_score, n, rating, cut, basis)


# -- rule 6: decision rules and guidance ---------------------------------------------------------

@dataclass(frozen=True)
class RuleCheck:
    """Whether a proposed rating meets the decision rule or guidance for that rating, and the rating
    that counts: the proposal, unless it breaks a DECISION RULE, when it counts as the best rating
    the rule allows (``counts_as``). DECISION GUIDANCE is only flagged."""

    standard: str
    proposed: Rating
    rule: DecisionRule | None
    met: bool | None  # None: cannot be judged yet (domain two ratings missing)
    explanation: str
    counts_as: Rating | None = None  # set only where a DECISION RULE is broken
    broken_by: str = ""  # the ratings that break it, e.g. 'P 2.3 Requires improvement'

    @property
    def kind(self) -> str:
        return self.rule.kind if self.rule else "none"

    @property
    def severity(self) -> str:
        """'breach' (a DECISION RULE broken: the rating counts as ``counts_as``), 'flag' (outside
        DECISION GUIDANCE), 'ok' or 'pending'."""
        if self.met is None:
            return "pending"
        if self.met:
            return "ok"
        return "breach" if self.kind == "rule" else "flag"

    @property
    def counted(self) -> Rating:
        """The rating that counts towards the score and overall rating."""
        return self.counts_as if self.counts_as is not None else self.proposed

    @property
    def note(self) -> str:
        """Proposal, rule and the rating that counts, side by side, where a DECISION RULE is broken:
        'proposed Outstanding; DECISION RULE P 1.1 not met (P 2.3 Requires improvement): counts as Good'."""
        if self.counts_as is None:
            return ""
        return (f"proposed {self.proposed.label}; DECISION RULE {display(self.standard)} not met ({self.broken_by}): "
                f"counts as {self.counts_as.label}")


def _condition_met(cond: Mapping, domain_two: Mapping[str, Rating | None], ratings: Mapping[str, Rating | None],
                   skipped: set[str]) -> tuple[bool | None, str, list[str]]:
    """(met, why, the ratings that break it). Standards not inspected are left out of every condition."""
    if cond["of"] == "domain_two":
        if not domain_two:
            return True, "no domain two standard inspected: nothing to check against", []
        rated = {c: r for c, r in domain_two.items() if r is not None}
        if len(rated) < len(domain_two):
            missing = [display(c) for c, r in domain_two.items() if r is None]
            return None, f"domain two not yet rated ({', '.join(missing)})", []
        listing = ", ".join(f"{display(c)} {r.label}" for c, r in rated.items())
        if "all_in" in cond:
            allowed = {parse_rating(x) for x in cond["all_in"]}
            bad = [f"{display(c)} {r.label}" for c, r in rated.items() if r not in allowed]
            why = f"domain two: {listing}"
            if bad:
                why += f"; not {' or '.join(x.label for x in sorted(allowed, reverse=True))}: {', '.join(bad)}"
            return not bad, why, bad
        counted = parse_rating(cond["count"])
        n = sum(1 for r in rated.values() if r == counted)
        ok = cond.get("min", 0) <= n <= cond.get("max", len(rated))
        return ok, f"{n} domain two rating(s) {counted.label} ({listing})", [] if ok else [listing]
    target = canonical(cond["of"])
    if target in skipped:
        return True, f"{display(target)} not inspected: left out, as not inspected standards are for a domain two condition", []
    r = ratings.get(target)
    if r is None:
        return None, f"{display(target)} not yet rated", []
    allowed = [parse_rating(x) for x in cond["in"]]
    ok = r in allowed
    return ok, f"{display(target)} is {r.label}; expected {' or '.join(x.label for x in allowed)}", [] if ok else [f"{display(target)} {r.label}"]


def check_proposed(framework: Framework, standard: str, proposed: Rating, ratings: Mapping[str, Rating | None],
                   not_inspected: Iterable[str] = ()) -> RuleCheck:
    """Check a proposed domain one rating against the decision rule or guidance for that rating.

    ``ratings`` holds the unit's standard ratings by code (None: not yet rated); the domain two
    ones at the standard's level, less those ``not_inspected``, are those a 'domain two' condition
    looks at, and a condition on one standard that was not inspected is left out the same way.
    Where a DECISION RULE is broken, ``counts_as`` is the best rating below the proposal whose own
    DECISION RULE (if any) is not broken: Good for the Outstanding rules of seed 003.
    """
    code = canonical(standard)
    ratings = {canonical(k): v for k, v in ratings.items()}
    skipped = {canonical(c) for c in not_inspected}
    check = _check_one(framework, code, proposed, ratings, skipped)
    if check.met is not False or check.kind != "rule":
        return check
    allowed = Rating(proposed - 1)
    while allowed > Rating.INADEQUATE:
        lower = _check_one(framework, code, allowed, ratings, skipped)
        if lower.met is not False or lower.kind != "rule":
            break
        allowed = Rating(allowed - 1)
    return RuleCheck(check.standard, proposed, check.rule, False, check.explanation, allowed, check.broken_by)


def _check_one(framework: Framework, code: str, proposed: Rating, ratings: Mapping[str, Rating | None], skipped: set[str]) -> RuleCheck:
    rules = [r for r in framework.rules_for(code) if r.proposed == proposed]
    if not rules:
        return RuleCheck(code, proposed, None, True, "no decision rule or guidance applies")
    rule = rules[0]
    level = framework.standard(code).level
    domain_two = {s.code: ratings.get(s.code) for s in framework.standards_at(level, 2) if s.code not in skipped}
    met, why, bad = _condition_met(rule.condition, domain_two, ratings, skipped)
    verdict = {True: "meets", False: "breaks", None: "cannot yet check"}[met]
    label = "DECISION RULE" if rule.kind == "rule" else "DECISION GUIDANCE"
    return RuleCheck(code, proposed, rule, met, f"{verdict} {label} {rule.id}: {why}", broken_by=", ".join(bad))


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
    standard: str  # the regional staffing standard (R 1.2 in hmip-2025)
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
        return RuleCheck(self.standard, proposed, None, met,
                         f"{'within' if met else 'outside'} the usual rating(s) {' or '.join(r.label for r in self.usual)} ({self.basis})")


def regional_staffing(framework: Framework, region: str, pdu_ratings: Sequence[Rating], regional_question: bool,
                      rules: Rules | None = None) -> StaffingResult:
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
    rules = rules or framework.rules
    total = sum(rules.weights[r] for r in pdu_ratings)
    agg = rules.overall(total, cut.pdus)
    cutoffs = rules.cutoffs(cut.pdus)
    combo = next(c for c in rule.combination if c.pdu_rating == agg and c.regional_question == regional_question)
    low, high = cutoffs[agg]
    basis = (f"PDU aggregate {total} of {rules.max_score(cut.pdus)} over {cut.pdus} PDUs: {agg.label} ({low}-{high}); "
             f"R 1.2.1 {'yes' if regional_question else 'no'}: usually {' or '.join(r.label for r in combo.usual)}")
    return StaffingResult(rule.standard, cut.name, cut.pdus, total, agg, regional_question, combo.usual, cutoffs, basis)
