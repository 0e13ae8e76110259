"""Rating a whole store: domain two from case tallies, domain one from proposed ratings, the overall.

The rules are one ``core.rules.Rules`` per framework; its whole-number comparisons band every
standard and every overall at once, in numpy, so that re-rating the store under a new scenario
stays instant, and they are the same comparisons the engine makes for one value.
``tests/test_analysis.py`` checks that this path gives exactly what the engine gives.

A proposed domain one rating that breaks a DECISION RULE counts as the best rating the rule allows
(``core.engine.check_proposed``): the frame carries the proposal (``proposed_rating``), the rule
(``decision_rule``, ``rule_reference``), the rating that counts (``rating``) and a sentence saying so
(``rule_note``). DECISION GUIDANCE and the limiting judgement on diversity are only flagged
(``decision_checks``).

Regional domain two (rule 3) pools the PDU cases of the region in the same round and framework
(``pooled_from`` in the framework file) with the regional fieldwork cases.
"""
from __future__ import annotations

import math

from dataclasses import dataclass
from fractions import Fraction
from statistics import median
from typing import Mapping

import numpy as np
import pandas as pd

from core.codes import canonical, display
from core.dataset import Dataset
from core.engine import RuleCheck, check_limiting_judgement, check_proposed, percent_text, regional_staffing, score_unit
from core.errors import ProbationError
from core.framework import Framework, load_framework
from core.names import name_key, round_of_fieldwork
from core.ratings import OVERALL, Rating, parse_rating
from core.rules import NO_RATING, Rules, tenths_text

NOT_INSPECTED_VALUE = -2  # a proposed 'Not inspected': the standard is left out of score and maximum (rule 4)
LABELS = {int(r): r.label for r in Rating}

RATING_COLUMNS = ["inspection_id", "unit", "level", "region", "round", "framework", "synthetic", "standard", "standard_name",
                  "domain", "rating", "rating_value", "source", "driving_key_question", "percent", "n_sufficient", "n_relevant",
                  "threshold", "score", "max_score", "basis", "proposed_rating", "decision_rule", "rule_reference", "rule_note"]


def rules_for_scenario(scenario, frameworks: Mapping[str, Framework]) -> dict[str, Rules]:
    """The rules of each framework under a what-if scenario (``core.scenario.Scenario``; None: the frameworks' own)."""
    return {fid: Rules.of(fw, scenario) for fid, fw in frameworks.items()}


def frameworks_of(dataset: Dataset) -> dict[str, Framework]:
    ids = set(dataset.inspections["framework"]) | set(dataset.published["framework"])
    return {fid: load_framework(fid) for fid in sorted(ids)}


# -- domain two tallies ---------------------------------------------------------------------------

def key_question_map(fw: Framework) -> pd.DataFrame:
    """One row per domain two key question: level, standard, key_question, and the code its answers
    are stored under in the PDU inspections of the region (``pooled_code``, regional only)."""
    rows = []
    for s in fw.standards:
        if s.domain != 2:
            continue
        for kq in s.key_questions:
            pooled = (kq.pooled_from or kq.code) if s.level == "region" else None
            rows.append((fw.id, s.level, s.code, kq.code, pooled))
    return pd.DataFrame(rows, columns=["framework", "level", "standard", "key_question", "pooled_code"])


def key_question_tallies(dataset: Dataset, frameworks: Mapping[str, Framework]) -> pd.DataFrame:
    """Sufficiency counts of every domain two key question of every inspection.

    Columns: inspection_id, standard, key_question, n_sufficient, n_relevant. A PDU inspection's
    counts are its own cases'; a regional inspection's are its own fieldwork cases' plus those of
    the region's PDU inspections in the same round and framework.
    """
    cols = ["inspection_id", "standard", "key_question", "n_sufficient", "n_relevant"]
    ins = dataset.inspections
    if ins.empty:
        return pd.DataFrame(columns=cols)
    kqmap = pd.concat([key_question_map(frameworks[f]) for f in ins["framework"].unique()], ignore_index=True)
    own = dataset.counts.groupby(["inspection_id", "code"], as_index=False)[["n_yes", "n_no"]].sum()
    base = ins[["inspection_id", "level", "framework", "region", "round"]].merge(kqmap, on=["framework", "level"])
    tallies = base.merge(own, left_on=["inspection_id", "key_question"], right_on=["inspection_id", "code"], how="left")
    tallies[["n_yes", "n_no"]] = tallies[["n_yes", "n_no"]].fillna(0)

    regional = tallies["level"] == "region"
    if regional.any():
        pdu_ins = ins.loc[ins["level"] == "pdu", ["inspection_id", "region", "round", "framework"]]
        pdu_counts = own.merge(pdu_ins, on="inspection_id").groupby(["region", "round", "framework", "code"], as_index=False)[["n_yes", "n_no"]].sum()
        pooled = tallies.loc[regional, ["region", "round", "framework", "pooled_code"]].merge(
            pdu_counts, left_on=["region", "round", "framework", "pooled_code"], right_on=["region", "round", "framework", "code"], how="left")
        tallies.loc[regional, "n_yes"] += pooled["n_yes"].fillna(0).to_numpy()
        tallies.loc[regional, "n_no"] += pooled["n_no"].fillna(0).to_numpy()
    tallies["n_sufficient"] = tallies["n_yes"].astype("int64")
    tallies["n_relevant"] = (tallies["n_yes"] + tallies["n_no"]).astype("int64")
    return tallies[cols]


# -- exact means and medians of shares --------------------------------------------------------------

def _exact_mean(shares: list[tuple[int, int]]) -> tuple[int, int]:
    """The mean of shares y/n as a numerator and denominator in whole numbers (not reduced: rule 2
    compares them exactly all the same), over their least common denominator."""
    common = math.lcm(*(n for _, n in shares))
    return sum(y * (common // n) for y, n in shares), common * len(shares)


def _exact_median(shares: list[tuple[int, int]]) -> tuple[int, int]:
    value = median(Fraction(y, n) for y, n in shares)
    return value.numerator, value.denominator


# -- the whole store ----------------------------------------------------------------------------------

def _standards_frame(frameworks: Mapping[str, Framework]) -> pd.DataFrame:
    rows = [(fw.id, s.level, s.code, s.name, s.domain) for fw in frameworks.values() for s in fw.standards]
    return pd.DataFrame(rows, columns=["framework", "level", "standard", "standard_name", "domain"])


def _proposed_values(dataset: Dataset) -> pd.DataFrame:
    p = dataset.proposed.copy()
    if p.empty:
        return pd.DataFrame(columns=["inspection_id", "standard", "rating_value", "rationale"])
    p["standard"] = _map_distinct(p["standard"], canonical)
    p["rating_value"] = _map_distinct(p["rating"], _proposed_value)
    return p[["inspection_id", "standard", "rating_value", "rationale"]]


def _map_distinct(values: pd.Series, fn) -> pd.Series:
    """``values.map(fn)`` calling ``fn`` once per distinct value (a few dozen codes and rating words
    among thousands of rows, read again on every re-rating)."""
    return values.map({v: fn(v) for v in values.unique()})


def _proposed_value(text: str) -> int:
    rating = parse_rating(text, allow_not_inspected=True)
    return NOT_INSPECTED_VALUE if rating is None else int(rating)


def rate_dataset(dataset: Dataset, rules: Mapping[str, Rules] | Rules | None = None,
                 frameworks: Mapping[str, Framework] | None = None, *, with_basis: bool = True,
                 tallies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every rating in the dataset: one row per (inspection, standard) and an OVERALL row per
    inspection once all its counted standards are rated.

    Domain two standards are computed from case tallies; domain one standards carry the panel's
    proposed rating (``source`` = 'proposed'), counted as the best rating a DECISION RULE allows
    where the proposal breaks one. ``rules`` overrides the frameworks' own (a scenario: see
    ``rules_for_scenario``); a single ``Rules`` applies to every framework. ``with_basis=False``
    skips the explanatory text, for speed when only ratings are compared; ``tallies`` (from
    ``key_question_tallies``) saves counting again when the same dataset is re-rated. Rating the
    same dataset under many rules: ``Rerater`` prepares what does not depend on them once.
    """
    return Rerater(dataset, frameworks, tallies).rate(rules, with_basis=with_basis)


_OBJECT_COLUMNS = ("proposed_rating", "counted")
CONTEXT_COLUMNS = ("inspection_id", "unit", "level", "region", "round", "framework", "synthetic", "standard", "standard_name",
                   "domain")  # each rating's unit and standard, as the store gives them
CONTEXTS_KEPT = 16  # sets of rows kept by ratings under different rules, each with their unit and standard, a Rerater holds
CHECKS_KEPT = 100_000  # rule checks a Rerater keeps across ratings (each a proposal against the ratings it looks at)


@dataclass(frozen=True)
class _Aggregated:
    """Each domain two standard's key questions combined one way, on the rows of a ``Rerater``: the whole numbers
    rule 2 bands (``numer`` / ``denom``: int64, or Python integers for an exact mean or median), and what a rating
    shows of them (percent, driving key question, counts). ``rated``: the rows with relevant cases."""

    rated: np.ndarray
    numer: np.ndarray
    denom: np.ndarray
    percent: np.ndarray
    driving: np.ndarray
    n_sufficient: np.ndarray
    n_relevant: np.ndarray


class Rerater:
    """A dataset's ratings made ready to be worked out under any rules (``rate``: some 9 ms at ten national
    rounds, where rating afresh took 40): what does not depend on the rules is done once here (the rows of every
    inspection's standards and overall rating, in the order the ratings read; the proposals and those a DECISION
    RULE speaks to; each way of combining key questions, when first asked for), and ``rate`` only bands, applies
    the DECISION RULEs, scores and rates overall. It changes nothing it is given, and nothing of its own once made
    but its caches (the combinations, the rule checks): one may be shared by many readers."""

    def __init__(self, dataset: Dataset, frameworks: Mapping[str, Framework] | None = None, tallies: pd.DataFrame | None = None):
        self.frameworks = dict(frameworks or frameworks_of(dataset))
        ins = dataset.inspections
        self._aggregated: dict[str, _Aggregated] = {}
        self._contexts: dict[bytes, pd.DataFrame] = {}  # by the rows kept: see _context_of
        if ins.empty:
            self.rows = None
            return
        if tallies is None:
            tallies = key_question_tallies(dataset, self.frameworks)
        keys = ["inspection_id", "standard"]
        frame = ins.merge(_standards_frame(self.frameworks), on=["framework", "level"])
        proposed = _proposed_values(dataset).rename(columns={"rating_value": "proposed_value"})
        frame = frame.merge(proposed, on=keys, how="left")
        # a domain two standard is computed where it has key questions (tallies, relevant cases or not)
        frame = frame.merge(tallies[keys].drop_duplicates().assign(_computed=True), on=keys, how="left")
        overall = ins.assign(standard=OVERALL, standard_name="Overall rating", domain=0)
        rows = pd.concat([frame, overall], ignore_index=True)
        rows["_lvl"] = rows["level"].to_numpy() != "region"  # a region's own rows before its PDUs'
        rows["_overall"] = rows["standard"].to_numpy() == OVERALL  # each unit's standards by code, then its overall
        rows = rows.sort_values(["round", "region", "_lvl", "unit", "_overall", "standard"]).reset_index(drop=True)
        self.rows = rows
        self._overall = rows["_overall"].to_numpy()
        self._computed = rows["_computed"].fillna(False).to_numpy(bool)
        proposed_value = rows["proposed_value"].to_numpy(float)
        self._not_inspected = proposed_value == NOT_INSPECTED_VALUE
        domain = rows["domain"].to_numpy()
        self._d1 = (domain == 1) & ~self._not_inspected
        self._d1_proposed = self._d1 & ~np.isnan(proposed_value)
        self._proposed = np.where(self._d1_proposed, proposed_value, NO_RATING).astype(np.int64)
        self._framework_id = rows["framework"].to_numpy()
        self._framework = {fid: self._framework_id == fid for fid in self.frameworks}
        self._standard = rows["standard"].to_numpy()
        self._unit, units = pd.factorize(rows["inspection_id"])
        self._n_units = len(units)
        self._prepare_decision_rules()
        # the tallies on the rows' keys, for the combinations: each row's position, the relevant counts only
        position = pd.Series(np.arange(len(rows)), index=pd.MultiIndex.from_frame(rows[keys]))
        relevant = tallies[tallies["n_relevant"] > 0]
        row = position.reindex(pd.MultiIndex.from_frame(relevant[keys])).to_numpy()
        self._tallies = relevant[~np.isnan(row)].assign(_row=row[~np.isnan(row)].astype(np.int64))

    # -- rule 6: the proposals a DECISION RULE speaks to -----------------------------------------------------------

    def _prepare_decision_rules(self) -> None:
        """Which proposals a DECISION RULE speaks to (the proposals do not change with the rules, so neither do
        they), and for each the rows of the ratings its rule looks at (the standards of its inspection that any
        rule looks at, by code) and those of them not inspected. What a check found is kept across ratings: the
        same proposal against the same ratings is checked once (``_checked``)."""
        std, fwk = self._standard, self._framework_id
        iid = self.rows["inspection_id"].to_numpy()
        candidates = np.zeros(len(self.rows), dtype=bool)
        for fid, fw in self.frameworks.items():
            in_fw = self._d1_proposed & (fwk == fid)
            for rule in fw.decision_rules:
                if rule.kind == "rule":
                    candidates |= in_fw & (std == rule.applies_to) & (self._proposed == int(rule.proposed))
        self._rule_rows = np.flatnonzero(candidates)
        inputs = {fid: fw.rule_inputs for fid, fw in self.frameworks.items()}
        looked_at = np.array([s in inputs.get(f, ()) for s, f in zip(std.tolist(), fwk.tolist())], dtype=bool)
        by_inspection: dict = {}
        for i in np.flatnonzero(looked_at & np.isin(iid, iid[self._rule_rows])):
            by_inspection.setdefault(iid[i], []).append(i)
        self._rule_inputs = []  # by candidate: (the rows it looks at, by code; their codes; those not inspected)
        for i in self._rule_rows:
            at = sorted(by_inspection.get(iid[i], []), key=lambda j: std[j])
            self._rule_inputs.append((np.array(at, dtype=np.int64), tuple(std[j] for j in at),
                                      tuple(sorted(std[j] for j in at if self._not_inspected[j]))))
        self._checked: dict = {}

    def _decision_rules(self, value: np.ndarray) -> tuple:
        """Rule 6 under the ratings ``value``: a proposed rating that breaks a DECISION RULE counts as the best
        rating the rule allows (``core.engine.check_proposed``). Returns the rating values that count (a new
        array), and by row the rule broken, its reference and a sentence saying so (None where none is)."""
        n = len(self.rows)
        counted, rule_id, reference, note = value.copy(), *(np.full(n, None, dtype=object) for _ in range(3))
        fwk = self._framework_id
        if len(self._checked) > CHECKS_KEPT:  # a long-lived server's many scenarios: start again
            self._checked.clear()
        for i, (at, codes, left_out) in zip(self._rule_rows.tolist(), self._rule_inputs):
            seen = tuple(value[at].tolist())
            key = (fwk[i], self._standard[i], int(value[i]), codes, seen, left_out)
            check = self._checked.get(key)
            if check is None:
                own = {c: (Rating(v) if v >= 0 else None) for c, v in zip(codes, seen)}
                check = self._checked[key] = check_proposed(self.frameworks[fwk[i]], self._standard[i], Rating(int(value[i])),
                                                            own, set(left_out))
            if check.counts_as is not None:
                counted[i], rule_id[i], reference[i], note[i] = int(check.counts_as), check.rule.id, check.rule.reference, check.note
        return counted, rule_id, reference, note

    # -- what depends on how key questions combine, worked out once for each way --------------------------------

    def _combined(self, aggregation: str) -> _Aggregated:
        found = self._aggregated.get(aggregation)
        if found is None:
            found = self._aggregated[aggregation] = self._combine(aggregation)
        return found

    def _combine(self, aggregation: str) -> _Aggregated:
        n = len(self.rows)
        t = self._tallies
        row_of = t["_row"].to_numpy()  # each tally's row of the ratings
        y_all, n_all = t["n_sufficient"].to_numpy(np.int64), t["n_relevant"].to_numpy(np.int64)
        percent_all = 100.0 * y_all / n_all
        driving = np.full(n, np.nan, dtype=object)  # a code under 'lowest', None under the others, NaN where not rated
        n_sufficient, n_relevant = np.full(n, np.nan), np.full(n, np.nan)
        if aggregation in ("lowest", "pooled"):
            numer, denom = np.zeros(n, np.int64), np.zeros(n, np.int64)
            if aggregation == "lowest":
                # lowest share drives; on a tie, the key question with more cases behind it. Floats order shares
                # exactly: equal fractions divide to the same float, and distinct ones of a few thousand cases
                # differ far beyond a float's precision.
                order = np.lexsort((-n_all, percent_all, row_of))
                rows = row_of[order]
                first = order[np.r_[True, rows[1:] != rows[:-1]]] if len(rows) else order
                at = row_of[first]
                numer[at], denom[at] = y_all[first], n_all[first]
                driving[at] = t["key_question"].to_numpy()[first]
            else:
                at = np.unique(row_of)
                numer = np.bincount(row_of, weights=y_all, minlength=n).astype(np.int64)
                denom = np.bincount(row_of, weights=n_all, minlength=n).astype(np.int64)
            rated = np.zeros(n, bool)
            rated[at] = True
            n_sufficient[rated], n_relevant[rated] = numer[rated], denom[rated]
            percent = np.full(n, np.nan)
            percent[rated] = 100.0 * numer[rated] / denom[rated]
        else:
            shares: dict[int, list[tuple[int, int]]] = {}  # each standard's key question shares, in order
            for row, y, m in zip(row_of.tolist(), y_all.tolist(), n_all.tolist()):
                shares.setdefault(row, []).append((y, m))
            combine = _exact_mean if aggregation == "mean" else _exact_median
            numer, denom = np.zeros(n, dtype=object), np.ones(n, dtype=object)
            percent = np.full(n, np.nan)
            rated = np.zeros(n, bool)
            for row, pairs in shares.items():
                y, m = combine(pairs)
                numer[row], denom[row], percent[row], rated[row] = y, m, 100 * (y / m), True
        if aggregation != "lowest":
            driving[rated] = None
        return _Aggregated(rated, numer, denom, percent, driving, n_sufficient, n_relevant)

    # -- under given rules --------------------------------------------------------------------------------------

    def rate(self, rules: Mapping[str, Rules] | Rules | None = None, *, with_basis: bool = True) -> pd.DataFrame:
        """Every rating under ``rules`` (``rate_dataset``'s frame, and its arguments)."""
        if self.rows is None:
            return pd.DataFrame(columns=RATING_COLUMNS + ["counted"])
        rules_by_fw = {fid: (rules if isinstance(rules, Rules) else (rules or {}).get(fid)) or fw.rules
                       for fid, fw in self.frameworks.items()}
        n = len(self.rows)
        value = np.full(n, NO_RATING, dtype=np.int64)
        threshold, percent = np.full(n, np.nan), np.full(n, np.nan)
        n_sufficient, n_relevant = np.full(n, np.nan), np.full(n, np.nan)
        driving = np.full(n, np.nan, dtype=object)
        for fid, rs in rules_by_fw.items():
            combined = self._combined(rs.aggregation)
            computed = self._framework[fid] & self._computed
            banded = computed & combined.rated
            value[banded] = rs.band_values(combined.numer[banded], combined.denom[banded])
            # the band's lowest percentage (none for Inadequate or no rating), on the computed rating as banded
            by_value = np.array([np.nan] * 2 + [rs.threshold(Rating(v)) for v in (1, 2, 3)])
            threshold[computed] = by_value[value[computed] + 1]
            for out, part in ((percent, combined.percent), (n_sufficient, combined.n_sufficient), (n_relevant, combined.n_relevant),
                              (driving, combined.driving)):
                out[computed] = part[computed]
        source = np.where(self._computed, "computed", None).astype(object)
        value[self._d1] = self._proposed[self._d1]
        source[self._d1] = np.where(self._d1_proposed[self._d1], "proposed", None)
        value[self._not_inspected] = NO_RATING
        source[self._not_inspected] = "not inspected"
        source[self._overall] = "overall"
        value, rule_id, reference, note = self._decision_rules(value)

        # scores and the overall rating, per framework's rules; a standard not inspected counts in neither
        standard_rows = ~self._overall
        counted = standard_rows & ~self._not_inspected
        score = np.full(n, np.nan)
        for fid, rs in rules_by_fw.items():
            in_fw = self._framework[fid]
            if rs.excluded:
                counted &= ~(in_fw & np.isin(self._standard, list(rs.excluded)))
            rated = in_fw & standard_rows & (value >= 0)
            score[rated] = np.array([rs.weights[Rating(i)] for i in range(4)])[value[rated]]
        n_counted = np.bincount(self._unit[counted], minlength=self._n_units)
        n_rated = np.bincount(self._unit[counted & (value >= 0)], minlength=self._n_units)
        total = np.bincount(self._unit[counted & (value >= 0)], weights=score[counted & (value >= 0)], minlength=self._n_units)
        whole = (n_counted == n_rated) & (n_counted > 0)  # by inspection: every counted standard rated
        overall = self._overall & whole[self._unit]
        max_score = np.full(n, np.nan)
        n_of = np.full(n, np.nan)
        for fid, rs in rules_by_fw.items():
            at = overall & self._framework[fid]
            if at.any():
                units = self._unit[at]
                score[at] = total[units]
                value[at] = rs.overall_values(total[units].astype(np.int64), n_counted[units])
                max_score[at] = rs.max_score(n_counted[units])
                n_of[at] = n_counted[units]

        keep = standard_rows | overall
        context = self._context_of(keep)
        kept = {"rating_value": value, "source": source, "driving_key_question": driving, "percent": percent,
                "n_sufficient": n_sufficient, "n_relevant": n_relevant, "threshold": threshold, "score": score, "max_score": max_score,
                "proposed_rating": _with_nan(_LABEL_OF_VALUE[self._proposed + 2], self._overall),
                "decision_rule": _with_nan(rule_id, self._overall), "rule_reference": _with_nan(reference, self._overall),
                "rule_note": _with_nan(note, self._overall),
                "counted": _with_nan(counted, self._overall)}
        # the frame made at once from its columns (a column at a time costs as much again at ten national rounds):
        # objects stay objects (a label or None: what the pages have always been given), words become strings
        out = pd.DataFrame({**{c: context[c] for c in context.columns},
                            **{name: pd.Series(column[keep], dtype=object) if name in _OBJECT_COLUMNS else column[keep]
                               for name, column in kept.items()},
                            "rating": pd.Series(_LABEL_OF_VALUE[value[keep] + 2], dtype=object)})
        if with_basis:
            detail = out.assign(n=n_of[keep], rationale=self.rows.loc[keep, "rationale"].to_numpy())
            used = [c for c in _BASIS_COLUMNS if c in detail]  # what _basis reads, not all the columns
            out["basis"] = [_basis(r, rules_by_fw[r["framework"]]) for r in detail[used].to_dict("records")]
        else:
            out["basis"] = None
        return out[RATING_COLUMNS + ["counted"]]

    def _context_of(self, keep: np.ndarray) -> pd.DataFrame:
        """The unit and standard of each row kept: the same rows for most rules (an overall rating is left out only
        where a standard it counts is not rated), so taken from the rows once for each set of rows kept."""
        found = self._contexts.get(key := keep.tobytes())
        if found is None:
            if len(self._contexts) >= CONTEXTS_KEPT:
                self._contexts.clear()
            found = self._contexts[key] = self.rows.loc[keep, list(CONTEXT_COLUMNS)].reset_index(drop=True)
        return found


def _with_nan(values: np.ndarray, where: np.ndarray) -> np.ndarray:
    """``values`` as objects, NaN ``where`` given (as a column that some rows lack reads after a concat)."""
    out = values.astype(object)
    out[where] = np.nan
    return out


_LABEL_OF_VALUE = np.array([None, None] + [LABELS[v] for v in range(len(LABELS))], dtype=object)  # by value + 2


_BASIS_COLUMNS = ("framework", "source", "standard", "n", "score", "max_score", "domain", "rating_value", "rationale",
                  "rule_note", "rule_reference", "driving_key_question", "n_sufficient", "n_relevant", "percent")


def _basis(r: dict, rs: Rules) -> str:
    if r["source"] == "not inspected":
        return "not inspected (recorded by the inspection team): left out of the score and maximum"
    if r["standard"] == OVERALL:
        n = int(r["n"])
        cut = rs.cutoffs(n, int(r["max_score"]))
        return (f"score {int(r['score'])}/{int(r['max_score'])} from {n} standards; "
                + ", ".join(f"{rating.label} {low}-{high}" for rating, (low, high) in cut.items()))
    if r["domain"] == 1:
        if r["rating_value"] < 0:
            return "no proposed rating yet"
        rationale = r.get("rationale")
        text = "proposed by the inspection team" + (f": {rationale}" if isinstance(rationale, str) and rationale.strip() else "")
        return f"{r['rule_note']} ({r['rule_reference']}); {text}" if isinstance(r.get("rule_note"), str) else text
    if r["rating_value"] < 0:
        return "no relevant cases"
    label = LABELS[r["rating_value"]]
    edge = (f"at or above {tenths_text(rs.thresholds[Rating(r['rating_value'])])}%" if r["rating_value"] > 0
            else f"below {tenths_text(rs.thresholds[Rating.REQUIRES_IMPROVEMENT])}%")
    if rs.aggregation == "lowest":
        return (f"lowest key question {display(r['driving_key_question'])}: {int(r['n_sufficient'])} of {int(r['n_relevant'])} "
                f"cases sufficient ({percent_text(r['percent'])}%); {edge}: {label}")
    return f"{rs.aggregation} of key questions {percent_text(r['percent'])}%; {edge}: {label}"


# -- checks on proposed ratings ---------------------------------------------------------------------

CHECK_COLUMNS = ["inspection_id", "unit", "standard", "proposed", "counts_as", "check", "severity", "explanation", "reference"]


def decision_checks(dataset: Dataset, ratings: pd.DataFrame, frameworks: Mapping[str, Framework] | None = None) -> pd.DataFrame:
    """Every proposed domain one rating checked against its decision rule or guidance; regional
    staffing R 1.2 against the usual rating(s) from its PDUs; the limiting judgement on diversity.

    Columns: CHECK_COLUMNS: inspection_id, unit, standard, proposed, counts_as (the rating that counts:
    the proposal, or where a DECISION RULE is broken the best rating it allows), check, severity (ok,
    flag, breach, pending), explanation, reference.

    One pass over the ratings as plain lists (no per-inspection frames): each inspection's ratings,
    and each region and round's PDU ratings for regional staffing, are gathered once.
    """
    frameworks = dict(frameworks or frameworks_of(dataset))
    judgements = _judgement_map(dataset)
    per_ins: dict = {}
    pdu_ratings: dict = {}
    staffing_std = {fid: (fw.regional_staffing.pdu_standard if fw.regional_staffing else None) for fid, fw in frameworks.items()}
    cols = ["inspection_id", "standard", "rating_value", "source", "proposed_rating", "framework", "level", "region", "round", "unit"]
    for iid, std, value, src, proposed_text, fid, level, region, rnd, unit in zip(*(ratings[c].tolist() for c in cols)):
        entry = per_ins.get(iid)
        if entry is None:
            entry = per_ins[iid] = ({}, set(), [], [])  # values, not inspected, proposals, overall value
        if std == OVERALL:
            entry[3].append(value)
        else:
            entry[0][std] = Rating(value) if value >= 0 else None
        if src == "not inspected":
            entry[1].add(std)
        elif src == "proposed":
            entry[2].append((std, proposed_text))
        if level == "pdu" and std == staffing_std.get(fid):
            pdu_ratings.setdefault((fid, region, rnd), []).append((unit, value))

    rows = []
    ins_cols = ["inspection_id", "framework", "unit", "level", "region", "round"]
    for iid, fid, unit, level, region, rnd in zip(*(dataset.inspections[c].tolist() for c in ins_cols)):
        entry = per_ins.get(iid)
        if entry is None:
            continue
        fw = frameworks[fid]
        values, not_inspected, proposals, overall = entry
        rule = fw.regional_staffing
        for std, proposed_text in proposals:
            proposed = parse_rating(proposed_text)
            if rule and std == rule.standard and level == "region":
                ins = {"inspection_id": iid, "region": region, "round": rnd}
                try:
                    check = _staffing(fw, ins, pdu_ratings.get((fid, region, rnd), []), judgements).check(proposed)
                except StaffingUnavailable as exc:
                    check = RuleCheck(rule.standard, proposed, None, None, f"cannot yet check the usual R 1.2 rating: {exc}")
                check_id, reference = f"{rule.standard}-usual", rule.reference
            else:
                check = check_proposed(fw, std, proposed, values, not_inspected)
                check_id, reference = (check.rule.id, check.rule.reference) if check.rule else ("", "")
            explanation = f"{check.note}: {check.explanation}" if check.note else check.explanation
            rows.append({"inspection_id": iid, "unit": unit, "standard": std, "proposed": proposed.label,
                         "counts_as": check.counted.label, "check": check_id, "severity": check.severity, "explanation": explanation,
                         "reference": reference})
        if overall and overall[0] >= 0:
            lj = check_limiting_judgement(fw, level, Rating(int(overall[0])), judgements.get((iid, "diversity")))
            if lj:
                rows.append({"inspection_id": iid, "unit": unit, "standard": OVERALL,
                             "proposed": lj.proposed_overall.label, "counts_as": lj.proposed_overall.label, "check": "diversity", "severity": lj.severity,
                             "explanation": lj.explanation, "reference": ""})
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


class StaffingUnavailable(ProbationError):
    """Regional staffing R 1.2 cannot be worked out yet; the message says what is missing."""


def _judgement_map(dataset: Dataset) -> dict:
    j = dataset.judgements
    return {(i, n): bool(v) for i, n, v in zip(j["inspection_id"].tolist(), j["name"].tolist(), j["value"].tolist())}


def staffing_for_region(dataset: Dataset, fw: Framework, region_inspection: dict, ratings: pd.DataFrame,
                        judgements: Mapping | None = None):
    """Rule 7 for a regional inspection: the P 1.2 ratings of its PDUs in the same round, combined
    with its R 1.2.1 judgement. Raises StaffingUnavailable saying what is missing."""
    rule = fw.regional_staffing
    if rule is None:
        raise StaffingUnavailable(f"framework {fw.id} has no regional staffing rule")
    if judgements is None:
        judgements = _judgement_map(dataset)
    pdus = ratings[(ratings["region"] == region_inspection["region"]) & (ratings["round"] == region_inspection["round"])
                   & (ratings["framework"] == fw.id) & (ratings["level"] == "pdu") & (ratings["standard"] == rule.pdu_standard)]
    return _staffing(fw, region_inspection, list(zip(pdus["unit"].tolist(), pdus["rating_value"].tolist())), judgements)


def _staffing(fw: Framework, region_inspection: dict, pdus: list, judgements: Mapping):
    """``staffing_for_region`` given the region's PDU ratings as (unit, rating value) pairs."""
    rule = fw.regional_staffing
    question = judgements.get((region_inspection["inspection_id"], rule.regional_question))
    unrated = sorted(unit for unit, value in pdus if value < 0)
    if question is None:
        raise StaffingUnavailable(f"the {display(rule.regional_question)} yes/no judgement is not recorded yet")
    if not pdus or unrated:
        raise StaffingUnavailable(f"{display(rule.pdu_standard)} is not rated yet for " + (", ".join(unrated) if unrated else "any PDU of the region"))
    try:
        return regional_staffing(fw, region_inspection["region"], [Rating(v) for _, v in pdus], question)
    except ProbationError as exc:  # e.g. the store holds a different number of PDUs than the framework's table
        raise StaffingUnavailable(str(exc)) from None


def with_published(ratings: pd.DataFrame, dataset: Dataset, frameworks: Mapping[str, Framework] | None = None) -> pd.DataFrame:
    """Add published ratings where stored, and rate the published units themselves.

    Beside a computed rating of the same unit, framework, standard and round (the round the
    published fieldwork month falls in) stand ``published_rating`` and ``agrees``. Each published
    unit also gets rows of its own (source 'published'): its standard ratings as published, and an
    OVERALL row that the engine computes from them, with ``published_rating``/``published_score``
    as printed and ``agrees`` saying whether rating, score and maximum all match."""
    frameworks = dict(frameworks or frameworks_of(dataset))
    pub = dataset.published.copy()
    out = ratings.copy()
    for col in ("published_rating", "published_score", "agrees"):
        out[col] = None
    if pub.empty:
        return out
    pub["standard"] = pub["standard"].map(canonical)
    pub["pub_round"] = pub["fieldwork"].map(round_of_fieldwork)
    published_map = {(name_key(p["unit"]), p["framework"], p["pub_round"], p["standard"]): p["rating"] for p in pub.to_dict("records")}
    for (u, f, r), p in pub.groupby(["unit", "framework", "pub_round"], dropna=False):
        first = p.iloc[0]
        published_map[(name_key(u), f, r, OVERALL)] = first["published_overall"]
    unit_keys = _map_distinct(out["unit"], name_key)  # four columns of ten thousand rows, not every column's
    keys = zip(unit_keys.tolist(), out["framework"].tolist(), out["round"].tolist(), out["standard"].tolist())
    out["published_rating"] = [published_map.get(k) for k in keys]
    out["agrees"] = [None if p is None or r is None else (p == r) for p, r in zip(out["published_rating"], out["rating"])]

    extra = []
    for (unit, fid), p in pub.groupby(["unit", "framework"], sort=False):
        fw = frameworks.get(fid) or load_framework(fid)
        values = {}
        for r in p.to_dict("records"):
            rating = parse_rating(r["rating"], allow_not_inspected=True)
            values[r["standard"]] = rating
            standard = fw.standard(r["standard"])
            extra.append({"unit": unit, "level": "pdu", "region": r["region"], "round": r["fieldwork"], "framework": fid,
                          "synthetic": False, "standard": r["standard"], "standard_name": standard.name, "domain": standard.domain,
                          "rating": rating.label if rating is not None else None,
                          "rating_value": int(rating) if rating is not None else NO_RATING, "source": "published",
                          "basis": f"as published (seed {r['seed']})", "published_rating": r["rating"]})
        result = score_unit(values, fw.rules)
        first = p.iloc[0]
        published_score = f"{int(first['published_score'])}/{int(first['published_max'])}"
        extra.append({"unit": unit, "level": "pdu", "region": first["region"], "round": first["fieldwork"], "framework": fid,
                      "synthetic": False, "standard": OVERALL, "standard_name": "Overall rating", "domain": 0,
                      "rating": result.rating.label, "rating_value": int(result.rating), "source": "overall",
                      "score": result.score, "max_score": result.max_score, "basis": result.basis,
                      "published_rating": first["published_overall"], "published_score": published_score,
                      "agrees": result.rating.label == first["published_overall"] and result.score_text == published_score})
    return pd.concat([out, pd.DataFrame(extra)], ignore_index=True)
