"""The synthetic demo: deterministic, labelled synthetic, every rating present, some proposals off the rules.

Most tests load a small demo (two regions, a fraction of the cases) on SQLite and PostgreSQL; one
test loads the full default demo on SQLite through the command line and checks its shape.
"""
from __future__ import annotations

import contextlib
import csv
import io
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.cli import main
from core.demo import DemoConflict, demo_pdu_names, load_demo, round_labels
from core.engine import Sufficiency, check_limiting_judgement, check_proposed, rate_standard, score_unit
from core.errors import InputError
from core.framework import load_framework
from core.ratings import Rating, parse_rating
from core.store.answers import answers_stored
from core.store.models import (PDU, Case, EvidenceItem, Inspection, Judgement, ProposedRating, Region,
                               SurveyFigure, Upload)
from core.store.migrations import upgrade
from core.store.queries import case_answers, load_dataset
from core.store.scope import Scope
from tests.conftest import sqlite_engine

FW = load_framework("hmip-2025")
SMALL = {"regions": 2, "scale": 0.3}
ROOT = Path(__file__).resolve().parent.parent


def _tallies(engine) -> pd.DataFrame:
    """The store's answer counts keyed by unit rather than by database id, in a stable order."""
    ds = load_dataset(engine, Scope.national())
    keyed = ds.counts.merge(ds.inspections[["inspection_id", "round", "level", "region", "unit"]], on="inspection_id")
    cols = ["round", "level", "region", "unit", "case_type", "code", "n_yes", "n_no", "n_na"]
    return keyed[cols].sort_values(cols[:6]).reset_index(drop=True)


def _pdu_results(engine):
    """Per PDU inspection: domain two ratings from the stored tallies, proposed domain one ratings, diversity."""
    ds = load_dataset(engine, Scope.national())
    counts = {(r.inspection_id, r.code): (r.n_yes, r.n_yes + r.n_no) for r in ds.counts.itertuples()}
    proposed = {(r.inspection_id, r.standard): parse_rating(r.rating) for r in ds.proposed.itertuples()}
    diversity = {r.inspection_id: bool(r.value) for r in ds.judgements.itertuples() if r.name == "diversity"}
    out = []
    for ins in ds.inspections[ds.inspections.level == "pdu"].itertuples():
        d2 = {}
        for s in FW.standards_at("pdu", 2):
            kqs = [Sufficiency(kq.code, *counts[(ins.inspection_id, kq.code)]) for kq in s.key_questions]
            d2[s.code] = rate_standard(s.code, kqs, FW.rules).rating
        d1 = {s: proposed[(ins.inspection_id, s)] for s in ("P1.1", "P1.2", "P1.3")}
        out.append({"inspection_id": ins.inspection_id, "round": ins.round, "unit": ins.unit, "domain_two": d2,
                    "proposed": d1, "diversity": diversity[ins.inspection_id]})
    return out


def _breaks(results) -> Counter:
    seen = Counter()
    for r in results:
        for std in ("P1.1", "P1.3"):
            check = check_proposed(FW, std, r["proposed"][std], r["domain_two"])
            seen[check.severity] += 1
    return seen


# -- the small demo, on SQLite and PostgreSQL ----------------------------------------------------------

def _fresh_sqlite(path: Path):
    path.mkdir()
    engine = sqlite_engine(path)
    upgrade(engine)
    return engine


def _proposals(engine) -> list[tuple]:
    ds = load_dataset(engine, Scope.national())
    unit = ds.inspections.set_index("inspection_id")["unit"]
    return sorted((unit[r.inspection_id], r.standard, r.rating, r.rationale) for r in ds.proposed.itertuples())


def test_the_same_seed_gives_identical_tallies_on_any_store(store, tmp_path):
    other = _fresh_sqlite(tmp_path / "again")
    load_demo(store, seed=11, **SMALL)
    load_demo(other, seed=11, **SMALL)
    pd.testing.assert_frame_equal(_tallies(store), _tallies(other))
    assert _proposals(store) == _proposals(other)
    other.dispose()


def test_a_different_seed_gives_different_tallies(tmp_path):
    a, b = _fresh_sqlite(tmp_path / "a"), _fresh_sqlite(tmp_path / "b")
    load_demo(a, seed=1, regions=1, scale=0.2)
    load_demo(b, seed=2, regions=1, scale=0.2)
    assert not _tallies(a).equals(_tallies(b))


def test_every_rating_occurs_among_pdu_domain_two_standards(store):
    load_demo(store, **SMALL)
    results = _pdu_results(store)
    seen = Counter(r.label for res in results for r in res["domain_two"].values())
    assert set(seen) == {r.label for r in Rating}, seen
    overall = Counter(score_unit({**res["proposed"], **res["domain_two"]}, FW.rules).rating
                      for res in results)
    assert len(overall) >= 3, overall


def test_most_proposed_ratings_follow_the_decision_rules_but_some_break_them(store):
    load_demo(store, **SMALL)
    seen = _breaks(_pdu_results(store))
    broken = seen["breach"] + seen["flag"]
    assert broken >= 1, seen
    assert seen["ok"] >= 3 * broken, seen


def test_if_empty_does_nothing_the_second_time(store):
    first = load_demo(store, if_empty=True, **SMALL)
    assert first.loaded and first.inspections > 0
    before = _tallies(store)
    second = load_demo(store, if_empty=True, **SMALL)
    assert not second.loaded
    assert "not loaded" in second.message
    assert second.inspections == 0
    pd.testing.assert_frame_equal(_tallies(store), before)


def test_loading_the_demo_twice_is_refused_and_writes_nothing(store):
    load_demo(store, **SMALL)
    with Session(store) as s:
        before = s.execute(select(func.count()).select_from(Inspection)).scalar_one()
    with pytest.raises(DemoConflict, match="already"):
        load_demo(store, **SMALL)
    with Session(store) as s:
        assert s.execute(select(func.count()).select_from(Inspection)).scalar_one() == before


def test_every_row_points_to_its_inspections_demo_upload(store):
    summary = load_demo(store, **SMALL)
    with Session(store) as s:
        inspections = s.execute(select(Inspection)).scalars().all()
        assert len(inspections) == summary.inspections
        assert all(i.synthetic for i in inspections)
        uploads = s.execute(select(Upload)).scalars().all()
        assert len(uploads) == len(inspections)
        assert {u.inspection_id for u in uploads} == {i.id for i in inspections}
        assert {(u.kind, u.version, u.is_current, u.file_name, u.uploaded_by) for u in uploads} == {
            ("demo", 1, True, "synthetic demo", "demo")}
        assert all(len(u.sha256) == 64 for u in uploads)
        upload_of = {u.id: u.inspection_id for u in uploads}
        for model in (Case, EvidenceItem, SurveyFigure, ProposedRating, Judgement):
            pairs = s.execute(select(model.upload_id, model.inspection_id)).all()
            assert pairs, model.__name__
            assert all(upload_of[u] == i for u, i in pairs), model.__name__
        for u in uploads:
            n_cases = s.execute(select(func.count()).select_from(Case).where(Case.upload_id == u.id)).scalar_one()
            assert u.counts["cases"] == n_cases
        assert answers_stored(s) == summary.answers


def test_each_case_answers_every_question_of_its_case_type(store):
    load_demo(store, regions=1, scale=0.2)
    with Session(store) as s:
        cases = s.execute(select(Case.id, Case.case_type, Case.attributes)).all()
    answers: dict[int, dict[str, str]] = {}
    for case_id, code, value in case_answers(store, Scope.national())[["case_id", "code", "value"]].itertuples(index=False):
        answers.setdefault(case_id, {})[code] = value
    assert {c.case_type for c in cases} == {ct.code for ct in FW.case_types}
    for case_id, case_type, attributes in cases:
        got = answers[case_id]
        assert set(got) == set(FW.case_questions(case_type))
        assert set(got.values()) <= {"Yes", "No", "N/A"}
        ct = FW.case_type(case_type)
        assert set(attributes) == set(ct.attributes)
        for name, value in attributes.items():
            assert value in FW.attribute(name).values
        if case_type == "sentence-management" and attributes["sentence_type"] == "Community":
            assert got["R2.5.1"] == "N/A"  # resettlement applies to licence cases only


def test_progress_is_reported_up_to_one(store):
    seen = []
    load_demo(store, progress=lambda fraction, message: seen.append((fraction, message)), **SMALL)
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(isinstance(m, str) and m for _, m in seen)


def test_a_demo_of_named_regions_keeps_their_real_pdu_counts(tmp_path):
    engine = _fresh_sqlite(tmp_path / "named")
    summary = load_demo(engine, rounds=1, regions=["Wales", "north east"], scale=0.1)
    assert (summary.regions, summary.pdus, summary.inspections, summary.rounds) == (2, 13, 15, ("2025-26",))
    with pytest.raises(InputError, match="not a region"):
        load_demo(engine, regions=["Atlantis"])
    with pytest.raises(InputError, match="scale"):
        load_demo(engine, scale=2)


def test_round_labels_end_with_the_current_round():
    assert round_labels(2) == ("2024-25", "2025-26")
    assert round_labels(3) == ("2023-24", "2024-25", "2025-26")
    with pytest.raises(InputError):
        round_labels(0)


def test_pdu_names_are_invented_unique_and_match_the_regional_pdu_counts():
    names = demo_pdu_names(FW)
    assert [r.name for r in FW.regions] == list(names)
    assert all(len(names[r.name]) == r.pdus for r in FW.regions)
    flat = [n for ns in names.values() for n in ns]
    assert len(flat) == len(set(flat)) == 108
    with open(ROOT / "data" / "published_ratings.csv", newline="", encoding="utf-8") as f:
        real_units = {row["unit"].lower() for row in csv.DictReader(f)}
    real = real_units | {r.name.lower() for r in FW.regions}
    assert not [n for n in flat if n.lower() in real]


# -- the full default demo, on SQLite, through the command line ------------------------------------------
# One test, so that the full demo (about 17,000 cases and 700,000 answers) is loaded once, whatever
# the way pytest-xdist spreads the tests.

def test_the_full_default_demo_through_the_command_line(tmp_path):
    from core.store.db import get_engine

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["demo", "--db", url]) == 0, err.getvalue()
    output = out.getvalue()
    assert "Loaded the synthetic demo" in output
    assert float(output.split("loaded in ")[1].split(" s")[0]) < 60
    engine = get_engine(url)
    _check_full_shape(engine)
    _check_full_ratings(engine)
    _check_management_oversight(engine)

    before = _tallies(engine)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["demo", "--db", url, "--if-empty"]) == 0
    assert "not loaded" in out.getvalue()
    pd.testing.assert_frame_equal(_tallies(engine), before)
    engine.dispose()


def _check_full_shape(engine) -> None:
    """12 regions with their real PDU counts, 108 PDUs inspected in both rounds, 40-160 cases each."""
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Region)).scalar_one() == 12
        assert s.execute(select(func.count()).select_from(PDU)).scalar_one() == 108
        per_region = dict(s.execute(select(Region.name, func.count(PDU.id)).join(PDU).group_by(Region.name)).all())
        assert per_region == {r.name: r.pdus for r in FW.regions}
        rounds = dict(s.execute(select(Inspection.round, func.count()).where(Inspection.level == "pdu")
                                .group_by(Inspection.round)).all())
        assert rounds == {"2024-25": 108, "2025-26": 108}
        regional = s.execute(select(func.count()).select_from(Inspection).where(Inspection.level == "region")).scalar_one()
        assert regional == 24
        assert s.execute(select(func.count()).select_from(Inspection).where(Inspection.synthetic.is_(False))).scalar_one() == 0
        sm = s.execute(select(func.count()).select_from(Case).where(Case.case_type == "sentence-management")
                       .group_by(Case.inspection_id)).scalars().all()
        assert len(sm) == 216 and min(sm) >= 40 and max(sm) <= 160
        court = s.execute(select(func.count()).select_from(Case).where(Case.case_type == "court")
                          .group_by(Case.inspection_id)).scalars().all()
        assert len(court) == 216 and min(court) >= 10 and max(court) <= 20
        for case_type, low, high in (("unpaid-work", 20, 40), ("victim", 15, 30)):
            n = s.execute(select(func.count()).select_from(Case).where(Case.case_type == case_type)
                          .group_by(Case.inspection_id)).scalars().all()
            assert len(n) == 24 and min(n) >= low and max(n) <= high, case_type
        n_answers = answers_stored(s)
        assert 500_000 < n_answers < 900_000


def _check_full_ratings(engine) -> None:
    """Every rating in each round; rule breaches and guidance flags; an Outstanding limited by diversity."""
    results = _pdu_results(engine)
    for rnd in ("2024-25", "2025-26"):
        seen = Counter(r.label for res in results if res["round"] == rnd for r in res["domain_two"].values())
        assert set(seen) == {r.label for r in Rating}, (rnd, seen)
    breaks = _breaks(results)
    assert breaks["breach"] >= 1 and breaks["flag"] >= 1, breaks
    limited = []
    for res in results:
        overall = score_unit({**res["proposed"], **res["domain_two"]}, FW.rules).rating
        check = check_limiting_judgement(FW, "pdu", overall, res["diversity"])
        if check and check.flagged:
            limited.append(res["unit"])
    assert limited, "no PDU whose overall Outstanding is limited by insufficient diversity arrangements"
    assert sum(1 for r in results if not r["diversity"]) < len(results) / 4


def _check_management_oversight(engine) -> None:
    """Management oversight sufficient in roughly a third to two thirds of cases (seed 004: 48 of 152)."""
    ds = load_dataset(engine, Scope.national())
    mo = ds.counts[ds.counts.code == "MO"]
    share = mo.n_yes.sum() / (mo.n_yes.sum() + mo.n_no.sum())
    assert 0.3 <= share <= 0.6, share
