"""Many files at once (issue 11.4, command line): ``python -m core import DIR_OR_FILES…`` and the
``import_many`` function an upload page can call: one transaction per file, progress after each."""
from __future__ import annotations

import io

import pytest

from core.cli import main
from core.ingest.importer import Progress, expand_sources, import_many
from tests.ingest_helpers import ESSEX_NORTH, case_workbook, save, table_counts

SOUTH = {**ESSEX_NORTH, "unit": "Essex South"}


@pytest.fixture
def batch(tmp_path):
    """A directory of fieldwork: two good workbooks (one in a sub-folder), one bad, and files to skip."""
    folder = tmp_path / "fieldwork"
    (folder / "south").mkdir(parents=True)
    save(case_workbook(cases=[{"case_id": "N1", "P2.1.1": "Yes"}, {"case_id": "N2", "P2.1.1": "No"}]), folder / "a-north.xlsx")
    save(case_workbook(inspection=SOUTH, cases=[{"case_id": "S1", "P2.1.1": "Yes"}]), folder / "south" / "c-south.xlsx")
    save(case_workbook(cases=[{"case_id": "X", "P2.1.1": "Yse"}]), folder / "b-bad.xlsx")
    (folder / "~$a-north.xlsx").write_bytes(b"Excel's lock file")
    (folder / "notes.txt").write_text("not an upload")
    return folder


def _use_store(monkeypatch, store):
    from core.store import db

    monkeypatch.setattr(db, "get_engine", lambda _url=None: store)  # the command opens its store by URL: give it this test's


def test_a_directory_gives_its_workbooks_and_csv_files_in_name_order(batch):
    assert [p.relative_to(batch).as_posix() for p in expand_sources([batch])] == ["a-north.xlsx", "b-bad.xlsx", "south/c-south.xlsx"]


def test_import_many_loads_each_file_in_its_own_transaction_and_reports_progress(store, batch):
    seen: list[Progress] = []
    outcomes = import_many(store, expand_sources([batch]), user="inspector", progress=seen.append)
    assert [(o.file_name, o.loaded) for o in outcomes] == [("a-north.xlsx", True), ("b-bad.xlsx", False), ("c-south.xlsx", True)]
    assert [(p.done, p.total, p.cases) for p in seen] == [(1, 3, 2), (2, 3, 2), (3, 3, 3)]
    assert outcomes[1].findings[0].cell == "Cases!H2" and "b-bad.xlsx was not loaded" in outcomes[1].message
    before = table_counts(store)
    again = import_many(store, [(batch.joinpath("a-north.xlsx").read_bytes(), "a-north.xlsx")])  # bytes, as a page has them
    assert again[0].receipt.status == "already loaded" and table_counts(store) == before


def test_the_command_imports_a_directory_quietly_off_a_terminal_and_sums_up(store, batch, monkeypatch, capsys):
    _use_store(monkeypatch, store)
    assert main(["import", str(batch), "--db", "sqlite://"]) == 2
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "file,status,inspection,kind,version,counts,sha256"
    assert [line.split(",")[1] for line in lines[1:]] == ["loaded", "loaded"]
    assert 'Cases!H2: "Yse" is not one of Yes, No, N/A' in err
    assert "3 files in " in err and "2 loaded, 0 new versions, 0 already loaded (nothing changed), 1 refused; 3 cases and 3 answers stored" in err
    assert "importing" not in err and "\r" not in err  # no progress bar where nobody watches
    assert main(["import", str(batch / "a-north.xlsx"), "--db", "sqlite://"]) == 0
    assert "1 file in " in capsys.readouterr().err


def test_a_path_that_is_not_there_exits_two(store, monkeypatch, capsys, tmp_path):
    _use_store(monkeypatch, store)
    assert main(["import", str(tmp_path / "missing"), "--db", "sqlite://"]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["import", str(tmp_path / "empty"), "--db", "sqlite://"]) == 2
    assert "no .xlsx or .csv files" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_progress_bar_shows_files_cases_and_time_left(store, batch, monkeypatch, capsys):
    _use_store(monkeypatch, store)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setenv("COLUMNS", "120")
    assert main(["import", str(batch), "--db", "sqlite://"]) == 2
    shown = terminal.getvalue()
    assert "importing:" in shown and "3/3 files" in shown and "3 cases" in shown and "left]" in shown
    assert "b-bad.xlsx was not loaded" in shown  # refusals are written above the bar


def _stored(store) -> list[tuple]:
    from sqlalchemy import text

    with store.connect() as c:
        return c.execute(text("SELECT u.file_name, u.version, u.sha256, c.case_ref, c.answers FROM uploads u "
                              "JOIN cases c ON c.upload_id = u.id ORDER BY u.file_name, c.case_ref")).all()


def test_files_checked_ahead_in_worker_processes_store_what_one_process_stores(tmp_path, batch):
    from core.store.db import get_engine

    one, ahead = get_engine(f"sqlite:///{tmp_path / 'one.db'}"), get_engine(f"sqlite:///{tmp_path / 'ahead.db'}")
    seen: list[Progress] = []
    by_one = import_many(one, expand_sources([batch]), user="inspector", workers=1)
    by_workers = import_many(ahead, expand_sources([batch]), user="inspector", workers=2, progress=seen.append)
    assert [(p.done, p.total, p.cases) for p in seen] == [(1, 3, 2), (2, 3, 2), (3, 3, 3)]
    assert [(o.file_name, o.loaded, o.findings, o.total, o.message) for o in by_workers] == \
           [(o.file_name, o.loaded, o.findings, o.total, o.message) for o in by_one]
    assert by_workers[1].findings[0].cell == "Cases!H2"  # a refusal comes back from the worker with its cells
    assert [o.receipt.sha256 for o in by_workers if o.loaded] == [o.receipt.sha256 for o in by_one if o.loaded]
    assert _stored(ahead) == _stored(one) and len(_stored(one)) == 3
    assert table_counts(ahead) == table_counts(one)


def test_a_batch_cut_short_by_a_store_error_stops_its_workers(store, batch):
    stored = []

    def importer(checked, name):
        if stored:
            raise RuntimeError("the store went away")
        stored.append(name)
        from core.ingest.importer import import_file
        return import_file(store, checked, name)

    with pytest.raises(RuntimeError, match="the store went away") as cut:  # held: its traceback keeps import_many's frame
        import_many(store, expand_sources([batch]), importer=importer, workers=2)
    assert stored == ["a-north.xlsx"]
    import multiprocessing
    assert multiprocessing.active_children() == [], cut  # no worker left behind


def test_a_refusal_survives_the_trip_from_a_worker_process():
    import pickle

    from core.errors import InvalidWorkbook
    from core.findings import Finding

    refused = InvalidWorkbook("b.xlsx", [Finding("bad-answer", '"Yse" is not one of Yes, No, N/A', sheet="Cases", row=2, column="H")], total=7)
    back = pickle.loads(pickle.dumps(refused))
    assert (back.file_name, back.findings, back.total, str(back)) == ("b.xlsx", refused.findings, 7, str(refused))


def test_the_command_checks_ahead_with_workers_or_in_one_process(store, batch, monkeypatch, capsys):
    _use_store(monkeypatch, store)
    assert main(["import", str(batch), "--db", "sqlite://", "--workers", "1"]) == 2
    one_process = capsys.readouterr().out
    assert main(["import", str(batch), "--db", "sqlite://", "--workers", "2"]) == 2
    again = capsys.readouterr().out
    assert [line.split(",")[1] for line in again.splitlines()[1:]] == ["already loaded", "already loaded"]
    assert [line.split(",")[-1] for line in again.splitlines()[1:]] == [line.split(",")[-1] for line in one_process.splitlines()[1:]]


def test_workers_check_ahead_only_where_a_forked_worker_is_safe(monkeypatch):
    from core.ingest import importer

    monkeypatch.setattr(importer.sys, "platform", "darwin")
    assert importer.default_workers() == 1
    monkeypatch.setattr(importer.sys, "platform", "linux")
    monkeypatch.setattr(importer.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3, 4, 5, 6, 7}, raising=False)
    assert importer.default_workers() == 4
    monkeypatch.setattr(importer.os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert importer.default_workers() == 1


def test_an_error_of_the_cores_in_a_worker_is_one_files_outcome_as_in_one_process(tmp_path, batch, monkeypatch):
    """A file whose check fails for a reason that is not in the file (here an error of the core's, as a broken
    framework file gives) is reported and the others still load, with workers as in one process."""
    from core.errors import FrameworkError
    from core.ingest import importer
    from core.store.db import get_engine

    real = importer.parse_upload

    def parse(data, name):
        if name == "b-bad.xlsx":
            raise FrameworkError("frameworks/x.yaml", "standards", "not a list")
        return real(data, name)

    monkeypatch.setattr(importer, "parse_upload", parse)  # the forked workers inherit it
    outcomes = {}
    for workers in (1, 2):
        engine = get_engine(f"sqlite:///{tmp_path / f'w{workers}.db'}")
        outcomes[workers] = [(o.file_name, o.loaded, o.message)
                             for o in import_many(engine, expand_sources([batch]), user="inspector", workers=workers)]
    assert outcomes[2] == outcomes[1]
    assert outcomes[1][1] == ("b-bad.xlsx", False, "frameworks/x.yaml: standards: not a list")
    assert [loaded for _, loaded, _ in outcomes[1]] == [True, False, True]


def test_every_error_of_the_cores_survives_the_trip_from_a_worker_process():
    import pickle

    from core.errors import FrameworkError, InputError, InvalidPublishedRatings

    for error in (FrameworkError("f.yaml", "key", "bad"), InputError("no such thing", row=3, column="unit"),
                  InvalidPublishedRatings("p.csv", [], total=2)):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error) and vars(back) == vars(error)


def test_workers_must_be_one_or_more(store, batch, monkeypatch, capsys):
    _use_store(monkeypatch, store)
    with pytest.raises(SystemExit) as exit_:
        main(["import", str(batch), "--db", "sqlite://", "--workers", "0"])
    assert exit_.value.code == 2 and "not a number of processes" in capsys.readouterr().err


def test_workers_are_not_forked_where_forking_is_not_safe(store, batch, monkeypatch):
    from core.ingest import importer

    monkeypatch.setattr(importer.sys, "platform", "darwin")
    monkeypatch.setattr(importer, "checked_ahead", lambda *a: pytest.fail("forked on macOS"))
    outcomes = import_many(store, expand_sources([batch]), workers=4)
    assert [o.loaded for o in outcomes] == [True, False, True]
