"""Hostile and broken files get a clear finding, never a traceback or a hang, and leave the store as it was.

Most checks need no store (``check_file`` writes nothing); the last test sends every hostile file
through ``import_file`` on SQLite and PostgreSQL and counts every table's rows before and after.
"""
from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

import pytest

from core.errors import InvalidWorkbook
from core import findings as F
from core.ingest.importer import check_file, import_file
from core.ingest.spec import MAX_CASES
from tests.ingest_helpers import ESSEX_NORTH, case_workbook, table_counts, to_bytes

GOOD_CASE = {"case_id": "C1", "P2.1.1": "Yes"}


def _types(findings) -> list[str]:
    return [f.type for f in findings]


def _good_bytes(**inspection) -> bytes:
    return to_bytes(case_workbook(inspection={**ESSEX_NORTH, **inspection}, cases=[GOOD_CASE]))


# -- a workbook written by hand, for what openpyxl will not write -----------------------------

def _cell(ref: str, value) -> str:
    if value is None:
        return ""
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def _sheet_xml(rows: list[tuple[int, list]], dimension: str | None = None, merges: list[str] = ()) -> str:
    from openpyxl.utils import get_column_letter

    body = "".join(f'<row r="{r}">' + "".join(_cell(f"{get_column_letter(j)}{r}", v) for j, v in enumerate(values, 1)) + "</row>"
                   for r, values in rows)
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    merged = (f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>") if merges else ""
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"{dim}<sheetData>{body}</sheetData>{merged}</worksheet>")


INSPECTION_ROWS = [(1, ["field", "value"]), (2, ["template", "cases"]), (3, ["framework", "hmip-2025"]), (4, ["level", "pdu"]),
                   (5, ["region", "East of England"]), (6, ["unit", "Essex North"]), (7, ["fieldwork_start", "2025-06-02"])]


def raw_xlsx(sheets: dict[str, str], extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal .xlsx from sheet XML, by name: what Excel writes, without a spreadsheet library."""
    names = list(sheets)
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, len(names) + 1))
          + "</Types>")
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>')
    book = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            + "".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1)) + "</sheets></workbook>")
    book_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                           f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(names) + 1)) + "</Relationships>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", ct)
        zf.writestr("_rels/.rels", rels)
        zf.writestr("xl/workbook.xml", book)
        zf.writestr("xl/_rels/workbook.xml.rels", book_rels)
        for i, n in enumerate(names, 1):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", sheets[n])
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


# -- not a workbook at all --------------------------------------------------------------------

@pytest.mark.parametrize("data, name, kind", [
    (b"", "empty.xlsx", F.EMPTY_FILE),
    (b"%PDF-1.7 not a spreadsheet", "report.pdf", F.NOT_A_WORKBOOK),
    (b"just some text, really", "cases.xlsx", F.NOT_A_WORKBOOK),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000, "locked.xlsx", F.ENCRYPTED),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000, "old.xls", F.ENCRYPTED),
], ids=["empty", "pdf", "text-named-xlsx", "encrypted", "old-xls"])
def test_a_file_that_is_not_a_readable_workbook_is_named_as_such(data, name, kind):
    findings = check_file(data, name)
    assert _types(findings) == [kind]
    assert name in findings[0].message


def test_an_encrypted_workbook_is_told_to_lose_its_password():
    [finding] = check_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "locked.xlsx")
    assert "password" in finding.message


def test_a_truncated_workbook_is_not_a_workbook():
    data = _good_bytes()
    assert _types(check_file(data[: len(data) // 2], "cut.xlsx")) == [F.NOT_A_WORKBOOK]


def test_a_zip_that_is_not_a_workbook_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    assert _types(check_file(buf.getvalue(), "letter.xlsx")) == [F.NOT_A_WORKBOOK]


def test_a_file_over_the_size_limit_is_refused_unread():
    assert _types(check_file(b"a,b\n" * (7 * 2**20), "huge.csv")) == [F.TOO_LARGE]


# -- macros, zip bombs ------------------------------------------------------------------------

def test_a_macro_enabled_workbook_is_refused_by_its_name():
    [finding] = check_file(_good_bytes(), "cases.xlsm")
    assert finding.type == F.MACRO_ENABLED and ".xlsx" in finding.message


def test_a_workbook_carrying_a_vba_project_is_refused_whatever_its_name():
    data = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": _sheet_xml([(1, ["case_id"]), (2, ["C1"])])},
                    extra={"xl/vbaProject.bin": b"\x00" * 100})
    assert _types(check_file(data, "innocent.xlsx")) == [F.MACRO_ENABLED]


def _with_declared_size(data: bytes, member: str, size: int) -> bytes:
    """The zip with one member's uncompressed size, as its central directory declares it, changed."""
    out = bytearray(data)
    name = member.encode()
    at = out.find(b"PK\x01\x02" + b"")
    while at != -1:
        name_len = int.from_bytes(out[at + 28:at + 30], "little")
        if out[at + 46:at + 46 + name_len] == name:
            out[at + 24:at + 28] = size.to_bytes(4, "little")
            return bytes(out)
        at = out.find(b"PK\x01\x02", at + 4)
    raise AssertionError(member)


def test_a_zip_bomb_is_refused_before_anything_is_inflated():
    data = _with_declared_size(_good_bytes(), "xl/worksheets/sheet3.xml", 4_000_000_000)
    [finding] = check_file(data, "bomb.xlsx")  # how quickly: bench/bench_hostile.py
    assert finding.type == F.ZIP_BOMB and "MB" in finding.message


def test_a_genuinely_explosive_zip_is_refused_too():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as part:
            chunk = b"\x00" * 2**20
            for _ in range(110):
                part.write(chunk)
    assert len(buf.getvalue()) < 2**20
    assert _types(check_file(buf.getvalue(), "bomb.xlsx")) == [F.ZIP_BOMB]


# -- what is inside the cells -----------------------------------------------------------------

def test_formulas_in_answer_and_case_id_cells_are_refused_with_their_cells():
    wb = case_workbook(cases=[GOOD_CASE, {"case_id": "C2"}])
    ws = wb["Cases"]
    ws["H3"] = '=IF(TRUE,"Yes","No")'
    ws["A4"] = '=CONCAT("C","3")'
    ws["H4"] = "Yes"
    findings = check_file(to_bytes(wb), "f.xlsx")
    assert [(f.type, f.cell) for f in findings] == [(F.FORMULA, "Cases!H3"), (F.FORMULA, "Cases!A4")]
    assert '=IF(TRUE,"Yes","No")' in findings[0].message


@pytest.mark.parametrize("cell, formula", [("x:c", "x:f"), ("c", "x:f")], ids=["all prefixed", "formula prefixed"])
def test_a_formula_in_a_sheet_written_with_a_namespace_prefix_is_found(cell, formula):
    """<x:c> and <x:f> are the same cell and formula as <c> and <f> when x is bound to the sheet's
    namespace (as some tools write them): the formula is refused, not its cached value taken as data."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def text(ref, value):
        return f'<{cell} r="{ref}" t="inlineStr"><is><t>{value}</t></is></{cell}>'

    cases = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}" xmlns:x="{main}"><sheetData>'
             f'<row r="1">{text("A1", "case_id")}{text("B1", "P2.1.1")}</row>'
             f'<row r="2">{text("A2", "C1")}<{cell} r="B2" t="str"><{formula}>IF(1,"Yes","No")</{formula}><v>Yes</v></{cell}></row>'
             '</sheetData></worksheet>')
    findings = check_file(raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": cases}), "prefixed.xlsx")
    assert [(f.type, f.cell) for f in findings] == [(F.FORMULA, "Cases!B2")]


def test_a_formula_in_the_inspection_sheet_is_refused():
    wb = case_workbook(cases=[GOOD_CASE])
    wb["Inspection"]["B8"] = "=TODAY()"
    assert [(f.type, f.cell) for f in check_file(to_bytes(wb), "f.xlsx")] == [(F.FORMULA, "Inspection!B8")]


def test_merged_cells_are_refused_with_their_range():
    wb = case_workbook(cases=[GOOD_CASE, {"case_id": "C2", "P2.1.1": "No"}])
    wb["Cases"].merge_cells("H2:I3")
    [finding] = check_file(to_bytes(wb), "m.xlsx")
    assert (finding.type, finding.cell) == (F.MERGED_CELLS, "Cases!H2")
    assert "H2:I3" in finding.message


def test_merged_cells_are_found_even_far_into_a_large_sheet():
    rows = [(1, ["case_id", "P2.1.1"])] + [(r, [f"C{r}", "Yes"]) for r in range(2, 3000)]
    data = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": _sheet_xml(rows, merges=["A2999:B2999"])})
    assert [(f.type, f.cell) for f in check_file(data, "m.xlsx")] == [(F.MERGED_CELLS, "Cases!A2999")]


def test_a_duplicate_case_id_names_both_rows():
    wb = case_workbook(cases=[GOOD_CASE, {"case_id": "C2"}, {"case_id": "c1", "P2.1.1": "No"}])
    [finding] = check_file(to_bytes(wb), "d.xlsx")
    assert (finding.type, finding.cell) == (F.DUPLICATE_CASE_ID, "Cases!A4")
    assert "row 2" in finding.message


def test_every_bad_cell_is_reported_at_once():
    wb = case_workbook(inspection={**ESSEX_NORTH, "fieldwork_start": "02/06/2025"},
                       cases=[{"case_id": "C1", "sentence_type": "Custody", "P2.1.1": "Yse", "P2.1.1.a": "Y", "MO": True},
                              {"P2.1.1": "Yes"}])
    wb["Cases"]["I3"] = "#N/A"  # an error value, as a broken lookup leaves
    findings = check_file(to_bytes(wb), "many.xlsx")
    assert [str(f) for f in findings] == [
        'Inspection!B8: "02/06/2025" is not a date in the form YYYY-MM-DD',
        'Cases!B2: "Custody" is not one of Community, Licence',
        'Cases!H2: "Yse" is not one of Yes, No, N/A',
        'Cases!I2: "Y" is not one of Yes, No, N/A',
        'Cases!BE2: "TRUE" is not one of Yes, No, N/A',
        "Cases!A3: case_id is blank; every case needs one",
        "Cases!I3: the error value #N/A is not one of Yes, No, N/A",
    ]
    assert findings[2].as_dict() == {"type": F.NOT_ALLOWED, "where": "Cases!H2", "message": '"Yse" is not one of Yes, No, N/A',
                                     "sheet": "Cases", "row": 2, "column": "H", "header": "P2.1.1", "cell": "Cases!H2"}


def test_the_inspection_is_checked_against_the_framework():
    wb = case_workbook("victim", {"level": "pdu", "region": "Nort East", "unit": "Tyneside", "round": "2025-27",
                                  "fieldwork_start": "2025-06-31"}, [{"case_id": "V1", "R2.6.1": "Yes"}])
    findings = check_file(to_bytes(wb), "v.xlsx")
    assert [(f.type, f.cell) for f in findings] == [
        (F.UNKNOWN_REGION, "Inspection!B5"), (F.BAD_DATE, "Inspection!B8"), (F.BAD_ROUND, "Inspection!B7"),
        (F.WRONG_LEVEL, "Inspection!B4")]
    assert findings[3].message == "statutory victim cases are regional fieldwork: level must be region"


def test_headings_must_be_the_templates():
    wb = case_workbook(cases=[GOOD_CASE])
    ws = wb["Cases"]
    ws["H1"], ws["I1"], ws["J1"] = "P9.9", "R2.4.1", "p 2.1.1.c"  # K1 is P2.1.1.c already
    findings = check_file(to_bytes(wb), "h.xlsx")
    assert [(f.type, f.cell) for f in findings] == [(F.UNKNOWN_COLUMN, "Cases!H1"), (F.UNKNOWN_COLUMN, "Cases!I1"),
                                                    (F.DUPLICATE_COLUMN, "Cases!K1")]
    assert "unpaid-work template" in findings[1].message


def test_missing_sheets_are_named():
    wb = case_workbook(cases=[GOOD_CASE])
    del wb["Cases"]
    [finding] = check_file(to_bytes(wb), "s.xlsx")
    assert finding.type == F.MISSING_SHEET and "Cases" in finding.message


# -- size -------------------------------------------------------------------------------------

def _junk_rows(n: int) -> str:
    rows = [(1, ["case_id", "P2.1.1"])] + [(r, [f"junk{r}", "zzz"]) for r in range(2, n + 2)]
    return _sheet_xml(rows)


def test_a_hundred_thousand_junk_rows_give_one_finding_quickly():
    data = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": _junk_rows(100_000)})
    with pytest.raises(InvalidWorkbook) as exc:
        import_file(None, data, "junk.xlsx")  # rejected before any store is touched (how quickly: bench/bench_hostile.py)
    types = _types(exc.value.findings)
    assert F.TOO_MANY_ROWS in types
    assert len(exc.value.findings) == 200 and exc.value.total > 200  # listed, and counted
    assert "... and" in str(exc.value)


def test_junk_rows_declared_in_the_sheet_dimension_are_refused_unread():
    rows = [(1, ["case_id", "P2.1.1"]), (2, ["C1", "Yes"]), (100_001, ["junk", "junk"])]
    data = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": _sheet_xml(rows, dimension="A1:B100001")})
    [finding] = check_file(data, "junk.xlsx")
    assert finding.type == F.SHEET_TOO_LARGE and "100,001 rows" in finding.message


def test_huge_dimensions_are_refused_without_being_walked():
    rows = [(1, ["case_id", "P2.1.1"]), (2, ["C1", "Yes"]), (1_048_576, [None] * 5 + ["far away"])]
    data = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": _sheet_xml(rows, dimension="A1:XFD1048576")})
    [finding] = check_file(data, "wide.xlsx")
    assert finding.type == F.SHEET_TOO_LARGE


def test_a_far_away_cell_without_a_declared_dimension_stops_at_the_scan_limit():
    rows = [(1, ["case_id", "P2.1.1"]), (2, ["C1", "Yes"]), (1_048_576, ["far", "away"])]
    data = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": _sheet_xml(rows)})
    [finding] = check_file(data, "far.xlsx")
    assert finding.type == F.SHEET_TOO_LARGE


def test_more_cases_than_the_limit_give_one_finding():
    rows = [(1, ["case_id", "P2.1.1"])] + [(r, [f"C{r}", "Yes"]) for r in range(2, MAX_CASES + 3)]
    data = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": _sheet_xml(rows)})
    assert _types(check_file(data, "big.xlsx")) == [F.TOO_MANY_ROWS]


# -- CSV --------------------------------------------------------------------------------------

CSV_HEAD = "case_id,P2.1.1,region,unit,level,framework,fieldwork_start\n"


def test_a_csv_that_is_not_utf8_is_told_how_to_save():
    data = (CSV_HEAD + "Café-1,Yes,East of England,Essex North,pdu,hmip-2025,2025-06-02\n").encode("cp1252")
    [finding] = check_file(data, "cases.csv")
    assert finding.type == F.NOT_UTF8 and "CSV UTF-8" in finding.message


def test_a_csv_with_nul_bytes_is_not_text():
    assert _types(check_file(b"case_id\x00,P2.1.1\n", "cases.csv")) == [F.BAD_CSV]


def test_a_csv_must_give_one_inspection_on_every_row():
    data = (CSV_HEAD + "A1,Yes,East of England,Essex North,pdu,hmip-2025,2025-06-02\n"
            "A2,No,East of England,Essex South,pdu,hmip-2025,2025-06-02\n").encode()
    [finding] = check_file(data, "two.csv")
    assert (finding.type, finding.cell) == (F.INCONSISTENT_FIELD, "D3")


def test_a_csv_without_inspection_columns_says_which_are_missing():
    findings = check_file(b"case_id,P2.1.1\nA1,Yes\n", "bare.csv")
    assert [(f.type, f.message.split(" (")[0]) for f in findings] == [
        (F.MISSING_FIELD, f"the file has no column {name}") for name in ("framework", "level", "region", "fieldwork_start")]


GOOD_ROW = "A1,Yes,East of England,Essex North,pdu,hmip-2025,2025-06-02\n"


@pytest.mark.parametrize("mark, name", [(";", "semicolons (;)"), ("\t", "tabs")])
def test_a_csv_that_is_not_comma_separated_is_told_so(mark, name):
    data = (CSV_HEAD + GOOD_ROW).replace(",", mark).encode()
    [finding] = check_file(data, "cases.csv")
    assert (finding.type, finding.row) == (F.BAD_CSV, 1)
    assert finding.message == (f"cases.csv must be comma-separated, but its heading row is separated by {name}: "
                               "save it as 'CSV UTF-8 (Comma delimited)'")


def test_an_unclosed_quote_is_malformed_csv_at_its_line():
    data = (CSV_HEAD + GOOD_ROW + 'A2,"Yes,East of England,Essex North,pdu,hmip-2025,2025-06-02\n' + GOOD_ROW.replace("A1", "A3")).encode()
    [finding] = check_file(data, "cases.csv")
    assert (finding.type, finding.row) == (F.BAD_CSV, 3)
    assert finding.message.startswith('malformed CSV: a quoted field that starts on line 3 is never closed')
    # a quoted field may hold line breaks: the line counted is where the unclosed one starts
    data = (CSV_HEAD + 'A1,"Yes\n",East of England,Essex North,pdu,hmip-2025,2025-06-02\nA2,"No\n').encode()
    [finding] = check_file(data, "cases.csv")
    assert (finding.type, finding.row) == (F.BAD_CSV, 3) and "starts on line 4" in finding.message


def test_a_quote_inside_a_quoted_field_must_be_doubled():
    data = (CSV_HEAD + 'A1,"Ye"s,East of England,Essex North,pdu,hmip-2025,2025-06-02\n').encode()
    [finding] = check_file(data, "cases.csv")
    assert (finding.type, finding.row) == (F.BAD_CSV, 2) and finding.message.startswith("malformed CSV on line 2")


def test_a_case_id_far_too_long_is_reported_with_its_true_length():
    data = (CSV_HEAD + GOOD_ROW.replace("A1", "X" * 50_000)).encode()
    [finding] = check_file(data, "cases.csv")
    assert (finding.type, finding.cell) == (F.TOO_LONG, "A2")
    assert finding.message == "case_id has 50,000 characters; at most 80"


def test_evidence_cannot_come_as_csv():
    data = b"template,framework,level,region,fieldwork_start\nevidence,hmip-2025,pdu,Wales,2025-06-02\n"
    assert F.UNKNOWN_TEMPLATE in _types(check_file(data, "evidence.csv"))


# -- through the store ------------------------------------------------------------------------

def _hostile_files() -> list[tuple[bytes, str]]:
    good = _good_bytes()
    wb = case_workbook(cases=[GOOD_CASE, {"case_id": "C1"}])
    wb["Cases"]["I2"] = "=1+1"
    return [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "locked.xlsx"),
        (good, "macro.xlsm"),
        (_with_declared_size(good, "xl/worksheets/sheet3.xml", 4_000_000_000), "bomb.xlsx"),
        (to_bytes(wb), "formula-and-duplicate.xlsx"),
        ((CSV_HEAD + "Café,Yes,East of England,Essex North,pdu,hmip-2025,2025-06-02\n").encode("cp1252"), "latin.csv"),
        (raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": _junk_rows(6000)}), "junk.xlsx"),
        (_good_bytes(region="Atlantis"), "atlantis.xlsx"),
        ((CSV_HEAD + GOOD_ROW).replace(",", ";").encode(), "semicolons.csv"),
        ((CSV_HEAD + 'A1,"Yes,East of England\n').encode(), "unclosed.csv"),
    ]


def test_no_hostile_file_leaves_a_trace_in_the_store(store):
    import_file(store, _good_bytes(), "good.xlsx")
    before = table_counts(store)
    for data, name in _hostile_files():
        with pytest.raises(InvalidWorkbook) as exc:
            import_file(store, data, name)
        assert exc.value.findings, name
        assert table_counts(store) == before, name


def test_a_dimension_that_understates_the_sheet_hides_no_row_or_column():
    rows = [(1, ["case_id", "P2.1.1", "P2.1.1.a"])] + [(r, [f"C{r}", "Yes", "Nope" if r == 40 else "No"]) for r in range(2, 41)]
    data = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS, dimension="A1:A1"),
                     "Cases": _sheet_xml(rows, dimension="A1:B2")})
    assert [(f.type, f.cell) for f in check_file(data, "short.xlsx")] == [(F.NOT_ALLOWED, "Cases!C40")]


def test_a_csv_value_past_the_headings_is_refused_at_its_cell():
    data = (CSV_HEAD + GOOD_ROW + GOOD_ROW.replace("A1", "A2").rstrip("\n") + ",,stray\n").encode()
    [finding] = check_file(data, "cases.csv")
    assert (finding.type, finding.cell) == (F.BAD_CSV, "I3")
    assert finding.message == "9 fields, but the heading row has 7: a value with no heading"
