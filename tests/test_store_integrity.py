"""Schema integrity (migration 0002_integrity): what the database itself refuses, the upgrade of a store
made at 0001 that holds data (including the duplicates and the mixed sets 0001 let in), and one
current set of cases, evidence and proposed ratings per inspection and kind."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.cli import main
from core.errors import InvalidWorkbook
from core.ingest.importer import import_file
from core.store.migrations import alembic_config, current_revision, head_revision, upgrade
from core.store.models import PDU, AnswerLayout, Case, Inspection, ProposedRating, Region, Upload
from core.store.queries import load_dataset
from core.store.scope import Scope
from core.store.uploads import DEMO_INSPECTION
from tests.conftest import postgres_engine, sqlite_engine
from tests.ingest_helpers import ESSEX_NORTH, case_workbook, evidence_workbook, table_counts, to_bytes


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_at_0001(request, tmp_path):
    """An empty store migrated only to the first revision, on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        eng, drop = sqlite_engine(tmp_path), None
    else:
        eng, drop = postgres_engine()
    with eng.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
    yield eng
    eng.dispose()
    if drop:
        drop()


# -- what the database refuses ----------------------------------------------------------------------

def _inspection(s, level="pdu", unit="Alpha", with_pdu=True, round_="2025-26"):
    region = s.execute(select(Region).where(Region.name == "North East")).scalar_one_or_none() or Region(name="North East")
    pdu = PDU(region=region, name=unit) if with_pdu else None
    ins = Inspection(level=level, region=region, pdu=pdu, unit_name=unit, framework="hmip-2025", round=round_)
    s.add(ins)
    return ins


@pytest.mark.parametrize("level, with_pdu", [("pdu", False), ("region", True), ("PDU", True), ("national", False)])
def test_an_inspection_must_be_a_pdu_one_with_its_pdu_or_a_regional_one_without(store, level, with_pdu):
    with pytest.raises(IntegrityError):
        with Session(store) as s, s.begin():
            _inspection(s, level=level, with_pdu=with_pdu)


def test_pdu_and_regional_inspections_that_follow_the_rules_are_stored(store):
    with Session(store) as s, s.begin():
        _inspection(s, "pdu", "Alpha", True)
        _inspection(s, "region", "North East", False)
    with Session(store) as s:
        assert s.execute(select(func.count()).select_from(Inspection)).scalar_one() == 2


@pytest.mark.parametrize("packed", ["yY", "Yes", "Y ", "1.", "N/", "y."])
def test_a_packed_answer_other_than_yes_no_na_or_none_is_refused(store, packed):
    """A case's answers hold only Y, N, X and '.' (``core.store.answers``): the database refuses the rest."""
    with Session(store) as s, s.begin():
        ins = _inspection(s)
        s.flush()
        up = Upload(inspection_id=ins.id, kind="cases", version=1, file_name="f", sha256="0" * 64, uploaded_by="u", counts={})
        layout = AnswerLayout(codes="P2.1.1,P2.1.2")
        s.add_all([up, layout])
        s.flush()
        s.add(Case(upload_id=up.id, inspection_id=ins.id, case_type="sentence-management", case_ref="C1", attributes={},
                   layout_id=layout.id, answers="YX"))
        ids = dict(upload_id=up.id, inspection_id=ins.id, layout_id=layout.id)
    with pytest.raises(IntegrityError):
        with Session(store) as s, s.begin():
            s.add(Case(case_type="sentence-management", case_ref="C2", attributes={}, answers=packed, **ids))


def test_two_current_uploads_of_one_inspection_and_kind_are_refused(store):
    with Session(store) as s, s.begin():
        ins = _inspection(s)
        s.flush()
        iid = ins.id
        s.add(Upload(inspection_id=iid, kind="evidence", version=1, is_current=True, file_name="a", sha256="a" * 64, uploaded_by="u", counts={}))
        s.add(Upload(inspection_id=iid, kind="evidence", version=2, is_current=False, file_name="b", sha256="b" * 64, uploaded_by="u", counts={}))
        s.add(Upload(inspection_id=iid, kind="cases", version=1, is_current=True, file_name="c", sha256="c" * 64, uploaded_by="u", counts={}))
    with pytest.raises(IntegrityError):
        with Session(store) as s, s.begin():
            s.add(Upload(inspection_id=iid, kind="evidence", version=3, is_current=True, file_name="d", sha256="d" * 64,
                         uploaded_by="u", counts={}))


def test_unique_constraints_are_named_after_all_their_columns(store):
    from sqlalchemy import inspect

    insp = inspect(store)
    names = {(t, tuple(u["column_names"])): u["name"] for t in insp.get_table_names() for u in insp.get_unique_constraints(t)}
    for (table, columns), name in names.items():
        assert name == f"uq_{table}_{'_'.join(columns)}", (table, columns)
    assert ("pdus", ("region_id", "name_key")) in names and ("regions", ("name_key",)) in names


# -- evidence and proposed ratings versioned as cases are ---------------------------------------------

ESSEX_EVIDENCE = {**ESSEX_NORTH, "level": "pdu"}


def _evidence(rating: str, rationale: str) -> bytes:
    return to_bytes(evidence_workbook(ESSEX_EVIDENCE, items=[("P 1.1", "P1.1.1", None, "strength", "positive", "documents", "Clear vision.")],
                                      ratings=[("P1.1", rating, rationale)], judgements={"diversity": ("Yes", "fine")}))


def test_a_second_evidence_workbook_is_the_next_version_and_only_its_ratings_count(store, tmp_path, capsys, monkeypatch):
    url = store.url.render_as_string(hide_password=False)
    import_file(store, to_bytes(case_workbook(cases=[{"case_id": f"C{i}", "P2.1.1": "Yes" if i % 4 else "No"} for i in range(20)])), "cases.xlsx")
    first = import_file(store, _evidence("Good", "first view"), "evidence-1.xlsx")
    second = import_file(store, _evidence("Inadequate", "second view"), "evidence-2.xlsx")
    assert (first.version, second.version, second.kind) == (1, 2, "evidence")
    with Session(store) as s:
        assert s.execute(select(func.count()).select_from(ProposedRating)).scalar_one() == 2  # history kept
    proposed = load_dataset(store, Scope.national()).proposed
    assert proposed[["standard", "rating", "rationale"]].values.tolist() == [["P1.1", "Inadequate", "second view"]]
    if store.dialect.name == "postgresql":
        return  # the commands open the store by URL; the schema of the PostgreSQL test is in the engine's options
    assert main(["whatif", "--db", url, "--thresholds", "99,98,97", "--format", "json"]) == 0
    changes = json.loads(capsys.readouterr().out)
    assert changes and all(c["unit"] == "Essex North" for c in changes)
    assert main(["ratings", "--db", url, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["rating"] for r in rows if r["standard"] == "P 1.1"] == ["Inadequate"]
    from tests.test_app_pages import open_app

    open_app(url, monkeypatch, "pages/whatif.py")  # the What-if page too (raises on any exception it shows)


# -- demo data stays apart ------------------------------------------------------------------------------

def test_an_upload_onto_a_synthetic_demo_inspection_is_refused_and_changes_nothing(store):
    from core.demo import load_demo

    load_demo(store, rounds=1, regions=1, scale=0.2)
    with Session(store) as s:
        region, unit = s.execute(select(Region.name, Inspection.unit_name).join(Region, Inspection.region_id == Region.id)
                                 .where(Inspection.level == "pdu")).first()
    before = table_counts(store)
    demo_pdu = {"region": region, "level": "pdu", "unit": unit.upper(), "fieldwork_start": dt.date(2025, 9, 1)}
    for data, name in ((to_bytes(evidence_workbook(demo_pdu, ratings=[("P1.1", "Good", "")])), "evidence.xlsx"),
                       (to_bytes(case_workbook(inspection=demo_pdu, cases=[{"case_id": "C1", "P2.1.1": "Yes"}])), "cases.xlsx")):
        with pytest.raises(InvalidWorkbook) as err:
            import_file(store, data, name)
        assert [f.type for f in err.value.findings] == [DEMO_INSPECTION]
        assert "synthetic demo inspection" in str(err.value) and "demo --remove" in str(err.value)
        assert table_counts(store) == before
    # a real PDU beside the demo ones is welcome
    import_file(store, to_bytes(case_workbook(inspection={**demo_pdu, "unit": "A real PDU"}, cases=[{"case_id": "C1", "P2.1.1": "Yes"}])), "real.xlsx")


# -- upgrading a store made at 0001 --------------------------------------------------------------------

def _legacy_rows(conn) -> dict[str, int]:
    """A store as 0001 let it be: Salford spelt two ways (two PDUs, two inspections), and a demo inspection
    that also took a real evidence upload (two current sets of proposed ratings)."""
    ids = {}

    def insert(table: str, **values) -> int:
        cols = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({marks})"), values)
        return conn.execute(text(f"SELECT MAX(id) FROM {table}")).scalar_one()

    ids["region"] = insert("regions", name="North West")
    ids["salford"] = insert("pdus", region_id=ids["region"], name="Salford")
    ids["SALFORD"] = insert("pdus", region_id=ids["region"], name="SALFORD ")
    ids["demo_pdu"] = insert("pdus", region_id=ids["region"], name="Quillhaven")
    common = dict(level="pdu", region_id=ids["region"], framework="hmip-2025", round="2025-26", status="fieldwork")
    ids["ins_a"] = insert("inspections", pdu_id=ids["salford"], unit_name="Salford", synthetic=False, **common)
    ids["ins_b"] = insert("inspections", pdu_id=ids["SALFORD"], unit_name="SALFORD ", synthetic=False, **common)
    ids["ins_demo"] = insert("inspections", pdu_id=ids["demo_pdu"], unit_name="Quillhaven", synthetic=True, **common)
    ids["ins_region"] = insert("inspections", level="region", region_id=ids["region"], pdu_id=None, unit_name="North West",
                               framework="hmip-2025", round="2025-26", status="fieldwork", synthetic=False)
    up = dict(kind="cases", version=1, is_current=True, counts="{}", sha256="0" * 64)
    ids["up_a"] = insert("uploads", inspection_id=ids["ins_a"], file_name="a.xlsx", uploaded_by="a",
                         uploaded_at=dt.datetime(2025, 7, 1, 9, 0), **up)
    ids["up_b"] = insert("uploads", inspection_id=ids["ins_b"], file_name="b.xlsx", uploaded_by="b",
                         uploaded_at=dt.datetime(2025, 7, 1, 9, 5), **up)
    for upload, inspection, answers in ((ids["up_a"], ids["ins_a"], ["Yes", "No"]), (ids["up_b"], ids["ins_b"], ["Yes", "Yes", "Yes"])):
        for i, value in enumerate(answers):
            case = insert("cases", upload_id=upload, inspection_id=inspection, case_type="sentence-management",
                          case_ref=f"C{i}", attributes="{}")
            insert("answers", case_id=case, code="P2.1.1", value=value)
    ids["up_demo"] = insert("uploads", inspection_id=ids["ins_demo"], kind="demo", version=1, is_current=True, file_name="synthetic demo",
                            sha256="d" * 64, uploaded_by="demo", uploaded_at=dt.datetime(2025, 6, 1),
                            counts=json.dumps({"cases": 1, "proposed_ratings": 1}))
    case = insert("cases", upload_id=ids["up_demo"], inspection_id=ids["ins_demo"], case_type="sentence-management", case_ref="D1",
                  attributes="{}")
    insert("answers", case_id=case, code="P2.1.1", value="Yes")
    insert("proposed_ratings", upload_id=ids["up_demo"], inspection_id=ids["ins_demo"], standard="P1.1", rating="Outstanding", rationale="demo")
    ids["up_real_ev"] = insert("uploads", inspection_id=ids["ins_demo"], kind="evidence", version=1, is_current=True,
                               file_name="evidence.xlsx", sha256="e" * 64, uploaded_by="x", uploaded_at=dt.datetime(2025, 8, 1),
                               counts=json.dumps({"proposed_ratings": 1}))
    insert("proposed_ratings", upload_id=ids["up_real_ev"], inspection_id=ids["ins_demo"], standard="P1.1", rating="Good", rationale="real")
    return ids


def test_upgrading_a_store_at_0001_holding_data_mends_it_and_keeps_every_row(store_at_0001):
    eng = store_at_0001
    with eng.begin() as conn:
        ids = _legacy_rows(conn)
    assert current_revision(eng) == "0001"
    upgrade(eng)
    assert current_revision(eng) == head_revision()
    with Session(eng) as s:
        pdus = s.execute(select(PDU.id, PDU.name, PDU.name_key).order_by(PDU.id)).all()
        assert [(p.id, p.name, p.name_key) for p in pdus] == [(ids["salford"], "Salford", "salford"),
                                                             (ids["demo_pdu"], "Quillhaven", "quillhaven")]
        assert s.execute(select(Region.name_key)).scalars().all() == ["north west"]
        salford = s.execute(select(Inspection).where(Inspection.pdu_id == ids["salford"])).scalars().all()
        assert [i.id for i in salford] == [ids["ins_a"]]
        history = s.execute(select(Upload.id, Upload.version, Upload.is_current).where(Upload.inspection_id == ids["ins_a"])
                            .order_by(Upload.version)).all()
        assert [tuple(h) for h in history] == [(ids["up_a"], 1, False), (ids["up_b"], 2, True)]  # by upload time; the latest counts
        packed = s.execute(select(Case.answers)).scalars().all()
        assert sum(len(a) - a.count(".") for a in packed) == 6  # every answer kept, packed into its case
        demo_uploads = s.execute(select(Upload.kind, Upload.version, Upload.is_current, Upload.file_name)
                                 .where(Upload.inspection_id == ids["ins_demo"]).order_by(Upload.kind, Upload.version)).all()
        assert [tuple(u) for u in demo_uploads] == [("demo", 1, True, "synthetic demo"), ("evidence", 1, False, "synthetic demo"),
                                                    ("evidence", 2, True, "evidence.xlsx")]
    ds = load_dataset(eng, Scope.national())
    assert ds.proposed[["inspection_id", "rating"]].values.tolist() == [[ids["ins_demo"], "Good"]]
    counts = ds.counts.set_index("inspection_id")
    assert counts.loc[ids["ins_a"], ["n_yes", "n_no"]].tolist() == [3, 0]  # version 2 (b.xlsx) counts
    assert counts.loc[ids["ins_demo"], ["n_yes", "n_no"]].tolist() == [1, 0]  # the demo's cases still count
    from core.analysis import rate_dataset

    rated = rate_dataset(ds)
    assert len(rated[(rated["inspection_id"] == ids["ins_demo"]) & (rated["standard"] == "P1.1")]) == 1
    # and the new rules hold from now on
    with pytest.raises(IntegrityError):
        with eng.begin() as conn:
            conn.execute(text("UPDATE cases SET answers = 'Yes'"))
