"""Tallies written once: each upload's counts, stored beside it, are what its answers say.

The reads (``load_dataset``'s counts, ``breakdown_counts``) sum tallies of the current uploads; these
tests hold them against the answers themselves, counted independently in SQL or pandas.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from alembic import command
from sqlalchemy import case, func, inspect, select
from sqlalchemy.orm import Session

from core import compare
from core.demo import load_demo
from core.framework import load_framework
from core.ingest.importer import import_file
from core.store.migrations import alembic_config
from core.store.models import Answer, AttributeTally, Case, Tally, Upload
from core.store.queries import breakdown_counts, case_answers, load_dataset
from core.store.scope import Scope
from core.store.tallies import answer_matrix, count
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


def _tallies(engine, model, keys):
    with Session(engine) as s:
        rows = s.execute(select(*(getattr(model, k) for k in keys), model.n_yes, model.n_no, model.n_na)).all()
    return {tuple(r[:len(keys)]): tuple(r[len(keys):]) for r in rows}


def _answers_counted_in_sql(engine):
    """(upload_id, case_type, code) -> (yes, no, n/a), straight from the answers."""
    sums = [func.sum(case((Answer.value == v, 1), else_=0)) for v in ("Yes", "No", "N/A")]
    with Session(engine) as s:
        rows = s.execute(select(Case.upload_id, Case.case_type, Answer.code, *sums).join(Answer, Answer.case_id == Case.id)
                         .group_by(Case.upload_id, Case.case_type, Answer.code)).all()
    return {tuple(r[:3]): tuple(int(v) for v in r[3:]) for r in rows}


def _attributes_counted_in_pandas(engine):
    """(upload_id, attribute, code, case_type, value) -> (yes, no, n/a), from the case-level answers."""
    with Session(engine) as s:
        rows = s.execute(select(Case.upload_id, Case.case_type, Case.attributes, Answer.code, Answer.value)
                         .join(Answer, Answer.case_id == Case.id)).all()
    out: dict = {}
    for upload_id, case_type, attrs, code, value in rows:
        for name, v in (attrs or {}).items():
            if v is None or str(v).strip() == "":
                continue
            key = (upload_id, name, code, case_type, str(v))
            yes, no, na = out.get(key, (0, 0, 0))
            out[key] = (yes + (value == "Yes"), no + (value == "No"), na + (value == "N/A"))
    return out


def test_an_uploads_tallies_are_its_answers_counted(store):
    _import(store, CASES)
    assert _tallies(store, Tally, ["upload_id", "case_type", "code"]) == _answers_counted_in_sql(store)
    by_attribute = _tallies(store, AttributeTally, ["upload_id", "attribute", "code", "case_type", "value"])
    assert by_attribute == _attributes_counted_in_pandas(store)
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
    before = (_tallies(store, Tally, ["upload_id", "case_type", "code"]),
              _tallies(store, AttributeTally, ["upload_id", "attribute", "code", "case_type", "value"]))
    with store.begin() as conn:  # back to the revision before this one: no tallies tables
        command.downgrade(alembic_config(conn), "0004_tallies-1")
        assert "tallies" not in inspect(conn).get_table_names()
    with store.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    after = (_tallies(store, Tally, ["upload_id", "case_type", "code"]),
             _tallies(store, AttributeTally, ["upload_id", "attribute", "code", "case_type", "value"]))
    assert after == before and before[0]


def test_the_demos_tallies_are_its_answers_counted(store):
    load_demo(store, rounds=1, regions=1, scale=0.2)
    assert _tallies(store, Tally, ["upload_id", "case_type", "code"]) == _answers_counted_in_sql(store)
    assert _tallies(store, AttributeTally, ["upload_id", "attribute", "code", "case_type", "value"]) == _attributes_counted_in_pandas(store)


def test_counting_a_matrix_by_hand():
    codes = ["A", "B"]
    matrix = answer_matrix(codes, [{"A": "Yes", "B": "No"}, {"A": "Yes"}, {"A": "N/A", "B": "Yes"}])
    assert matrix.tolist() == [[1, 2], [1, 0], [3, 1]]
    totals, by = count(7, 3, "court", codes, matrix, {"sex": ["Male", "", "Male"], "grade": [None, None, None]})
    assert totals == [{"upload_id": 7, "inspection_id": 3, "case_type": "court", "code": "A", "n_yes": 2, "n_no": 0, "n_na": 1},
                      {"upload_id": 7, "inspection_id": 3, "case_type": "court", "code": "B", "n_yes": 1, "n_no": 1, "n_na": 0}]
    assert [(r["attribute"], r["value"], r["code"], r["n_yes"], r["n_no"], r["n_na"]) for r in by] == [
        ("sex", "Male", "A", 1, 0, 1), ("sex", "Male", "B", 1, 1, 0)]
    assert count(1, 1, "court", codes, np.zeros((0, 2), dtype=np.int8), {}) == ([], [])


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
