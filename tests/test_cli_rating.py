"""The command line contracts of score, band and staffing: CSV out with a header, exit 2 on bad input."""
from __future__ import annotations

import contextlib
import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(*args):
    """The command in this process (``core.cli.main``), its exit code and what it printed. An
    exception it let escape fails the test itself; the process as a whole is run once, below."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own errors
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def rows(out):
    return list(csv.DictReader(io.StringIO(out)))


def write(tmp_path, text, name="in.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_score_reproduces_every_published_annex():
    code, out, err = run("score", "--framework", "hmip-pdu-2021", str(ROOT / "data" / "published_ratings.csv"))
    assert code == 0, err
    got = {r["unit"]: (int(r["score"]), int(r["max_score"]), r["overall_rating"]) for r in rows(out)}
    assert got == {
        "Redcar, Cleveland and Middlesbrough": (8, 24, "Requires improvement"),
        "Essex North": (1, 27, "Inadequate"),
        "Northamptonshire": (9, 27, "Requires improvement"),
        "Somerset": (8, 27, "Requires improvement"),
        "Dorset": (3, 27, "Inadequate"),
        "Bristol and South Gloucestershire": (6, 27, "Requires improvement"),
    }


def test_score_reads_rating_words_case_insensitively(tmp_path):
    f = write(tmp_path, "unit,standard,rating\nX,P1.1,GOOD\nX,P 1.2,requires improvement\nX,P2.1,not inspected\n")
    code, out, _ = run("score", "--framework", "hmip-2025", f)
    assert code == 0
    assert rows(out)[0]["score"] == "3" and rows(out)[0]["max_score"] == "6"


def test_band_gives_the_driving_key_question_and_rating(tmp_path):
    f = write(tmp_path, "unit,standard,key_question,n_sufficient,n_relevant\n"
                        "A,P 2.1,P2.1.1,36,40\nA,P 2.1,P 2.1.2,26,40\nA,P2.4,P2.4.1,20,20\n")
    code, out, err = run("band", "--framework", "hmip-2025", f)
    assert code == 0, err
    got = {r["standard"]: r for r in rows(out)}
    assert (got["P 2.1"]["driving_key_question"], got["P 2.1"]["percent"], got["P 2.1"]["rating"]) == ("P 2.1.2", "65.0", "Good")
    assert got["P 2.4"]["rating"] == "Outstanding"
    code, out, _ = run("band", "--framework", "hmip-2025", "--thresholds", "85,70,55", f)
    assert {r["standard"]: r["rating"] for r in rows(out)} == {"P 2.1": "Requires improvement", "P 2.4": "Outstanding"}
    code, out, _ = run("band", "--framework", "hmip-2025", "--aggregation", "mean", f)
    assert {r["standard"]: r["rating"] for r in rows(out)}["P 2.1"] == "Good"


@pytest.mark.parametrize("region, ratings, question, expected", [
    ("South West", ["Good"] * 9, "yes", ("9", "18", "Good", "Good|Outstanding")),
    ("london", ["Requires improvement"] * 18, "no", ("18", "18", "Requires improvement", "Requires improvement|Inadequate")),
    ("WALES", ["Outstanding"] * 6, "no", ("6", "18", "Outstanding", "Good")),
    ("Kent, Surrey & Sussex", ["Inadequate", "Inadequate", "Requires improvement", "Inadequate", "Inadequate"], "yes",
     ("5", "1", "Inadequate", "Requires improvement|Inadequate")),
])
def test_staffing(tmp_path, region, ratings, question, expected):
    f = write(tmp_path, "pdu,rating\n" + "".join(f"PDU {i},{r}\n" for i, r in enumerate(ratings)))
    code, out, err = run("staffing", "--framework", "hmip-2025", "--region", region, "--regional-question", question, f)
    assert code == 0, err
    r = rows(out)[0]
    assert (r["pdus"], r["aggregate_score"], r["aggregate_rating"], r["usual_ratings"]) == expected


@pytest.mark.parametrize("command, text, message", [
    (["score", "--framework", "hmip-2025"], "unit,standard,rating\nX,P 1.1,Excellent\n", "row 2, column 'rating'"),
    (["score", "--framework", "hmip-2025"], "unit,standard,rating\nX,P 1.1,Good\nX,P 9.1,Good\n", "row 3, column 'standard'"),
    (["score", "--framework", "hmip-2025"], "unit,standard\nX,P 1.1\n", "column 'rating'"),
    (["score", "--framework", "hmip-2025"], "unit,standard,rating\nX,P 1.1,Good,extra\n", "row 2"),
    (["score", "--framework", "nope"], "unit,standard,rating\n", "unknown framework 'nope'"),
    (["band", "--framework", "hmip-2025"], "unit,standard,key_question,n_sufficient,n_relevant\nA,P2.1,P2.2.1,1,2\n", "row 2, column 'key_question'"),
    (["band", "--framework", "hmip-2025"], "unit,standard,key_question,n_sufficient,n_relevant\nA,P2.1,P2.1.1,3,2\n", "row 2, column 'n_sufficient'"),
    (["band", "--framework", "hmip-2025"], "unit,standard,key_question,n_sufficient,n_relevant\nA,P2.1,P2.1.1,x,2\n", "column 'n_sufficient'"),
    (["band", "--framework", "hmip-2025", "--thresholds", "50,65,80"], "unit,standard,key_question,n_sufficient,n_relevant\n", "thresholds"),
    (["staffing", "--framework", "hmip-2025", "--region", "Atlantis", "--regional-question", "yes"], "pdu,rating\nA,Good\n", "not a region"),
    (["staffing", "--framework", "hmip-2025", "--region", "Wales", "--regional-question", "maybe"], "pdu,rating\nA,Good\n", "regional-question"),
])
def test_bad_input_exits_2_with_a_message_and_no_traceback(tmp_path, command, text, message):
    f = write(tmp_path, text)
    code, out, err = run(*command, f)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_csv_that_is_not_utf8_is_refused(tmp_path):
    p = tmp_path / "latin1.csv"
    p.write_bytes("unit,standard,rating\nCaf\xe9,P 1.1,Good\n".encode("latin-1"))
    code, _, err = run("score", "--framework", "hmip-2025", str(p))
    assert code == 2 and "not UTF-8" in err and "Traceback" not in err


def test_a_missing_file_is_refused(tmp_path):
    code, _, err = run("score", "--framework", "hmip-2025", str(tmp_path / "nope.csv"))
    assert code == 2 and "cannot read" in err


def test_a_header_naming_a_column_twice_is_refused(tmp_path):
    f = write(tmp_path, "unit,unit,standard,rating\nA,B,1.1,Good\n")
    code, _, err = run("score", "--framework", "hmip-pdu-2021", f)
    assert code == 2 and "row 1, column 'unit'" in err and "more than once" in err


def test_as_a_module_bad_input_exits_2_with_a_message_not_a_traceback(tmp_path):
    f = write(tmp_path, "unit,standard,rating\nA,P 9.9,Good\n")
    proc = subprocess.run([sys.executable, "-m", "core", "score", "--framework", "hmip-2025", f], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and "error:" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "core", "score", "--framework", "hmip-pdu-2021", str(ROOT / "data" / "published_ratings.csv")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("unit,score,max_score,overall_rating")
