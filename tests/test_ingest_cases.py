"""Cases read column by column (``_columns_at_once``, where no cell has anything to report) are the cases
read row by row: stored alike (references, attributes, answers, tallies), and the same findings (none)
or else the row by row reading itself. Checked on generated grids holding the values a file may hold,
good and bad."""
from __future__ import annotations

import datetime as dt
from functools import cache

from hypothesis import given, settings, strategies as st

from core.findings import Findings
from core.framework import load_framework
from core.ingest import cases as C
from core.ingest.grid import CellError, Formula, Grid

# values a cell may hold: the words as listed and otherwise spelled, blanks, numbers equal to one another,
# dates, texts that look like words, a formula and an error value (never taken column by column)
VALUES = [None, "Yes", "No", "N/A", "yes", " No ", "NA", "not applicable", "Y", "", "  ", "\t", 1, 1.0, True, False, 0,
          dt.datetime(2025, 6, 2), "Female", "female", " Male", "FEMALE", "Low", "Very high", "very HIGH", "Other", "C1",
          "c1", "Ｃ１", "C2 ", " C3", "x" * 81, "x" * 80, Formula("=A1"), CellError("#N/A"), CellError("Yes")]
HEADINGS = ["case_id", "sex", "risk_level", "P2.1.1", "P2.1.1.a", "P2.1.2", None, "nonsense", "sex"]


@cache
def _framework():
    framework = load_framework("hmip-2025")
    return framework, framework.case_type("cases")


def _read(grid: Grid, at_once: bool, reader=C.read_case_rows):
    """What ``reader`` makes of the grid, and its findings; ``at_once=False`` keeps it to the rows."""
    framework, case_type = _framework()
    findings = Findings()
    if not at_once:
        grid.values_only = False
    read = reader(grid, framework, case_type, findings)
    return read, findings.items, findings.total


def _grid(header, rows, values_only=True) -> Grid:
    width = len(header)
    return Grid("Cases", tuple(header), [(number, tuple(row[:width]) + (None,) * (width - len(row))) for number, row in rows],
                values_only=values_only)


@st.composite
def grids(draw):
    header = draw(st.lists(st.sampled_from(HEADINGS), min_size=1, max_size=7))
    if draw(st.booleans()):
        header = ["case_id", *header]
    n = draw(st.integers(0, 8))
    pool = ["C1", "C2", "c3", " C4", "C5", "c2", "Ｃ６", 7, 7.5, True, None, "", " ", "x" * 81, "x" * 80]
    ids = draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n, unique=draw(st.booleans())))
    good = st.sampled_from([None, "Yes", "No", "N/A", "Female", "Male", "Low", "Very high"])
    rows = []
    for k in range(n):
        cells = [draw(st.sampled_from(VALUES) if draw(st.integers(0, 9)) == 0 else good) for _ in header]
        if "case_id" in header:
            cells[header.index("case_id")] = ids[k]
        rows.append((k + 2, cells))
    return header, rows


def test_a_clean_sheet_is_read_at_once():
    header = ["case_id", "sex", "risk_level", "P2.1.1", "P2.1.1.a", None]
    rows = [(2, ["C1", "female", None, "Yes", "n/a", None]), (3, [" C2 ", "Male", "Very high", None, " no ", "  "]),
            (4, [17, None, "Low", "No", None, None])]
    grid = _grid(header, rows)
    at_once = C._columns_at_once(grid, C._columns(grid, *_framework(), Findings(), False))
    assert at_once is not None and at_once.rows == (2, 3, 4)
    assert at_once.refs == ("C1", "C2", "17")
    assert dict(at_once.attributes) == {"sex": ("Female", "Male", None), "risk_level": (None, "Very high", "Low")}
    assert dict(at_once.answers) == {"P2.1.1": ("Yes", None, "No"), "P2.1.1.a": ("N/A", "No", None)}
    stored, findings, total = _read(grid, at_once=True)
    assert (findings, total) == ([], 0)
    assert (stored, findings, total) == _read(_grid(header, rows), at_once=False)


def test_any_cell_to_report_leaves_the_reading_to_the_rows():
    framework, case_type = _framework()
    header = ["case_id", "sex", "P2.1.1", None]
    for bad in (["C1", "Yes", "Yes", None], ["C1", None, "Maybe", None], ["", None, None, None], ["C1", None, None, "x"],
                ["C1", None, 1, None], ["C1", True, None, None]):
        grid = _grid(header, [(2, ["C0", "Male", "No", None]), (3, bad)])
        assert C._columns_at_once(grid, C._columns(grid, framework, case_type, Findings(), False)) is None
    duplicate = _grid(header, [(2, ["C1", None, None, None]), (3, ["c1", None, None, None])])
    assert C._columns_at_once(duplicate, C._columns(duplicate, framework, case_type, Findings(), False)) is None
    marked = _grid(header, [(2, ["C1", None, "Yes", None])], values_only=False)
    assert C._columns_at_once(marked, C._columns(marked, framework, case_type, Findings(), False)) is None


def test_a_heading_row_read_again_is_read_alike_with_its_findings():
    framework, case_type = _framework()
    C._COLUMNS_SEEN.clear()
    for header in (["case_id", "nonsense", "P2.1.1", "P2.1.1", None, 1], ["case_id", "nonsense", "P2.1.1", "P2.1.1", None, True],
                   ["case_id", "nonsense", "P2.1.1", "P2.1.1", None, 1.0]):
        readings = []
        for _ in range(2):
            findings = Findings()
            cols = C._remembered_columns(_grid(header, []), framework, case_type, findings, False)
            readings.append((cols, findings.items, findings.total))
        fresh = Findings()
        assert readings[0] == readings[1] == (C._columns(_grid(header, []), framework, case_type, fresh, False), fresh.items, fresh.total)
        assert [f.type for f in fresh.items] == ["unknown-column", "duplicate-column", "unknown-column"]


@settings(max_examples=1500)
@given(grids())
def test_cases_as_stored_are_the_same_read_at_once_or_row_by_row(drawn):
    """``read_case_rows``: packed, encoded and counted column by column where nothing is to report,
    else from the cases read row by row; the same rows either way, and none where anything is reported."""
    header, rows = drawn
    grid = _grid(header, rows)
    grid.values_only = not any(isinstance(v, (Formula, CellError)) for _, row in grid.rows for v in row)
    at_once, by_row = _read(grid, True, C.read_case_rows), _read(_grid(header, rows), False, C.read_case_rows)
    assert at_once == by_row
    stored, findings, _ = at_once
    assert (stored is None) == bool(findings)


def test_a_clean_sheet_is_stored_as_read():
    header = ["case_id", "sex", "risk_level", "P2.1.1", "P2.1.1.a", None]
    rows = [(2, ["C1", "female", None, "Yes", "n/a", None]), (3, [" C2 ", "Male", "Very high", None, " no ", "  "])]
    stored, findings, _ = _read(_grid(header, rows), True, C.read_case_rows)
    framework, case_type = _framework()
    codes = framework.case_questions(case_type.code)
    assert findings == [] and stored.codes == tuple(codes)
    assert stored.refs == ("C1", "C2")
    assert stored.attributes == ('{"sex": "Female"}', '{"sex": "Male", "risk_level": "Very high"}')
    assert [{codes[k]: ch for k, ch in enumerate(packed) if ch != "."} for packed in stored.answers] == [
        {"P2.1.1": "Y", "P2.1.1.a": "X"}, {"P2.1.1.a": "N"}]
    assert stored.n_answers == 3
    assert sorted(stored.tallies) == [("P2.1.1", 1, 0, 0), ("P2.1.1.a", 0, 1, 1)]
    assert [(name, value) for name, value, _ in stored.attribute_tallies] == [("risk_level", "Very high"), ("sex", "Female"), ("sex", "Male")]
