"""Text from people at import (issue 9.2): one canonical form (NFKC), and the characters refused,
each as a finding at its cell. The normalising functions are pure (core.names) so that the store
can key names on them too."""
from __future__ import annotations

import pytest

from core import findings as F
from core.ingest.importer import check_file, import_file
from core.names import canonical_text, text_problems
from tests.ingest_helpers import ESSEX_NORTH, case_workbook, to_bytes
from tests.test_ingest_hostile import INSPECTION_ROWS, _sheet_xml, raw_xlsx

CSV_HEAD = "case_id,P2.1.1,region,unit,level,framework,fieldwork_start\n"


# -- the pure functions -----------------------------------------------------------------------

@pytest.mark.parametrize("text, canonical", [
    ("Salford", "Salford"), ("Ｓａｌｆｏｒｄ", "Salford"), ("ﬁeld", "field"), ("Ynys Môn", "Ynys Môn"),
    ("Cafe\u0301", "Café"),  # a combining accent composes
])
def test_canonical_text_is_nfkc(text, canonical):
    assert canonical_text(text) == canonical


@pytest.mark.parametrize("text, name, problems", [
    ("Essex North", True, []),
    ("Ynys Môn", True, []),
    ("Sal\u200bford", True, ["an invisible character (U+200B)"]),
    ("\ufeffSalford", True, ["an invisible character (U+FEFF)"]),
    ("Ess\x1bex", False, ["a control character (U+001B)"]),
    ("Essex\u202e", False, ["a text-direction control character (U+202E)"]),
    ("S\u0430lford", True, ["letters from more than one script (Latin and Cyrillic)"]),
    ("S\u0430lford", False, []),  # free text may mix scripts
    ("two\nlines", False, []),  # free text may break lines
    ("two\nlines", True, ["a control character (U+000A)"]),  # a name may not
])
def test_text_problems(text, name, problems):
    assert text_problems(text, name) == problems


# -- at import --------------------------------------------------------------------------------

def test_an_invisible_character_in_the_unit_name_is_refused_at_its_cell():
    wb = case_workbook(inspection={**ESSEX_NORTH, "unit": "Essex\u200b North"}, cases=[{"case_id": "C1", "P2.1.1": "Yes"}])
    [finding] = check_file(to_bytes(wb), "zw.xlsx")
    assert finding.type == F.BAD_CHARACTER
    assert str(finding) == "Inspection!B6: the unit name holds an invisible character (U+200B)"


def test_a_homoglyph_unit_name_is_refused():
    wb = case_workbook(inspection={**ESSEX_NORTH, "unit": "Ess\u0435x North"}, cases=[{"case_id": "C1", "P2.1.1": "Yes"}])
    [finding] = check_file(to_bytes(wb), "cyr.xlsx")
    assert str(finding) == "Inspection!B6: the unit name holds letters from more than one script (Latin and Cyrillic)"


def test_a_homoglyph_region_name_is_refused_as_such():
    wb = case_workbook(inspection={**ESSEX_NORTH, "region": "East \u043ef England"}, cases=[{"case_id": "C1", "P2.1.1": "Yes"}])
    findings = check_file(to_bytes(wb), "cyr.xlsx")
    assert (findings[0].type, findings[0].cell) == (F.BAD_CHARACTER, "Inspection!B5")
    assert "the region name holds letters from more than one script" in findings[0].message


def test_control_and_bidi_characters_are_refused_in_every_text_field():
    # XML cannot hold a BEL: Excel writes it _x0007_, and readers (calamine too) turn it back into one
    cases = _sheet_xml([(1, ["case_id", "P2.1.1"]), (2, ["C1_x0007_", "Yes"]), (3, ["C2", "Ye\u202es"])])
    data = raw_xlsx({"Inspection": _sheet_xml(INSPECTION_ROWS), "Cases": cases})
    findings = check_file(data, "ctl.xlsx")
    assert [(f.type, f.cell) for f in findings][:2] == [(F.BAD_CHARACTER, "Cases!A2"), (F.BAD_CHARACTER, "Cases!B3")]
    assert findings[0].message == "the case id holds a control character (U+0007)"
    assert findings[1].message == "the P2.1.1 value holds a text-direction control character (U+202E)"


def test_a_csv_is_held_to_the_same_rules():
    data = (CSV_HEAD + "A1,Yes,East of England,Essex\x1b North,pdu,hmip-2025,2025-06-02\n").encode()
    findings = check_file(data, "esc.csv")
    assert findings and findings[0].type == F.BAD_CHARACTER and findings[0].cell == "D2"
    assert findings[0].message == "the unit name holds a control character (U+001B)"


def test_full_width_text_is_stored_in_its_plain_form(store):
    wb = case_workbook(inspection={**ESSEX_NORTH, "unit": "Ｅｓｓｅｘ North"}, cases=[{"case_id": "Ｃ１", "P2.1.1": "Ｙｅｓ"}])
    receipt = import_file(store, to_bytes(wb), "wide.xlsx")
    assert receipt.unit == "Essex North"
    from core.store.queries import case_answers
    from core.store.scope import Scope

    stored = case_answers(store, Scope.national())
    assert stored[["case_ref", "code", "value"]].values.tolist() == [["C1", "P2.1.1", "Yes"]]


def test_case_ids_that_are_one_after_normalising_are_duplicates():
    wb = case_workbook(cases=[{"case_id": "C1", "P2.1.1": "Yes"}, {"case_id": "Ｃ１", "P2.1.1": "No"}])
    [finding] = check_file(to_bytes(wb), "dup.xlsx")
    assert (finding.type, finding.cell) == (F.DUPLICATE_CASE_ID, "Cases!A3")
    assert "row 2" in finding.message


def test_a_zero_width_space_cannot_make_a_second_case():
    wb = case_workbook(cases=[{"case_id": "C1", "P2.1.1": "Yes"}, {"case_id": "C\u200b1", "P2.1.1": "No"}])
    [finding] = check_file(to_bytes(wb), "zw.xlsx")
    assert (finding.type, finding.cell) == (F.BAD_CHARACTER, "Cases!A3")
