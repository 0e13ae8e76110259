"""Templates are generated from the framework: the headings, dropdowns and sheets an inspector fills."""
from __future__ import annotations

import openpyxl
import pytest

from core.cli import main
from core.errors import InputError, UnknownFramework
from core.ratings import NOT_INSPECTED, RATING_LABELS
from core.framework import load_framework
from core.ingest.spec import ANSWERS, MAX_CASES, MAX_ROWS
from core.ingest.template import build_template, template_bytes, write_template
from tests.ingest_helpers import workbook_from

FW = load_framework("hmip-2025")


@pytest.mark.parametrize("kind, case_type", [("cases", "sentence-management"), ("court", "court"),
                                             ("unpaid-work", "unpaid-work"), ("victim", "victim")])
def test_a_case_template_heads_its_columns_case_id_attributes_then_question_codes(kind, case_type):
    wb = workbook_from(template_bytes("hmip-2025", kind))
    heading = [c.value for c in wb["Cases"][1]]
    ct = FW.case_type(case_type)
    assert heading == ["case_id", *ct.attributes, *FW.case_questions(case_type)]
    assert wb.sheetnames[:4] == ["Instructions", "Inspection", "Cases", "Questions"]
    assert wb["Lists"].sheet_state == "hidden"


def test_the_sentence_management_template_has_compact_codes_and_their_published_text():
    wb = workbook_from(template_bytes("hmip-2025", "cases"))
    heading = [c.value for c in wb["Cases"][1]]
    assert heading[:9] == ["case_id", "sentence_type", "risk_level", "practitioner_grade", "sex", "ethnicity", "age_band",
                           "P2.1.1", "P2.1.1.a"]
    questions = {r[0]: r for r in wb["Questions"].iter_rows(min_row=2, values_only=True)}
    assert set(questions) == set(heading[7:])
    assert questions["P2.1.2.a"][1] == "P 2.1.2.a"
    assert questions["P2.1.2.a"][4] == FW.question_text("P2.1.2.a")
    assert questions["P2.1.1"][2] == "key question" and questions["MO"][2] == "supplementary question"


def test_answer_and_attribute_cells_carry_dropdowns():
    wb = workbook_from(template_bytes("hmip-2025", "cases"))
    ws = wb["Cases"]
    validations = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    # the dropdowns reach the last row a file may hold
    assert validations[f"H2:BG{MAX_CASES + 1}"] == '"' + ",".join(ANSWERS) + '"'
    assert validations[f"B2:B{MAX_CASES + 1}"] == "list_sentence_type"
    listed = [c.value for c in wb["Lists"]["C"]]
    assert wb.defined_names["list_sentence_type"].attr_text == "'Lists'!$C$2:$C$3"
    assert listed[:3] == ["sentence_type", "Community", "Licence"]


def test_the_inspection_sheet_is_prefilled_where_the_template_knows():
    wb = workbook_from(template_bytes("hmip-2025", "unpaid-work"))
    fields = {r[0]: r[1] for r in wb["Inspection"].iter_rows(min_row=2, values_only=True)}
    assert list(fields) == ["template", "framework", "level", "region", "unit", "round", "fieldwork_start", "fieldwork_end"]
    assert (fields["template"], fields["framework"], fields["level"]) == ("unpaid-work", "hmip-2025", "region")
    assert fields["region"] is None and fields["fieldwork_start"] is None
    regions = [c.value for c in wb["Lists"]["B"]][1:]
    assert regions == [r.name for r in FW.regions]


def test_every_framework_s_template_lists_the_12_regions():
    for framework in ("hmip-2025", "hmip-pdu-2021"):
        wb = workbook_from(template_bytes(framework, "cases"))
        validations = {str(dv.sqref): dv.formula1 for dv in wb["Inspection"].data_validations.dataValidation}
        assert validations["B5"] == "list_region"
        regions = [c.value for c in wb["Lists"]["B"]][1:]
        assert regions == [r.name for r in FW.regions] and len(regions) == 12


def test_the_evidence_dropdowns_reach_every_row_and_ratings_offer_not_inspected():
    wb = workbook_from(template_bytes("hmip-2025", "evidence"))
    ratings = {str(dv.sqref): dv.formula1 for dv in wb["Ratings"].data_validations.dataValidation}
    assert ratings[f"B2:B{MAX_ROWS + 1}"] == "list_rating" and ratings[f"A2:A{MAX_ROWS + 1}"] == "list_standard"
    lists = {ws_col[0].value: [c.value for c in ws_col[1:] if c.value is not None] for ws_col in wb["Lists"].iter_cols()}
    assert lists["rating"] == RATING_LABELS + [NOT_INSPECTED]
    instructions = " ".join(c.value or "" for c in wb["Instructions"]["A"])
    assert "Not inspected" in instructions and "a domain two standard may only be given Not inspected" in instructions


def test_the_evidence_template_has_its_four_tables_and_the_two_judgements():
    wb = build_template("hmip-2025", "evidence")
    assert wb.sheetnames == ["Instructions", "Inspection", "Evidence", "Ratings", "Survey", "Judgements", "Standards", "Lists"]
    assert [c.value for c in wb["Evidence"][1]] == ["standard", "key_question", "prompt", "kind", "judgement", "source", "text"]
    assert [c.value for c in wb["Ratings"][1]] == ["standard", "rating", "rationale"]
    assert [c.value for c in wb["Survey"][1]] == ["standard", "prompt", "survey", "question", "numerator", "denominator"]
    assert [r[0] for r in wb["Judgements"].iter_rows(min_row=2, values_only=True)] == ["R1.2.1", "diversity"]
    standards = {r[0] for r in wb["Standards"].iter_rows(min_row=2, values_only=True)}
    assert {"P1.1", "R1.2.1", "P1.2.1.a"} <= standards


def test_a_framework_without_the_case_type_has_no_such_template():
    with pytest.raises(InputError, match="hmip-pdu-2021 has no victim template"):
        build_template("hmip-pdu-2021", "victim")
    with pytest.raises(UnknownFramework):
        build_template("hmip-1999", "cases")


def test_the_template_command_writes_an_xlsx_and_refuses_other_names(tmp_path, capsys):
    out = tmp_path / "court.xlsx"
    assert main(["template", "--framework", "hmip-2025", "--kind", "court", "-o", str(out)]) == 0
    assert openpyxl.load_workbook(out)["Inspection"]["B2"].value == "court"
    assert main(["template", "--framework", "hmip-2025", "--kind", "court", "-o", str(tmp_path / "court.csv")]) == 2
    assert "ending .xlsx" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["template", "--framework", "hmip-2025", "--kind", "prisons", "-o", str(out)])
    assert exc.value.code == 2


def test_write_template_returns_the_path(tmp_path):
    assert write_template("hmip-2025", "evidence", tmp_path / "e.xlsx").stat().st_size > 5000
