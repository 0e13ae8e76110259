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
