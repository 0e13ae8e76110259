"""The scan's shortcuts are proofs, never guesses: where one says a sheet's cells are plain, the searches
it stands in for (``_RARE_TAG``, ``_LONG_SHEET``) find nothing; where it cannot say so, they decide.
Checked on generated sheet XML made of the pieces a hostile file would use, and on the edges of the
references the quick path accepts."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from core.ingest import scan as S

PIECES = [
    # what plain sheets hold
    '<row r="1">', '</row>', '<c r="', 'A1"', 'KN9999"', 'B7"', 'AA10"', ' s="3"', ' t="inlineStr"', ' t="s"', '>', '/>',
    '<is>', '<t>', '</t>', '</is>', '</c>', '<v>', '</v>', 'Yes', 'N/A', 'field', 'of', 'fs', ' ', '"',
    # what the searches look for, and near misses
    '<f>', '<f ', '<f/>', '<f\t', '<fx', '<!--', '<![CDATA[', '<?pi', '<sheetData>', '<sheetDat', '<c>', '<c/>', '<c\n', '<c ',
    '<c r=', '<c r="', '<col', '<x:c r="', 'KO1"', 'KZ1"', 'LA1"', 'ZZ1"', 'AAA1"', 'A0"', 'A01"', 'A10000"', 'A99999999"',
    'A12345678"', 'A1234567"', 'AB', 'K', 'N', 'O', '1', '0', '9', 't="e"', '"e"', 'hidden', 'xmlns', '<', '!', '?', 'f', 'c', 's',
]


def _decides(body: bytes) -> tuple[bool, bool, bool]:
    xml = b"<worksheet><sheetData>" + body + b"</sheetData></worksheet>"
    start, end = xml.find(b"<sheetData>") + len(b"<sheetData>"), xml.rfind(b"</sheetData>")
    return (S._plain_cells(xml, start, end), S._RARE_TAG.search(xml, start, end) is not None,
            S._LONG_SHEET.search(xml, start, end) is not None)


@settings(max_examples=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_a_plain_proof_holds_for_any_arrangement_of_the_pieces(pieces):
    plain, rare, long_sheet = _decides("".join(pieces).encode())
    assert not (plain and (rare or long_sheet))


@settings(max_examples=1500)
@given(st.binary(max_size=60))
def test_a_plain_proof_holds_for_any_bytes(body):
    plain, rare, long_sheet = _decides(b'<row r="1"><c r="A1"><v>1</v></c>' + body)
    assert not (plain and (rare or long_sheet))


@settings(max_examples=3000)
@given(st.lists(st.text(alphabet='AIJKLMNOYZ0159" >', max_size=10), min_size=1, max_size=5))
def test_a_plain_proof_holds_for_any_references(refs):
    body = b"".join(b'<c r="' + ref.encode() + b'"><v>1</v></c>' for ref in refs)
    plain, rare, long_sheet = _decides(b'<row r="1">' + body + b"</row>")
    assert not (plain and (rare or long_sheet))


def _cell(ref: str) -> bytes:
    return f'<row r="1"><c r="{ref}" s="1" t="inlineStr"><is><t>Yes</t></is></c></row>'.encode()


@pytest.mark.parametrize("ref", ["A1", "Z9999", "AA1", "JZ9999", "KA1", "KN9999", "K9999", "L1", "Z77"])
def test_references_within_KN9999_are_plain(ref):
    assert _decides(_cell(ref)) == (True, False, False)


@pytest.mark.parametrize("ref", ["KO1", "KZ1", "LA1", "ZZ1", "AAA1", "A0", "A01", "A10000", "A12345678", "a1", "A1 ", "", "1"])
def test_references_beyond_or_unlike_them_are_left_to_the_searches(ref):
    assert not _decides(_cell(ref))[0]


@pytest.mark.parametrize("piece", ["<f>=1</f>", "<f/>", "<!-- x -->", "<![CDATA[x]]>", "<?pi x?>", "<sheetData/>", "<c/>",
                                   '<c t="s" r="A1"/>', "<col/>"])
def test_a_rare_piece_anywhere_is_left_to_the_searches(piece):
    body = _cell("A1") + b"<row r=\"2\">" + piece.encode() + b"</row>"
    assert not _decides(body)[0]


def test_the_full_cases_sheet_of_a_template_is_plain():
    body = b"".join(_cell(f"{col}{row}") for row in range(1, 60) for col in ("A", "H", "BG", "KN"))
    assert _decides(body) == (True, False, False)


# -- the rest of a sheet (all but its cells) --------------------------------------------------

REST_PIECES = [
    "<sheetPr/>", '<dimension ref="A1:BG66"/>', '<dimension ref=" a1:kn9999 "/>', '<dimension ref="A1:XFD1048576"/>',
    '<dimension ref="A1:KO5"/>', '<dimension ref="A1:B20001"/>', '<x:dimension ref="A1:Z30000"/>', '<y:dimension ref="A1:Z30000"/>',
    '<cols><col min="1" max="3" hidden="1"/></cols>', '<col min="2" max="2" width="3"/>', '<x:col hidden="true" min="4" max="4"/>',
    '<y:col hidden="1" min="5"/>', '<mergeCells><mergeCell ref="B2:C3"/></mergeCells>', '<x:mergeCell ref="A1:A2"/>',
    '<c r="A1"/>', '<x:c t="e">#N/A</x:c>', '<y:c/>', '<row r="5"/>', '<row r="30000" hidden="1"/>', "<f>1+1</f>", '<x:f>A1</x:f>',
    "<formula1>x</formula1>", "<sheetData/>", '<dataValidations count="1"><dataValidation sqref="H2:BG5001" type="list">'
    '<formula1>"Yes,No,N/A"</formula1></dataValidation></dataValidations>', "<!DOCTYPE x>", "<broken", "&bogus;", "dimension",
    '<pageMargins left="0.7" note="dimension"/>', '<z:cc xmlns:z="urn:z"/>', '<q xmlns="urn:other"><dimension ref="A1:Z99999"/></q>',
    '<q xmlns="urn:other"><c/><row/></q>', "<?pi?>", "<!-- c -->", "text", "<v>1</v>",
]


def _checked_rest(rest: bytes, quiet: bool):
    scan, findings = S.SheetScan("Cases"), S.Findings()
    checker = S._SheetScanner(scan, 5000, findings)
    try:
        if not (quiet and S._quiet_rest(rest, checker)):
            checker.run(__import__("io").BytesIO(rest))
        error = None
    except Exception as exc:  # scan_package reports it
        error = (type(exc).__name__, str(exc))
    return scan, findings.items, findings.total, error


@settings(max_examples=3000)
@given(st.lists(st.sampled_from(REST_PIECES), max_size=8), st.booleans())
def test_the_rest_of_a_sheet_is_checked_alike_with_or_without_a_call_per_element(pieces, prefixes):
    declarations = ' xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:y="urn:y"' if prefixes else ""
    rest = (f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"{declarations}>'
            + "".join(pieces) + "</worksheet>").encode()
    assert _checked_rest(rest, quiet=True) == _checked_rest(rest, quiet=False)


def test_a_template_sheets_rest_is_checked_without_a_call_per_element():
    rest = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:BG66"/><cols>'
            + '<col min="1" max="1" width="9"/>' * 60 + "</cols><sheetData/></worksheet>").encode()
    assert S._quiet_rest(rest, S._SheetScanner(S.SheetScan("Cases"), 5000, S.Findings()))
    big = rest.replace(b"A1:BG66", b"A1:BG30000")
    scan, items, total, error = _checked_rest(big, quiet=True)
    assert (scan.readable, total, error) == (False, 1, None) and "30,000 rows" in items[0].message


@settings(max_examples=2000)
@given(st.lists(st.sampled_from(["h", "x", "hidde", "hidden", "xmlns", "xmln", '"e"', '"', "e", "a" * 600, "<c/>", "hh", "<", "f", "<f", "!", "<!", "?<?"]), max_size=60),
       st.sampled_from(S._RARE_WORDS + S._TAG_STARTS), st.integers(0, 30), st.integers(0, 30))
def test_a_word_is_absent_exactly_where_find_says_so(pieces, word, cut_start, cut_end):
    xml = "".join(pieces).encode()
    start, end = min(cut_start, len(xml)), max(len(xml) - cut_end, 0)
    for at in range(len(word)):
        assert S._absent(xml, word, start, end, at) == (xml.find(word, start, end) == -1)


# -- the package parts, read once for each content ----------------------------------------------

def test_package_parts_are_read_for_their_own_bytes_and_a_broken_one_each_time():
    import io
    import zipfile

    from tests.test_ingest_hostile import raw_xlsx

    def rewritten(data: bytes, name: str, text: bytes) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
            for info in src.infolist():
                out.writestr(info.filename, text if info.filename == name else src.read(info))
        return buf.getvalue()

    sheet = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
    one, two = raw_xlsx({"Inspection": sheet, "Cases": sheet}), raw_xlsx({"Cases": sheet, "Other": sheet, "Inspection": sheet})
    broken = rewritten(one, "xl/workbook.xml", b"<workbook")
    hidden = rewritten(one, "xl/workbook.xml", zipfile.ZipFile(io.BytesIO(one)).read("xl/workbook.xml").replace(
        b'name="Cases"', b'name="Cases" state=" hidden "'))
    S._PARSED.clear()
    for _ in range(2):
        for data, names in ((one, ["Inspection", "Cases"]), (two, ["Cases", "Other", "Inspection"]), (hidden, ["Inspection", "Cases"])):
            findings = S.Findings()
            package = S.scan_package(data, "x.xlsx", {"Inspection": 100, "Cases": 5000}, findings)
            assert package.sheet_names == names and not findings
            assert package.sheets["Cases"].state == ("hidden" if data is hidden else "visible")
        findings = S.Findings()
        assert S.scan_package(broken, "x.xlsx", {"Cases": 5000}, findings) is None
        assert [f.message for f in findings.items] == ["x.xlsx is damaged and cannot be read (ParseError: unclosed token: line 1, column 0)"]
