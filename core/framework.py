"""Inspection frameworks as versioned data, and the strict loader that reads them.

A framework file (``data/frameworks/<id>.yaml``) holds the standards, key questions, prompts,
themes, score weights, band thresholds, overall band rule, decision rules and the regional
PDU-count table, each with a reference to where it stands in the rules and guidance. The loader
rejects unknown keys, duplicate codes and dangling references, naming the file and the key.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.codes import canonical, display
from core.errors import FrameworkError, UnknownFramework
from core.names import name_key
from core.ratings import Rating, parse_rating

FRAMEWORK_DIR = Path(__file__).resolve().parent.parent / "data" / "frameworks"
SCHEMA_VERSION = 1
AGGREGATIONS = ("lowest", "mean", "pooled", "median")  # how a domain two standard's key questions may combine
LEVELS = ("region", "pdu")


@dataclass(frozen=True)
class Prompt:
    code: str
    text: str
    reference: str
    key_question: str
    pooled_from: str | None = None


@dataclass(frozen=True)
class KeyQuestion:
    code: str
    text: str
    reference: str
    standard: str
    case_type: str | None = None
    strand: str | None = None
    pooled_from: str | None = None
    derived_from: str | None = None
    prompts: tuple[Prompt, ...] = ()


@dataclass(frozen=True)
class Standard:
    code: str
    name: str
    level: str
    domain: int
    reference: str
    statement: str | None = None
    key_questions: tuple[KeyQuestion, ...] = ()
    characteristics: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{display(self.code)} {self.name}"


@dataclass(frozen=True)
class SupplementaryQuestion:
    """A case-level question outside the standards (e.g. management oversight), used by themes."""

    code: str
    text: str
    reference: str
    case_type: str


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    items: tuple[str, ...]
    reference: str


@dataclass(frozen=True)
class DecisionRule:
    id: str
    applies_to: str
    proposed: Rating
    kind: str  # "rule" (hard) or "guidance" (usually)
    text: str
    condition: dict[str, Any]
    reference: str


@dataclass(frozen=True)
class LimitingJudgement:
    id: str
    level: str
    proposed: Rating
    requires: str
    text: str
    reference: str


@dataclass(frozen=True)
class RegionCutoffs:
    name: str
    pdus: int
    published_cutoffs: dict[Rating, tuple[int, int]]
    reference: str


@dataclass(frozen=True)
class StaffingCombination:
    pdu_rating: Rating
    regional_question: bool
    usual: tuple[Rating, ...]


@dataclass(frozen=True)
class RegionalStaffingRule:
    standard: str
    pdu_standard: str
    regional_question: str
    aggregate_question: str
    combination: tuple[StaffingCombination, ...]
    reference: str


@dataclass(frozen=True)
class CaseAttribute:
    name: str
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class CaseType:
    code: str
    name: str
    level: str
    template: str
    attributes: tuple[str, ...]
    reference: str


@dataclass(frozen=True)
class Bands:
    """Domain two banding: rating from the aggregated key question percentage."""

    aggregation: str
    thresholds: dict[Rating, float]  # lowest percentage for Outstanding, Good, Requires improvement
    reference: str


@dataclass(frozen=True)
class OverallBands:
    """Overall rating from score S of N standards: the first rating (worst first) with S <= floor(f * N)."""

    upper_fractions: dict[Rating, float]
    reference: str


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    source: str
    path: str
    score_weights: dict[Rating, int]
    score_reference: str
    bands: Bands
    overall_bands: OverallBands
    standards: tuple[Standard, ...]
    case_types: tuple[CaseType, ...]
    case_attributes: tuple[CaseAttribute, ...]
    supplementary_questions: tuple[SupplementaryQuestion, ...]
    themes: tuple[Theme, ...]
    decision_rules: tuple[DecisionRule, ...]
    limiting_judgements: tuple[LimitingJudgement, ...]
    regions: tuple[RegionCutoffs, ...]
    regional_staffing: RegionalStaffingRule | None

    # -- look-ups -------------------------------------------------------------------------
    def standard(self, code: str) -> Standard:
        key = _safe_canonical(code)
        for s in self.standards:
            if s.code == key:
                return s
        raise KeyError(f"{code!r} is not a standard of framework {self.id}")

    def has_standard(self, code: str) -> bool:
        try:
            self.standard(code)
        except KeyError:
            return False
        return True

    def standards_at(self, level: str, domain: int | None = None) -> list[Standard]:
        return [s for s in self.standards if s.level == level and (domain is None or s.domain == domain)]

    @functools.cached_property
    def key_questions(self) -> dict[str, KeyQuestion]:
        return {kq.code: kq for s in self.standards for kq in s.key_questions}

    @functools.cached_property
    def prompts(self) -> dict[str, Prompt]:
        return {p.code: p for kq in self.key_questions.values() for p in kq.prompts}

    def case_questions(self, case_type: str) -> list[str]:
        """Answer columns of a case type, in template order: each key question then its prompts,
        then the supplementary questions. Regional key questions pooled from PDU ones are omitted
        (their answers are the PDU answers)."""
        codes: list[str] = []
        level = self.case_type(case_type).level
        # the case type's own level first (PDU standards before regional-only ones such as R 2.5)
        for s in sorted(self.standards, key=lambda s: s.level != level):
            for kq in s.key_questions:
                if kq.case_type == case_type and kq.pooled_from is None:
                    codes.append(kq.code)
                    codes.extend(p.code for p in kq.prompts)
        codes.extend(q.code for q in self.supplementary_questions if q.case_type == case_type)
        return codes

    def question_text(self, code: str) -> str:
        key = _safe_canonical(code)
        if key in self.key_questions:
            return self.key_questions[key].text
        if key in self.prompts:
            return self.prompts[key].text
        for q in self.supplementary_questions:
            if q.code == key:
                return q.text
        raise KeyError(code)

    def case_type(self, code: str) -> CaseType:
        for ct in self.case_types:
            if ct.code == code or ct.template == code:
                return ct
        raise KeyError(f"{code!r} is not a case type of framework {self.id}")

    def attribute(self, name: str) -> CaseAttribute:
        for a in self.case_attributes:
            if a.name == name:
                return a
        raise KeyError(name)

    def region(self, name: str) -> RegionCutoffs:
        wanted = name_key(name)
        for r in self.regions:
            if name_key(r.name) == wanted:
                return r
        raise KeyError(f"{name!r} is not a region of framework {self.id}")

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    def rules_for(self, standard_code: str) -> list[DecisionRule]:
        key = canonical(standard_code)
        return [r for r in self.decision_rules if r.applies_to == key]


def _safe_canonical(code: str) -> str:
    try:
        return canonical(code)
    except ValueError as exc:
        raise KeyError(str(exc)) from None


# -- the strict loader -----------------------------------------------------------------------

class _Reader:
    """Walks the parsed YAML, checking keys and types, naming the file and the key path on error."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, message: str):
        raise FrameworkError(self.path, key, message)

    def mapping(self, value: Any, key: str, required: set[str], optional: set[str] = frozenset()) -> dict:
        if not isinstance(value, dict):
            self.fail(key, f"expected a mapping, found {type(value).__name__}")
        unknown = sorted(set(value) - required - set(optional))
        if unknown:
            self.fail(f"{key}.{unknown[0]}" if key else unknown[0], f"unknown key (allowed: {', '.join(sorted(required | set(optional)))})")
        missing = sorted(required - set(value))
        if missing:
            self.fail(f"{key}.{missing[0]}" if key else missing[0], "required key is missing")
        return value

    def seq(self, value: Any, key: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, f"expected a list, found {type(value).__name__}")
        return value

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "expected non-empty text")
        return value.strip()

    def code(self, value: Any, key: str) -> str:
        try:
            return canonical(str(value))
        except ValueError as exc:
            self.fail(key, str(exc))

    def rating(self, value: Any, key: str) -> Rating:
        try:
            return parse_rating(value)
        except Exception as exc:  # InputError
            self.fail(key, str(exc))

    def number(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(key, f"expected a number, found {value!r}")
        return value


_TOP = {"schema_version", "id", "title", "source", "ratings", "score_reference", "rules", "case_attributes",
        "case_types", "standards", "supplementary_questions", "themes"}
_TOP_OPTIONAL = {"regions"}


def load_framework_file(path: str | Path) -> Framework:
    """Read and check one framework file. Raises FrameworkError naming the file and the key."""
    path = Path(path)
    r = _Reader(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FrameworkError(path, "(file)", f"not valid YAML: {exc}") from None
    doc = r.mapping(raw, "", _TOP, _TOP_OPTIONAL)
    if doc["schema_version"] != SCHEMA_VERSION:
        r.fail("schema_version", f"expected {SCHEMA_VERSION}, found {doc['schema_version']!r}")
    fw_id = r.text(doc["id"], "id")
    if path.stem != fw_id:
        r.fail("id", f"{fw_id!r} does not match the file name {path.stem!r}")

    weights: dict[Rating, int] = {}
    for i, item in enumerate(r.seq(doc["ratings"], "ratings")):
        item = r.mapping(item, f"ratings[{i}]", {"name", "score"})
        rating = r.rating(item["name"], f"ratings[{i}].name")
        if rating in weights:
            r.fail(f"ratings[{i}].name", f"duplicate rating {rating.label!r}")
        weights[rating] = int(r.number(item["score"], f"ratings[{i}].score"))
    if set(weights) != set(Rating):
        r.fail("ratings", "must give a score to each of the four ratings")

    rules = r.mapping(doc["rules"], "rules", {"domain_two_bands", "overall_bands", "decision_rules"},
                      {"regional_staffing", "limiting_judgements"})
    b = r.mapping(rules["domain_two_bands"], "rules.domain_two_bands", {"aggregation", "thresholds", "reference"})
    bands = Bands(aggregation=r.text(b["aggregation"], "rules.domain_two_bands.aggregation"),
                  thresholds=_rating_numbers(r, b["thresholds"], "rules.domain_two_bands.thresholds",
                                             {Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT}),
                  reference=r.text(b["reference"], "rules.domain_two_bands.reference"))
    _check_rule_values(r, bands, weights)
    o = r.mapping(rules["overall_bands"], "rules.overall_bands", {"upper_fractions", "reference"})
    overall = OverallBands(upper_fractions=_rating_numbers(r, o["upper_fractions"], "rules.overall_bands.upper_fractions",
                                                           {Rating.INADEQUATE, Rating.REQUIRES_IMPROVEMENT, Rating.GOOD}),
                           reference=r.text(o["reference"], "rules.overall_bands.reference"))

    f = overall.upper_fractions
    if not 0 < f[Rating.INADEQUATE] < f[Rating.REQUIRES_IMPROVEMENT] < f[Rating.GOOD]:
        r.fail("rules.overall_bands.upper_fractions", "must rise from Inadequate to Good, above 0")

    attributes = []
    for i, a in enumerate(r.seq(doc["case_attributes"], "case_attributes")):
        a = r.mapping(a, f"case_attributes[{i}]", {"name", "label", "values"})
        attributes.append(CaseAttribute(r.text(a["name"], f"case_attributes[{i}].name"), r.text(a["label"], f"case_attributes[{i}].label"),
                                        tuple(r.text(v, f"case_attributes[{i}].values") for v in r.seq(a["values"], f"case_attributes[{i}].values"))))
    _no_duplicates(r, [a.name for a in attributes], "case_attributes", "name")
    attribute_names = {a.name for a in attributes}

    case_types = []
    for i, c in enumerate(r.seq(doc["case_types"], "case_types")):
        key = f"case_types[{i}]"
        c = r.mapping(c, key, {"code", "name", "level", "template", "attributes", "reference"})
        level = r.text(c["level"], f"{key}.level")
        if level not in LEVELS:
            r.fail(f"{key}.level", f"expected one of {', '.join(LEVELS)}")
        attrs = tuple(r.text(a, f"{key}.attributes") for a in r.seq(c["attributes"], f"{key}.attributes"))
        for a in attrs:
            if a not in attribute_names:
                r.fail(f"{key}.attributes", f"{a!r} is not defined under case_attributes")
        case_types.append(CaseType(r.text(c["code"], f"{key}.code"), r.text(c["name"], f"{key}.name"), level,
                                   r.text(c["template"], f"{key}.template"), attrs, r.text(c["reference"], f"{key}.reference")))
    _no_duplicates(r, [c.code for c in case_types], "case_types", "code")
    case_type_codes = {c.code for c in case_types}

    standards = []
    for i, s in enumerate(r.seq(doc["standards"], "standards")):
        standards.append(_standard(r, s, f"standards[{i}]", case_type_codes))
    _no_duplicates(r, [s.code for s in standards], "standards", "code")
    kq_codes = [kq.code for s in standards for kq in s.key_questions]
    _no_duplicates(r, kq_codes, "standards[*].key_questions", "code")
    prompt_codes = [p.code for s in standards for kq in s.key_questions for p in kq.prompts]
    _no_duplicates(r, prompt_codes, "standards[*].key_questions[*].prompts", "code")
    standard_codes = {s.code for s in standards}
    for s in standards:
        for kq in s.key_questions:
            if kq.pooled_from and kq.pooled_from not in kq_codes:
                r.fail(f"standards[{s.code}].key_questions[{kq.code}].pooled_from", f"{display(kq.pooled_from)} is not a key question")
            if kq.derived_from and kq.derived_from not in standard_codes:
                r.fail(f"standards[{s.code}].key_questions[{kq.code}].derived_from", f"{display(kq.derived_from)} is not a standard")
            for p in kq.prompts:
                if p.pooled_from and p.pooled_from not in prompt_codes:
                    r.fail(f"standards[{s.code}].key_questions[{kq.code}].prompts[{p.code}].pooled_from", f"{display(p.pooled_from)} is not a prompt")

    supplementary = []
    for i, q in enumerate(r.seq(doc["supplementary_questions"], "supplementary_questions")):
        key = f"supplementary_questions[{i}]"
        q = r.mapping(q, key, {"code", "text", "reference", "case_type"})
        ct = r.text(q["case_type"], f"{key}.case_type")
        if ct not in case_type_codes:
            r.fail(f"{key}.case_type", f"{ct!r} is not a case type")
        supplementary.append(SupplementaryQuestion(r.code(q["code"], f"{key}.code"), r.text(q["text"], f"{key}.text"),
                                                   r.text(q["reference"], f"{key}.reference"), ct))
    _no_duplicates(r, [q.code for q in supplementary] + kq_codes + prompt_codes, "supplementary_questions", "code")
    question_codes = set(kq_codes) | set(prompt_codes) | {q.code for q in supplementary}

    themes = []
    for i, t in enumerate(r.seq(doc["themes"], "themes")):
        key = f"themes[{i}]"
        t = r.mapping(t, key, {"id", "name", "items", "reference"})
        items = tuple(r.code(x, f"{key}.items") for x in r.seq(t["items"], f"{key}.items"))
        for x in items:
            if x not in question_codes:
                r.fail(f"{key}.items", f"{display(x)} is not a key question, prompt or supplementary question")
        themes.append(Theme(r.text(t["id"], f"{key}.id"), r.text(t["name"], f"{key}.name"), items, r.text(t["reference"], f"{key}.reference")))
    _no_duplicates(r, [t.id for t in themes], "themes", "id")

    decision_rules = []
    for i, d in enumerate(r.seq(rules["decision_rules"], "rules.decision_rules")):
        decision_rules.append(_decision_rule(r, d, f"rules.decision_rules[{i}]", standard_codes))
    _no_duplicates(r, [d.id for d in decision_rules], "rules.decision_rules", "id")

    limiting = []
    for i, lj in enumerate(r.seq(rules.get("limiting_judgements"), "rules.limiting_judgements")):
        key = f"rules.limiting_judgements[{i}]"
        lj = r.mapping(lj, key, {"id", "level", "proposed", "requires", "text", "reference"})
        if lj["level"] not in LEVELS:
            r.fail(f"{key}.level", f"expected one of {', '.join(LEVELS)}")
        if lj["requires"] != "diversity_sufficient":
            r.fail(f"{key}.requires", "the only judgement known is 'diversity_sufficient'")
        limiting.append(LimitingJudgement(r.text(lj["id"], f"{key}.id"), lj["level"], r.rating(lj["proposed"], f"{key}.proposed"),
                                          lj["requires"], r.text(lj["text"], f"{key}.text"), r.text(lj["reference"], f"{key}.reference")))

    regions = []
    for i, g in enumerate(r.seq(doc.get("regions"), "regions")):
        key = f"regions[{i}]"
        g = r.mapping(g, key, {"name", "pdus", "published_cutoffs", "reference"})
        cut = r.mapping(g["published_cutoffs"], f"{key}.published_cutoffs", {x.label for x in Rating})
        regions.append(RegionCutoffs(r.text(g["name"], f"{key}.name"), int(r.number(g["pdus"], f"{key}.pdus")),
                                     {parse_rating(k): tuple(v) for k, v in cut.items()}, r.text(g["reference"], f"{key}.reference")))
    _no_duplicates(r, [g.name.lower() for g in regions], "regions", "name")

    staffing = None
    if rules.get("regional_staffing") is not None:
        key = "rules.regional_staffing"
        st = r.mapping(rules["regional_staffing"], key, {"standard", "pdu_standard", "regional_question", "aggregate_question", "combination", "reference"})
        combos = []
        for i, c in enumerate(r.seq(st["combination"], f"{key}.combination")):
            c = r.mapping(c, f"{key}.combination[{i}]", {"pdu_rating", "regional_question", "usual"})
            if c["regional_question"] not in ("yes", "no"):
                r.fail(f"{key}.combination[{i}].regional_question", "expected yes or no")
            combos.append(StaffingCombination(r.rating(c["pdu_rating"], f"{key}.combination[{i}].pdu_rating"), c["regional_question"] == "yes",
                                              tuple(r.rating(u, f"{key}.combination[{i}].usual") for u in r.seq(c["usual"], f"{key}.combination[{i}].usual"))))
        if len({(c.pdu_rating, c.regional_question) for c in combos}) != 8 or len(combos) != 8:
            r.fail(f"{key}.combination", "must hold each of the 8 pairs of PDU staffing rating and yes/no exactly once")
        staffing = RegionalStaffingRule(*(r.code(st[k], f"{key}.{k}") for k in ("standard", "pdu_standard", "regional_question", "aggregate_question")),
                                        combination=tuple(combos), reference=r.text(st["reference"], f"{key}.reference"))
        for k in ("standard", "pdu_standard"):
            if canonical(st[k]) not in standard_codes:
                r.fail(f"{key}.{k}", f"{st[k]} is not a standard")
        for k in ("regional_question", "aggregate_question"):
            if canonical(st[k]) not in kq_codes:
                r.fail(f"{key}.{k}", f"{st[k]} is not a key question")

    return Framework(
        id=fw_id, title=r.text(doc["title"], "title"), source=r.text(doc["source"], "source"), path=str(path),
        score_weights=weights, score_reference=r.text(doc["score_reference"], "score_reference"),
        bands=bands, overall_bands=overall, standards=tuple(standards), case_types=tuple(case_types),
        case_attributes=tuple(attributes), supplementary_questions=tuple(supplementary), themes=tuple(themes),
        decision_rules=tuple(decision_rules), limiting_judgements=tuple(limiting), regions=tuple(regions),
        regional_staffing=staffing,
    )


def _check_rule_values(r: _Reader, bands: Bands, weights: dict[Rating, int]) -> None:
    """Values a rule can only have one way round: thresholds fall, scores fall, with the rating."""
    if bands.aggregation not in AGGREGATIONS:
        r.fail("rules.domain_two_bands.aggregation", f"{bands.aggregation!r} is not one of {', '.join(AGGREGATIONS)}")
    t = [bands.thresholds[x] for x in (Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT)]
    if not (100 >= t[0] >= t[1] >= t[2] >= 0):
        r.fail("rules.domain_two_bands.thresholds", f"must be percentages with Outstanding >= Good >= Requires improvement; found {t}")
    w = [weights[x] for x in sorted(Rating, reverse=True)]
    if not all(a >= b for a, b in zip(w, w[1:])) or w[-1] < 0:
        r.fail("ratings", f"scores must not rise as the rating falls, nor be negative; found {w}")


def _rating_numbers(r: _Reader, value: Any, key: str, wanted: set[Rating]) -> dict[Rating, float]:
    m = r.mapping(value, key, {x.label for x in wanted})
    return {parse_rating(k): r.number(v, f"{key}.{k}") for k, v in m.items()}


def _no_duplicates(r: _Reader, values: list[str], key: str, field_name: str) -> None:
    seen = set()
    for v in values:
        if v in seen:
            r.fail(f"{key}.{field_name}", f"duplicate {field_name} {display(v) if field_name == 'code' else repr(v)}")
        seen.add(v)


def _standard(r: _Reader, s: Any, key: str, case_types: set[str]) -> Standard:
    s = r.mapping(s, key, {"code", "name", "level", "domain", "reference"}, {"statement", "key_questions", "characteristics"})
    code = r.code(s["code"], f"{key}.code")
    if s["level"] not in LEVELS:
        r.fail(f"{key}.level", f"expected one of {', '.join(LEVELS)}")
    if s["domain"] not in (1, 2):
        r.fail(f"{key}.domain", "expected 1 or 2")
    kqs = []
    for j, kq in enumerate(r.seq(s.get("key_questions"), f"{key}.key_questions")):
        kkey = f"{key}.key_questions[{j}]"
        kq = r.mapping(kq, kkey, {"code", "text", "reference"}, {"case_type", "strand", "pooled_from", "derived_from", "prompts"})
        kcode = r.code(kq["code"], f"{kkey}.code")
        if not kcode.startswith(code + "."):
            r.fail(f"{kkey}.code", f"{display(kcode)} does not belong to standard {display(code)}")
        case_type = kq.get("case_type")
        if s["domain"] == 2 and case_type is None:
            r.fail(f"{kkey}.case_type", "a domain two key question must name the case type it is answered on")
        if case_type is not None and case_type not in case_types:
            r.fail(f"{kkey}.case_type", f"{case_type!r} is not a case type")
        prompts = []
        for n, p in enumerate(r.seq(kq.get("prompts"), f"{kkey}.prompts")):
            pkey = f"{kkey}.prompts[{n}]"
            p = r.mapping(p, pkey, {"code", "text", "reference"}, {"pooled_from"})
            pcode = r.code(p["code"], f"{pkey}.code")
            if not pcode.startswith(kcode + "."):
                r.fail(f"{pkey}.code", f"{display(pcode)} does not belong to key question {display(kcode)}")
            prompts.append(Prompt(pcode, r.text(p["text"], f"{pkey}.text"), r.text(p["reference"], f"{pkey}.reference"), kcode,
                                  r.code(p["pooled_from"], f"{pkey}.pooled_from") if p.get("pooled_from") else None))
        kqs.append(KeyQuestion(
            code=kcode, text=r.text(kq["text"], f"{kkey}.text"), reference=r.text(kq["reference"], f"{kkey}.reference"), standard=code,
            case_type=case_type, strand=kq.get("strand"),
            pooled_from=r.code(kq["pooled_from"], f"{kkey}.pooled_from") if kq.get("pooled_from") else None,
            derived_from=r.code(kq["derived_from"], f"{kkey}.derived_from") if kq.get("derived_from") else None,
            prompts=tuple(prompts)))
    characteristics = {}
    if s.get("characteristics") is not None:
        ch = r.mapping(s["characteristics"], f"{key}.characteristics", set(), {x.label for x in Rating})
        characteristics = {k: r.text(v, f"{key}.characteristics.{k}") for k, v in ch.items()}
    return Standard(code=code, name=r.text(s["name"], f"{key}.name"), level=s["level"], domain=s["domain"],
                    reference=r.text(s["reference"], f"{key}.reference"),
                    statement=s.get("statement"), key_questions=tuple(kqs), characteristics=characteristics)


_CONDITION_KEYS = {"of", "all_in", "in", "count", "min", "max"}


def _decision_rule(r: _Reader, d: Any, key: str, standard_codes: set[str]) -> DecisionRule:
    d = r.mapping(d, key, {"id", "applies_to", "proposed", "kind", "text", "condition", "reference"})
    if d["kind"] not in ("rule", "guidance"):
        r.fail(f"{key}.kind", "expected 'rule' (a DECISION RULE) or 'guidance' (DECISION GUIDANCE)")
    applies = r.code(d["applies_to"], f"{key}.applies_to")
    if applies not in standard_codes:
        r.fail(f"{key}.applies_to", f"{display(applies)} is not a standard")
    cond = r.mapping(d["condition"], f"{key}.condition", {"of"}, _CONDITION_KEYS - {"of"})
    if cond["of"] != "domain_two":
        target = r.code(cond["of"], f"{key}.condition.of")
        if target not in standard_codes:
            r.fail(f"{key}.condition.of", f"{cond['of']} is not a standard")
        if "in" not in cond:
            r.fail(f"{key}.condition.in", "a condition on one standard needs 'in'")
    elif not ("all_in" in cond or "count" in cond):
        r.fail(f"{key}.condition", "a domain two condition needs 'all_in' or 'count' with 'min'/'max'")
    for k in ("all_in", "in"):
        if k in cond:
            [r.rating(x, f"{key}.condition.{k}") for x in r.seq(cond[k], f"{key}.condition.{k}")]
    if "count" in cond:
        r.rating(cond["count"], f"{key}.condition.count")
    return DecisionRule(id=r.text(d["id"], f"{key}.id"), applies_to=applies, proposed=r.rating(d["proposed"], f"{key}.proposed"),
                        kind=d["kind"], text=r.text(d["text"], f"{key}.text"), condition=dict(cond),
                        reference=r.text(d["reference"], f"{key}.reference"))


# -- the registry ----------------------------------------------------------------------------

def available_frameworks(directory: Path = FRAMEWORK_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.yaml"))


@functools.lru_cache(maxsize=16)
def load_framework(framework_id: str, directory: Path = FRAMEWORK_DIR) -> Framework:
    """The framework with this id from ``data/frameworks``. Raises UnknownFramework naming those there are."""
    path = directory / f"{framework_id}.yaml"
    if not path.is_file() or "/" in framework_id:
        raise UnknownFramework(f"unknown framework {framework_id!r}; available: {', '.join(available_frameworks(directory))}")
    return load_framework_file(path)


# -- the regions ------------------------------------------------------------------------------

REGIONS_FRAMEWORK = "hmip-2025"  # lists the 12 regions of England and Wales, which every framework's inspections share


def national_regions() -> tuple[RegionCutoffs, ...]:
    """The 12 probation regions of England and Wales (from the hmip-2025 framework), whatever an inspection's framework."""
    return load_framework(REGIONS_FRAMEWORK).regions


def canonical_region(name: str) -> str:
    """One of the 12 regions as the framework spells it, matched without regard to case, spacing or
    '&' for 'and' (``"  yorkshire and the humber "`` -> ``"Yorkshire & the Humber"``). Raises KeyError."""
    return load_framework(REGIONS_FRAMEWORK).region(name).name
