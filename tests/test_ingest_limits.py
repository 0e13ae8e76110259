"""Limits before parsing (issue 9.4): the scan of the package and its sheet XML refuses a small file
that declares millions of cells or strings before any reader builds them, and finds what a reader
of values alone would not: a value past the last heading, hidden sheets, rows and columns, merged
cells however the XML spells them.

Time and memory are measured in a child process (its own peak resident memory, VmHWM from the
kernel), since a test process's own peak is whatever the tests before it reached. Linux only.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from core import findings as F
from core.ingest.importer import check_file, import_file
from core.ingest.scan import MAX_SHARED_STRINGS
from tests.ingest_helpers import case_workbook, table_counts, to_bytes
from tests.test_ingest_hostile import INSPECTION_ROWS, _sheet_xml, raw_xlsx

ROOT = Path(__file__).resolve().parent.parent
GOOD_CASE = {"case_id": "C1", "P2.1.1": "Yes"}


def _cells(findings) -> list[tuple[str, str | None]]:
    return [(f.type, f.where) for f in findings]


# -- small files declaring millions -----------------------------------------------------------

def _six_million_cells_in_one_row() -> bytes:
    """Some 100 KB: one row of 6,000,000 empty cells (no references, as a generator may write them)."""
    head = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c t="inlineStr"><is><t>case_id</t></is></c></row><row r="2">')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        good = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": "<x/>"})
        with zipfile.ZipFile(io.BytesIO(good)) as src:
            for info in src.infolist():
                if info.filename != "xl/worksheets/sheet2.xml":
                    zf.writestr(info, src.read(info))
        with zf.open("xl/worksheets/sheet2.xml", "w") as part:
            part.write(head.encode())
            cell = b"<c/>" * 10_000  # 24 MB inflated: under the limit for one part, so the cells are counted
            for _ in range(600):
                part.write(cell)
            part.write(b"</row></sheetData></worksheet>")
    return buf.getvalue()


def _four_million_shared_strings() -> bytes:
    """A workbook whose shared-string table holds 4,000,000 unused strings."""
    buf = io.BytesIO()
    good = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": _sheet_xml([(1, ["case_id", "P2.1.1"]), (2, ["C1", "Yes"])])})
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zipfile.ZipFile(io.BytesIO(good)) as src:
            for info in src.infolist():
                zf.writestr(info, src.read(info))
        with zf.open("xl/sharedStrings.xml", "w") as part:
            part.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            chunk = b"<si/>" * 10_000  # 20 MB inflated: under the limit for one part, so the strings are counted
            for _ in range(400):
                part.write(chunk)
            part.write(b"</sst>")
    return buf.getvalue()


def _declared_dimension() -> bytes:
    """Tiny, but its Cases sheet declares A1:KN1048576 (300 columns, every row)."""
    return raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS),
                     "Cases": _sheet_xml([(1, ["case_id", "P2.1.1"]), (2, ["C1", "Yes"])], dimension="A1:KN1048576")})


_CHILD = """
import json, re, sys, time
from core.ingest.importer import check_file
data = open(sys.argv[1], "rb").read()
started = time.perf_counter()
findings = check_file(data, "hostile.xlsx")
seconds = time.perf_counter() - started
# the peak resident memory of this process's own image, from the kernel (VmHWM): not getrusage's
# ru_maxrss, which on Linux keeps the parent's peak across fork and exec (a pytest worker's)
peak_kb = int(re.search(r"VmHWM:\\s*(\\d+) kB", open("/proc/self/status").read()).group(1))
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "types": [f.type for f in findings],
                  "messages": [str(f) for f in findings]}))
"""


@pytest.mark.parametrize("build, expected", [
    (_six_million_cells_in_one_row, "more than 300 cells"),
    (_four_million_shared_strings, f"at most {MAX_SHARED_STRINGS:,}"),
    (_declared_dimension, "1,048,576 rows"),
], ids=["6M-cells-in-a-row", "4M-shared-strings", "declared-dimension"])
def test_a_small_file_declaring_millions_is_refused_quickly_in_little_memory(build, expected, tmp_path):
    data = build()
    assert len(data) < 2**20  # small on disk: the point is what it declares
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(data)
    run = subprocess.run([sys.executable, "-c", _CHILD, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["types"] == [F.SHEET_TOO_LARGE], result
    assert expected in result["messages"][0]
    # measured in the child: the bounds the issue sets (the interpreter and its imports are some 80 MB of it)
    assert result["seconds"] < 2, result
    assert result["peak_mb"] < 300, result


# -- what a reader of values alone would miss -------------------------------------------------

def test_a_value_past_the_last_heading_is_refused_at_its_cell():
    wb = case_workbook(cases=[GOOD_CASE, {"case_id": "C2", "P2.1.1": "No"}])
    ws = wb["Cases"]
    last = ws.max_column
    ws.cell(row=3, column=last + 2, value="stray note")
    findings = check_file(to_bytes(wb), "past.xlsx")
    [finding] = findings
    assert finding.type == F.UNHEADED_VALUE
    from openpyxl.utils import get_column_letter
    assert finding.cell == f"Cases!{get_column_letter(last + 2)}3"
    assert '"stray note" past the last heading' in finding.message


def test_a_value_past_the_last_heading_of_a_csv_is_refused_too():
    data = (b"case_id,P2.1.1,region,unit,level,framework,fieldwork_start\n"
            b"A1,Yes,East of England,Essex North,pdu,hmip-2025,2025-06-02,extra\n")
    [finding] = check_file(data, "cases.csv")
    assert finding.type == F.BAD_CSV and finding.row == 2


def test_hidden_rows_columns_and_sheets_are_refused_where_data_is_read():
    wb = case_workbook(cases=[GOOD_CASE, {"case_id": "C2", "P2.1.1": "No"}, {"case_id": "C3", "P2.1.1": "Yes"}])
    wb["Cases"].row_dimensions[3].hidden = True
    wb["Cases"].column_dimensions["H"].hidden = True
    findings = check_file(to_bytes(wb), "hidden.xlsx")
    assert _cells(findings) == [(F.HIDDEN, "Cases!3:3"), (F.HIDDEN, "Cases!H:H")]
    assert "row 3 is hidden" in findings[0].message and "column H is hidden" in findings[1].message
    wb = case_workbook(cases=[GOOD_CASE])
    wb["Cases"].sheet_state = "hidden"
    [finding] = check_file(to_bytes(wb), "hidden-sheet.xlsx")
    assert (finding.type, finding.where) == (F.HIDDEN, "Cases")
    assert "the Cases sheet is hidden" in finding.message


def test_the_templates_own_hidden_lists_sheet_is_not_refused():
    wb = case_workbook(cases=[GOOD_CASE])
    assert wb["Lists"].sheet_state == "hidden"
    assert check_file(to_bytes(wb), "good.xlsx") == []


@pytest.mark.parametrize("tag", ['<mergeCell ref = "B2:C2" />', "<mergeCell\n  ref='B2:C2'/>",
                                 '<x:mergeCell xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ref="B2:C2"/>'],
                         ids=["spaces", "newline-single-quotes", "prefixed"])
def test_merged_cells_are_found_by_parsing_however_the_xml_spells_them(tag):
    cases = _sheet_xml([(1, ["case_id", "P2.1.1"]), (2, ["C1", "Yes"])])
    cases = cases.replace("</sheetData>", f"</sheetData><mergeCells count=\"1\">{tag}</mergeCells>")
    data = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": cases})
    [finding] = check_file(data, "merged.xlsx")
    assert (finding.type, finding.cell) == (F.MERGED_CELLS, "Cases!B2")


def test_a_formula_written_with_a_prefix_or_odd_spacing_is_still_a_formula():
    cases = _sheet_xml([(1, ["case_id", "P2.1.1"]), (2, ["C1", None])])
    cases = cases.replace('<row r="2">', '<row r="2"><c r="B2"\n  t="str"><f >IF(TRUE,"Yes","No")</f><v>Yes</v></c>')
    data = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": cases})
    [finding] = check_file(data, "formula.xlsx")
    assert (finding.type, finding.cell) == (F.FORMULA, "Cases!B2")
    assert 'IF(TRUE,"Yes","No")' in finding.message


def test_a_document_type_declaration_is_refused():
    cases = _sheet_xml([(1, ["case_id", "P2.1.1"]), (2, ["C1", "Yes"])])
    cases = cases.replace('<?xml version="1.0" encoding="UTF-8"?>',
                          '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaa">]>')
    data = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": cases})
    [finding] = check_file(data, "dtd.xlsx")
    assert finding.type == F.NOT_A_WORKBOOK and "DOCTYPE" in finding.message


def test_a_cell_written_inside_another_row_is_refused():
    cases = _sheet_xml([(1, ["case_id", "P2.1.1"]), (2, ["C1", "Yes"])])
    cases = cases.replace('<row r="2">', '<row r="2"><c r="A900000"><v>1</v></c>')
    data = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": cases})
    [finding] = check_file(data, "odd.xlsx")
    assert finding.type == F.SHEET_TOO_LARGE


def test_a_refused_file_leaves_the_store_as_it_was(store):
    import_file(store, to_bytes(case_workbook(cases=[GOOD_CASE])), "good.xlsx")
    before = table_counts(store)
    wb = case_workbook(cases=[GOOD_CASE, {"case_id": "C2", "P2.1.1": "No"}])
    wb["Cases"].row_dimensions[3].hidden = True
    for data, name in [(to_bytes(wb), "hidden.xlsx"), (_declared_dimension(), "dimension.xlsx")]:
        with pytest.raises(Exception):
            import_file(store, data, name)
        assert table_counts(store) == before
