"""One PDU per normalised name, kept by the database: first uploads of one PDU spelt eight ways, started
together in eight processes, make one region, one PDU and one inspection with one current upload."""
from __future__ import annotations

import multiprocessing as mp

import pytest
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.ingest.importer import import_file  # imported here, so that no forked process imports anything
from core.names import name_key, normalised_name
from core.store.db import _sqlite_pragmas
from core.store.models import PDU, Inspection, Region, Upload
from tests.ingest_helpers import ESSEX_NORTH, case_workbook, to_bytes

SPELLINGS = ["Salford", "salford", "SALFORD", " Salford ", "SalFord", "sALFORD", "salford  ", "  SALFORD"]
PROCESSES = len(SPELLINGS)
REPEATS = 3
START_TIMEOUT = 60


@pytest.mark.parametrize("name, key", [
    ("Salford", "salford"), (" SALFORD  ", "salford"), ("Redcar, Cleveland & Middlesbrough", "redcar cleveland and middlesbrough"),
    ("ＳＡＬＦＯＲＤ", "salford"),  # full-width letters: NFKC makes them plain
    ("Stra\u00dfe", "strasse"),  # casefold, not lower
    ("Essex\u00a0North", "essex north"),  # a no-break space is a space
])
def test_normalised_names(name, key):
    assert normalised_name(name) == key


def test_normalised_name_agrees_with_name_key_on_plain_names():
    for name in ["Essex North", "Bristol and South Gloucestershire", "Redcar, Cleveland & Middlesbrough", " wales "]:
        assert normalised_name(name) == name_key(name)


def test_the_database_refuses_a_second_pdu_of_the_same_normalised_name(store):
    with Session(store) as s, s.begin():
        s.add(PDU(region=Region(name="North West"), name="Salford"))
    with pytest.raises(IntegrityError):
        with Session(store) as s, s.begin():
            region = s.execute(select(Region)).scalar_one()
            s.add(PDU(region=region, name="SALFORD "))


def _engine_like(engine):
    """A new engine on the same store, for another process (never share a pool across a fork)."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        with engine.connect() as c:
            schema = c.exec_driver_sql("select current_schema()").scalar_one()
        return url, {"options": f"-csearch_path={schema}"}
    return url, {"timeout": 60}


def _upload_in_process(url, connect_args, data, name, barrier, results):
    engine = create_engine(url, connect_args=connect_args)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        barrier.wait()
        r = import_file(engine, data, name, user=name)
        results.put((name, r.status, r.version, r.inspection_id))
    except Exception as exc:  # reported to the test, which fails on it
        results.put((name, "error", repr(exc), None))
    finally:
        engine.dispose()


@pytest.mark.parametrize("repeat", range(REPEATS))
def test_first_uploads_of_one_pdu_spelt_eight_ways_at_once_make_one_pdu(store, repeat):
    # each repeat on a fresh store: the race is for the first upload
    spellings, unit = SPELLINGS, "Salford"
    files = [(to_bytes(case_workbook(inspection={**ESSEX_NORTH, "region": "North West", "unit": spelt},
                                     cases=[{"case_id": f"C{i}", "P2.1.1": "Yes"}])), f"{i}.xlsx")
             for i, spelt in enumerate(spellings)]
    url, connect_args = _engine_like(store)
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(PROCESSES, timeout=START_TIMEOUT), ctx.Queue()
    procs = [ctx.Process(target=_upload_in_process, args=(url, connect_args, data, name, barrier, results)) for data, name in files]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [o for o in outcomes if o[1] == "error"] == []
    assert sorted(o[2] for o in outcomes) == list(range(1, PROCESSES + 1))
    assert len({o[3] for o in outcomes}) == 1
    with Session(store) as s:
        pdus = s.execute(select(PDU.name).where(PDU.name_key == unit.lower())).scalars().all()
        assert len(pdus) == 1 and pdus[0].strip().lower() == unit.lower()
        assert s.execute(select(func.count()).select_from(Region)).scalar_one() == 1
        inspections = s.execute(select(Inspection.id).where(Inspection.pdu_id.is_not(None))
                                .join(PDU, PDU.id == Inspection.pdu_id).where(PDU.name_key == unit.lower())).scalars().all()
        assert len(inspections) == 1
        current = s.execute(select(func.count()).select_from(Upload)
                            .where(Upload.inspection_id == inspections[0], Upload.is_current.is_(True))).scalar_one()
        assert current == 1
