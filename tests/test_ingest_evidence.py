"""Domain one evidence is checked against the framework at the inspection's level, every bad cell named."""
from __future__ import annotations

from core import findings as F
from core.ingest.importer import check_file
from core.ingest.spec import MAX_RESPONDENTS
from tests.ingest_helpers import ESSEX_NORTH, evidence_workbook, to_bytes

PDU = {**ESSEX_NORTH, "level": "pdu"}


def _check(**kwargs) -> list[tuple[str, str | None, str]]:
    return [(f.type, f.cell, f.message) for f in check_file(to_bytes(evidence_workbook(**kwargs)), "evidence.xlsx")]


def test_a_clean_evidence_workbook_has_no_findings():
    assert _check(inspection=PDU, items=[("P 1.1", "P1.1.1", None, "strength", "positive", "documents", "Clear vision.")],
                  ratings=[("P1.1", "Good", "")], judgements={"diversity": ("No", "not yet")}) == []


def test_codes_must_belong_to_the_standard_and_the_inspections_level():
    found = _check(inspection=PDU, items=[
        ("R1.1", None, None, "strength", None, "documents", "a regional standard in a PDU inspection"),
        ("P1.1", "P1.2.1", None, "strength", None, "documents", "a key question of another standard"),
        ("P1.1", None, "P1.1.9.z", "strength", None, "documents", "no such prompt"),
        ("P9.9", None, None, "strength", None, "documents", "no such standard")])
    assert [(t, c) for t, c, _ in found] == [(F.WRONG_LEVEL, "Evidence!A2"), (F.UNKNOWN_CODE, "Evidence!B3"),
                                             (F.UNKNOWN_CODE, "Evidence!C4"), (F.UNKNOWN_CODE, "Evidence!A5")]
    assert found[0][2] == "R 1.1 is not a PDU standard; this is a PDU inspection"
    assert found[1][2] == "P 1.2.1 is not a key question of P 1.1"


def test_kinds_judgements_and_sources_come_from_their_lists():
    found = _check(inspection=PDU, items=[("P1.1", None, None, "praise", "good", "rumour", None)])
    assert [(t, c) for t, c, _ in found] == [(F.NOT_ALLOWED, "Evidence!D2"), (F.NOT_ALLOWED, "Evidence!E2"),
                                             (F.NOT_ALLOWED, "Evidence!F2"), (F.MISSING_VALUE, "Evidence!G2")]
    assert found[0][2] == '"praise" is not one of strength, area for improvement, observation'


def test_ratings_are_the_four_and_one_per_standard():
    found = _check(inspection=PDU, ratings=[("P1.1", "Good", ""), ("P 1.1", "Outstanding", ""), ("P1.2", "Excellent", "")])
    assert [(t, c) for t, c, _ in found] == [(F.DUPLICATE_ENTRY, "Ratings!A3"), (F.NOT_ALLOWED, "Ratings!B4")]


def test_survey_figures_are_whole_numbers_no_more_than_those_who_answered():
    found = _check(inspection=PDU, survey=[("P1.2", None, "staff survey", "q", 90, 84), ("P1.2", None, "staff survey", "q", "68.5", 84),
                                           ("P1.2", None, "exit poll", "q", 1, 0)])
    assert [(t, c) for t, c, _ in found] == [(F.BAD_NUMBER, "Survey!E2"), (F.BAD_NUMBER, "Survey!E3"),
                                             (F.NOT_ALLOWED, "Survey!C4"), (F.BAD_NUMBER, "Survey!F4")]


def test_survey_figures_are_written_as_whole_numbers_and_bounded():
    q = ("P1.2", None, "staff survey", "q")
    found = _check(inspection=PDU, survey=[(*q, "99999999999999999999", 100), (*q, 1, "1e30"), (*q, "1e3", 2000), (*q, 5, 1e30),
                                           (*q, "-3", 84), (*q, "1,000", 2000), (*q, 0, MAX_RESPONDENTS + 1),
                                           (*q, 68, 84.0), (*q, "68", " 84 "), (*q, MAX_RESPONDENTS, MAX_RESPONDENTS),
                                           (*q, 99999999999999999999, 10**30)])
    assert [(t, c) for t, c, _ in found] == [(F.BAD_NUMBER, "Survey!E2"), (F.BAD_NUMBER, "Survey!F3"), (F.BAD_NUMBER, "Survey!E4"),
                                             (F.BAD_NUMBER, "Survey!F5"), (F.BAD_NUMBER, "Survey!E6"), (F.BAD_NUMBER, "Survey!E7"),
                                             (F.BAD_NUMBER, "Survey!F8"), (F.BAD_NUMBER, "Survey!E12"), (F.BAD_NUMBER, "Survey!F12")]
    messages = [m for _, _, m in found]
    assert messages[0] == f'"99999999999999999999" is more respondents than any survey has; at most {MAX_RESPONDENTS:,}'
    assert messages[1] == '"1e30" is not a whole number of respondents (write it in digits, e.g. 68)'
    assert messages[2].startswith('"1e3" is not a whole number')


def test_domain_one_standards_take_a_rating_and_any_standard_may_be_not_inspected():
    found = _check(inspection=PDU, ratings=[("P1.1", "Good", ""), ("P1.2", "not  inspected", "no staff survey"),
                                            ("P2.1", "Not inspected", "no court work this round"), ("P2.2", "Good", ""),
                                            ("P2.3", "Excellent", "")])
    assert [(t, c) for t, c, _ in found] == [(F.NOT_ALLOWED, "Ratings!B5"), (F.NOT_ALLOWED, "Ratings!B6")]
    assert found[0][2] == "\"Good\": domain two ratings are computed from the cases; only 'Not inspected' may be given"
    assert found[1][2] == '"Excellent" is not one of Not inspected'


def test_a_wrong_domain_one_rating_lists_the_four_and_not_inspected():
    [(_, cell, message)] = _check(inspection=PDU, ratings=[("P1.1", "Fair", "")])
    assert (cell, message) == ("Ratings!B2", '"Fair" is not one of Outstanding, Good, Requires improvement, Inadequate, Not inspected')


def test_the_regional_staffing_judgement_belongs_to_regional_inspections():
    found = _check(inspection=PDU, judgements={"R1.2.1": ("Yes", "")})
    assert [(t, c) for t, c, _ in found] == [(F.WRONG_LEVEL, "Judgements!C2")]


def test_an_empty_evidence_workbook_says_it_holds_nothing():
    assert [t for t, _, _ in _check(inspection=PDU)] == [F.NO_DATA]


def test_evidence_is_checked_even_when_the_inspection_is_wrong_too():
    found = _check(inspection={**PDU, "region": "Atlantis"}, ratings=[("P1.1", "Fair", "")])
    assert [(t, c) for t, c, _ in found] == [(F.UNKNOWN_REGION, "Inspection!B5"), (F.NOT_ALLOWED, "Ratings!B2")]
