"""Domain one evidence: evidence items, proposed ratings, survey figures and yes/no judgements.

Each sheet of the evidence template is a table with a heading row (``spec.EVIDENCE_SHEETS``).
Codes may be written compactly or as published (``P1.1`` or ``P 1.1``) and must belong to the
framework at the inspection's level. Every bad cell is reported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.codes import canonical, display
from core.errors import InputError
from core.framework import Framework
from core import findings as F
from core.findings import Findings
from core.ingest.grid import CellError, Formula, Grid, is_blank, show
from core.ingest.spec import (DIVERSITY, EVIDENCE_COLUMNS, EVIDENCE_SHEET, JUDGEMENT_COLUMNS, JUDGEMENTS, MAX_RESPONDENTS, MAX_TEXT,
                              RATING_COLUMNS, RATINGS, SURVEY, SURVEY_COLUMNS, Column)
from core.ratings import NOT_INSPECTED, RATING_LABELS, parse_rating

_DIGITS = re.compile(r"[0-9]+")  # ASCII digits only: not "1e3", "68.0", "+5", "1_000" or other scripts' digits


@dataclass
class ParsedEvidence:
    """The domain one evidence of one upload, as rows ready to store."""

    items: list[dict] = field(default_factory=list)
    proposed: list[dict] = field(default_factory=list)
    survey: list[dict] = field(default_factory=list)
    judgements: list[dict] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items) + len(self.proposed) + len(self.survey) + len(self.judgements)


class _Row:
    """One row of a table: reads its cells by column name, adding findings at their cells."""

    def __init__(self, table: "_Table", row: int, values: tuple):
        self.table, self.row, self.values = table, row, values

    def fail(self, name: str, type: str, message: str) -> None:
        i = self.table.index.get(name)
        self.table.findings.add(type, message, self.table.sheet, self.row, None if i is None else i + 1, name)

    def text(self, name: str, required: bool = False, limit: int = 200) -> str | None:
        """The cell's text: '' when blank (and not required); None, with a finding, when wrong."""
        i = self.table.index.get(name)
        value = self.values[i] if i is not None else None
        if is_blank(value):
            if required:
                if i is None:
                    return None  # the missing column is reported once, not on every row
                self.fail(name, F.MISSING_VALUE, f"{name} is required: {self.table.columns[name].help}")
                return None
            return ""
        if isinstance(value, Formula):
            self.fail(name, F.FORMULA, f"a formula ({show(value)}); type the value itself, not a formula")
            return None
        if isinstance(value, CellError):
            self.fail(name, F.NOT_ALLOWED, f"the error value {value} is not a {name}")
            return None
        text = show(value, limit=10**9).strip()
        if len(text) > limit:
            self.fail(name, F.TOO_LONG, f"{name} has {len(text):,} characters; at most {limit:,}")
            return None
        return text

    def word(self, name: str, required: bool = False) -> str | None:
        """The cell's word from the column's list, as the list spells it."""
        text = self.text(name, required)
        if not text:
            return text
        allowed = self.table.columns[name].allowed
        for word in allowed:
            if word.lower() == " ".join(text.lower().split()):
                return word
        self.fail(name, F.NOT_ALLOWED, f'"{show(text)}" is not one of {", ".join(allowed)}')
        return None

    def whole_number(self, name: str, most: int) -> int | None:
        """A count from 0 to ``most``: a number cell holding a whole number, or text of digits only (``68``).
        Text such as ``1e3``, ``68.0``, ``-1`` or ``1,000`` is refused: a figure is copied from the survey as written."""
        text = self.text(name, True, limit=400)  # a float cell's digits run to 309
        if not text:
            return None
        value = self.values[self.table.index[name]]
        number = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and _DIGITS.fullmatch(text):
            number = int(text)
        if number is None or number < 0:
            self.fail(name, F.BAD_NUMBER, f'"{show(text)}" is not a whole number of respondents (write it in digits, e.g. 68)')
            return None
        if number > most:
            self.fail(name, F.BAD_NUMBER, f'"{show(text)}" is more respondents than any survey has; at most {most:,}')
            return None
        return number


class _Table:
    """One sheet of the evidence template: its columns, found by heading."""

    def __init__(self, grid: Grid, columns: tuple[Column, ...], findings: Findings):
        self.grid, self.sheet, self.findings = grid, grid.sheet, findings
        self.columns = {c.name: c for c in columns}
        self.index: dict[str, int] = {}
        for i, name in enumerate(grid.header):
            if is_blank(name):
                continue
            key = str(name).strip().lower()
            if key not in self.columns:
                findings.add(F.UNKNOWN_COLUMN, f'"{show(name)}" is not a column of the {self.sheet} sheet '
                                               f'(columns: {", ".join(self.columns)})', self.sheet, 1, i + 1, str(name))
            elif key in self.index:
                findings.add(F.DUPLICATE_COLUMN, f"{key} is also a heading further left", self.sheet, 1, i + 1, key)
            else:
                self.index[key] = i
        for c in columns:
            if c.required and c.name not in self.index:
                findings.add(F.MISSING_COLUMN, f"the {self.sheet} sheet has no {c.name} column ({c.help})", self.sheet, 1)

    def rows(self):
        for row, values in self.grid.rows:
            yield _Row(self, row, values)


# -- the checks -------------------------------------------------------------------------------

class _Codes:
    """Standards, key questions and prompts of the framework at the inspection's level."""

    def __init__(self, framework: Framework, level: str):
        self.framework, self.level = framework, level
        self.level_name = "PDU" if level == "pdu" else "regional"

    def standard(self, r: _Row, name: str = "standard") -> str | None:
        text = r.text(name, True, limit=40)
        if not text:
            return None
        try:
            code = canonical(text)
            standard = self.framework.standard(code)
        except (ValueError, KeyError):
            r.fail(name, F.UNKNOWN_CODE, f'"{show(text)}" is not a standard of {self.framework.id}')
            return None
        if standard.level != self.level:
            r.fail(name, F.WRONG_LEVEL, f"{display(code)} is not a {self.level_name} standard; this is a {self.level_name} inspection")
            return None
        return standard.code

    def key_question(self, r: _Row, standard: str | None) -> str | None | bool:
        """The key question's code; '' when blank; False (with a finding) when wrong."""
        text = r.text("key_question", limit=40)
        if text is None:
            return False
        if not text:
            return ""
        code = _code(text)
        kq = self.framework.key_questions.get(code)
        if kq is None:
            r.fail("key_question", F.UNKNOWN_CODE, f'"{show(text)}" is not a key question of {self.framework.id}')
            return False
        if standard and kq.standard != standard:
            r.fail("key_question", F.UNKNOWN_CODE, f"{display(code)} is not a key question of {display(standard)}")
            return False
        return code

    def prompt(self, r: _Row, standard: str | None, key_question: str | None) -> str | None | bool:
        text = r.text("prompt", limit=40)
        if text is None:
            return False
        if not text:
            return ""
        code = _code(text)
        prompt = self.framework.prompts.get(code)
        if prompt is None:
            r.fail("prompt", F.UNKNOWN_CODE, f'"{show(text)}" is not a prompt of {self.framework.id}')
            return False
        owner = self.framework.key_questions[prompt.key_question]
        if key_question and prompt.key_question != key_question:
            r.fail("prompt", F.UNKNOWN_CODE, f"{display(code)} is not a prompt of {display(key_question)}")
            return False
        if standard and owner.standard != standard:
            r.fail("prompt", F.UNKNOWN_CODE, f"{display(code)} is not a prompt of {display(standard)}")
            return False
        return code


def _code(text: str) -> str:
    try:
        return canonical(text)
    except ValueError:
        return text


def read_evidence(grids: dict[str, Grid], framework: Framework, level: str, findings: Findings) -> ParsedEvidence:
    """Every row of the four evidence sheets, checked against the framework at the inspection's
    level (pdu or region); the rows to store where all is well."""
    codes = _Codes(framework, level)
    out = ParsedEvidence()
    out.items = _items(_Table(grids[EVIDENCE_SHEET], EVIDENCE_COLUMNS, findings), codes)
    out.proposed = _proposed(_Table(grids[RATINGS], RATING_COLUMNS, findings), codes)
    out.survey = _survey(_Table(grids[SURVEY], SURVEY_COLUMNS, findings), codes)
    out.judgements = _judgements(_Table(grids[JUDGEMENTS], JUDGEMENT_COLUMNS, findings), framework, level)
    if not len(out) and not findings:
        findings.add(F.NO_DATA, "the workbook holds no evidence items, proposed ratings, survey figures or judgements")
    return out


def _items(table: _Table, codes: _Codes) -> list[dict]:
    out = []
    for r in table.rows():
        standard = codes.standard(r)
        kq = codes.key_question(r, standard)
        prompt = codes.prompt(r, standard, kq or None)
        kind, judgement, source = r.word("kind", True), r.word("judgement"), r.word("source", True)
        text = r.text("text", True, limit=MAX_TEXT)
        if None in (standard, kind, judgement, source, text) or False in (kq, prompt):
            continue
        if prompt and not kq:
            kq = codes.framework.prompts[prompt].key_question  # a prompt names its key question
        out.append({"standard": standard, "key_question": kq or None, "prompt": prompt or None, "kind": kind,
                    "judgement": judgement or None, "source": source, "text": text})
    return out


def _proposed(table: _Table, codes: _Codes) -> list[dict]:
    """Proposed ratings: a domain one standard takes one of the four ratings; any standard may be
    given Not inspected (stored as the text "Not inspected", ``core.ratings.NOT_INSPECTED``: left out of
    the score and the maximum);
    a domain two standard takes nothing else, its rating being computed from the cases."""
    out, seen = [], {}
    for r in table.rows():
        standard = codes.standard(r)
        rating_text = r.text("rating", True)
        rationale = r.text("rationale", limit=MAX_TEXT)
        rating = None
        if rating_text:
            rating = _proposed_rating(r, rating_text, standard and codes.framework.standard(standard).domain)
        if standard and standard in seen:
            r.fail("standard", F.DUPLICATE_ENTRY, f"{display(standard)} has a proposed rating on row {seen[standard]} too; one each")
            continue
        if standard:
            seen[standard] = r.row
        if None in (standard, rating, rationale):
            continue
        out.append({"standard": standard, "rating": rating, "rationale": rationale})
    return out


def _proposed_rating(r: _Row, text: str, domain: int | None) -> str | None:
    try:
        rating = parse_rating(text, allow_not_inspected=True)
    except InputError:
        allowed = RATING_LABELS + [NOT_INSPECTED] if domain != 2 else [NOT_INSPECTED]
        r.fail("rating", F.NOT_ALLOWED, f'"{show(text)}" is not one of {", ".join(allowed)}')
        return None
    if rating is None:
        return NOT_INSPECTED
    if domain == 2:
        r.fail("rating", F.NOT_ALLOWED, f'"{show(text)}": domain two ratings are computed from the cases; only '
                                        f"'{NOT_INSPECTED}' may be given")
        return None
    return rating.label


def _survey(table: _Table, codes: _Codes) -> list[dict]:
    out = []
    for r in table.rows():
        standard = codes.standard(r)
        prompt = codes.prompt(r, standard, None)
        survey = r.word("survey", True)
        question = r.text("question", True, limit=MAX_TEXT)
        numerator, denominator = r.whole_number("numerator", MAX_RESPONDENTS), r.whole_number("denominator", MAX_RESPONDENTS)
        if numerator is not None and denominator is not None:
            if denominator == 0:
                r.fail("denominator", F.BAD_NUMBER, "no respondents: the denominator must be at least 1")
                continue
            if numerator > denominator:
                r.fail("numerator", F.BAD_NUMBER, f"{numerator} is more than the {denominator} who answered")
                continue
        if None in (standard, survey, question, numerator, denominator) or prompt is False:
            continue
        out.append({"standard": standard, "prompt": prompt or None, "survey": survey, "question": question,
                    "numerator": numerator, "denominator": denominator})
    return out


def judgement_names(framework: Framework, level: str) -> dict[str, str]:
    """The yes/no judgements an inspection at this level records: name -> the question asked."""
    names = {}
    rule = framework.regional_staffing
    if rule is not None and level == "region":
        names[rule.regional_question] = framework.question_text(rule.regional_question)
    names[DIVERSITY] = "Are the diversity arrangements, activity and practice sufficient?"
    return names


def _judgements(table: _Table, framework: Framework, level: str) -> list[dict]:
    allowed = judgement_names(framework, level)
    every = judgement_names(framework, "region")
    out, seen = [], {}
    for r in table.rows():
        name = r.text("name", True, limit=40)
        value = r.word("value")
        rationale = r.text("rationale", limit=MAX_TEXT)
        if not name:
            continue
        key = DIVERSITY if name.lower() == DIVERSITY else _code(name)
        if key not in every:
            r.fail("name", F.UNKNOWN_CODE, f'"{show(name)}" is not a judgement (judgements: {", ".join(every)})')
            continue
        if key not in allowed:
            if value:  # the template lists it; a PDU inspection leaves it blank
                r.fail("value", F.WRONG_LEVEL, f"{display(key)} is judged in a regional inspection only; leave it blank")
            continue
        if key in seen:
            r.fail("name", F.DUPLICATE_ENTRY, f"{key} is also on row {seen[key]}; one each")
            continue
        seen[key] = r.row
        if value is None or rationale is None or value == "":
            continue  # blank: not yet judged
        out.append({"name": key, "value": value == "Yes", "rationale": rationale})
    return out
