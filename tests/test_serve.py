"""serve.py, what `make run` starts: the store read, rated and checked before the first visitor, into
the very caches the pages read; a store it cannot reach does not stop the server from starting."""
from __future__ import annotations

import gc
import sys

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

    for name in ("load_dataset", "Rerater", "decision_checks"):
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


# what Streamlit and pandas would load while drawing the first page after a start (serve._streamlits_first_use)
FIRST_PAGE_MODULES = ("streamlit.emojis", "streamlit.material_icon_names", "pandas.io.formats.style")


def test_a_warm_start_pays_for_what_streamlit_and_pandas_load_at_the_first_page(tmp_path, monkeypatch, capsys):
    import streamlit.delta_generator

    demo = build_demo_store(tmp_path, regions=1, scale=0.3)
    monkeypatch.setenv("DATABASE_URL", demo.url)
    monkeypatch.setattr(gc, "freeze", lambda: None)
    # as in a server process just started: the catalogues and pandas' Styler not loaded, the direct-run warning not checked
    for name in FIRST_PAGE_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(streamlit.delta_generator, "_use_warning_has_been_displayed", False)
    serve.warm()
    capsys.readouterr()
    for name in FIRST_PAGE_MODULES:
        assert name in sys.modules, f"{name} is left for the first visitor to load"
    assert streamlit.delta_generator._use_warning_has_been_displayed, "the first visitor's page waits on inspect.stack()"
