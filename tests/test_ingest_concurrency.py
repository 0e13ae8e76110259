"""Two uploads at once: neither interleaves with the other, no row is lost, versions go 1, 2.

On PostgreSQL the first upload, once it holds its locks, waits until the second is seen blocked
by it (``pg_blocking_pids``): so the test proves the second upload waited, rather than hoping the
threads happened to overlap. On SQLite, ``BEGIN IMMEDIATE`` makes the second wait for the first.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.ingest.importer import import_file
from core.store import uploads
from core.store.models import Case, Upload
from core.store.uploads import LOADED, NEW_VERSION
from tests.ingest_helpers import ESSEX_NORTH, case_workbook, tallies, to_bytes
from tests.test_ingest_import import ESSEX_CASES, SOMERSET

START_TOGETHER_TIMEOUT = 20


def _make_the_first_upload_wait_for_a_blocked_second(monkeypatch, engine):
    """Wrap the locking step: the first upload through it holds on until another is blocked by it."""
    real = uploads._inspection_for_update
    first = threading.Lock()

    def locked_then_wait(s, fields):
        row = real(s, fields)
        if engine.dialect.name == "postgresql" and first.acquire(blocking=False):
            pid = s.execute(text("select pg_backend_pid()")).scalar_one()
            _wait_for_a_backend_blocked_by(engine, pid)
        return row

    monkeypatch.setattr(uploads, "_inspection_for_update", locked_then_wait)


def _wait_for_a_backend_blocked_by(engine, pid: int) -> None:
    deadline = time.monotonic() + START_TOGETHER_TIMEOUT
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            blocked = conn.execute(text("select count(*) from pg_stat_activity where :pid = any(pg_blocking_pids(pid))"),
                                   {"pid": pid}).scalar_one()
            if blocked:
                return
            conn.rollback()
            time.sleep(0.02)
    raise AssertionError("the second upload never waited for the first: the uploads were not serialised")


def _import_together(engine, files: list[tuple[bytes, str]]):
    barrier = threading.Barrier(len(files), timeout=START_TOGETHER_TIMEOUT)

    def one(data, name):
        barrier.wait()
        return import_file(engine, data, name, user=name)

    with ThreadPoolExecutor(len(files)) as pool:
        futures = [pool.submit(one, data, name) for data, name in files]
        return [f.result(timeout=60) for f in futures]


def _rows_per_upload(engine) -> dict[int, tuple[int, int]]:
    with Session(engine) as s:
        cases = dict(s.execute(select(Case.upload_id, func.count()).group_by(Case.upload_id)).all())
        answers: dict[int, int] = {}
        for upload_id, packed in s.execute(select(Case.upload_id, Case.answers)):
            answers[upload_id] = answers.get(upload_id, 0) + len(packed) - packed.count(".")
    return {u: (cases.get(u, 0), answers.get(u, 0)) for u in set(cases) | set(answers)}


def test_two_inspections_uploaded_at_once_both_land_whole(store, monkeypatch):
    _make_the_first_upload_wait_for_a_blocked_second(monkeypatch, store)
    somerset_cases = [{"case_id": f"S{i}", "P2.1.1": "Yes" if i % 3 else "No"} for i in range(30)]
    # the same new region for both, so that the second waits on the first's new region row
    files = [(to_bytes(case_workbook(cases=ESSEX_CASES)), "essex-north.xlsx"),
             (to_bytes(case_workbook(inspection={**SOMERSET, "region": "East of England"}, cases=somerset_cases)), "somerset.xlsx")]
    receipts = _import_together(store, files)
    assert [r.status for r in receipts] == [LOADED, LOADED]
    assert len({r.inspection_id for r in receipts}) == 2
    per_upload = _rows_per_upload(store)
    for r in receipts:
        assert per_upload[r.upload_id] == (r.counts["cases"], r.counts["answers"])
    assert tallies(store)[("Somerset", "P2.1.1")] == (20, 10, 0)
    assert tallies(store)[("Essex North", "P2.1.1")] == (2, 1, 1)


def test_two_new_versions_of_one_inspection_uploaded_at_once_are_numbered_two_and_three(store, monkeypatch):
    # the inspection exists already, so only the lock on its row keeps the two apart
    import_file(store, to_bytes(case_workbook(cases=ESSEX_CASES)), "v1.xlsx")
    _make_the_first_upload_wait_for_a_blocked_second(monkeypatch, store)
    a = to_bytes(case_workbook(cases=[{"case_id": "EN-08", "P2.1.1": "Yes"}]))
    b = to_bytes(case_workbook(cases=[{"case_id": "EN-09", "P2.1.1": "No"}, {"case_id": "EN-10", "P2.1.1": "No"}]))
    receipts = _import_together(store, [(a, "a.xlsx"), (b, "b.xlsx")])
    assert sorted(r.version for r in receipts) == [2, 3]
    assert [r.status for r in receipts] == [NEW_VERSION, NEW_VERSION]
    with Session(store) as s:
        history = s.execute(select(Upload.version, Upload.is_current, Upload.file_name).order_by(Upload.version)).all()
    assert [(v, current) for v, current, _ in history] == [(1, False), (2, False), (3, True)]
    per_upload = _rows_per_upload(store)
    for r in receipts:
        assert per_upload[r.upload_id] == (r.counts["cases"], r.counts["answers"])
    latest = history[-1][2]
    assert tallies(store) == {("Essex North", "P2.1.1"): (1, 0, 0) if latest == "a.xlsx" else (0, 2, 0)}


def test_many_uploads_of_one_inspection_at_once_get_distinct_versions(store):
    import_file(store, to_bytes(case_workbook(cases=ESSEX_CASES)), "v1.xlsx")
    files = [(to_bytes(case_workbook(cases=[{"case_id": f"C{i}", "P2.1.1": "Yes"}])), f"v{i}.xlsx") for i in range(4)]
    receipts = _import_together(store, files)
    assert sorted(r.version for r in receipts) == [2, 3, 4, 5]
    with Session(store) as s:
        assert s.execute(select(func.count()).where(Upload.is_current.is_(True))).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(Case)).scalar_one() == 4 + 4
    assert {r.unit for r in receipts} == {ESSEX_NORTH["unit"]}
