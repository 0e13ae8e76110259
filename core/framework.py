"""Inspection frameworks as versioned data, and the strict loader that reads them.

A framework file (``data/frameworks/<id>.yaml``) holds the standards, key questions, prompts,
themes, score weights, band thresholds, overall band rule, decision rules and the regional
PDU-count table, each with a reference to where it stands in the rules and guidance. The loader
rejects unknown keys, duplicate codes and dangling references, naming the file and the key.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.codes import canonical, display
from core.errors import FrameworkError, InputError, UnknownFramework
from core.names import name_key
from core.ratings import Rating, parse_rating
from core.rules import AGGREGATIONS, FRACTION_RATINGS, THRESHOLD_RATINGS, Rules, check_aggregation, tenths  # noqa: F401 (AGGREGATIONS re-exported)

FRAMEWORK_DIR = Path(__file__).resolve().parent.parent / "data" / "frameworks"
SCHEMA_VERSION = 1
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
class Framework:
    id: str
    title: str
    source: str
    path: str
    valid_from: dt.date  # the first day the framework is in force
    valid_to: dt.date | None  # the last day, None while it is still in force
    validity_reference: str
    rules: Rules  # the framework's own rating rules: thresholds, aggregation, scores, overall bands
    score_reference: str
    bands_reference: str
    overall_reference: str
    standards: tuple[Standard, ...]
    case_types: tuple[CaseType, ...]
    case_attributes: tuple[CaseAttribute, ...]
    supplementary_questions: tuple[SupplementaryQuestion, ...]
    themes: tuple[Theme, ...]
    decision_rules: tuple[DecisionRule, ...]
    limiting_judgements: tuple[LimitingJudgement, ...]
    regions: tuple[RegionCutoffs, ...]
    regional_staffing: RegionalStaffingRule | None

    def in_force(self, day: dt.date) -> bool:
        """Whether the framework is in force on a day (valid_from <= day <= valid_to)."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

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

    @functools.cached_property
    def rule_inputs(self) -> frozenset[str]:
        """The standards whose ratings a decision rule or guidance can look at: every domain two
        standard, and any standard a condition names. A check given only these decides the same."""
        named = {canonical(r.condition["of"]) for r in self.decision_rules if r.condition.get("of") != "domain_two"}
        return frozenset({s.code for s in self.standards if s.domain == 2} | named)

    def rules_for(self, standard_code: str) -> list[DecisionRule]:
        return list(self._rules_by_standard.get(_safe_canonical(standard_code), ()))

    @functools.cached_property
    def _rules_by_standard(self) -> dict[str, tuple[DecisionRule, ...]]:
        out: dict[str, tuple[DecisionRule, ...]] = {}
        for r in self.decision_rules:
            out[r.applies_to] = out.get(r.applies_to, ()) + (r,)
        return out


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


_TOP = {"schema_version", "id", "title", "source", "valid_from", "valid_to", "validity_reference", "ratings", "score_reference",
        "rules", "case_attributes", "case_types", "standards", "supplementary_questions", "themes"}
_TOP_OPTIONAL = {"regions"}


# libyaml's safe loader where PyYAML was built with it (the wheels are): the same documents, ten times faster
# (a framework file in 10 ms, not 100), which every process pays once at its start
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_framework_file(path: str | Path) -> Framework:
    """Read and check one framework file. Raises FrameworkError naming the file and the key.

    One reader per section; each checks its own keys and the references it makes to sections
    read before it."""
    path = Path(path)
    r = _Reader(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise FrameworkError(path, "(file)", f"not valid YAML: {exc}") from None
    doc = r.mapping(raw, "", _TOP, _TOP_OPTIONAL)
    fw_id = _read_header(r, doc, path)
    valid_from, valid_to = _read_validity(r, doc)
    rules_doc = r.mapping(doc["rules"], "rules", {"domain_two_bands", "overall_bands", "decision_rules"},
                          {"regional_staffing", "limiting_judgements"})
    rules = _read_rules(r, doc, rules_doc, fw_id)
    attributes = _read_case_attributes(r, doc)
    case_types = _read_case_types(r, doc, {a.name for a in attributes})
    case_type_codes = {c.code for c in case_types}
    standards = _read_standards(r, doc, case_type_codes)
    standard_codes = {s.code for s in standards}
    kq_codes = [kq.code for s in standards for kq in s.key_questions]
    prompt_codes = [p.code for s in standards for kq in s.key_questions for p in kq.prompts]
    supplementary = _read_supplementary(r, doc, case_type_codes, kq_codes + prompt_codes)
    question_codes = set(kq_codes) | set(prompt_codes) | {q.code for q in supplementary}
    return Framework(
        id=fw_id, title=r.text(doc["title"], "title"), source=r.text(doc["source"], "source"), path=str(path),
        valid_from=valid_from, valid_to=valid_to, validity_reference=r.text(doc["validity_reference"], "validity_reference"),
        rules=rules, score_reference=r.text(doc["score_reference"], "score_reference"),
        bands_reference=r.text(rules_doc["domain_two_bands"]["reference"], "rules.domain_two_bands.reference"),
        overall_reference=r.text(rules_doc["overall_bands"]["reference"], "rules.overall_bands.reference"),
        standards=standards, case_types=case_types, case_attributes=attributes, supplementary_questions=supplementary,
        themes=_read_themes(r, doc, question_codes),
        decision_rules=_read_decision_rules(r, rules_doc, standard_codes),
        limiting_judgements=_read_limiting_judgements(r, rules_doc),
        regions=_read_regions(r, doc),
        regional_staffing=_read_regional_staffing(r, rules_doc, standard_codes, set(kq_codes)),
    )


def _read_header(r: _Reader, doc: dict, path: Path) -> str:
    if doc["schema_version"] != SCHEMA_VERSION:
        r.fail("schema_version", f"expected {SCHEMA_VERSION}, found {doc['schema_version']!r}")
    fw_id = r.text(doc["id"], "id")
    if path.stem != fw_id:
        r.fail("id", f"{fw_id!r} does not match the file name {path.stem!r}")
    return fw_id


def _read_validity(r: _Reader, doc: dict) -> tuple[dt.date, dt.date | None]:
    """valid_from (a date) and valid_to (a date on or after it, or null while in force)."""
    def day(key):
        value = doc[key]
        if value is None and key == "valid_to":
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            r.fail(key, f"expected a date as YYYY-MM-DD{' or null' if key == 'valid_to' else ''}, found {value!r}")
    start, end = day("valid_from"), day("valid_to")
    if end is not None and end < start:
        r.fail("valid_to", f"{end} is before valid_from {start}")
    return start, end


def _read_rules(r: _Reader, doc: dict, rules_doc: dict, fw_id: str) -> Rules:
    """The scores (``ratings``), the domain two bands and the overall bands, as one ``Rules``."""
    weights: dict[Rating, int] = {}
    for i, item in enumerate(r.seq(doc["ratings"], "ratings")):
        item = r.mapping(item, f"ratings[{i}]", {"name", "score"})
        rating = r.rating(item["name"], f"ratings[{i}].name")
        if rating in weights:
            r.fail(f"ratings[{i}].name", f"duplicate rating {rating.label!r}")
        score = r.number(item["score"], f"ratings[{i}].score")
        if score != int(score):
            r.fail(f"ratings[{i}].score", f"expected a whole number, found {score!r}")
        weights[rating] = int(score)
    if set(weights) != set(Rating):
        r.fail("ratings", "must give a score to each of the four ratings")
    key = "rules.domain_two_bands"
    b = r.mapping(rules_doc["domain_two_bands"], key, {"aggregation", "thresholds", "reference"})
    thresholds = _rating_tenths(r, b["thresholds"], f"{key}.thresholds", THRESHOLD_RATINGS)
    o = r.mapping(rules_doc["overall_bands"], "rules.overall_bands", {"upper_fractions", "reference"})
    fractions = _rating_tenths(r, o["upper_fractions"], "rules.overall_bands.upper_fractions", FRACTION_RATINGS)
    for part, make in ((f"{key}.thresholds", lambda: Rules(thresholds, "lowest", None, None)),
                       (f"{key}.aggregation", lambda: check_aggregation(b["aggregation"])),
                       ("ratings", lambda: Rules(thresholds, "lowest", weights, None))):
        try:
            make()
        except InputError as exc:
            r.fail(part, str(exc))
    if not 0 < fractions[Rating.INADEQUATE] < fractions[Rating.REQUIRES_IMPROVEMENT] < fractions[Rating.GOOD]:
        r.fail("rules.overall_bands.upper_fractions", "must rise from Inadequate to Good, above 0")
    try:
        return Rules(thresholds, b["aggregation"], weights, fractions, source=f"framework {fw_id}")
    except InputError as exc:
        r.fail("rules", str(exc))


def _rating_tenths(r: _Reader, value: Any, key: str, wanted: tuple[Rating, ...]) -> dict[Rating, int]:
    m = r.mapping(value, key, {x.label for x in wanted})
    out = {}
    for k, v in m.items():
        r.number(v, f"{key}.{k}")
        try:
            out[parse_rating(k)] = tenths(v)
        except InputError as exc:
            r.fail(f"{key}.{k}", str(exc))
    return out


def _read_case_attributes(r: _Reader, doc: dict) -> tuple[CaseAttribute, ...]:
    attributes = []
    for i, a in enumerate(r.seq(doc["case_attributes"], "case_attributes")):
        a = r.mapping(a, f"case_attributes[{i}]", {"name", "label", "values"})
        attributes.append(CaseAttribute(r.text(a["name"], f"case_attributes[{i}].name"), r.text(a["label"], f"case_attributes[{i}].label"),
                                        tuple(r.text(v, f"case_attributes[{i}].values") for v in r.seq(a["values"], f"case_attributes[{i}].values"))))
    _no_duplicates(r, [a.name for a in attributes], "case_attributes", "name")
    return tuple(attributes)


def _read_case_types(r: _Reader, doc: dict, attribute_names: set[str]) -> tuple[CaseType, ...]:
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
    return tuple(case_types)


def _read_standards(r: _Reader, doc: dict, case_type_codes: set[str]) -> tuple[Standard, ...]:
    """Every standard with its key questions and prompts; codes unique, pooled_from and derived_from resolved."""
    standards = [_standard(r, s, f"standards[{i}]", case_type_codes) for i, s in enumerate(r.seq(doc["standards"], "standards"))]
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
    return tuple(standards)


def _read_supplementary(r: _Reader, doc: dict, case_type_codes: set[str], other_codes: list[str]) -> tuple[SupplementaryQuestion, ...]:
    supplementary = []
    for i, q in enumerate(r.seq(doc["supplementary_questions"], "supplementary_questions")):
        key = f"supplementary_questions[{i}]"
        q = r.mapping(q, key, {"code", "text", "reference", "case_type"})
        ct = r.text(q["case_type"], f"{key}.case_type")
        if ct not in case_type_codes:
            r.fail(f"{key}.case_type", f"{ct!r} is not a case type")
        supplementary.append(SupplementaryQuestion(r.code(q["code"], f"{key}.code"), r.text(q["text"], f"{key}.text"),
                                                   r.text(q["reference"], f"{key}.reference"), ct))
    _no_duplicates(r, [q.code for q in supplementary] + other_codes, "supplementary_questions", "code")
    return tuple(supplementary)


def _read_themes(r: _Reader, doc: dict, question_codes: set[str]) -> tuple[Theme, ...]:
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
    return tuple(themes)


def _read_decision_rules(r: _Reader, rules_doc: dict, standard_codes: set[str]) -> tuple[DecisionRule, ...]:
    decision_rules = [_decision_rule(r, d, f"rules.decision_rules[{i}]", standard_codes)
                      for i, d in enumerate(r.seq(rules_doc["decision_rules"], "rules.decision_rules"))]
    _no_duplicates(r, [d.id for d in decision_rules], "rules.decision_rules", "id")
    return tuple(decision_rules)


def _read_limiting_judgements(r: _Reader, rules_doc: dict) -> tuple[LimitingJudgement, ...]:
    limiting = []
    for i, lj in enumerate(r.seq(rules_doc.get("limiting_judgements"), "rules.limiting_judgements")):
        key = f"rules.limiting_judgements[{i}]"
        lj = r.mapping(lj, key, {"id", "level", "proposed", "requires", "text", "reference"})
        if lj["level"] not in LEVELS:
            r.fail(f"{key}.level", f"expected one of {', '.join(LEVELS)}")
        if lj["requires"] != "diversity_sufficient":
            r.fail(f"{key}.requires", "the only judgement known is 'diversity_sufficient'")
        limiting.append(LimitingJudgement(r.text(lj["id"], f"{key}.id"), lj["level"], r.rating(lj["proposed"], f"{key}.proposed"),
                                          lj["requires"], r.text(lj["text"], f"{key}.text"), r.text(lj["reference"], f"{key}.reference")))
    return tuple(limiting)


def _read_regions(r: _Reader, doc: dict) -> tuple[RegionCutoffs, ...]:
    regions = []
    for i, g in enumerate(r.seq(doc.get("regions"), "regions")):
        key = f"regions[{i}]"
        g = r.mapping(g, key, {"name", "pdus", "published_cutoffs", "reference"})
        cut = r.mapping(g["published_cutoffs"], f"{key}.published_cutoffs", {x.label for x in Rating})
        regions.append(RegionCutoffs(r.text(g["name"], f"{key}.name"), int(r.number(g["pdus"], f"{key}.pdus")),
                                     {parse_rating(k): tuple(v) for k, v in cut.items()}, r.text(g["reference"], f"{key}.reference")))
    _no_duplicates(r, [g.name.lower() for g in regions], "regions", "name")
    return tuple(regions)


def _read_regional_staffing(r: _Reader, rules_doc: dict, standard_codes: set[str], kq_codes: set[str]) -> RegionalStaffingRule | None:
    if rules_doc.get("regional_staffing") is None:
        return None
    key = "rules.regional_staffing"
    st = r.mapping(rules_doc["regional_staffing"], key, {"standard", "pdu_standard", "regional_question", "aggregate_question", "combination", "reference"})
    combos = []
    for i, c in enumerate(r.seq(st["combination"], f"{key}.combination")):
        c = r.mapping(c, f"{key}.combination[{i}]", {"pdu_rating", "regional_question", "usual"})
        if c["regional_question"] not in ("yes", "no"):
            r.fail(f"{key}.combination[{i}].regional_question", "expected yes or no")
        combos.append(StaffingCombination(r.rating(c["pdu_rating"], f"{key}.combination[{i}].pdu_rating"), c["regional_question"] == "yes",
                                          tuple(r.rating(u, f"{key}.combination[{i}].usual") for u in r.seq(c["usual"], f"{key}.combination[{i}].usual"))))
    if len({(c.pdu_rating, c.regional_question) for c in combos}) != 8 or len(combos) != 8:
        r.fail(f"{key}.combination", "must hold each of the 8 pairs of PDU staffing rating and yes/no exactly once")
    for k in ("standard", "pdu_standard"):
        if r.code(st[k], f"{key}.{k}") not in standard_codes:
            r.fail(f"{key}.{k}", f"{st[k]} is not a standard")
    for k in ("regional_question", "aggregate_question"):
        if r.code(st[k], f"{key}.{k}") not in kq_codes:
            r.fail(f"{key}.{k}", f"{st[k]} is not a key question")
    return RegionalStaffingRule(*(r.code(st[k], f"{key}.{k}") for k in ("standard", "pdu_standard", "regional_question", "aggregate_question")),
                                combination=tuple(combos), reference=r.text(st["reference"], f"{key}.reference"))


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


def framework_in_force(day: dt.date | None = None, directory: Path = FRAMEWORK_DIR) -> Framework:
    """The framework in force on a day (today by default): the one whose valid_from..valid_to holds it.

    Raises UnknownFramework where none is, or where more than one is (the files overlap)."""
    day = day or dt.date.today()
    found = [fw for fw in (load_framework(f, directory) for f in available_frameworks(directory)) if fw.in_force(day)]
    if len(found) != 1:
        what = "no framework is" if not found else f"{', '.join(fw.id for fw in found)} are all"
        raise UnknownFramework(f"{what} in force on {day.isoformat()}; see valid_from and valid_to in {directory}")
    return found[0]


def default_framework_id() -> str:
    """The id of the framework in force today: what the pages offer when nothing else names one."""
    return framework_in_force().id


# -- the regions ------------------------------------------------------------------------------

REGIONS_FRAMEWORK = "hmip-2025"  # lists the 12 regions of England and Wales, which every framework's inspections share


def national_regions() -> tuple[RegionCutoffs, ...]:
    """The 12 probation regions of England and Wales (from the hmip-2025 framework), whatever an inspection's framework."""
    return load_framework(REGIONS_FRAMEWORK).regions


def canonical_region(name: str) -> str:
    """One of the 12 regions as the framework spells it, matched without regard to case, spacing or
    '&' for 'and' (``"  yorkshire and the humber "`` -> ``"Yorkshire & the Humber"``). Raises KeyError."""
    return load_framework(REGIONS_FRAMEWORK).region(name).name
