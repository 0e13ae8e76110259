"""Template -> filled workbooks -> import -> `python -m core ratings`: the ratings equal those worked by hand.

Runs on SQLite and PostgreSQL (the ``store`` fixture); the command is given the store's URL.
"""
from __future__ import annotations

import csv
import io

import pytest

from core.cli import main
from core.errors import InvalidWorkbook
from core.ingest.importer import import_file
from core.store.scope import Scope
from tests.ingest_helpers import ESSEX_NORTH, case_workbook, evidence_workbook, save, table_counts


def _yes_no(code: str, yes: int, no: int) -> list[dict]:
    return [{code: "Yes"}] * yes + [{code: "No"}] * no


def _cases(columns: dict[str, tuple[int, int]], n: int) -> list[dict]:
    """n cases; for each code, the first `yes` answer Yes, the next `no` answer No, the rest blank."""
    cases = [{"case_id": f"EN-{i:03d}"} for i in range(n)]
    for code, (yes, no) in columns.items():
        for i in range(yes + no):
            cases[i][code] = "Yes" if i < yes else "No"
    return cases


# Worked by hand, for 20 Essex North cases (thresholds 80/65/50 on the lowest key question):
#   P 2.1: P2.1.1 17/20 (85%), P2.1.2 14/20 (70%)  -> lowest 70%            -> Good
#   P 2.2: P2.2.1 16/20 (80%), P2.2.2 16/20 (80%)  -> 80%                    -> Outstanding
#   P 2.3: P2.3.1 12/20 (60%), P2.3.2 9/20 (45%)   -> lowest 45%             -> Inadequate
#   P 2.4: P2.4.1 10/20 (50%), P2.4.2 13/20 (65%)  -> lowest 50%             -> Requires improvement
#   proposed P 1.1 Good, P 1.2 Requires improvement, P 1.3 Requires improvement
#   score 2+1+1 + 2+3+0+1 = 10 of 21; N = 7: Requires improvement is 4-10    -> overall Requires improvement
CASE_COUNTS = {"P2.1.1": (17, 3), "P2.1.2": (14, 6), "P2.2.1": (16, 4), "P2.2.2": (16, 4), "P2.3.1": (12, 8), "P2.3.2": (9, 11),
               "P2.4.1": (10, 10), "P2.4.2": (13, 7)}
EXPECTED = {"P 2.1": ("Good", "P 2.1.2", "70.0"), "P 2.2": ("Outstanding", None, "80.0"), "P 2.3": ("Inadequate", "P 2.3.2", "45.0"),
            "P 2.4": ("Requires improvement", "P 2.4.1", "50.0"), "P 1.1": ("Good", None, None),
            "P 1.2": ("Requires improvement", None, None), "P 1.3": ("Requires improvement", None, None)}


def _run_ratings(url: str, *args) -> list[dict]:
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        assert main(["ratings", "--db", url, *args]) == 0
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def essex_north(store, tmp_path, monkeypatch):
    cases = save(case_workbook(cases=_cases(CASE_COUNTS, 20)), tmp_path / "essex-north-cases.xlsx")
    evidence = save(evidence_workbook({**ESSEX_NORTH, "level": "pdu"}, ratings=[("P 1.1", "Good", "strong leadership"),
                                                            ("P 1.2", "Requires improvement", "workloads too high"),
                                                            ("P 1.3", "Requires improvement", "gaps in services")]),
                    tmp_path / "essex-north-evidence.xlsx")
    assert import_file(store, cases, user="inspector").counts["cases"] == 20
    import_file(store, evidence, user="inspector")
    # the command opens its own engine on the URL; a PostgreSQL test schema travels in the connect options
    if store.dialect.name == "postgresql":
        monkeypatch.setattr("core.commands.ratings.existing_store", lambda url: store)
    return store


def test_ratings_after_import_equal_the_hand_worked_ones(essex_north):
    rows = {r["standard"]: r for r in _run_ratings(_url(essex_north), "--unit", "essex north")}
    for standard, (rating, driving, percent) in EXPECTED.items():
        assert rows[standard]["rating"] == rating, standard
        if driving:
            assert rows[standard]["driving_key_question"] == driving
        if percent:
            assert rows[standard]["percent"] == percent
    overall = rows["OVERALL"]
    assert (overall["score"], overall["max_score"], overall["rating"]) == ("10", "21", "Requires improvement")
    assert "16 of 20" in rows["P 2.2"]["basis"] or "80.0%" in rows["P 2.2"]["basis"]


def test_ratings_json_and_unknown_unit(essex_north, capsys):
    url = _url(essex_north)
    assert main(["ratings", "--db", url, "--format", "json"]) == 0
    assert '"standard": "OVERALL"' in capsys.readouterr().out
    assert main(["ratings", "--db", url, "--unit", "Atlantis"]) == 2
    assert "no unit named 'Atlantis'" in capsys.readouterr().err


def test_an_upload_outside_the_uploaders_regions_is_refused_and_writes_nothing(store, tmp_path):
    before = table_counts(store)
    path = save(case_workbook(cases=_cases({"P2.1.1": (1, 0)}, 1)), tmp_path / "en.xlsx")
    with pytest.raises(InvalidWorkbook, match="East of England is not one of the regions you may upload for"):
        import_file(store, path, user="someone", scope=Scope.of_regions("Wales"))
    assert table_counts(store) == before
    assert import_file(store, path, user="someone", scope=Scope.of_regions("East of England")).counts["cases"] == 1


@pytest.mark.parametrize("url, message", [
    ("notaurl", "is not a database URL"),
    ("sqlite:////nonexistent/dir/x.db", "no store at /nonexistent/dir/x.db"),
    ("postgresql+psycopg://nobody@127.0.0.1:1/x", "the store could not be used"),
    ("mysql://x@y/z", "no driver for that database URL"),
])
def test_a_store_that_cannot_be_opened_exits_2_with_a_message(url, message, capsys):
    assert main(["ratings", "--db", url]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_file_that_is_not_a_database_exits_2(tmp_path, capsys):
    path = tmp_path / "not-a-store.db"
    path.write_bytes(b"this is not a database")
    assert main(["ratings", "--db", f"sqlite:///{path}"]) == 2
    assert "the store could not be used" in capsys.readouterr().err
