"""Case results: one row per inspected case, one column per key question or prompt.

The heading row holds ``case_id``, then the case attributes of the case type, then the answer
columns named by code (``P2.1.1``, ``P2.1.1.a``; ``P 2.1.1`` is read the same). Only ``case_id``
is required; a blank answer means not answered and is not stored. Every bad cell is reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter

from openpyxl.utils import get_column_letter

from core.codes import canonical
from core.framework import CaseType, Framework
from core import findings as F
from core.findings import Findings
from core.ingest.grid import CellError, Formula, Grid, is_blank, show
from core.ingest.spec import ANSWER_WORDS, ANSWERS, CASE_ID, FIELD_NAMES, MAX_CASE_ID
from core.store.answers import CaseRows, CaseToStore, case_rows, pack, rows_of_columns

_ANSWER_LIST = ", ".join(ANSWERS)
_EXACT_ANSWERS = {word: word for word in ANSWERS}  # str keys only: a number or a date is never one of them


@dataclass
class ParsedCase:
    """One case as read: its reference, its attributes and its answers (code -> Yes, No or N/A)."""

    row: int
    case_ref: str
    attributes: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Columns:
    case_id: int | None
    attributes: tuple[tuple[int, str, dict[str, str]], ...]  # (index, name, the word as listed or in lower case -> as listed)
    answers: tuple[tuple[int, str], ...]  # (index, canonical code)
    unheaded: tuple[int, ...]  # columns with no heading: any value in them is reported

    @cached_property
    def answer_values(self):
        """values -> the tuple of the answer cells' values, in one C call."""
        indices = [i for i, _ in self.answers]
        if not indices:
            return lambda values: ()
        if len(indices) == 1:
            return lambda values: (values[indices[0]],)
        return itemgetter(*indices)

    @cached_property
    def answer_codes(self) -> tuple[str, ...]:
        return tuple(code for _, code in self.answers)


def case_type_of_columns(framework: Framework, header: tuple) -> CaseType | None:
    """The case type whose answer codes the heading row uses (for a file that does not say)."""
    codes = set()
    for name in header:
        try:
            codes.add(canonical(str(name)))
        except ValueError:
            continue
    best, best_hits = None, 0
    for ct in framework.case_types:
        hits = len(codes & set(framework.case_questions(ct.code)))
        if hits > best_hits:
            best, best_hits = ct, hits
    return best


def read_case_rows(grid: Grid, framework: Framework, case_type: CaseType, findings: Findings,
                   inspection_columns: bool = False) -> CaseRows | None:
    """The cases of a grid as they are stored (``core.store.answers.CaseRows``: packed against the
    case type's codes, with their tallies), checking every cell. None where anything is reported,
    here or before (the findings say what): a refused file is not stored. ``inspection_columns``: a
    CSV file's inspection fields are columns too, and are read elsewhere."""
    cols = _remembered_columns(grid, framework, case_type, findings, inspection_columns)
    codes = framework.case_questions(case_type.code)
    at_once = _columns_at_once(grid, cols)
    if at_once is None:
        cases = _cases_by_row(grid, cols, findings)
        if findings:
            return None
        return case_rows(case_type.code, codes, [CaseToStore(c.case_ref, c.attributes, pack(codes, c.answers)) for c in cases])
    if findings:
        return None
    return rows_of_columns(case_type.code, codes, at_once.refs, dict(at_once.answers), dict(at_once.attributes))


def _cases_by_row(grid: Grid, cols: _Columns, findings: Findings) -> list[ParsedCase]:
    cases: list[ParsedCase] = []
    seen: dict[str, int] = {}
    reported_unheaded: set[int] = set()
    sheet = grid.sheet
    for row, values in grid.rows:
        case = _case(row, values, cols, sheet, findings, seen)
        for i in cols.unheaded:
            if i not in reported_unheaded and not is_blank(values[i]):
                reported_unheaded.add(i)
                findings.add(F.UNHEADED_VALUE, "a value in a column with no heading (give the column a heading, or clear it)",
                             sheet, row, i + 1)
        if case is not None:
            cases.append(case)
    if not cases and grid.complete and not findings:
        findings.add(F.NO_DATA, "no cases below the heading row", sheet, 2 if sheet else None)
    return cases


@dataclass(frozen=True)
class _CaseColumns:
    """A grid's cases column by column, as ``_columns_at_once`` reads them (nothing in them to report)."""

    rows: tuple[int, ...]
    refs: tuple[str, ...]
    attributes: tuple[tuple[str, tuple], ...]  # (name, the word or None for each case), in the sheet's order
    answers: tuple[tuple[str, tuple], ...]  # (code, Yes, No, N/A or None for each case), in the sheet's order


def _columns_at_once(grid: Grid, cols: _Columns) -> _CaseColumns | None:
    """The cases of a grid where no cell of it has anything to report, read column by column: each
    column's distinct values are looked at once, as ``_case`` looks at a cell. None where any cell
    would have a finding (or where that is not certain): ``_case`` then reads the rows one by one and
    reports each finding where it lies, in order.

    Only for a grid with no Formula or CellError among its values (``values_only``): there, two cells
    equal as values are alike in every way ``_case`` looks at them once they are str or None (a number
    equal to another of another type, 1 and 1.0 and True, is never taken here)."""
    rows = grid.rows
    if not grid.values_only or cols.case_id is None or not rows or len({len(values) for _, values in rows}) != 1:
        return None
    columns = list(zip(*[values for _, values in rows]))
    for i in cols.unheaded:
        if not all(map(is_blank, set(columns[i]))):
            return None
    ids = columns[cols.case_id]
    if None in ids:
        return None
    refs = tuple(v.strip() if v.__class__ is str else show(v, limit=10**9).strip() for v in ids)
    if not all(refs) or max(map(len, refs)) > MAX_CASE_ID or len({ref.casefold() for ref in refs}) != len(refs):
        return None
    attribute_columns = []
    for i, name, allowed in cols.attributes:
        words = _words(set(columns[i]), allowed, allowed)
        if words is None:
            return None
        attribute_columns.append((name, tuple(map(words.get, columns[i]))))  # None for a blank cell
    answer_columns = [columns[i] for i, _ in cols.answers]
    distinct = set().union(*answer_columns)
    if not distinct <= _EXACT_OR_BLANK:  # another spelling of a word, or a bad value
        words = _words(distinct, _EXACT_ANSWERS, ANSWER_WORDS)
        if words is None:
            return None
        answer_columns = [tuple(map(words.get, column)) for column in answer_columns]
    return _CaseColumns(tuple(row for row, _ in rows), refs, tuple(attribute_columns), tuple(zip(cols.answer_codes, answer_columns)))


_EXACT_OR_BLANK = {None, *ANSWERS}


def _words(values: set, exact: dict, by_lower: dict) -> dict | None:
    """Each distinct value of a column (None aside) -> its word, as ``_case`` reads a cell (None for
    blank text): as written, else by its trimmed lower case. None where any value would have a
    finding (not a word, or not text)."""
    words = {}
    for value in values - {None}:
        if value.__class__ is not str:
            return None
        word = exact.get(value)
        if word is None and value.strip():
            word = by_lower.get(value.strip().lower())
            if word is None:
                return None
        if word == "":
            return None
        words[value] = word
    return words


def _case(row: int, values: tuple, cols: _Columns, sheet: str | None, findings: Findings, seen: dict[str, int]) -> ParsedCase | None:
    ref = _case_ref(row, values, cols, sheet, findings, seen)
    attributes = {}
    for i, name, allowed in cols.attributes:
        value = values[i]
        if value is None:
            continue
        word = allowed.get(value) if value.__class__ is str else None  # the word as the list spells it (most cells)
        if word is None:
            if is_blank(value):
                continue
            word = allowed.get(str(value).strip().lower()) if not isinstance(value, (Formula, CellError, bool)) else None
            if word is None:
                findings.add(*_bad_cell(value, ", ".join(dict.fromkeys(allowed.values()))), sheet, row, i + 1, name)
                continue
        attributes[name] = word
    # most cells hold the word as the dropdown writes it, or nothing: looked up without a loop in Python
    cells = cols.answer_values(values)
    words = list(map(_EXACT_ANSWERS.get, cells))
    if words.count(None) != cells.count(None):  # some cell needs a closer look: another spelling, or a bad value
        for k, (i, code) in enumerate(cols.answers):
            value = cells[k]
            if words[k] is not None or value is None:
                continue
            word = ANSWER_WORDS.get(value.strip().lower()) if type(value) is str else None
            if word is None and not is_blank(value):
                findings.add(*_bad_cell(value, _ANSWER_LIST), sheet, row, i + 1, code)
            words[k] = word
    answers = dict(zip(cols.answer_codes, words))
    if None in words:
        answers = {code: word for code, word in answers.items() if word is not None}
    if ref is None:
        return None
    return ParsedCase(row, ref, attributes, answers)


def _case_ref(row: int, values: tuple, cols: _Columns, sheet: str | None, findings: Findings, seen: dict[str, int]) -> str | None:
    if cols.case_id is None:
        return None
    value = values[cols.case_id]
    column = cols.case_id + 1
    if is_blank(value):
        findings.add(F.MISSING_CASE_ID, "case_id is blank; every case needs one", sheet, row, column, CASE_ID)
        return None
    if isinstance(value, (Formula, CellError)):
        findings.add(*_bad_cell(value, "a case reference"), sheet, row, column, CASE_ID)
        return None
    ref = value.strip() if value.__class__ is str else show(value, limit=10**9).strip()  # the whole text: a finding gives its true length
    if len(ref) > MAX_CASE_ID:
        findings.add(F.TOO_LONG, f"case_id has {len(ref):,} characters; at most {MAX_CASE_ID}", sheet, row, column, CASE_ID)
        return None
    key = ref.casefold()  # after NFKC (check_text): 'C1', 'c1' and a full-width 'Ｃ１' are one case
    if key in seen:
        findings.add(F.DUPLICATE_CASE_ID, f'case_id "{show(ref)}" is also on row {seen[key]}; each case once', sheet, row, column, CASE_ID)
        return None
    seen[key] = row
    return ref


def _bad_cell(value, allowed: str) -> tuple[str, str]:
    if isinstance(value, Formula):
        return F.FORMULA, f"a formula ({show(value)}); type the value itself, not a formula"
    if isinstance(value, CellError):
        return F.NOT_ALLOWED, f"the error value {value} is not one of {allowed}"
    return F.NOT_ALLOWED, f'"{show(value)}" is not one of {allowed}'


class _Said:
    """Stands in for Findings while _columns runs, keeping what it says to say it again."""

    def __init__(self):
        self.said: list[tuple] = []

    def add(self, *args) -> None:
        self.said.append(args)


_COLUMNS_SEEN: dict[tuple, tuple] = {}  # the heading rows of the last few templates, and what _columns made of them


def _remembered_columns(grid: Grid, framework: Framework, case_type: CaseType, findings: Findings,
                        inspection_columns: bool) -> _Columns:
    """``_columns``, remembered for each heading row: files of one template share theirs, and its reading
    (some sixty headings, and the framework's questions) depends on nothing else. Each heading is keyed
    with its type (1, 1.0 and True are equal, but not the same heading); its findings are said again."""
    key = (id(framework), case_type.code, grid.sheet, inspection_columns, tuple(zip(map(type, grid.header), grid.header)))
    seen = _COLUMNS_SEEN.get(key)
    if seen is None or seen[0] is not framework:
        said = _Said()
        seen = (framework, _columns(grid, framework, case_type, said, inspection_columns), said.said)
        if len(_COLUMNS_SEEN) >= 32:
            _COLUMNS_SEEN.clear()
        _COLUMNS_SEEN[key] = seen
    for args in seen[2]:
        findings.add(*args)
    return seen[1]


def _columns(grid: Grid, framework: Framework, case_type: CaseType, findings: Findings, inspection_columns: bool) -> _Columns:
    sheet = grid.sheet
    questions = set(framework.case_questions(case_type.code))
    attributes = {name: framework.attribute(name) for name in case_type.attributes}
    case_id, attrs, answers, unheaded, seen = None, [], [], [], {}
    for i, name in enumerate(grid.header):
        if is_blank(name):
            unheaded.append(i)
            continue
        if isinstance(name, Formula):
            findings.add(F.FORMULA, f"a formula ({show(name)}) where a column heading belongs", sheet, 1, i + 1)
            continue
        text = str(name).strip()
        low = text.lower()
        key = low if low == CASE_ID or low in attributes or (inspection_columns and low in FIELD_NAMES) else _code(text)
        if key in seen:
            findings.add(F.DUPLICATE_COLUMN, f'the heading "{show(text)}" is also in column {get_column_letter(seen[key] + 1)}',
                         sheet, 1, i + 1, text)
            continue
        seen[key] = i
        if key == CASE_ID:
            case_id = i
        elif key in attributes:
            allowed = {**{v.lower(): v for v in attributes[key].values}, **{v: v for v in attributes[key].values}}
            attrs.append((i, key, allowed))
        elif inspection_columns and key in FIELD_NAMES:
            continue
        elif key in questions:
            answers.append((i, key))
        else:
            findings.add(F.UNKNOWN_COLUMN, _unknown_column(text, key, framework, case_type, inspection_columns), sheet, 1, i + 1, text)
    if case_id is None:
        findings.add(F.MISSING_COLUMN, "no case_id column: the heading row must start with case_id", sheet, 1, 1 if sheet else None)
    return _Columns(case_id, tuple(attrs), tuple(answers), tuple(unheaded))


def _code(text: str) -> str:
    try:
        return canonical(text)
    except ValueError:
        return text.lower()


def _unknown_column(text: str, key: str, framework: Framework, case_type: CaseType, inspection_columns: bool) -> str:
    for other in framework.case_types:
        if other.code != case_type.code and key in framework.case_questions(other.code):
            return f'"{show(text)}" is a question of the {other.template} template, not of the {case_type.template} template'
    expected = "case_id, the case attributes (" + ", ".join(case_type.attributes) + ") and the codes on the Questions sheet"
    if inspection_columns:
        expected += ", and the inspection columns (" + ", ".join(FIELD_NAMES) + ")"
    return f'"{show(text)}" is not a column of the {case_type.template} template (expected {expected})'
