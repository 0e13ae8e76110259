"""``demo --remove`` removes all demo data and only demo data."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cli import main
from core.demo import DEMO_USER, demo_pdu_names, load_demo
from core.ingest.importer import import_file
from core.store.db import get_engine
from core.store.demo_data import demo_row_counts, remove_demo
from core.store.models import Base, Inspection, PublishedRating
from core.store.published import load_published
from tests.ingest_helpers import ESSEX_NORTH, case_workbook, evidence_workbook, table_counts, to_bytes

REGION = "North East"  # the first region of the framework, which the one-region demo covers
REAL_PDU = {"region": REGION, "level": "pdu", "unit": "Real Town", "fieldwork_start": dt.date(2025, 6, 2)}
REAL_REGION = {"region": "Wales", "level": "region", "unit": "", "fieldwork_start": dt.date(2025, 6, 2)}


def _load_real(engine) -> None:
    import_file(engine, to_bytes(case_workbook(inspection=REAL_PDU, cases=[{"case_id": f"R{i}", "P2.1.1": "Yes"} for i in range(5)])), "real.xlsx")
    import_file(engine, to_bytes(evidence_workbook(REAL_PDU, items=[("P 1.1", "P1.1.1", None, "strength", "positive", "documents", "Clear.")],
                                                   ratings=[("P1.1", "Good", "")])), "real-evidence.xlsx")
    import_file(engine, to_bytes(case_workbook(inspection=ESSEX_NORTH, cases=[{"case_id": "E1", "P2.1.1": "No"}])), "essex.xlsx")
    load_published(engine)


def _rows(engine) -> dict[str, set[tuple]]:
    with Session(engine) as s:
        return {t.name: {tuple(json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v for v in r)
                         for r in s.execute(select(t)).all()} for t in Base.metadata.sorted_tables}


def test_removing_the_demo_removes_all_of_it_and_leaves_real_data_as_it_was(store, tmp_path):
    # the same real data alone, in a store of its own: what must be left
    alone = get_engine(f"sqlite:///{tmp_path / 'alone.db'}")
    _load_real(alone)
    load_demo(store, rounds=1, regions=1, scale=0.2)
    _load_real(store)
    assert demo_row_counts(store)["inspections"] > 0
    before = _rows(store)
    demo_names = {n for names in demo_pdu_names().values() for n in names}

    removed = remove_demo(store)

    after = _rows(store)
    assert table_counts(store) == table_counts(alone)
    assert demo_row_counts(store) == {}
    for table, rows in after.items():
        if table != "published_ratings":
            assert rows <= before[table], f"{table}: a row that is not demo data was changed"
    with Session(store) as s:
        assert not s.execute(select(Inspection).where(Inspection.synthetic.is_(True))).first()
        assert len(s.execute(select(PublishedRating.id)).all()) == len(before["published_ratings"]) > 0
    gone_pdus = {r[2] for r in before["pdus"] - after["pdus"]}
    assert gone_pdus and gone_pdus <= demo_names
    gone_uploads = before["uploads"] - after["uploads"]
    assert {u[7] for u in gone_uploads} == {DEMO_USER}  # uploaded_by
    assert removed["inspections"] == len(before["inspections"] - after["inspections"])
    assert remove_demo(store) == {}


def test_demo_remove_through_the_command_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = get_engine(url)
    load_demo(engine, rounds=1, regions=1, scale=0.2)
    import_file(engine, to_bytes(case_workbook(inspection=REAL_PDU, cases=[{"case_id": "R1", "P2.1.1": "Yes"}])), "real.xlsx")
    assert main(["demo", "--remove", "--db", url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Removed the synthetic demo: ") and "inspections" in out and "cases" in out
    with Session(engine) as s:
        assert s.execute(select(Inspection.unit_name)).scalars().all() == ["Real Town"]
    assert main(["demo", "--remove", "--db", url]) == 0
    assert "nothing was removed" in capsys.readouterr().out
    assert main(["demo", "--remove", "--db", f"sqlite:///{tmp_path / 'none.db'}"]) == 2
