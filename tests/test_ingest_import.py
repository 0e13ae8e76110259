"""Template -> filled workbook -> import -> the store holds exactly what was filled, tallied as worked by hand.

Every test here runs on SQLite and on PostgreSQL (the ``store`` fixture).
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cli import main
from core.errors import InvalidWorkbook
from core.ingest.importer import import_file
from core.store import answers
from core.store.models import PDU, Case, Inspection, Judgement, ProposedRating, Region, SurveyFigure, Upload
from core.store.queries import evidence_frame, load_dataset, uploads_frame
from core.store.scope import Scope
from core.store.uploads import ALREADY_LOADED, LOADED, NEW_VERSION
from tests.ingest_helpers import ESSEX_NORTH, case_workbook, evidence_workbook, save, table_counts, tallies, to_bytes

# Four Essex North cases, worked by hand:
#   P2.1.1   Yes, No, Yes, N/A       -> 2 yes, 1 no, 1 n/a
#   P2.1.1.a Yes, N/A, No, (blank)   -> 1 yes, 1 no, 1 n/a
#   P2.2.1   No, Yes, N/A, yes       -> 2 yes, 1 no, 1 n/a  ("yes" is read as Yes)
#   MO       Yes, (blank), No, No    -> 1 yes, 2 no
# 14 answers in all; blanks are not answers.
ESSEX_CASES = [
    {"case_id": "EN-01", "sentence_type": "Community", "risk_level": "High", "P2.1.1": "Yes", "P2.1.1.a": "Yes", "P2.2.1": "No", "MO": "Yes"},
    {"case_id": "EN-02", "sentence_type": "licence", "P2.1.1": "No", "P2.1.1.a": "N/A", "P2.2.1": "Yes"},
    {"case_id": "EN-03", "sex": "Female", "P2.1.1": "Yes", "P2.1.1.a": "No", "P2.2.1": "N/A", "MO": "No"},
    {"case_id": 1004, "P2.1.1": "N/A", "P2.2.1": "yes", "MO": "No"},
]
ESSEX_TALLIES = {("Essex North", "P2.1.1"): (2, 1, 1), ("Essex North", "P2.1.1.a"): (1, 1, 1),
                 ("Essex North", "P2.2.1"): (2, 1, 1), ("Essex North", "MO"): (1, 2, 0)}
SOMERSET = {"region": "South West", "unit": "Somerset", "fieldwork_start": dt.date(2025, 9, 1)}


def test_a_filled_template_loads_with_the_hand_worked_tallies(store, tmp_path):
    path = save(case_workbook(cases=ESSEX_CASES), tmp_path / "essex-north.xlsx")
    receipt = import_file(store, path, user="inspector.a")
    assert receipt.status == LOADED and receipt.version == 1
    assert receipt.counts == {"cases": 4, "answers": 14}
    assert (receipt.region, receipt.unit, receipt.level, receipt.round) == ("East of England", "Essex North", "pdu", "2025-26")
    assert receipt.inspection == "Essex North PDU (East of England), hmip-2025, round 2025-26"
    assert len(receipt.sha256) == 64
    assert tallies(store) == ESSEX_TALLIES
    counts = table_counts(store)
    assert (counts["regions"], counts["pdus"], counts["inspections"], counts["uploads"], counts["cases"], counts["answer_layouts"]) == (1, 1, 1, 1, 4, 1)
    with Session(store) as s:
        assert answers.answers_stored(s) == 14


def test_cases_keep_their_attributes_as_the_framework_spells_them(store, tmp_path):
    import_file(store, save(case_workbook(cases=ESSEX_CASES), tmp_path / "en.xlsx"))
    with Session(store) as s:
        cases = {c.case_ref: (c.case_type, c.attributes) for c in s.execute(select(Case)).scalars()}
        inspection = s.execute(select(Inspection)).scalar_one()
    assert cases["EN-01"] == ("sentence-management", {"sentence_type": "Community", "risk_level": "High"})
    assert cases["EN-02"][1] == {"sentence_type": "Licence"}
    assert cases["1004"][1] == {}
    assert (inspection.fieldwork_start, inspection.fieldwork_end) == (dt.date(2025, 6, 2), dt.date(2025, 6, 13))


def test_two_inspections_keep_their_own_tallies(store, tmp_path):
    import_file(store, save(case_workbook(cases=ESSEX_CASES), tmp_path / "en.xlsx"))
    import_file(store, save(case_workbook(inspection=SOMERSET, cases=[{"case_id": "S1", "P2.1.1": "No"}]), tmp_path / "so.xlsx"))
    assert tallies(store) == {**ESSEX_TALLIES, ("Somerset", "P2.1.1"): (0, 1, 0)}
    with Session(store) as s:
        assert sorted(s.execute(select(Region.name)).scalars()) == ["East of England", "South West"]
        assert sorted(s.execute(select(PDU.name)).scalars()) == ["Essex North", "Somerset"]


def test_an_identical_reupload_changes_nothing_and_says_so(store, tmp_path):
    path = save(case_workbook(cases=ESSEX_CASES), tmp_path / "en.xlsx")
    first = import_file(store, path, user="a")
    before = table_counts(store)
    again = import_file(store, path, user="b")
    assert again.status == ALREADY_LOADED and not again.changed
    assert (again.version, again.upload_id, again.sha256, again.uploaded_by) == (1, first.upload_id, first.sha256, "a")
    assert "nothing changed" in again.summary()
    assert table_counts(store) == before


def test_a_changed_file_becomes_version_two_the_old_kept_the_latest_counting(store, tmp_path):
    import_file(store, save(case_workbook(cases=ESSEX_CASES), tmp_path / "en.xlsx"))
    corrected = [dict(c) for c in ESSEX_CASES[:3]]
    corrected[1]["P2.1.1"] = "Yes"  # EN-02 corrected; case 1004 dropped
    receipt = import_file(store, save(case_workbook(cases=corrected), tmp_path / "en-v2.xlsx"))
    assert (receipt.status, receipt.version, receipt.counts) == (NEW_VERSION, 2, {"cases": 3, "answers": 11})
    assert "version 1 is kept" in receipt.summary()
    with Session(store) as s:
        history = s.execute(select(Upload.version, Upload.is_current, Upload.counts).order_by(Upload.version)).all()
    assert history == [(1, False, {"cases": 4, "answers": 14}), (2, True, {"cases": 3, "answers": 11})]
    assert table_counts(store)["cases"] == 7  # both versions' rows are kept
    assert tallies(store) == {("Essex North", "P2.1.1"): (3, 0, 0), ("Essex North", "P2.1.1.a"): (1, 1, 1),
                              ("Essex North", "P2.2.1"): (1, 1, 1), ("Essex North", "MO"): (1, 1, 0)}
    audit = uploads_frame(store, Scope.national())
    assert list(audit["version"]) == [2, 1] and list(audit["current"]) == [True, False]


def test_a_case_upload_and_an_evidence_upload_are_versioned_apart(store, tmp_path):
    import_file(store, save(case_workbook(cases=ESSEX_CASES), tmp_path / "en.xlsx"))
    wb = evidence_workbook({**ESSEX_NORTH, "level": "pdu"}, ratings=[("P1.1", "Good", "clear vision")])
    receipt = import_file(store, to_bytes(wb), "en-evidence.xlsx")
    assert (receipt.status, receipt.version, receipt.kind) == (LOADED, 1, "evidence")
    assert table_counts(store)["inspections"] == 1


def test_evidence_ratings_survey_figures_and_judgements_load(store):
    wb = evidence_workbook(
        {"level": "region", "region": "North East", "fieldwork_start": "2025-10-06"},
        items=[("R 1.1", "R1.1.1", "R1.1.1.a", "Strength", "positive", "documents", "A clear regional vision."),
               ("R1.2", None, "R1.2.1.b", "area for improvement", "Negative", "staff survey", "Workloads are too high."),
               ("R1.1", None, None, "observation", None, "meetings", "Leaders are visible.")],
        ratings=[("R1.1", "Good", "strong leadership"), ("R 1.2", "requires improvement", None)],
        survey=[("R1.2", "R1.2.1.b", "staff survey", "My workload is manageable", 68, 84)],
        judgements={"R1.2.1": ("No", "staffing gaps in two PDUs"), "diversity": ("Yes", "")})
    receipt = import_file(store, to_bytes(wb), "ne-evidence.xlsx", user="lead")
    assert receipt.counts == {"evidence_items": 3, "proposed_ratings": 2, "survey_figures": 1, "judgements": 2}
    assert (receipt.level, receipt.unit, receipt.round) == ("region", "North East", "2025-26")
    items = evidence_frame(store, Scope.national())
    assert sorted(items["kind"]) == ["area for improvement", "observation", "strength"]
    second = items[items["kind"] == "area for improvement"].iloc[0]
    assert (second["standard"], second["key_question"], second["judgement"]) == ("R 1.2", "R 1.2.1", "negative")
    with Session(store) as s:
        assert sorted(s.execute(select(ProposedRating.standard, ProposedRating.rating)).all()) == [
            ("R1.1", "Good"), ("R1.2", "Requires improvement")]
        assert s.execute(select(SurveyFigure.numerator, SurveyFigure.denominator)).one() == (68, 84)
        assert sorted(s.execute(select(Judgement.name, Judgement.value)).all()) == [("R1.2.1", False), ("diversity", True)]
    ds = load_dataset(store, Scope.national())
    assert len(ds.proposed) == 2 and len(ds.judgements) == 2


def test_regional_fieldwork_cases_load_under_the_region(store, tmp_path):
    wb = case_workbook("unpaid-work", {"region": "Wales", "fieldwork_start": dt.date(2026, 2, 2)},
                       [{"case_id": "U1", "risk_level": "Low", "R2.4.1": "Yes", "R2.4.1.a": "No"}])
    receipt = import_file(store, save(wb, tmp_path / "uw.xlsx"))
    assert (receipt.level, receipt.unit, receipt.round, receipt.kind) == ("region", "Wales", "2025-26", "unpaid-work")
    assert tallies(store) == {("Wales", "R2.4.1"): (1, 0, 0), ("Wales", "R2.4.1.a"): (0, 1, 0)}
    assert table_counts(store)["pdus"] == 0


def test_a_csv_with_the_inspection_as_columns_loads_like_the_workbook(store, tmp_path):
    lines = ["case_id,sentence_type,P2.1.1,P2.1.1.a,region,unit,level,framework,round,fieldwork_start",
             "A1,Community,Yes,No,Greater Manchester,Bolton,pdu,hmip-2025,2025-26,2025-07-07",
             "A2,,No,,Greater Manchester,Bolton,pdu,hmip-2025,2025-26,2025-07-07"]
    path = tmp_path / "bolton.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    receipt = import_file(store, path)
    assert (receipt.kind, receipt.unit, receipt.counts) == ("cases", "Bolton", {"cases": 2, "answers": 3})
    assert tallies(store) == {("Bolton", "P2.1.1"): (1, 1, 0), ("Bolton", "P2.1.1.a"): (0, 1, 0)}


def test_pdu_names_are_matched_as_people_type_them(store, tmp_path):
    import_file(store, save(case_workbook(cases=ESSEX_CASES), tmp_path / "en.xlsx"))
    receipt = import_file(store, save(case_workbook(inspection={**ESSEX_NORTH, "unit": "essex  north"}, cases=ESSEX_CASES[:1]),
                                      tmp_path / "en2.xlsx"))
    assert (receipt.unit, receipt.version) == ("Essex North", 2)
    assert table_counts(store)["pdus"] == 1


def test_a_failure_part_way_through_leaves_nothing_behind(store, tmp_path, monkeypatch):
    import_file(store, save(case_workbook(cases=ESSEX_CASES), tmp_path / "en.xlsx"))
    before = table_counts(store)

    def fail(*_args, **_kwargs):
        raise RuntimeError("the disk is full")

    # after the region, PDU, inspection, upload and case rows are written, before the tallies
    monkeypatch.setattr(answers, "insert_tallies", fail)
    for wb in (case_workbook(cases=ESSEX_CASES[:2]), case_workbook(inspection=SOMERSET, cases=ESSEX_CASES)):
        with pytest.raises(RuntimeError, match="disk is full"):
            import_file(store, to_bytes(wb), "part.xlsx")
    assert table_counts(store) == before
    assert tallies(store) == ESSEX_TALLIES
    with Session(store) as s:
        assert s.execute(select(Upload.version, Upload.is_current)).all() == [(1, True)]


def test_a_rejected_file_leaves_the_store_exactly_as_it_was(store, tmp_path):
    import_file(store, save(case_workbook(cases=ESSEX_CASES), tmp_path / "en.xlsx"))
    before = table_counts(store)
    bad = case_workbook(inspection={**ESSEX_NORTH, "region": "Atlantis"}, cases=[{"case_id": "X", "P2.1.1": "Yse"}])
    with pytest.raises(InvalidWorkbook) as exc:
        import_file(store, to_bytes(bad), "bad.xlsx")
    assert [str(f) for f in exc.value.findings] == [
        'Inspection!B5: "Atlantis" is not one of the 12 regions of England and Wales: Kent, Surrey & Sussex, East of England, '
        "Yorkshire & the Humber, North East, Greater Manchester, North West, South West, South Central, West Midlands, "
        "East Midlands, London, Wales",
        'Cases!H2: "Yse" is not one of Yes, No, N/A']
    assert table_counts(store) == before


def test_the_import_command_loads_reports_and_exits_two_on_a_rejected_file(store, tmp_path, capsys):
    good = save(case_workbook(cases=ESSEX_CASES), tmp_path / "en.xlsx")
    bad = save(case_workbook(cases=[{"case_id": "X", "P2.1.1": "Yse"}]), tmp_path / "bad.xlsx")
    url = store.url.render_as_string(hide_password=False)
    from core.store import db

    # the command opens its own engine by URL: hand it this test's engine (and its schema)
    monkey = pytest.MonkeyPatch()
    monkey.setattr(db, "get_engine", lambda _url=None: store)
    try:
        assert main(["import", str(good), "--db", url, "--as", "inspector.b"]) == 0
        out = capsys.readouterr().out
        assert out.splitlines()[0] == "file,status,inspection,kind,version,counts,sha256"
        assert ",loaded," in out and "cases=4;answers=14" in out
        assert main(["import", str(good), str(bad), "--db", url]) == 2
        captured = capsys.readouterr()
        assert ",already loaded," in captured.out
        assert 'Cases!H2: "Yse" is not one of Yes, No, N/A' in captured.err
    finally:
        monkey.undo()
    with Session(store) as s:
        assert s.execute(select(Upload.uploaded_by)).scalars().all() == ["inspector.b"]


def test_a_region_is_one_of_the_12_whatever_the_framework(store, tmp_path):
    pdu_2021 = {"region": "Wales", "unit": "Cardiff and Vale", "fieldwork_start": dt.date(2022, 5, 9)}
    cases = [{"case_id": "W1", "2.2.1": "Yes"}]
    first = import_file(store, to_bytes(case_workbook(inspection=pdu_2021, cases=cases, framework="hmip-pdu-2021")), "w1.xlsx")
    # typed as people type it: the same region and the same PDU, spelled as first stored
    again = import_file(store, to_bytes(case_workbook(inspection={**pdu_2021, "region": "  wales ", "unit": "cardiff  AND vale"},
                                                      cases=cases + [{"case_id": "W2", "2.2.1": "No"}], framework="hmip-pdu-2021")),
                        "w2.xlsx")
    assert (first.region, again.region, again.unit, again.version) == ("Wales", "Wales", "Cardiff and Vale", 2)
    yorkshire = import_file(store, to_bytes(case_workbook(inspection={**pdu_2021, "region": "yorkshire and the humber", "unit": "Leeds"},
                                                          cases=cases, framework="hmip-pdu-2021")), "leeds.xlsx")
    assert yorkshire.region == "Yorkshire & the Humber"
    with Session(store) as s:
        assert sorted(s.execute(select(Region.name)).scalars()) == ["Wales", "Yorkshire & the Humber"]
        assert sorted(s.execute(select(PDU.name)).scalars()) == ["Cardiff and Vale", "Leeds"]
    before = table_counts(store)
    with pytest.raises(InvalidWorkbook) as exc:
        import_file(store, to_bytes(case_workbook(inspection={**pdu_2021, "region": "Narnia"}, cases=cases, framework="hmip-pdu-2021")),
                    "narnia.xlsx")
    [finding] = exc.value.findings
    assert (finding.type, finding.cell) == ("unknown-region", "Inspection!B5")
    assert finding.message.startswith('"Narnia" is not one of the 12 regions of England and Wales: Kent, Surrey & Sussex')
    assert table_counts(store) == before


def test_survey_figures_too_large_for_the_store_are_refused_naming_the_cell(store):
    wb = evidence_workbook({**ESSEX_NORTH, "level": "pdu"},
                           survey=[("P1.2", None, "staff survey", "My workload is manageable", "99999999999999999999", "1e30")])
    with pytest.raises(InvalidWorkbook) as exc:
        import_file(store, to_bytes(wb), "survey.xlsx")
    assert [(f.type, f.cell) for f in exc.value.findings] == [("bad-number", "Survey!E2"), ("bad-number", "Survey!F2")]
    assert all(n == 0 for n in table_counts(store).values())


def test_not_inspected_proposed_ratings_are_stored_as_the_words(store):
    wb = evidence_workbook({**ESSEX_NORTH, "level": "pdu"},
                           ratings=[("P1.1", "Good", "clear vision"), ("P1.3", "not inspected", "not in scope this round"),
                                    ("P 2.1", "NOT INSPECTED", "no court work inspected")])
    receipt = import_file(store, to_bytes(wb), "en-evidence.xlsx")
    assert receipt.counts["proposed_ratings"] == 3
    with Session(store) as s:
        assert sorted(s.execute(select(ProposedRating.standard, ProposedRating.rating, ProposedRating.rationale)).all()) == [
            ("P1.1", "Good", "clear vision"), ("P1.3", "Not inspected", "not in scope this round"),
            ("P2.1", "Not inspected", "no court work inspected")]


def test_a_domain_two_rating_word_is_refused_and_nothing_is_stored(store):
    wb = evidence_workbook({**ESSEX_NORTH, "level": "pdu"}, ratings=[("P1.1", "Good", ""), ("P2.1", "Good", "")])
    with pytest.raises(InvalidWorkbook) as exc:
        import_file(store, to_bytes(wb), "en-evidence.xlsx")
    assert [str(f) for f in exc.value.findings] == [
        "Ratings!B3: \"Good\": domain two ratings are computed from the cases; only 'Not inspected' may be given"]
    assert all(n == 0 for n in table_counts(store).values())


# A round is rated by the framework in force on the first day of fieldwork (valid_from..valid_to in its file).

def test_a_framework_not_in_force_on_the_first_day_of_fieldwork_is_refused_at_its_cell(store):
    before = table_counts(store)
    october_2024 = {**ESSEX_NORTH, "fieldwork_start": dt.date(2024, 10, 7), "fieldwork_end": None}
    with pytest.raises(InvalidWorkbook) as exc:
        import_file(store, to_bytes(case_workbook(inspection=october_2024, cases=ESSEX_CASES)), "early.xlsx")
    [finding] = exc.value.findings
    assert (finding.type, finding.cell) == ("framework-not-in-force", "Inspection!B3")
    assert finding.message == ("hmip-2025 is in force from 2025-03-01 onwards; fieldwork starting 2024-10-07 is rated by "
                               "hmip-pdu-2021, the framework in force that day")
    # and the other way: the 2021 framework after it was replaced, or before any framework we hold
    for start, rated_by in [(dt.date(2025, 3, 1), "is rated by hmip-2025, the framework in force that day"),
                            (dt.date(2020, 5, 4), "is rated by the framework in force that day, and none we hold was "
                                                  "(hmip-2025 from 2025-03-01; hmip-pdu-2021 from 2021-06-26 to 2025-02-28)")]:
        late = {"region": "Wales", "unit": "Cardiff and Vale", "fieldwork_start": start}
        with pytest.raises(InvalidWorkbook) as exc:
            import_file(store, to_bytes(case_workbook(inspection=late, cases=[{"case_id": "W1", "2.2.1": "Yes"}],
                                                      framework="hmip-pdu-2021")), "late.xlsx")
        [finding] = exc.value.findings
        assert finding.type == "framework-not-in-force" and finding.message.endswith(rated_by), finding.message
    assert table_counts(store) == before


def test_a_blank_framework_is_the_one_in_force_on_the_first_day_of_fieldwork(store):
    last_day_2021 = import_file(store, to_bytes(case_workbook(
        inspection={"region": "Wales", "unit": "Cardiff and Vale", "fieldwork_start": dt.date(2025, 2, 28), "framework": None},
        cases=[{"case_id": "W1", "2.2.1": "Yes"}], framework="hmip-pdu-2021")), "w.xlsx")
    first_day_2025 = import_file(store, to_bytes(case_workbook(
        inspection={**ESSEX_NORTH, "fieldwork_start": dt.date(2025, 3, 1), "fieldwork_end": None, "framework": None},
        cases=ESSEX_CASES)), "en.xlsx")
    assert (last_day_2021.round, first_day_2025.round) == ("2024-25", "2024-25")  # one round, two frameworks: each by its day
    assert last_day_2021.inspection.endswith("hmip-pdu-2021, round 2024-25")
    assert first_day_2025.inspection.endswith("hmip-2025, round 2024-25")
    with pytest.raises(InvalidWorkbook) as exc:  # no day to take it from
        import_file(store, to_bytes(case_workbook(inspection={**ESSEX_NORTH, "framework": None, "fieldwork_start": None},
                                                  cases=ESSEX_CASES)), "none.xlsx")
    assert [(f.cell, f.message.split(" (")[0]) for f in exc.value.findings] == [
        ("Inspection!B3", "framework is required"), ("Inspection!B8", "fieldwork_start is required")]
