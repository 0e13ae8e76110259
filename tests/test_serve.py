"""serve.py, what `make run` starts: the store read, rated and checked before the first visitor, into
the very caches the pages read; a store it cannot reach does not stop the server from starting."""
from __future__ import annotations

import gc

import serve
from core.store.scope import Scope
from tests.app_helpers import build_demo_store


def test_a_warm_start_fills_the_caches_the_pages_read(tmp_path, monkeypatch, capsys):
    demo = build_demo_store(tmp_path, regions=1, scale=0.3)
    monkeypatch.setenv("DATABASE_URL", demo.url)
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(len(gc.get_objects())))  # this test process is not frozen
    frozen = []
    serve.warm()
    assert capsys.readouterr().out.startswith("warmed up: imports ")
    assert frozen, "what the warm-up made is left to the collector after every script run"

    import pages.common as common

    def not_again(*args, **kwargs):
        raise AssertionError("worked out again: the warm-up did not fill this cache")

    for name in ("load_dataset", "rate_dataset", "decision_checks"):
        monkeypatch.setattr(common, name, not_again)
    import core.views

    monkeypatch.setattr(core.views, "overview_units", not_again)
    rated = common.robust_ratings(Scope.national())  # what the Overview reads first
    assert set(rated["inspection_id"].dropna()) == set(demo.dataset.inspections["inspection_id"])
    assert not common.checks(Scope.national()).empty
    units, published = common.overview_default(Scope.national())  # and what it shows first
    latest = demo.dataset.inspections["round"].max()
    assert set(units["Unit"]) == set(demo.dataset.inspections.loc[demo.dataset.inspections["round"] == latest, "unit"])
    assert not published.empty


def test_a_store_it_cannot_reach_leaves_the_start_cold_not_failed(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    serve.warm()  # no exception: the pages report the store themselves
    assert "not warmed up (" in capsys.readouterr().err
