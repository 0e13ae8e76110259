"""Every page of the dashboard, run from the entry point with Streamlit's AppTest against a small
demo store: no page raises, and the figures a page shows are the ones the core computes.

The store is two rounds of the synthetic demo for two regions (half the usual cases) with the
published annexes, in a SQLite file of this module's own; ``DATABASE_URL`` points the app at it.
The pages cache the engine and the data per store URL, so a fresh URL is a fresh app.
"""
from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import compare
from core.analysis import frameworks_of, key_question_tallies, rate_dataset, rules_for_scenario, staffing_for_region
from core.codes import canonical
from core.compare import COLUMN_LABELS as LABEL
from core.evidence import filter_evidence
from core.formatting import code, markdown_text, rating_rank
from core.framework import load_framework
from core.reports import annex, overview_table
from core.robustness import attach_robustness
from core.scenario import Scenario
from core.store.db import get_engine
from core.store.queries import evidence_frame, uploads_frame
from core.store.scope import Scope
from core.whatif import diff, summary
from tests.app_helpers import (AUTH_SECRETS, BAD_CELL, ROOT, XLSX, build_demo_store, ensure_person, signed_in, valid_workbook,
                               workbook_with_a_bad_cell)

APP = ROOT / "app.py"
PAGES = re.findall(r'st\.Page\(HERE / "(pages/[^"]+\.py)"', APP.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo_store(tmp_path_factory.mktemp("app-demo"))


def open_app(url: str, monkeypatch, page: str | None = None, query: dict | None = None, **kwargs) -> AppTest:
    """The app on the store at ``url``: the default page, then ``page`` opened with ``query`` as its
    address's query string (as when someone follows a shared link)."""
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    for name, value in kwargs.items():  # user, secrets
        setattr(at, name, value)
    at.run()
    assert_ran(at)
    if page:
        at.query_params = dict(query or {})
        at.switch_page(page).run()
        assert_ran(at)
    return at


@pytest.fixture
def app(demo, monkeypatch):
    return lambda page=None, query=None, **kwargs: open_app(demo.url, monkeypatch, page, query, **kwargs)


def assert_ran(at: AppTest) -> None:
    __tracebackhide__ = True
    problems = [f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception]
    assert not problems, "the page raised:\n" + "\n".join(problems)


def read(markdown: str) -> str:
    """Text as a reader sees it: the markdown escapes undone."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert_ran(at)
    return at


# -- every page -----------------------------------------------------------------------------------------

def test_the_entry_point_lists_every_page_file():
    on_disk = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py") if p.name not in ("common.py", "__init__.py"))
    assert sorted(PAGES) == on_disk
    assert len(PAGES) == 8  # with the admin page (issue 10)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_demo_store_without_an_exception(app, page):
    at = app(page)
    assert at.title, f"{page} shows no title"
    assert not at.warning, f"{page} warns on a store with data: {[w.value for w in at.warning]}"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_an_empty_store_and_says_what_is_missing(page, tmp_path, monkeypatch):
    at = open_app(f"sqlite:///{tmp_path / 'empty.db'}", monkeypatch, page)
    if page.endswith("upload.py"):
        assert [c.value for c in at.caption if c.value == "Nothing uploaded yet."]
    elif page.endswith("whatif.py"):
        assert [w.value for w in at.warning] == ["The store holds no inspections yet."]
    elif page.endswith("admin.py"):
        assert [i.value for i in at.info if i.value.startswith("No users yet.")]
    else:
        assert at.warning, f"{page} shows no warning on an empty store"


# -- Overview ------------------------------------------------------------------------------------------

def overview_expected(demo, round_, regions=None):
    rated = demo.ratings[(demo.ratings["round"] == round_) & demo.ratings["inspection_id"].notna()]
    if regions is not None:
        rated = rated[rated["region"].isin(regions)]
    return overview_table(rated)


def test_overview_counts_the_units_the_core_rates_in_each_round(app, demo):
    at = app()
    rounds = sorted(demo.dataset.inspections["round"].unique(), reverse=True)
    assert at.selectbox(key="overview-round").value == rounds[0]
    for round_ in rounds:
        at.selectbox(key="overview-round").set_value(round_)
        rerun(at)
        units = overview_expected(demo, round_)
        assert metrics(at) == {"PDUs": str(int((units["level"] == "PDU").sum())), "Regions": str(int((units["level"] == "Region").sum())),
                               "Rated overall": str(int(units["overall_rating"].notna().sum())),
                               "Inadequate overall": str(int((units["overall_rating"] == "Inadequate").sum()))}
        shown = at.dataframe[0].value
        ratings = [r.split(" ⚠")[0] or None for r in shown["Overall rating"]]
        scores = [f"{s}/{m}" if pd.notna(m) else "" for s, m in zip(shown["Score"], shown["Out of"])]
        assert sorted(zip(shown["Unit"], ratings, scores), key=str) == \
            sorted(zip(units["unit"], units["overall_rating"], units["score"]), key=str)
        # worst first: rating order, then the score as a share of its maximum, numerically
        keys = [(rating_rank(r), s / m if pd.notna(m) else 99) for r, s, m in zip(ratings, shown["Score"], shown["Out of"])]
        assert keys == sorted(keys)
        assert shown["Score"].dtype.kind in "iuf" or str(shown["Score"].dtype) == "Int64"
        assert at.query_params["round"] == round_
    assert len(units) == 15  # 2 regions, 13 PDUs: the demo is what this test thinks it is


def test_overview_narrowed_to_one_region_counts_only_its_units(app, demo):
    region = sorted(demo.dataset.inspections["region"].unique())[-1]
    at = app()
    at.multiselect(key="overview-regions").set_value([region])
    rerun(at)
    round_ = at.selectbox(key="overview-round").value
    units = overview_expected(demo, round_, [region])
    assert int(metrics(at)["PDUs"]) + int(metrics(at)["Regions"]) == len(units)
    assert set(at.dataframe[0].value["Region"]) == {region}


@pytest.mark.parametrize("many", [5, 100])
def test_a_unit_table_links_each_unit_or_above_so_many_offers_a_picker_and_one_link(app, demo, monkeypatch, many):
    import pages.common
    from urllib.parse import parse_qs

    monkeypatch.setattr(pages.common, "MANY_UNIT_LINKS", many)  # the demo has 15 units a round; a national round, some 130
    at = app()
    shown = at.dataframe[0].value
    round_ = at.selectbox(key="overview-round").value
    if many > len(shown):  # a link each, named after its unit
        assert sorted(link.proto.label for link in at.page_link) == sorted(markdown_text(u) for u in shown["Unit"])
        assert not [s for s in at.selectbox if s.key == "overview-open-unit"]
        return
    labels = [u if u == r else f"{u} ({r})" for u, r in zip(shown["Unit"], shown["Region"])]
    picker = at.selectbox(key="overview-open-unit")
    assert picker.options == labels and picker.value is None and not at.page_link
    row = next(i for i, (u, r) in enumerate(zip(shown["Unit"], shown["Region"])) if u != r)  # the worst PDU
    picker.set_value(labels[row])
    rerun(at)
    (link,) = at.page_link
    assert link.proto.label == markdown_text(f"Open {labels[row]}") and link.proto.page.endswith("scorecard")
    assert parse_qs(link.proto.query_string) == {"round": [round_], "region": [shown["Region"][row]], "unit": [shown["Unit"][row]]}


def test_an_overview_address_with_a_round_and_region_opens_that_view_on_a_fresh_visit(demo, monkeypatch):
    ins = demo.dataset.inspections
    round_, region = min(ins["round"]), max(ins["region"])  # not the latest round, not the first region: no default
    monkeypatch.setenv("DATABASE_URL", demo.url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params = {"round": round_, "region": region}
    rerun(at)  # the session's first run: Overview, the default page, at this address
    assert at.selectbox(key="overview-round").value == round_
    assert at.multiselect(key="overview-regions").value == [region]
    units = overview_expected(demo, round_, [region])
    shown = at.dataframe[0].value
    assert set(shown["Region"]) == {region} and sorted(shown["Unit"]) == sorted(units["unit"])
    assert at.query_params == {"round": round_, "region": region}


def test_a_reader_scoped_to_one_region_sees_only_that_region(app, demo):
    region = sorted(demo.dataset.inspections["region"].unique())[0]
    ensure_person(demo.url, "lead@example.org", "regional", [region])
    at = app(user=signed_in("lead@example.org"), secrets=AUTH_SECRETS)
    round_ = at.selectbox(key="overview-round").value
    units = overview_expected(demo, round_, [region])
    assert int(metrics(at)["PDUs"]) + int(metrics(at)["Regions"]) == len(units)
    assert set(at.dataframe[0].value["Region"]) == {region}
    assert any(markdown_text(region) in c.value and markdown_text("lead@example.org") in c.value for c in at.sidebar.caption)


# -- PDU scorecard ---------------------------------------------------------------------------------------

def assert_scorecard_shows(at, demo, inspection):
    __tracebackhide__ = True
    o = demo.overall(inspection["inspection_id"])
    shown = metrics(at)
    rating = shown["Overall rating"].removesuffix(" ⚠")  # the marker: test_the_scorecard_marks_a_rating_on_little_with_its_reason
    assert (rating, shown["Score"]) == (o["rating"], f"{int(o['score'])}/{int(o['max_score'])}")
    assert at.header[0].value == f"{markdown_text(inspection['unit'])} PDU"
    expected_annex = annex(demo.ratings, inspection["inspection_id"])
    annex_shown = table_with(at, "How it is reached")
    assert list(zip(annex_shown["Standard"], [r.split(" ⚠")[0] for r in annex_shown["Rating"]])) == \
        list(zip(expected_annex["standard"], expected_annex["rating"].fillna("")))


def table_with(at, column: str):
    """The first table on the page with a column headed ``column``."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a column {column!r}")


def test_scorecard_shows_the_core_overall_rating_and_score_of_the_pdu_it_selects(app, demo):
    at = app("pages/scorecard.py")
    chosen = {k: at.selectbox(key=f"scorecard-{k}").value for k in ("round", "region", "unit")}
    pdus = demo.inspections("pdu")
    inspection = pdus[(pdus["round"] == chosen["round"]) & (pdus["region"] == chosen["region"])
                      & (pdus["unit"] == chosen["unit"])].iloc[0]
    assert_scorecard_shows(at, demo, inspection)


def test_the_scorecards_evidence_per_standard_is_drawn_when_its_fold_is_opened(app, demo):
    at = app("pages/scorecard.py")
    inspection_id = demo.inspections("pdu").set_index(["round", "region", "unit"]).loc[
        tuple(at.selectbox(key=f"scorecard-{k}").value for k in ("round", "region", "unit")), "inspection_id"]
    items = evidence_frame(get_engine(demo.url), Scope.national(), [int(inspection_id)])
    standard = items["standard"].iloc[0]  # a standard with evidence, as written ('P 1.1')
    count = int((items["standard"] == standard).sum())

    def evidence_tables():
        return [t.value for t in at.dataframe if "Evidence" in t.value.columns]

    folds = [read(e.label) for e in at.expander if read(e.label).startswith(f"{standard} ")]
    assert len(folds) == 1 and f": {count} evidence item(s), " in folds[0]
    assert not evidence_tables()  # folded: not drawn
    at.session_state[f"scorecard-evidence-{canonical(standard)}"] = True  # as a click on the fold does
    rerun(at)
    (shown,) = evidence_tables()
    assert len(shown) == count > 0


def test_the_scorecards_why_as_a_table_is_drawn_when_its_fold_is_opened(app, demo):
    at = app("pages/scorecard.py")

    def why_tables():
        return [t.value for t in at.dataframe if "Driving key question" in t.value.columns]

    assert [read(e.label) for e in at.expander if read(e.label) == "These figures as a table"]
    assert not why_tables()  # folded: not drawn (the sentences above say the same)
    at.session_state["scorecard-why-table"] = True  # as a click on the fold does
    rerun(at)
    (shown,) = why_tables()
    sentences = " ".join(m.value for m in at.markdown)
    assert len(shown) > 0 and all(markdown_text(standard) in sentences for standard in shown["Standard"])


def test_the_scorecard_says_how_the_pdu_stands_beside_its_region_and_draws_the_charts_when_their_fold_is_opened(app, demo):
    at = app("pages/scorecard.py")
    chosen = tuple(at.selectbox(key=f"scorecard-{k}").value for k in ("round", "region", "unit"))
    unit = chosen[2]
    inspection_id = demo.inspections("pdu").set_index(["round", "region", "unit"]).loc[chosen, "inspection_id"]
    ds = demo.dataset
    side = compare.unit_vs_region_vs_nation(key_question_tallies(ds, frameworks_of(ds)), ds.inspections, inspection_id)
    own = side[side["comparison"] == "unit"]
    region = side[side["comparison"] == "region"].set_index("key_question_label")["percent"]
    below = sum(p < region[k] for k, p in zip(own["key_question_label"], own["percent"]) if k in region and pd.notna(p))
    words = " ".join(m.value for m in at.markdown)
    assert markdown_text(f"{unit} on {len(own)} key questions beside its region and the nation; below its region on "
                         f"{below} of them.") in words
    assert markdown_text(f"{unit}: ratings across 2 rounds") in words  # the demo holds two rounds
    assert not at.get("plotly_chart")  # folded: not drawn
    at.session_state["scorecard-charts"] = True  # as a click on the fold does
    rerun(at)
    drawn = [c.proto.id for c in at.get("plotly_chart")]
    assert [["scorecard-comparison" in d, "scorecard-trend" in d] for d in drawn] == [[True, False], [False, True]]
    (bars,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if "scorecard-comparison" in c.proto.id]
    assert {trace["name"] for trace in bars["data"]} >= {unit}


def test_scorecard_follows_its_round_region_and_pdu_pickers(app, demo):
    pdus = demo.inspections("pdu")
    inspection = pdus.iloc[len(pdus) // 2 - 1]  # the earlier round, not the first region's first PDU
    at = app("pages/scorecard.py")
    for key in ("round", "region", "unit"):
        at.selectbox(key=f"scorecard-{key}").set_value(inspection[key])
        rerun(at)
    assert_scorecard_shows(at, demo, inspection)
    assert at.query_params == {"round": inspection["round"], "region": inspection["region"], "unit": inspection["unit"]}


def test_a_scorecard_link_opens_on_the_pdu_it_names(app, demo):
    pdus = demo.inspections("pdu")
    inspection = pdus.iloc[-1]  # the last PDU of the last region in the current round
    at = app("pages/scorecard.py", {"round": inspection["round"], "region": inspection["region"], "unit": inspection["unit"]})
    assert [at.selectbox(key=f"scorecard-{k}").value for k in ("round", "region", "unit")] == \
        [inspection["round"], inspection["region"], inspection["unit"]]
    assert_scorecard_shows(at, demo, inspection)


def test_a_scorecard_link_naming_no_known_pdu_falls_back_to_the_first(app, demo):
    at = app("pages/scorecard.py", {"unit": "Atlantis", "round": "1999-00"})
    assert at.selectbox(key="scorecard-round").value == max(demo.dataset.inspections["round"])
    assert metrics(at)["Overall rating"]


# -- Region ----------------------------------------------------------------------------------------------

def assert_region_shows(at, demo, inspection):
    __tracebackhide__ = True
    o = demo.overall(inspection["inspection_id"])
    shown = metrics(at)
    rating = shown["Overall rating"].removesuffix(" ⚠")  # marked where the region's own domain two ratings rest on little
    assert (rating, shown["Score"]) == (o["rating"], f"{int(o['score'])}/{int(o['max_score'])}")
    fw = load_framework(inspection["framework"])
    row = demo.ratings[demo.ratings["inspection_id"] == inspection["inspection_id"]].iloc[0].to_dict()
    staffing = staffing_for_region(demo.dataset, fw, row, demo.ratings)
    assert staffing is not None, "the demo gives every region its R 1.2 staffing figures"
    assert (shown["PDU aggregate"], shown["Aggregate rating"], shown["Usual R 1.2 rating"]) == (
        f"{staffing.aggregate_score} of {3 * staffing.pdus}", staffing.aggregate_rating.label,
        " or ".join(r.label for r in staffing.usual))
    pdus_shown = table_with(at, "PDU")
    expected = demo.inspections("pdu")
    assert sorted(pdus_shown["PDU"]) == sorted(expected.loc[(expected["region"] == inspection["region"])
                                                             & (expected["round"] == inspection["round"]), "unit"])


def test_region_shows_the_core_regional_rating_and_staffing_for_each_region(app, demo):
    regions = demo.inspections("region")
    at = app("pages/region.py")
    for inspection in regions.sort_values("round", ascending=False, kind="stable").to_dict("records"):
        at.selectbox(key="region-round").set_value(inspection["round"])
        rerun(at)
        at.selectbox(key="region-region").set_value(inspection["region"])
        rerun(at)
        assert at.header[0].value == f"{markdown_text(inspection['region'])} region"
        assert_region_shows(at, demo, inspection)


def test_a_region_address_with_a_round_and_region_opens_that_region_on_a_fresh_visit(app, demo):
    regions = demo.inspections("region")
    inspection = regions[(regions["round"] == min(regions["round"])) & (regions["region"] == max(regions["region"]))].iloc[0]
    at = app("pages/region.py", {"round": inspection["round"], "region": inspection["region"]})
    assert (at.selectbox(key="region-round").value, at.selectbox(key="region-region").value) == \
        (inspection["round"], inspection["region"])
    assert at.header[0].value == f"{markdown_text(inspection['region'])} region"
    assert_region_shows(at, demo, inspection)
    assert at.query_params == {"round": inspection["round"], "region": inspection["region"]}


# -- Compare ----------------------------------------------------------------------------------------------

# the Compare page's sections (tabs, the one open named in the address) and the charts each draws
SECTION_CHARTS = {"Cases sufficient": ["compare-bars"], "Against the national rate": ["compare-funnel"],
                  "Key questions by PDU": ["compare-heatmap"], "By case attribute": ["compare-breakdown"],
                  "One PDU": ["compare-side-by-side", "compare-trend"]}


@pytest.mark.parametrize("section", list(SECTION_CHARTS))
def test_compare_draws_the_open_section_only_with_its_charts_and_tables(app, section):
    at = app("pages/compare.py", {"section": section})
    drawn = [c.proto.id for c in at.get("plotly_chart")]
    assert [[key for key in SECTION_CHARTS[section] if key in chart] for chart in drawn] == [[k] for k in SECTION_CHARTS[section]]
    assert [t.value for t in at.dataframe if t.value.empty] == []
    if section != "One PDU":  # its tables are downloads only
        assert len(at.dataframe) >= 1
    assert at.query_params.get("section") == (None if section == "Cases sufficient" else section)


def test_compare_shows_sufficiency_charts_and_tables_with_data(app, demo):
    at = app("pages/compare.py")
    round_ = at.selectbox(key="compare-round").value
    theme = at.selectbox(key="compare-measure-theme").value
    at.selectbox(key="compare-by").set_value("region")
    rerun(at)
    ins = demo.dataset.inspections
    in_round = ins[ins["round"] == round_]
    codes = compare.stored_codes("hmip-2025", load_framework("hmip-2025").theme(theme).items)
    expected = compare.sufficiency(demo.dataset.counts, in_round, codes, "region").sort_values("region")
    shown = at.dataframe[0].value.sort_values(LABEL["region"])
    assert list(shown[LABEL["region"]]) == list(expected["region"]) == sorted(in_round["region"].unique())
    assert list(shown[LABEL["n_sufficient"]]) == list(expected["n_sufficient"])
    assert list(shown[LABEL["n_relevant"]]) == list(expected["n_relevant"])
    assert list(shown[LABEL["percent"]]) == list(expected["percent"].astype(float).round(1))
    assert (expected["n_relevant"] > 0).all()


def test_compare_opens_on_the_best_and_worst_few_pdus_each_bar_named_with_its_region(app, demo):
    at = app("pages/compare.py")
    assert at.selectbox(key="compare-by").value == "unit" and at.toggle(key="compare-show-all").value is False
    round_, theme = at.selectbox(key="compare-round").value, at.selectbox(key="compare-measure-theme").value
    ins = demo.dataset.inspections
    table = compare.theme_sufficiency(demo.dataset.counts, ins[ins["round"] == round_], load_framework("hmip-2025"), theme, "unit")
    ranked = table[table["percent"].notna()].sort_values("percent", ascending=False, kind="stable")
    assert len(ranked) > 10  # more than the best and worst five: the default view is theirs
    named = [f"{u} (region)" if level == "region" else f"{u} ({r})" for u, r, level in zip(ranked["unit"], ranked["region"], ranked["level"])]
    (bars,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if "compare-bars" in c.proto.id]
    sections, names = bars["data"][0]["y"]
    assert sections == ["Highest 5"] * 5 + ["Lowest 5"] * 5
    assert [html.unescape(n) for n in names] == named[:5] + named[-5:]


def test_compare_by_key_question_runs_for_every_domain_two_key_question(app):
    at = app("pages/compare.py")
    at.radio(key="compare-kind").set_value("key_question")
    rerun(at)
    # the options read 'P 2.1.1 Does assessment ...'; the widget's value is the code, 'P2.1.1'
    codes = [canonical(" ".join(label.split()[:2])) for label in at.selectbox(key="compare-measure-key_question").options]
    assert len(codes) > 4
    for code in codes:
        at.selectbox(key="compare-measure-key_question").set_value(code)
        rerun(at)
        assert at.query_params["measure"] == code
        assert not at.dataframe[0].value.empty, f"no table for {code}"


# -- What-if ----------------------------------------------------------------------------------------------

def test_whatif_with_the_framework_rules_changes_nothing(app):
    at = app("pages/whatif.py")
    assert at.header[0].value == "no rating changes"
    assert len(at.dataframe[0].value) == 0
    assert set(at.query_params) == {"round", "region", "unit"}  # no scenario in the address: only the PDU in detail


def stricter_bands_changes(demo, with_marks: bool = False):
    """The ratings stricter bands change (core.whatif.diff); ``with_marks``: with each rating under the
    scenario as the page must show it, marked ⚠ where the core's robustness under the scenario says so."""
    frameworks = frameworks_of(demo.dataset)
    rules = rules_for_scenario(Scenario(thresholds=(85, 70, 55)), frameworks)
    after = rate_dataset(demo.dataset, rules, frameworks)
    changes = diff(demo.ratings, after)
    if with_marks:
        d2 = after[after["domain"].eq(2) & after["rating"].notna()]
        robust = attach_robustness(d2, key_question_tallies(demo.dataset, frameworks), rules)
        flagged = robust.loc[(robust["n_relevant"] < 20) | (robust["p_different"] >= 0.30), ["inspection_id", "standard"]]
        marked = set(zip(flagged["inspection_id"], flagged["standard"]))
        changes["shown_after"] = [f"{a} ⚠" if (i, s) in marked and a else (a or "")
                                  for i, s, a in zip(changes["inspection_id"], changes["standard"], changes["after"])]
    return changes


def assert_whatif_shows(at, changes):
    __tracebackhide__ = True
    assert len(changes) > 0, "stricter bands should move some demo ratings"
    assert at.header[0].value == summary(changes)  # every round's
    picked = at.selectbox(key="whatif-changes-round").value  # the list's: the latest round's unless another is picked
    changes = changes if picked == "Every round" else changes[changes["round"] == picked]
    shown = [t.value for t in at.dataframe if "Now" in t.value.columns and "Change" in t.value.columns]
    assert len(shown) == 1 and len(shown[0]) == len(changes) > 0
    under = shown[0]["Under the scenario"].str.removesuffix(" ⚠")  # the marker is checked on its own, below
    assert sorted(zip(shown[0]["Unit"], shown[0]["Round"], shown[0]["Standard"], shown[0]["Now"], under)) == \
        sorted(zip(changes["unit"], changes["round"], changes["standard"].map(code), changes["before"].fillna(""),
                   changes["after"].fillna("")))


def test_whatif_thresholds_change_exactly_the_ratings_the_core_says(app, demo):
    at = app("pages/whatif.py")
    for key, value in (("outstanding", 85), ("good", 70), ("ri", 55)):
        at.slider(key=f"whatif-t-{key}").set_value(value)
    rerun(at)
    assert_whatif_shows(at, stricter_bands_changes(demo))
    assert Scenario.from_query(dict(at.query_params)).thresholds == (85, 70, 55)  # the view's link carries the scenario


def test_every_rating_that_changes_is_marked_where_it_rests_on_little_under_the_scenario(app, demo):
    changes = stricter_bands_changes(demo, with_marks=True)
    assert changes["shown_after"].str.endswith("⚠").any() and not changes["shown_after"].str.endswith("⚠").all()
    at = app("pages/whatif.py", Scenario(thresholds=(85, 70, 55)).query_params())
    at.selectbox(key="whatif-changes-round").set_value("Every round")
    rerun(at)
    [shown] = [t.value for t in at.dataframe if "Now" in t.value.columns and "Change" in t.value.columns]
    assert sorted(zip(shown["Unit"], shown["Round"], shown["Standard"], shown["Under the scenario"])) == \
        sorted(zip(changes["unit"], changes["round"], changes["standard"].map(code), changes["shown_after"]))
    marked = shown[shown["Under the scenario"].str.endswith("⚠")]
    assert marked["Read with care"].str.startswith("Read with care: ").all()
    assert (shown.loc[~shown["Under the scenario"].str.endswith("⚠"), "Read with care"] == "").all()


def test_a_whatif_link_opens_on_its_scenario(app, demo):
    at = app("pages/whatif.py", Scenario(thresholds=(85, 70, 55)).query_params())
    assert [at.slider(key=f"whatif-t-{k}").value for k in ("outstanding", "good", "ri")] == [85, 70, 55]
    assert_whatif_shows(at, stricter_bands_changes(demo))


# -- small samples marked on every page (issue 12, item 4) ---------------------------------------------

FEW_CASES, LIKELY_OTHER = 20, 0.30  # a rating on fewer than 20 relevant cases, or with a 30% or greater chance of another


def domain_two_robustness(demo) -> pd.DataFrame:
    """Every domain two rating the core gives the demo store, with its robustness (framework rules)."""
    frameworks = frameworks_of(demo.dataset)
    r = demo.ratings
    rated = r[r["domain"].eq(2) & r["rating"].notna() & r["inspection_id"].notna()]
    robust = attach_robustness(rated, key_question_tallies(demo.dataset, frameworks),
                               {fid: fw.rules for fid, fw in frameworks.items()})
    return robust.assign(few=robust["n_relevant"] < FEW_CASES, likely_other=robust["p_different"] >= LIKELY_OTHER)


def pdu_rating_of_kind(demo, kind: str) -> dict:
    """A PDU's domain two rating: on fewer than 20 cases ('few'), on 20 or more with a 30% or greater chance
    of another rating ('likely'), or on 20 or more with a lower chance in a PDU with no rating of either
    kind ('steady'); with the words its reason must hold."""
    robust = domain_two_robustness(demo)
    robust = robust[robust["level"] == "pdu"]
    flagged = robust["few"] | robust["likely_other"]
    if kind == "few":
        pick = robust[robust["few"]].sort_values("likely_other", kind="stable")  # the case count alone, where it can be
        words = lambda r: [f"only {int(r['n_relevant'])} relevant cases", f"fewer than {FEW_CASES}"]
    elif kind == "likely":
        pick = robust[robust["likely_other"] & ~robust["few"]]
        words = lambda r: ["chance of another rating", f"{LIKELY_OTHER:.0%} or more"]
    else:
        steady_units = ~flagged.groupby(robust["inspection_id"]).transform("any")
        pick = robust[steady_units]
        words = lambda r: []
    assert not pick.empty, f"the demo store has no PDU rating of the kind {kind!r}"
    row = pick.iloc[0].to_dict()
    return {**row, "code": code(row["standard"]), "overall": demo.overall(row["inspection_id"])["rating"],
            "marked": kind != "steady", "words": words(row)}


def assert_marked(shown_rating: str, reason: str, rating: str, case: dict, with_code: bool = False) -> None:
    """The rating shown carries the marker and a reason in words where the case is flagged, and neither where not."""
    __tracebackhide__ = True
    reason = read(reason)
    if case["marked"]:
        assert shown_rating == f"{rating} ⚠"
        assert reason.startswith("Read with care:") and all(w in reason for w in case["words"]), reason
        assert not with_code or case["code"] in reason, reason
    else:
        assert (shown_rating, reason) == (rating, "")


def row_of(table: pd.DataFrame, **where) -> pd.Series:
    rows = table
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, f"{len(rows)} rows with {where}"
    return rows.iloc[0]


def view_of(case: dict, *keys: str) -> dict:
    return {k: case[k] for k in keys}


KINDS = ["few", "likely", "steady"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_scorecard_marks_a_rating_on_little_with_its_reason(app, demo, kind):
    case = pdu_rating_of_kind(demo, kind)
    at = app("pages/scorecard.py", view_of(case, "round", "region", "unit"))
    row = row_of(table_with(at, "How it is reached"), Standard=case["code"])
    assert_marked(row["Rating"], row["Read with care"], case["rating"], case)
    assert metrics(at)["Overall rating"] == (f"{case['overall']} ⚠" if case["marked"] else case["overall"])
    said = [read(m.value) for m in at.markdown if m.value.startswith("⚠")]
    if case["marked"]:  # the one line under the overall rating names the standard and why
        assert len(said) == 1 and case["code"] in said[0] and all(w in said[0] for w in case["words"]), said
    else:
        assert said == []


@pytest.mark.parametrize("kind", KINDS)
def test_region_marks_a_pdus_rating_on_little_and_its_overall_with_the_reason(app, demo, kind):
    case = pdu_rating_of_kind(demo, kind)
    at = app("pages/region.py", view_of(case, "round", "region"))
    row = row_of(table_with(at, "PDU"), PDU=case["unit"])
    assert row[case["code"]] == (f"{case['rating']} ⚠" if case["marked"] else case["rating"])
    assert_marked(row["Overall rating"], row["Read with care"], case["overall"], case, with_code=True)


@pytest.mark.parametrize("kind", KINDS)
def test_overview_marks_a_units_overall_resting_on_a_rating_on_little_with_the_reason(demo, monkeypatch, kind):
    case = pdu_rating_of_kind(demo, kind)
    monkeypatch.setenv("DATABASE_URL", demo.url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params = view_of(case, "round", "region")
    rerun(at)  # Overview, the default page, at the address of the case's round and region
    assert (at.selectbox(key="overview-round").value, at.multiselect(key="overview-regions").value) == \
        (case["round"], [case["region"]])
    row = row_of(table_with(at, "Scorecard"), Unit=case["unit"], Level="PDU")
    assert_marked(row["Overall rating"], row["Read with care"], case["overall"], case, with_code=True)


@pytest.mark.parametrize("kind", KINDS)
def test_whatif_marks_a_rating_on_little_with_its_reason(app, demo, kind):
    case = pdu_rating_of_kind(demo, kind)
    at = app("pages/whatif.py", view_of(case, "round", "region", "unit"))  # the framework's rules: nothing changes
    at.toggle(key="whatif-robust-all-lowest").set_value(True)  # the robustness of every rating of the round, asked for
    rerun(at)
    robust = [t.value for t in at.dataframe if "Chance of another rating (%)" in t.value.columns and "Unit" in t.value.columns]
    assert len(robust) == 1, "the robustness of every rating of the round, when asked for"
    row = row_of(robust[0], Unit=case["unit"], Region=case["region"], Round=case["round"], Standard=case["code"])
    assert_marked(row["Rating"], row["Read with care"], case["rating"], case)
    detail = [t.value for t in at.dataframe if {"Under the scenario", "Counts"} <= set(t.value.columns)]
    assert len(detail) == 1
    row = row_of(detail[0], Standard=case["code"])
    assert_marked(row["Under the scenario"], row["Read with care"], case["rating"], case)


# -- Evidence ---------------------------------------------------------------------------------------------

def test_evidence_lists_the_current_round_items_in_scope(app, demo):
    at = app("pages/evidence.py")
    items = evidence_frame(get_engine(demo.url), Scope.national())
    round_ = at.selectbox(key="evidence-round").value
    assert round_ == max(items["round"])
    assert at.selectbox(key="evidence-round").options == sorted(items["round"].unique(), reverse=True)
    expected = filter_evidence(items, round_=round_)
    assert len(at.dataframe[0].value) == len(expected) > 0
    assert any(c.value == f"{len(expected)} of {len(expected)} evidence items in {round_}" for c in at.caption)
    at.text_input(key="evidence-q").set_value("zzzz-not-in-any-evidence")
    rerun(at)
    assert len(at.dataframe[0].value) == 0


# -- Upload -----------------------------------------------------------------------------------------------

def test_upload_offers_the_template_and_lists_the_upload_history(app, demo):
    at = app("pages/upload.py")
    assert [b.label for b in at.download_button if b.key == "upload-template"] == ["Download template"]
    every = uploads_frame(get_engine(demo.url), Scope.national())
    rounds = sorted(every["round"].unique(), reverse=True)
    assert len(every) == 30 and len(rounds) == 2
    # one round at a time, the latest first: a national store holds hundreds of uploads a round
    picker = at.selectbox(key="upload-history-round")
    assert picker.options == [*rounds, "All rounds"] and picker.value == rounds[0]
    latest = every[every["round"] == rounds[0]]
    assert sorted(at.dataframe[0].value["SHA-256 (start)"]) == sorted(latest["sha256"].str[:12]) and 0 < len(latest) < 30
    picker.set_value("All rounds")
    rerun(at)
    assert len(at.dataframe[0].value) == 30


def test_an_upload_through_the_page_loads_the_workbook_or_lists_every_problem_by_cell(tmp_path, monkeypatch):
    at = open_app(f"sqlite:///{tmp_path / 'uploads.db'}", monkeypatch, "pages/upload.py")
    assert any(c.value == "Nothing uploaded yet." for c in at.caption)

    at.file_uploader(key="upload-file").set_value(("essex-north.xlsx", valid_workbook(), XLSX))
    rerun(at)
    at.button(key="upload-submit").click()
    rerun(at)
    assert [s.value for s in at.success] and "essex-north.xlsx was loaded as version 1" in read(at.success[0].value)
    assert len(at.dataframe[-1].value) == 1  # the history now holds the upload

    at.file_uploader(key="upload-file").set_value(("essex-north-bad.xlsx", workbook_with_a_bad_cell(), XLSX))
    rerun(at)
    at.button(key="upload-submit").click()
    rerun(at)
    assert [read(e.value) for e in at.error] == [
        "essex-north-bad.xlsx was not loaded. Nothing was written. Put these right and upload it again."]
    problems = at.dataframe[0].value
    assert list(problems["where"]) == [BAD_CELL]
    assert "Yse" in problems["problem"].iloc[0]
    assert len(at.dataframe[-1].value) == 1  # nothing was written


def test_an_upload_for_a_region_outside_the_readers_scope_is_refused_and_nothing_written(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'scoped.db'}"
    ensure_person(url, "sw@example.org", "inspector", ["South West"])
    at = open_app(url, monkeypatch, "pages/upload.py", user=signed_in("sw@example.org"), secrets=AUTH_SECRETS)
    at.file_uploader(key="upload-file").set_value(("essex-north.xlsx", valid_workbook(), XLSX))
    rerun(at)
    at.button(key="upload-submit").click()
    rerun(at)
    assert not at.success
    problems = at.dataframe[0].value
    assert len(problems) == 1 and problems["problem"].iloc[0].startswith("East of England is not one of the regions you may upload for")
    assert "South West" in problems["problem"].iloc[0]
    assert any(c.value == "Nothing uploaded yet." for c in at.caption)


def test_the_first_case_upload_into_an_empty_store_is_rated_on_every_page(tmp_path, monkeypatch):
    at = open_app(f"sqlite:///{tmp_path / 'first.db'}", monkeypatch, "pages/upload.py")
    at.file_uploader(key="upload-file").set_value(("essex-north.xlsx", valid_workbook(), XLSX))
    rerun(at)
    at.button(key="upload-submit").click()
    rerun(at)
    assert at.success
    for page in PAGES:
        at.switch_page(page).run()
        assert_ran(at)
    at.switch_page("pages/overview.py").run()
    assert (metrics(at)["PDUs"], metrics(at)["Regions"]) == ("1", "0")


def test_many_files_uploaded_at_once_are_each_checked_and_loaded_on_their_own_with_a_receipt_in_sentences(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'many.db'}"
    at = open_app(url, monkeypatch, "pages/upload.py")
    good = valid_workbook()  # one file's bytes, twice: a workbook made again a second later differs (its saved time)
    at.file_uploader(key="upload-file").set_value([("essex-north.xlsx", good, XLSX),
                                                   ("essex-north-bad.xlsx", workbook_with_a_bad_cell(), XLSX),
                                                   ("essex-north-again.xlsx", good, XLSX)])
    rerun(at)
    at.button(key="upload-submit").click()
    rerun(at)
    said = [read(s.value) for s in at.success]
    assert said == ["essex-north.xlsx was loaded as version 1 of the sentence management cases for Essex North PDU "
                    "(East of England).",
                    "essex-north-again.xlsx was already loaded as version 1: nothing changed."]
    assert [read(e.value) for e in at.error] == [
        "essex-north-bad.xlsx was not loaded. Nothing was written. Put these right and upload it again."]
    history = uploads_frame(get_engine(url), Scope.national())
    assert len(history) == 1  # the good file once; the bad one wrote nothing
    sha = history["sha256"].iloc[0]
    assert not any(sha in m.value for m in at.markdown) and not any(sha in s for s in said)  # the hash is folded away
    assert any(sha in str(t.value.values) for t in at.dataframe)  # ... in the technical details
    assert "hmip-2025" not in " ".join(read(m.value) for m in at.markdown)  # the framework by its name
    assert at.get("progress")[0].value == 100  # the bar, full once every file is done


def test_no_page_changes_the_reads_the_pages_share(app, demo):
    """The store as read, its tallies and every rating (now and under a scenario) are cached once and shared as
    they are (st.cache_resource, no copy per read): a page that changed one would change every later visitor's
    page. Taken once, then every page visited (a scenario's link, the scorecard's folds opened), they must be
    exactly as they were."""
    import copy

    from pages import common

    scenario = Scenario.from_query({"t": "81,65,50", "w": "3,2,1,0"})
    at = app()
    key = common._key(Scope.national())
    shared = {"dataset": lambda: common._dataset(*key), "rated": lambda: common._rated(*key), "ratings": lambda: common._ratings(*key),
              "robust ratings": lambda: common._robust_ratings(*key), "tallies": lambda: common._tallies(*key),
              "checks": lambda: common._checks(*key), "under the scenario": lambda: common._scenario_ratings(*key, scenario),
              "changes under it": lambda: common._scenario_changes(*key, scenario), "made ready to rate": lambda: common._rerater(*key).rows}
    before = {name: copy.deepcopy(read()) for name, read in shared.items()}
    for page in PAGES:
        at.switch_page(page).run()
        assert_ran(at)
    at.query_params = {"t": "81,65,50", "w": "3,2,1,0"}
    at.switch_page("pages/whatif.py").run()
    at.session_state["whatif-charts"] = True
    rerun(at)
    at.switch_page("pages/scorecard.py").run()
    at.session_state["scorecard-why-table"] = True
    rerun(at)
    for name, read in shared.items():
        now, then = read(), before[name]
        frames = ([(f, getattr(now, f), getattr(then, f)) for f in then.__dataclass_fields__] if name == "dataset"
                  else [(name, now, then)])
        for label, a, b in frames:
            pd.testing.assert_frame_equal(a, b, obj=label)
    assert common.ratings(Scope.national()) is not common._ratings(*key)  # a page gets its own copy


def test_a_page_run_asks_the_store_its_version_once_and_the_next_run_asks_again(app, monkeypatch):
    """Every cached read is keyed on the store's version; one run asks once (its reads all see the same version of
    the store), and the next run asks again, so that an upload landed in between is seen at once."""
    from pages import common

    asked = []
    real = common.store_version
    monkeypatch.setattr(common, "store_version", lambda engine: asked.append(1) or real(engine))
    at = app("pages/region.py")
    assert len(asked) == 2  # the app's first page, then the region page: once each
    rerun(at)
    assert len(asked) == 3
