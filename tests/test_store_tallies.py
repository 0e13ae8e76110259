"""Tallies written once: each upload's counts, stored beside it, are what its answers say.

The reads (``load_dataset``'s counts, ``breakdown_counts``) sum tallies of the current uploads; these
tests hold them against the cases' packed answers themselves, counted independently in SQL (one
character at a time) or in plain Python.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from alembic import command
from sqlalchemy import case, func, inspect, select, text
from sqlalchemy.orm import Session

from core import compare
from core.demo import load_demo
from core.framework import load_framework
from core.ingest.importer import import_file
from core.store.migrations import alembic_config
from core.store.answers import AttributeCounts, CaseToStore, answer_matrix, count, layouts, pack, write_cases
from core.store.models import AttributeTally, Case, Tally, Upload
from core.store.queries import breakdown_counts, case_answers, load_dataset
from core.store.scope import Scope
from tests.ingest_helpers import case_workbook, to_bytes

FW = load_framework("hmip-2025")

CASES = [
    {"case_id": "C1", "practitioner_grade": "PO", "sex": "Female", "P2.1.1": "Yes", "P2.1.2": "No", "MO": "Yes", "DA": "N/A"},
    {"case_id": "C2", "practitioner_grade": "PO", "sex": "Male", "P2.1.1": "No", "P2.1.2": "No", "MO": "No"},
    {"case_id": "C3", "practitioner_grade": "PSO", "P2.1.1": "Yes", "P2.1.2": "N/A", "DA": "Yes"},
    {"case_id": "C4", "sex": "Female", "P2.1.1": "Yes", "MO": "N/A", "DA": "No"},  # no grade: not recorded
    {"case_id": "C5", "practitioner_grade": "PQiP", "sex": "Male", "P2.1.1": "N/A", "P2.1.2": "Yes"},
]


def _import(engine, cases, unit="Essex North", region="East of England"):
    inspection = {"region": region, "unit": unit, "fieldwork_start": "2025-06-02", "fieldwork_end": "2025-06-13"}
    return import_file(engine, to_bytes(case_workbook("cases", inspection, cases)), f"{unit}.xlsx", user="inspector")


def _tallies(engine):
    """(upload_id, case_type, code) -> (yes, no, n/a), the packed rows read back, for codes with any answer."""
    with Session(engine) as s:
        codes_of = layouts(s)
        rows = s.execute(select(Tally.upload_id, Tally.case_type, Tally.layout_id, Tally.counts)).all()
    out = {}
    for upload_id, case_type, layout, blob in rows:
        counts = AttributeCounts.from_bytes(blob, len(codes_of[layout])).counts
        for j, code in enumerate(codes_of[layout]):
            if counts[:, j].any():
                out[(upload_id, case_type, code)] = tuple(int(n) for n in counts[:, j])
    return out


def _tallies_per_code(conn):
    """The tallies as revision 0005 holds them: one row per upload, case type and code."""
    rows = conn.execute(text("SELECT upload_id, case_type, code, n_yes, n_no, n_na FROM tallies")).all()
    return {tuple(r[:3]): tuple(r[3:]) for r in rows}


def _attribute_tallies(engine):
    """(upload_id, attribute, code, case_type, value) -> (yes, no, n/a), the packed rows read back, for codes with any answer."""
    with Session(engine) as s:
        codes_of = layouts(s)
        rows = s.execute(select(AttributeTally.upload_id, AttributeTally.attribute, AttributeTally.case_type, AttributeTally.value,
                                AttributeTally.layout_id, AttributeTally.counts)).all()
    out = {}
    for upload_id, attribute, case_type, value, layout, blob in rows:
        counts = AttributeCounts.from_bytes(blob, len(codes_of[layout])).counts
        for j, code in enumerate(codes_of[layout]):
            if counts[:, j].any():
                out[(upload_id, attribute, code, case_type, value)] = tuple(int(n) for n in counts[:, j])
    return out


WORDS = {"Y": "Yes", "N": "No", "X": "N/A"}


def _answers_counted_in_sql(engine):
    """(upload_id, case_type, code) -> (yes, no, n/a), straight from the packed answers, one place at a time."""
    out = {}
    with Session(engine) as s:
        for layout, codes in layouts(s).items():
            for place, code in enumerate(codes, start=1):
                sums = [func.sum(case((func.substr(Case.answers, place, 1) == ch, 1), else_=0)) for ch in "YNX"]
                for upload_id, case_type, *n in s.execute(select(Case.upload_id, Case.case_type, *sums).where(Case.layout_id == layout)
                                                          .group_by(Case.upload_id, Case.case_type)).all():
                    if any(n):
                        out[(upload_id, case_type, code)] = tuple(int(v) for v in n)
    return out


def _case_level(engine):
    """(upload_id, case_type, attributes, code, value) for every answer, unpacked character by character."""
    with Session(engine) as s:
        codes_of = layouts(s)
        rows = s.execute(select(Case.upload_id, Case.case_type, Case.attributes, Case.layout_id, Case.answers)).all()
    return [(upload_id, case_type, attrs, code, WORDS[ch]) for upload_id, case_type, attrs, layout, packed in rows
            for code, ch in zip(codes_of[layout], packed, strict=True) if ch != "."]


def _attributes_counted_in_python(engine):
    """(upload_id, attribute, code, case_type, value) -> (yes, no, n/a), from the case-level answers."""
    out: dict = {}
    for upload_id, case_type, attrs, code, value in _case_level(engine):
        for name, v in (attrs or {}).items():
            if v is None or str(v).strip() == "":
                continue
            key = (upload_id, name, code, case_type, str(v))
            yes, no, na = out.get(key, (0, 0, 0))
            out[key] = (yes + (value == "Yes"), no + (value == "No"), na + (value == "N/A"))
    return out


def test_an_uploads_tallies_are_its_answers_counted(store):
    _import(store, CASES)
    assert _tallies(store) == _answers_counted_in_sql(store)
    by_attribute = _attribute_tallies(store)
    assert by_attribute == _attributes_counted_in_python(store)
    upload_id = next(iter(by_attribute))[0]
    assert by_attribute[(upload_id, "practitioner_grade", "P2.1.1", "sentence-management", "PO")] == (1, 1, 0)
    assert not any(k[1] == "practitioner_grade" and k[4] == "" for k in by_attribute)  # not recorded: no row


def test_the_dashboards_counts_come_from_the_current_versions_tallies(store):
    _import(store, CASES)
    first = load_dataset(store, Scope.national()).counts.set_index("code")
    assert tuple(first.loc["P2.1.1", ["n_yes", "n_no", "n_na"]]) == (3, 1, 1)
    _import(store, [{"case_id": "D1", "P2.1.1": "No"}, {"case_id": "D2", "P2.1.1": "No", "MO": "Yes"}])
    second = load_dataset(store, Scope.national()).counts.set_index("code")
    assert tuple(second.loc["P2.1.1", ["n_yes", "n_no", "n_na"]]) == (0, 2, 0)
    assert set(second.index) == {"P2.1.1", "MO"}
    with Session(store) as s:  # the old version's tallies are kept, as its answers are
        assert s.execute(select(func.count(func.distinct(Tally.upload_id)))).scalar_one() == 2
    assert load_dataset(store, Scope.of_regions("Wales")).counts.empty


def test_an_upload_no_longer_current_drops_out_of_every_read(store):
    receipt = _import(store, CASES)
    _import(store, CASES[:2], unit="Essex South")
    with Session(store) as s, s.begin():  # as a withdrawal would leave it
        s.get(Upload, receipt.upload_id).is_current = False
    counts = load_dataset(store, Scope.national()).counts
    assert tuple(counts.loc[counts.code == "P2.1.1", ["n_yes", "n_no", "n_na"]].sum()) == (1, 1, 0)
    split = breakdown_counts(store, Scope.national(), "practitioner_grade", ["P2.1.1"]).set_index("group")
    assert list(split.index) == ["PO"] and split.loc["PO", "n_cases"] == 2


@pytest.mark.parametrize("codes", [["P2.1.1"], ["MO", "DA"], ["MO", "DA", "P2.1.2"]], ids=["one code", "two codes", "three codes"])
@pytest.mark.parametrize("attribute", ["practitioner_grade", "sex", "ethnicity"])
def test_breakdowns_from_tallies_equal_breakdowns_from_the_case_answers(store, codes, attribute):
    _import(store, CASES)
    _import(store, CASES[1:], unit="Essex South")
    order = FW.attribute(attribute).values
    from_answers = compare.breakdown(case_answers(store, Scope.national()), codes, attribute, order)
    from_tallies = compare.breakdown_table(breakdown_counts(store, Scope.national(), attribute, codes), attribute, order)
    pd.testing.assert_frame_equal(from_tallies, from_answers, check_dtype=False)


def test_breakdowns_keep_to_the_inspections_asked_for_and_the_readers_scope(store):
    a = _import(store, CASES)
    _import(store, CASES, unit="Bolton", region="North West")
    only_a = breakdown_counts(store, Scope.national(), "sex", ["P2.1.1"], inspection_ids=[a.inspection_id])
    assert only_a["n_cases"].sum() == 5
    assert breakdown_counts(store, Scope.of_regions("North West"), "sex", ["P2.1.1"])["n_cases"].sum() == 5
    assert breakdown_counts(store, Scope.of_regions("Wales"), "sex", ["P2.1.1"]).empty


def test_the_migration_backfills_tallies_of_uploads_already_stored(store):
    _import(store, CASES)
    _import(store, CASES[2:], unit="Bolton", region="North West")
    before = (_tallies(store), _attribute_tallies(store), sorted(map(repr, _case_level(store))))
    with store.begin() as conn:  # back to the revision before tallies: one row per answer, no tallies tables
        command.downgrade(alembic_config(conn), "0004_tallies-1")
        assert "tallies" not in inspect(conn).get_table_names()
        answer_rows = conn.execute(text("SELECT COUNT(*) FROM answers")).scalar_one()
    with store.begin() as conn:  # then up again: tallies counted (0004), answers packed and attribute tallies counted (0005)
        command.upgrade(alembic_config(conn), "head")
        assert "answers" not in inspect(conn).get_table_names()
    after = (_tallies(store), _attribute_tallies(store), sorted(map(repr, _case_level(store))))
    assert answer_rows == len(before[2]) == sum(1 for c in CASES + CASES[2:] for k in c if k not in ("case_id", "practitioner_grade", "sex"))
    assert after == before and before[0] and before[1]


def test_packing_the_tallies_keeps_every_count_and_unpacking_gives_them_back(store):
    """Revision 0006 packs the per-code tallies of 0005 into one row per upload and case type, and its
    downgrade gives the same per-code rows back."""
    _import(store, CASES)
    _import(store, CASES[2:], unit="Bolton", region="North West")
    packed = _tallies(store)
    with store.begin() as conn:
        command.downgrade(alembic_config(conn), "0005_packed_answers")
        per_code = _tallies_per_code(conn)
        assert len(per_code) == len(packed) > 4
        # a count the cases' layout cannot hold (no code of this store writes one): packed against a layout of its own
        conn.execute(text("INSERT INTO tallies (upload_id, case_type, code, inspection_id, n_yes, n_no, n_na) "
                          "SELECT upload_id, 'unknown-type', 'Z9', inspection_id, 4, 0, 1 FROM tallies WHERE code = 'MO'"))
        extra = _tallies_per_code(conn)
        command.upgrade(alembic_config(conn), "head")
    assert per_code == packed
    assert _tallies(store) == extra and len(extra) == len(per_code) + 2
    with store.begin() as conn:
        command.downgrade(alembic_config(conn), "0005_packed_answers")
        assert _tallies_per_code(conn) == extra
        command.upgrade(alembic_config(conn), "head")


def test_the_dashboards_counts_are_the_per_code_tallies_row_for_row(store):
    """load_dataset's counts from the packed tallies: the rows, their order and their types that the
    per-code tallies of revision 0005 gave, read in their key's order (upload, case type, code)."""
    _import(store, CASES)
    _import(store, CASES[1:], unit="Bolton", region="North West")
    _import(store, [{"case_id": "W1", "P2.1.2": "Yes", "DA": "No"}], unit="Cardiff", region="Wales")
    with store.begin() as conn:
        command.downgrade(alembic_config(conn), "0005_packed_answers")
        per_code = pd.DataFrame.from_records(
            [tuple(r) for r in conn.execute(text("SELECT inspection_id, case_type, code, n_yes, n_no, n_na FROM tallies "
                                                 "ORDER BY upload_id, case_type, code"))],
            columns=["inspection_id", "case_type", "code", "n_yes", "n_no", "n_na"])
        command.upgrade(alembic_config(conn), "head")
    assert len(per_code) == 10  # four codes, four, two
    pd.testing.assert_frame_equal(load_dataset(store, Scope.national()).counts, per_code, check_dtype=True)
    wales = load_dataset(store, Scope.of_regions("Wales")).counts
    pd.testing.assert_frame_equal(wales, per_code[per_code["inspection_id"] == wales["inspection_id"].iloc[0]].reset_index(drop=True))
    nothing = load_dataset(store, Scope.of_regions("London")).counts
    assert nothing.empty and list(nothing.columns) == list(per_code.columns)
    assert nothing.dtypes.to_dict() == per_code.dtypes.to_dict()


def test_the_demos_tallies_are_its_answers_counted(store):
    load_demo(store, rounds=1, regions=1, scale=0.2)
    assert _tallies(store) == _answers_counted_in_sql(store)
    assert _attribute_tallies(store) == _attributes_counted_in_python(store)


def test_counting_a_matrix_by_hand():
    codes = ["A", "B"]
    packed = [pack(codes, {"A": "Yes", "B": "No"}), pack(codes, {"A": "Yes"}), pack(codes, {"A": "N/A", "B": "Yes"})]
    assert packed == ["YN", "Y.", "XY"]
    matrix = answer_matrix(packed, 2)
    assert matrix.tolist() == [[1, 2], [1, 0], [3, 1]]
    totals, by = count(7, 3, "court", 5, codes, matrix, {"sex": ["Male", "", "Male"], "grade": [None, None, None]})
    assert [{k: v for k, v in r.items() if k != "counts"} for r in totals] == [
        {"upload_id": 7, "inspection_id": 3, "case_type": "court", "layout_id": 5}]
    assert AttributeCounts.from_bytes(totals[0]["counts"], 2).counts.tolist() == [[2, 1], [0, 1], [1, 0]]  # A: 2 Yes, 1 N/A; B: 1 Yes, 1 No
    assert [(r["attribute"], r["value"], r["layout_id"]) for r in by] == [("sex", "Male", 5)]
    assert AttributeCounts.from_bytes(by[0]["counts"], 2).counts.tolist() == [[1, 1], [0, 1], [1, 0]]  # Yes, No, N/A rows
    assert count(1, 1, "court", 5, codes, np.zeros((0, 2), dtype=np.int8), {}) == ([], [])
    with pytest.raises(ValueError, match="3 codes for a layout of 2"):
        count(1, 1, "court", 5, codes, np.zeros((1, 3), dtype=np.int8), {})


def test_packed_tallies_spread_out_row_by_row_each_rows_codes_in_order_of_code():
    """answered_codes: rows of two layouts, interleaved; codes never answered left out; within a row
    the codes in order of code, whatever the layout's order (the order tallies had one row per code)."""
    from core.store.answers import answered_codes

    codes_of = {1: ("P2.1", "MO", "DA"), 2: ("B", "A")}
    rows = [(AttributeCounts(np.array([[1, 0, 2], [0, 0, 1], [0, 0, 0]])).to_bytes(), 1),
            (AttributeCounts(np.array([[0, 5], [0, 0], [1, 0]])).to_bytes(), 2),
            (AttributeCounts(np.zeros((3, 3), dtype=int)).to_bytes(), 1),
            (AttributeCounts(np.array([[0, 0, 0], [3, 0, 0], [0, 0, 0]])).to_bytes(), 1)]
    place, codes, counts = answered_codes(rows, codes_of)
    assert list(zip(place.tolist(), codes.tolist(), counts.tolist())) == [
        (0, "DA", [2, 1, 0]), (0, "P2.1", [1, 0, 0]), (1, "A", [5, 0, 0]), (1, "B", [0, 0, 1]), (3, "P2.1", [0, 3, 0])]
    empty = answered_codes([], codes_of)
    assert [len(a) for a in empty] == [0, 0, 0] and empty[2].shape == (0, 3)


def test_packing_refuses_what_the_layout_cannot_hold():
    with pytest.raises(ValueError, match="C"):
        pack(["A", "B"], {"A": "Yes", "C": "No"})
    with pytest.raises(ValueError, match="Maybe"):
        pack(["A", "B"], {"A": "Maybe"})
    with pytest.raises(ValueError, match="not 2 characters"):
        answer_matrix(["YN", "Y"], 2)


def test_the_store_refuses_a_packed_answer_it_cannot_read(store):
    """Only Y, N, X and '.' may stand in a case's answers: the database itself refuses others."""
    from sqlalchemy.exc import IntegrityError

    receipt = _import(store, CASES)
    with Session(store) as s, pytest.raises(IntegrityError):
        with s.begin():
            s.execute(Case.__table__.update().where(Case.upload_id == receipt.upload_id).values(answers="Yes"))


def test_cases_of_two_layouts_read_back_in_case_order(store):
    """Two layouts in one store (as two framework versions would make): case_answers unpacks each
    against its own list of codes."""
    receipt = _import(store, CASES[:1])
    with Session(store) as s, s.begin():
        other = Upload(inspection_id=receipt.inspection_id, kind="other", version=1, is_current=True, file_name="t",
                       sha256="1" * 64, uploaded_by="test", counts={})
        s.add(other)
        s.flush()
        write_cases(s, other.id, receipt.inspection_id, "sentence-management", ["MO", "P2.1.1"],
                    [CaseToStore("Z1", {"sex": "Male"}, pack(["MO", "P2.1.1"], {"MO": "No", "P2.1.1": "Yes"}))])
    answers = case_answers(store, Scope.national())
    assert list(answers[["case_ref", "code", "value"]].itertuples(index=False, name=None)) == [
        ("C1", "P2.1.1", "Yes"), ("C1", "P2.1.2", "No"), ("C1", "MO", "Yes"), ("C1", "DA", "N/A"), ("Z1", "MO", "No"), ("Z1", "P2.1.1", "Yes")]
    assert list(answers["sex"]) == ["Female"] * 4 + ["Male"] * 2


def test_every_read_lists_each_row_once_for_a_national_reader(store):
    """Reads that skip the scope's join for a national reader must not multiply rows by the
    inspections or regions (two regions, two inspections here)."""
    from core.store.queries import uploads_frame

    _import(store, CASES)
    _import(store, CASES[:2], unit="Bolton", region="North West")
    ds = load_dataset(store, Scope.national())
    assert not ds.counts.duplicated(["inspection_id", "case_type", "code"]).any()
    assert len(uploads_frame(store, Scope.national())) == 2
    answers = sum(1 for c in CASES + CASES[:2] for k in c if k not in ("case_id", "practitioner_grade", "sex"))
    assert len(case_answers(store, Scope.national())) == answers
    for scope, n in ((Scope.national(), 2), (Scope.of_regions("North West"), 1)):
        assert load_dataset(store, scope).counts["inspection_id"].nunique() == n
