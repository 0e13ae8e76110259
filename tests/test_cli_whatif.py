"""``python -m core whatif``: only the ratings that change, as CSV or JSON; exit 2 on bad input."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from core.cli import main
from core.scenario import Scenario
from core.store.migrations import upgrade
from core.store.models import PDU, Inspection, ProposedRating, Region, Upload
from core.store.scenarios import save_scenario
from tests.store_helpers import store_cases
from tests.conftest import sqlite_engine

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run(capsys):
    """The command in this process (quick); ``test_the_command_runs_as_a_module`` runs it as a process."""
    def run_(*args):
        try:
            code = main(["whatif", *args])
        except SystemExit as exc:  # argparse's own errors
            code = exc.code
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run_


def yes_no(yes: int, no: int) -> list[str]:
    return ["Yes"] * yes + ["No"] * no


@pytest.fixture
def store_url(tmp_path):
    """One PDU, Alpha, with ten sentence management cases:
    P 2.1 70% (Good), P 2.2 90% (Outstanding), P 2.3 60% (Requires improvement), P 2.4 40% (Inadequate),
    and proposed P 1.1-1.3 Good. Overall: 6 + 6 = 12 of 7 standards, Good (Good is 11-17)."""
    engine = sqlite_engine(tmp_path)
    upgrade(engine)
    answers = {"P2.1.1": yes_no(8, 2), "P2.1.2": yes_no(7, 3), "P2.2.1": yes_no(9, 1), "P2.2.2": yes_no(9, 1),
               "P2.3.1": yes_no(6, 4), "P2.3.2": yes_no(6, 4), "P2.4.1": yes_no(4, 6), "P2.4.2": yes_no(5, 5)}
    with Session(engine) as s, s.begin():
        region = Region(name="North East")
        ins = Inspection(level="pdu", region=region, pdu=PDU(region=region, name="Alpha"), unit_name="Alpha", framework="hmip-2025",
                         round="2025-26", fieldwork_start=dt.date(2025, 6, 1), status="fieldwork", synthetic=True)
        s.add(ins)
        s.flush()
        up = Upload(inspection_id=ins.id, kind="cases", version=1, is_current=True, file_name="t.xlsx", sha256="0" * 64,
                    uploaded_by="test", counts={})
        s.add(up)
        s.flush()
        store_cases(s, up.id, ins.id, "sentence-management",
                    [(f"A{i}", {}, {code: values[i] for code, values in answers.items()}) for i in range(10)])
        for std in ("P1.1", "P1.2", "P1.3"):
            s.add(ProposedRating(upload_id=up.id, inspection_id=ins.id, standard=std, rating="Good", rationale="test"))
    yield f"sqlite:///{tmp_path / 'store.db'}", engine
    engine.dispose()


def test_stricter_thresholds_list_only_the_ratings_that_fall(store_url, run):
    url, _ = store_url
    code, out, err = run("--db", url, "--thresholds", "90,80,70")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    # P 2.1 70% -> Requires improvement, P 2.3 60% -> Inadequate; P 2.2 stays Outstanding at 90%;
    # the score falls to 6 + 1 + 3 + 0 + 0 = 10, Requires improvement (3 < S <= 10)
    assert [(r["unit"], r["standard"], r["before"], r["after"], r["direction"]) for r in rows] == [
        ("Alpha", "P 2.1", "Good", "Requires improvement", "down"),
        ("Alpha", "P 2.3", "Requires improvement", "Inadequate", "down"),
        ("Alpha", "OVERALL", "Good", "Requires improvement", "down"),
    ]
    assert "3 ratings change: 3 down" in err


def test_the_framework_rules_change_nothing_and_print_only_the_header(store_url, run):
    url, _ = store_url
    code, out, err = run("--db", url, "--thresholds", "80,65,50", "--aggregation", "lowest")
    assert code == 0, err
    assert out.strip() == "unit,level,region,round,framework,standard,before,after,direction,steps"
    assert "no rating changes" in err


def test_json_output_and_excluding_standards(store_url, run):
    url, _ = store_url
    # without P 2.3 and P 2.4: 2 + 2 + 2 + 2 + 3 = 11 of 5 standards; Good is 8-12: no change
    code, out, err = run("--db", url, "--exclude", "P2.4", "--exclude", "P 2.3", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == []
    # without P 1.1 as well: 4 standards, Good is 7-10. Outstanding scoring 4 gives 2 + 2 + 2 + 4 = 10: still Good
    code, out, err = run("--db", url, "--exclude", "P2.4,P2.3,P1.1", "--weights", "4,2,1,0", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == []
    # Outstanding scoring 5 gives 11: Outstanding
    code, out, err = run("--db", url, "--exclude", "P2.4,P2.3,P1.1", "--weights", "5,2,1,0", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == [{"unit": "Alpha", "level": "pdu", "region": "North East", "round": "2025-26", "framework": "hmip-2025",
                                "standard": "OVERALL", "before": "Good", "after": "Outstanding", "direction": "up", "steps": 1}]


def test_a_saved_scenario_or_a_link_can_be_used_and_options_override_it(store_url, run):
    url, engine = store_url
    save_scenario(engine, "strict", Scenario(thresholds=(90, 80, 70)))
    code, out, err = run("--db", url, "--scenario", "strict")
    assert code == 0, err
    assert len(list(csv.DictReader(io.StringIO(out)))) == 3
    code, out, err = run("--db", url, "--scenario", "strict", "--thresholds", "80,65,50")
    assert code == 0, err
    assert list(csv.DictReader(io.StringIO(out))) == []
    code, out, err = run("--db", url, "--link", "t=90,80,70&page=what-if")
    assert code == 0, err
    assert len(list(csv.DictReader(io.StringIO(out)))) == 3


@pytest.mark.parametrize("args, message", [
    (["--thresholds", "80,65"], "--thresholds '80,65'"),
    (["--thresholds", "50,65,80"], "Outstanding >= Good"),
    (["--weights", "3,2,1,-1"], "must not be negative"),
    (["--exclude", "P9.9"], "cannot exclude P 9.9"),
    (["--scenario", "nobody saved this"], "no scenario is saved"),
    (["--aggregation", "maximum"], "invalid choice"),
    (["--weights", "99999999999999999999999,2,1,0"], "whole number from 0 to 100"),
    (["--weights", "101,2,1,0"], "--weights '101,2,1,0'"),
    (["--fractions", "20,30,101"], "at most 100"),
    (["--link", "garbage"], "'garbage', not a parameter"),
    (["--link", "t=85,70,55&t=80,65,50"], "gives t= 2 times"),
    (["--link", "t=85,70,55&agg=mean&agg=median"], "gives agg= 2 times"),
    (["--link", ""], "--link is empty"),
    (["--link", "w=3,2,1,0&weights=4,2,1,0"], "'weights', not a parameter"),
    (["--link", "w=99999999999999999999999,2,1,0"], "--link 'w=99999999999999999999999,2,1,0'"),
])
def test_bad_options_exit_2_with_a_message(store_url, run, args, message):
    url, _ = store_url
    code, out, err = run("--db", url, *args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_a_link_may_carry_the_pages_own_parameters_or_be_a_whole_address(store_url, run):
    url, _ = store_url
    for link in ("t=90,80,70&round=2025-26&region=North+East&unit=Alpha&page=whatif",
                 "http://localhost:8501/whatif?t=90,80,70&round=2025-26"):
        code, out, err = run("--db", url, "--link", link)
        assert code == 0, err
        assert len(list(csv.DictReader(io.StringIO(out)))) == 3


def test_weights_and_fractions_at_their_bounds_are_taken(store_url, run):
    url, _ = store_url
    # Outstanding scoring 100: P 2.2 alone gives 100 + 2 + 1 + 0 + 3 x 2 = 109; Good up to 100 x 7 is still Good
    code, out, err = run("--db", url, "--weights", "100,2,1,0", "--fractions", "0,1,100", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == []
    code, out, err = run("--db", url, "--weights", "100,2,1,0", "--format", "json")
    assert code == 0, err
    assert [(r["standard"], r["after"]) for r in json.loads(out)] == [("OVERALL", "Outstanding")]


def test_a_huge_weight_exits_2_with_a_message(store_url, run):
    url, _ = store_url
    code, _, err = run("--db", url, "--weights", "99999999999999999999999,2,1,0")
    assert code == 2 and "whole number from 0 to 100" in err


def test_the_command_runs_as_a_module(store_url):
    url, _ = store_url
    proc = subprocess.run([sys.executable, "-m", "core", "whatif", "--db", url, "--thresholds", "90,80,70"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "unit,level,region,round,framework,standard,before,after,direction,steps"
    assert len(proc.stdout.splitlines()) == 4
