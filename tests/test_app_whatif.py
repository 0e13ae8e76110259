"""The What-if page under AppTest: loading saved scenarios and opening links set its widgets, every
value the core accepts fits them (and what does not is warned about), saved scenarios keep their
owners, the robustness of every rating is worked out only when asked for under 'mean' and 'median',
and one PDU is picked by region and name, on the round, region and PDU of the other pages, which it sets in turn.

The store is the two-region demo of ``tests.app_helpers`` in a file of this module's own, with one
PDU of the second region renamed to the name of one in the first, since PDU names are unique only
within a region.
"""
from __future__ import annotations

import re

import pandas as pd
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

import core.robustness
from core.analysis import frameworks_of, key_question_tallies, rate_dataset, rules_for_scenario
from core.formatting import code, percent_value
from core.framework import load_framework
from core.robustness import attach_robustness
from core.scenario import MAX_FRACTION, MAX_WEIGHT, QUERY_KEYS, Scenario
from core.store.db import get_engine
from core.store.models import PDU, Inspection
from core.store.queries import load_dataset
from core.store.scenarios import list_scenarios, load_scenario, save_scenario
from core.store.scope import Scope
from core.whatif import diff, summary
from tests.app_helpers import AUTH_SECRETS, DemoStore, build_demo_store, ensure_person, signed_in
from tests.test_app_pages import open_app, rerun

T_KEYS = ("whatif-t-outstanding", "whatif-t-good", "whatif-t-ri")
W_KEYS = tuple(f"whatif-w-{i}" for i in range(4))
F_KEYS = tuple(f"whatif-f-{i}" for i in range(3))
LOCAL = "local user"  # pages.common.current_user() with no sign-in


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> DemoStore:
    built = build_demo_store(tmp_path_factory.mktemp("whatif-demo"))
    engine = get_engine(built.url)
    pdus = built.inspections("pdu")
    first, second = sorted(pdus["region"].unique())[:2]
    name = pdus.loc[pdus["region"] == first, "unit"].iloc[0]
    renamed = pdus.loc[pdus["region"] == second, "unit"].iloc[0]
    with Session(engine) as s, s.begin():
        pdu = s.query(PDU).filter(PDU.name == renamed).one()
        pdu.name = name
        s.execute(update(Inspection).where(Inspection.pdu_id == pdu.id).values(unit_name=name))
    dataset = load_dataset(engine, Scope.national())
    engine.dispose()
    return DemoStore(built.url, dataset, rate_dataset(dataset))


@pytest.fixture
def app(demo, monkeypatch):
    return lambda query=None, **kwargs: open_app(demo.url, monkeypatch, "pages/whatif.py", query, **kwargs)


@pytest.fixture
def scenarios(demo):
    """The demo store's engine for saving scenarios; every scenario saved is removed afterwards."""
    engine = get_engine(demo.url)
    yield engine
    from core.store.models import Scenario as ScenarioRow
    with Session(engine) as s, s.begin():
        s.query(ScenarioRow).delete()


def core_changes(demo, scenario: Scenario) -> pd.DataFrame:
    frameworks = frameworks_of(demo.dataset)
    return diff(demo.ratings[demo.ratings["inspection_id"].notna()],
                rate_dataset(demo.dataset, rules_for_scenario(scenario, frameworks), frameworks))


def shown_changes(at) -> list[tuple]:
    tables = [t.value for t in at.dataframe if {"Now", "Under the scenario", "Change"} <= set(t.value.columns)]
    assert len(tables) == 1
    t = tables[0]
    under = t["Under the scenario"].fillna("").str.removesuffix(" ⚠")  # the marker: test_app_pages checks it against the core
    return sorted(zip(t["Unit"], t["Region"], t["Round"], t["Standard"], t["Now"].fillna(""), under))


def assert_page_shows(at, demo, scenario: Scenario) -> None:
    __tracebackhide__ = True
    changes = core_changes(demo, scenario)
    assert at.header[0].value == summary(changes)  # every round's
    picked = at.selectbox(key="whatif-changes-round").value  # the table's: the latest round's unless another is picked
    listed = changes if picked == "Every round" else changes[changes["round"] == picked]
    assert shown_changes(at) == sorted(zip(listed["unit"], listed["region"], listed["round"], listed["standard"].map(code),
                                           listed["before"].fillna(""), listed["after"].fillna("")))


def widgets(at) -> dict:
    return {"thresholds": tuple(at.slider(key=k).value for k in T_KEYS),
            "aggregation": at.selectbox(key="whatif-aggregation").value,
            "weights": tuple(at.number_input(key=k).value for k in W_KEYS),
            "fractions": tuple(at.number_input(key=k).value for k in F_KEYS),
            "excluded": frozenset(at.multiselect(key="whatif-excluded").value)}


def expected_widgets(scenario: Scenario) -> dict:
    """What the widgets hold for a scenario: every field, the default framework's where it sets none."""
    full = scenario.resolved(load_framework("hmip-2025"))
    return {k: getattr(full, k) for k in ("thresholds", "aggregation", "weights", "fractions", "excluded")}


def scenario_params(at) -> dict:
    """The address's scenario parameters (beside them it carries the round, region and PDU in detail)."""
    return {k: v for k, v in at.query_params.items() if k in QUERY_KEYS.values()}


def read(markdown: str) -> str:
    """Text as a reader sees it: the markdown escapes undone."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def warnings(at) -> list[str]:
    return [read(w.value) for w in at.warning]


# -- 1. loading a saved scenario, opening a link ---------------------------------------------------------

LOADED = Scenario(thresholds=(85, 70, 55), aggregation="mean", weights=(4, 2, 1, 0), fractions=(0.5, 1.5, 3), excluded={"P2.4"})


def test_loading_a_saved_scenario_sets_every_widget_and_shows_its_changes(app, demo, scenarios):
    save_scenario(scenarios, "stricter and mean", LOADED)
    at = app()
    assert at.header[0].value == "no rating changes"
    at.selectbox(key="whatif-load").set_value("stricter and mean")
    rerun(at)
    at.button(key="whatif-load-button").click()
    rerun(at)
    assert widgets(at) == expected_widgets(LOADED)
    assert Scenario.from_query(at.query_params) == LOADED  # the address carries the loaded scenario
    assert_page_shows(at, demo, LOADED)
    assert not warnings(at)
    # the widgets, not the old address, rule from then on
    at.slider(key=T_KEYS[0]).set_value(90)
    rerun(at)
    assert Scenario.from_query(at.query_params).thresholds == (90, 70, 55)
    assert_page_shows(at, demo, Scenario(**{**LOADED.overrides(), "thresholds": (90, 70, 55)}))


def test_loading_a_scenario_after_moving_the_widgets_replaces_what_they_held(app, demo, scenarios):
    save_scenario(scenarios, "bands only", Scenario(thresholds=(85, 70, 55)))
    at = app({"agg": "median", "w": "5,2,1,0"})
    assert widgets(at)["aggregation"] == "median"
    at.selectbox(key="whatif-load").set_value("bands only")
    rerun(at)
    at.button(key="whatif-load-button").click()
    rerun(at)
    assert widgets(at)["thresholds"] == (85, 70, 55)
    assert widgets(at)["aggregation"] == "lowest" and widgets(at)["weights"] == (3, 2, 1, 0)  # the saved one leaves them alone
    assert scenario_params(at) == {"t": "85,70,55"}
    assert_page_shows(at, demo, Scenario(thresholds=(85, 70, 55)))


# -- 2. every value the core accepts fits the widgets --------------------------------------------------

@pytest.mark.parametrize("query", [
    {"w": "99,2,1,0"},
    {"w": f"{MAX_WEIGHT},{MAX_WEIGHT},0,0"},
    {"f": "20,30,40"},
    {"f": f"0,{MAX_FRACTION},{MAX_FRACTION}"},
    {"t": "85.5,70,55"},
    {"t": "100,0,0"},
    {"x": "P2.1,1.1"},
    {"t": "85.5,70.5,55", "agg": "pooled", "w": "9,3,1,0", "f": "0.5,1.5,2.7", "x": "P1.1,P2.3,2.4"},
])
def test_a_link_with_any_value_the_core_accepts_opens_on_exactly_that_scenario(app, demo, query):
    at = app(query)
    scenario = Scenario.from_query(query)
    assert not warnings(at), warnings(at)
    assert widgets(at) == expected_widgets(scenario)
    assert Scenario.from_query(at.query_params) == scenario  # written back unchanged
    assert_page_shows(at, demo, scenario)


def test_the_standards_of_every_framework_in_the_store_may_be_excluded(app, demo):
    at = app()
    offered = set(at.multiselect(key="whatif-excluded").options)
    expected = {s.label for fw in frameworks_of(demo.dataset).values() for s in fw.standards}
    assert {o.split(" (")[0] for o in offered} == expected
    assert "hmip-pdu-2021" in frameworks_of(demo.dataset)


@pytest.mark.parametrize("query, shown, said", [
    ({"t": "85.3,70,55"}, Scenario(thresholds=(85.5, 70, 55)), ["85.3/70/55 are shown as 85.5/70/55"]),
    ({"t": "80,66.666666667,50"}, Scenario(), ["could not be read", "66.666666667 has more than one decimal place"]),
    ({"x": "P2.1,P9.9"}, Scenario(excluded={"P2.1"}), ["P 9.9 is not a standard of any framework in the store"]),
    ({"t": ["85,70,55", "90,80,70"]}, Scenario(thresholds=(90, 80, 70)), ["gives t= 2 times", "takes the last"]),
    ({"t": "85,70,55", "garbage": ""}, Scenario(thresholds=(85, 70, 55)), ["'garbage'", "ignores"]),
    ({"w": f"{MAX_WEIGHT + 1},2,1,0"}, Scenario(), ["could not be read", f"from 0 to {MAX_WEIGHT}"]),
    ({"f": f"1,2,{MAX_FRACTION + 1}"}, Scenario(), ["could not be read", f"at most {MAX_FRACTION}"]),
])
def test_what_a_link_holds_that_the_page_cannot_show_is_warned_about(app, demo, query, shown, said):
    at = app(query)
    assert len(warnings(at)) == 1, warnings(at)
    assert all(part in warnings(at)[0] for part in said), warnings(at)
    assert widgets(at) == expected_widgets(shown)
    assert_page_shows(at, demo, shown)
    # the warning stays while the page shows that scenario, and goes once the widgets change it
    at.toggle(key="whatif-robust-all-lowest").set_value(True)
    rerun(at)
    assert len(warnings(at)) == 1
    at.slider(key=T_KEYS[2]).set_value(40)
    rerun(at)
    assert not warnings(at)


def test_a_saved_scenario_the_widgets_cannot_show_exactly_is_warned_about(app, demo, scenarios):
    save_scenario(scenarios, "fine bands", Scenario(thresholds=(80.2, 65, 50)))
    at = app()
    at.selectbox(key="whatif-load").set_value("fine bands")
    rerun(at)
    at.button(key="whatif-load-button").click()
    rerun(at)
    assert warnings(at) and "'fine bands'" in warnings(at)[0] and "80.2/65/50 are shown as 80/65/50" in warnings(at)[0]
    assert widgets(at)["thresholds"] == (80, 65, 50)


# -- 4. only the owner may overwrite or delete ----------------------------------------------------------

def test_another_users_scenario_cannot_be_deleted_or_overwritten_from_the_page(app, scenarios):
    save_scenario(scenarios, "theirs", Scenario(aggregation="mean"), owner="lead@example.org")
    at = app({"agg": "median"})
    at.selectbox(key="whatif-load").set_value("theirs")
    rerun(at)
    assert at.button(key="whatif-delete").disabled
    at.text_input(key="whatif-save-name").set_value("theirs")
    rerun(at)
    at.button(key="whatif-save").click()
    rerun(at)
    assert any("belongs to lead@example.org" in read(e.value) for e in at.error), [e.value for e in at.error]
    saved = load_scenario(scenarios, "theirs")
    assert saved.scenario == Scenario(aggregation="mean") and saved.owner == "lead@example.org"  # untouched


def test_the_owner_may_overwrite_and_delete_their_scenario_and_anyone_one_with_no_owner(app, scenarios):
    save_scenario(scenarios, "mine", Scenario(aggregation="mean"), owner=LOCAL)
    save_scenario(scenarios, "nobody's", Scenario(aggregation="pooled"))
    at = app({"agg": "median"})
    at.text_input(key="whatif-save-name").set_value("mine")
    rerun(at)
    at.button(key="whatif-save").click()
    rerun(at)
    assert not at.error
    assert load_scenario(scenarios, "mine").scenario == Scenario(aggregation="median")
    for name in ("mine", "nobody's"):
        at.selectbox(key="whatif-load").set_value(name)
        rerun(at)
        assert not at.button(key="whatif-delete").disabled
        at.button(key="whatif-delete").click()
        rerun(at)
        assert not at.error and not warnings(at)
        assert any(f"Deleted {name!r}" in read(m.value) for m in at.success)
    assert list_scenarios(scenarios) == []
    assert at.selectbox(key="whatif-load").value == ""


def test_a_signed_in_user_cannot_delete_a_scenario_of_the_local_user(app, scenarios):
    save_scenario(scenarios, "local", Scenario(aggregation="mean"), owner=LOCAL)
    ensure_person(str(scenarios.url), "other@example.org", "regional", ["Wales"])
    at = app(user=signed_in("other@example.org"), secrets=AUTH_SECRETS)
    at.selectbox(key="whatif-load").set_value("local")
    rerun(at)
    assert at.button(key="whatif-delete").disabled
    assert [s.name for s in list_scenarios(scenarios)] == ["local"]


# -- 5. robustness on demand ---------------------------------------------------------------------------

@pytest.fixture
def robustness_calls(monkeypatch):
    """The inspections of every tallies frame core.robustness.robustness_frame is given."""
    calls = []
    real = core.robustness.robustness_frame

    def spy(tallies, *args, **kwargs):
        calls.append(set(tallies["inspection_id"]))
        return real(tallies, *args, **kwargs)

    monkeypatch.setattr(core.robustness, "robustness_frame", spy)
    return calls


def all_robustness_table(at):
    return [t.value for t in at.dataframe if "Chance of another rating (%)" in t.value.columns and "Unit" in t.value.columns]


@pytest.mark.parametrize("aggregation", ["mean", "median"])
def test_under_mean_or_median_only_the_one_pdus_robustness_is_worked_out_until_asked(demo, monkeypatch, robustness_calls, aggregation):
    at = open_app(demo.url, monkeypatch)  # the app's first page works out the store's robustness under the framework's rules
    robustness_calls.clear()  # (once per store version, whatever page comes next): what the What-if page works out follows
    at.query_params = {"agg": aggregation, "t": "81,65,50"}
    at.switch_page("pages/whatif.py").run()
    assert at.toggle(key=f"whatif-robust-all-{aggregation}").value is False
    assert any("only when asked for" in c.value for c in at.caption)
    assert not all_robustness_table(at)
    assert robustness_calls and all(len(ids) == 1 for ids in robustness_calls)  # one inspection's tallies, never the store's
    robustness_calls.clear()
    at.slider(key=T_KEYS[0]).set_value(82)
    rerun(at)
    assert robustness_calls and all(len(ids) == 1 for ids in robustness_calls)
    at.toggle(key=f"whatif-robust-all-{aggregation}").set_value(True)
    rerun(at)
    table = all_robustness_table(at)
    scenario = Scenario(thresholds=(82, 65, 50), aggregation=aggregation)
    frameworks = frameworks_of(demo.dataset)
    after = rate_dataset(demo.dataset, rules_for_scenario(scenario, frameworks), frameworks)
    round_ = at.selectbox(key="whatif-round").value  # every rating of the round picked for the PDU in detail
    rated = after[(after["domain"] == 2) & after["rating"].notna() & after["inspection_id"].notna() & (after["round"] == round_)]
    assert len(table) == 1 and len(table[0]) == len(rated) and set(table[0]["Round"]) == {round_}
    assert len(rated) < len(after[(after["domain"] == 2) & after["rating"].notna() & after["inspection_id"].notna()])
    assert table[0]["Chance of another rating (%)"].between(0, 100).all()


@pytest.mark.parametrize("aggregation", ["lowest", "pooled"])
def test_under_lowest_or_pooled_every_ratings_robustness_shows_when_asked_for(app, aggregation):
    """Folded on a fresh visit (as the charts are: drawing it is much of what a visit costs), with the PDU in detail's
    own robustness and the changes' marks shown at once; asked for, the round's table, worked out exactly."""
    at = app({"agg": aggregation} if aggregation != "lowest" else {})
    assert at.toggle(key=f"whatif-robust-all-{aggregation}").value is False
    assert not all_robustness_table(at)
    assert [t for t in at.dataframe if "Chance of another rating (%)" in t.value.columns]  # the PDU in detail's
    at.toggle(key=f"whatif-robust-all-{aggregation}").set_value(True)
    rerun(at)
    assert len(all_robustness_table(at)) == 1


def test_the_changes_are_marked_as_the_robustness_of_every_rating_under_the_scenario_would_mark_them(app, demo):
    from core.analysis import with_published
    from core.formatting import markdown_text
    from core.views import changes_table

    scenario = Scenario(thresholds=(85, 70, 55))  # stricter bands: many ratings change
    at = app(scenario.query_params())
    frameworks = frameworks_of(demo.dataset)
    rules = rules_for_scenario(scenario, frameworks)
    before = with_published(rate_dataset(demo.dataset), demo.dataset)
    after = rate_dataset(demo.dataset, rules, frameworks, with_basis=False)
    changes = diff(before[before["inspection_id"].notna()], after)
    every = attach_robustness(after[(after["domain"] == 2) & after["rating"].notna()], key_question_tallies(demo.dataset, frameworks),
                              rules)  # the page works out only the changed ratings' robustness: it must mark as this would
    latest = max(demo.dataset.inspections["round"])
    in_latest = changes[changes["round"] == latest].reset_index(drop=True)
    # the table opens on the latest round's changes; every round's on asking
    assert at.selectbox(key="whatif-changes-round").value == latest
    (shown,) = [t.value for t in at.dataframe if "Bands moved" in t.value.columns]
    assert 0 < len(shown) == len(in_latest) < len(changes)
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), changes_table(in_latest, lambda f: frameworks[f].title, every),
                                  check_dtype=False)
    assert any(f"{len(in_latest):,} of the {len(changes):,} changes are in round {markdown_text(latest)}" in c.value for c in at.caption)
    at.selectbox(key="whatif-changes-round").set_value("Every round")
    rerun(at)
    (shown,) = [t.value for t in at.dataframe if "Bands moved" in t.value.columns]  # every rating that changes
    expected = changes_table(changes, lambda f: frameworks[f].title, every)
    assert len(shown) == len(changes) > 0 and shown["Read with care"].ne("").any()
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected, check_dtype=False)


def test_the_spread_of_ratings_now_and_under_the_scenario_is_said_at_once_and_drawn_when_its_fold_is_opened(app, demo):
    from core.analysis import OVERALL
    from core.formatting import markdown_text
    from core.views import distribution_summary

    scenario = Scenario(thresholds=(85, 70, 55))
    at = app(scenario.query_params())
    frameworks = frameworks_of(demo.dataset)
    after = rate_dataset(demo.dataset, rules_for_scenario(scenario, frameworks), frameworks, with_basis=False)
    words = " ".join(m.value for m in at.markdown)
    for title, ratings in (("Ratings now", demo.ratings), ("Ratings under the scenario", after)):
        d2 = ratings[ratings["inspection_id"].notna() & (ratings["standard"] != OVERALL)]
        assert markdown_text(f"{title}. {distribution_summary(d2)}") in words
    assert distribution_summary(demo.ratings[demo.ratings["standard"] != OVERALL]) != distribution_summary(
        after[after["standard"] != OVERALL])  # stricter bands: the spread moves
    assert not at.get("plotly_chart")  # folded: not drawn
    at.session_state["whatif-charts"] = True  # as a click on the fold does
    rerun(at)
    drawn = [c.proto.id for c in at.get("plotly_chart")]
    assert [["whatif-before" in d, "whatif-after" in d] for d in drawn] == [[True, False], [False, True]]


# -- 6. one PDU in detail --------------------------------------------------------------------------------

def detail_table(at) -> pd.DataFrame:
    tables = [t.value for t in at.dataframe if "Under the scenario" in t.value.columns and "Counts" in t.value.columns]
    assert len(tables) == 1
    return tables[0]


def test_one_pdu_is_picked_by_region_and_name_and_every_row_has_its_rating_under_the_scenario(app, demo):
    scenario = Scenario(thresholds=(85, 70, 55), excluded={"P1.1"})
    frameworks = frameworks_of(demo.dataset)
    rules = rules_for_scenario(scenario, frameworks)
    after = rate_dataset(demo.dataset, rules, frameworks)
    tallies = key_question_tallies(demo.dataset, frameworks)
    pdus = demo.inspections("pdu")
    twice = pdus.groupby(["unit", "round"])["region"].nunique()
    name, round_ = twice[twice > 1].index[0]  # the renamed PDU: the same name in two regions
    at = app(scenario.query_params())
    shown = []
    for region in sorted(pdus.loc[(pdus["unit"] == name) & (pdus["round"] == round_), "region"]):
        at.selectbox(key="whatif-region").set_value(region)
        rerun(at)
        assert set(at.selectbox(key="whatif-unit").options) == set(pdus.loc[pdus["region"] == region, "unit"])
        at.selectbox(key="whatif-unit").set_value(name)
        rerun(at)
        at.selectbox(key="whatif-round").set_value(round_)
        rerun(at)
        ins = pdus[(pdus["region"] == region) & (pdus["unit"] == name) & (pdus["round"] == round_)]["inspection_id"].iloc[0]
        detail = detail_table(at)
        now = demo.ratings[demo.ratings["inspection_id"] == ins].set_index("standard")["rating"]
        later = after[after["inspection_id"] == ins].set_index("standard")["rating"]
        assert list(detail["Standard"]) == [code(c) for c in now.index]
        by_code = detail.set_index("Standard")
        assert by_code["Now"].to_dict() == {code(k): v for k, v in now.fillna("").items()}
        # the marker beside a rating on little is tested in test_app_pages (test_whatif_marks_a_rating_on_little_with_its_reason)
        assert by_code["Under the scenario"].str.removesuffix(" ⚠").to_dict() == {code(k): v for k, v in later.fillna("").items()}
        assert by_code.loc["Overall", "Under the scenario"]
        assert by_code.loc["P 1.1", "Counts"] == "No"
        # robustness of this inspection's domain two ratings, as the core gives it
        rated = after[(after["inspection_id"] == ins) & (after["domain"] == 2) & after["rating"].notna()]
        robust = attach_robustness(rated, tallies[tallies["inspection_id"] == ins], rules).set_index("standard")
        d2 = by_code.loc[[code(c) for c in robust.index]]
        assert d2["Answers to move up"].fillna(-1).tolist() == robust["cases_up"].fillna(-1).tolist()
        assert d2["Chance of another rating (%)"].tolist() == [percent_value(100 * p) for p in robust["p_different"]]
        d2 = d2.rename(columns={"Sufficient (%)": "percent"})
        shown.append(d2["percent"].tolist())
    assert len(shown) == 2 and shown[0] != shown[1]  # two inspections, not the first found by name twice


# -- 7. thresholds that cannot cross ---------------------------------------------------------------------

def test_the_thresholds_stay_in_order_as_they_are_set_and_the_link_holds_a_valid_scenario(app, demo):
    at = app()
    at.slider(key=T_KEYS[0]).set_value(40.0)  # Outstanding below Good and Requires improvement: they give way
    rerun(at)
    assert widgets(at)["thresholds"] == (40.0, 40.0, 40.0)
    assert not at.error
    assert Scenario.from_query({k: at.query_params[k] for k in at.query_params}).thresholds == (40.0, 40.0, 40.0)
    at.slider(key=T_KEYS[2]).set_value(90.0)  # Requires improvement above the others: they rise to meet it
    rerun(at)
    assert widgets(at)["thresholds"] == (90.0, 90.0, 90.0)
    at.slider(key=T_KEYS[1]).set_value(70.0)  # Good in between: only the one below falls
    rerun(at)
    assert widgets(at)["thresholds"] == (90.0, 70.0, 70.0)
    assert_page_shows(at, demo, Scenario(thresholds=(90, 70, 70)))



@pytest.mark.parametrize("key, refused, said, accepted", [
    (F_KEYS[1], 1.25, "more than one decimal place", 1.0),  # typed into the box: its step is only the arrows'
    (F_KEYS[0], 3.0, "must rise from Inadequate to Good", 0.0),  # Inadequate's fraction above Good's
    (T_KEYS[1], 70.25, "one decimal place", 72.5),
])
def test_the_address_changes_only_with_a_valid_scenario(app, demo, key, refused, said, accepted):
    pdus = demo.inspections("pdu")
    view = {k: pdus.iloc[0][k] for k in ("round", "region", "unit")}
    at = app({"t": "85,70,55", "agg": "mean", **view})
    before = dict(at.query_params)
    assert Scenario.from_query(before) == Scenario(thresholds=(85, 70, 55), aggregation="mean")
    number_or_slider = at.slider(key=key) if key in T_KEYS else at.number_input(key=key)
    number_or_slider.set_value(refused)
    rerun(at)
    assert any(said in read(e.value) for e in at.error), [e.value for e in at.error]
    assert dict(at.query_params) == before  # the last valid scenario, and the view beside it, stay in the address
    number_or_slider = at.slider(key=key) if key in T_KEYS else at.number_input(key=key)
    number_or_slider.set_value(accepted)
    rerun(at)
    assert not at.error
    changed = dict(at.query_params)
    assert changed != before and {k: changed[k] for k in view} == view
    assert Scenario.from_query(changed) == scenario_from_widgets(at)
    assert getattr(Scenario.from_query(changed).resolved(load_framework("hmip-2025")),
                   "thresholds" if key in T_KEYS else "fractions")[(T_KEYS + F_KEYS).index(key) % 3] == accepted


def scenario_from_widgets(at) -> Scenario:
    """The scenario the widgets hold, with only what differs from the framework's own."""
    full = Scenario(**widgets(at))
    default = Scenario.default(load_framework("hmip-2025"))
    return Scenario(**{k: v for k, v in full.overrides().items() if getattr(default, k) != v})

# -- 8. the PDU in detail follows the view of the other pages, and sets it -------------------------------

def picked(at, page: str = "whatif") -> dict:
    return {k: at.selectbox(key=f"{page}-{k}").value for k in ("round", "region", "unit")}


def assert_detail_is_of(at, demo, inspection) -> None:
    """The PDU table shows this inspection's ratings now, standard by standard."""
    __tracebackhide__ = True
    now = demo.ratings[demo.ratings["inspection_id"] == inspection["inspection_id"]].set_index("standard")["rating"]
    detail = detail_table(at)
    assert list(zip(detail["Standard"], detail["Now"])) == [(code(k), v) for k, v in now.fillna("").items()]


def test_a_whatif_address_with_a_round_region_and_pdu_opens_the_detail_on_them_beside_its_scenario(app, demo):
    pdus = demo.inspections("pdu")
    inspection = pdus.iloc[len(pdus) // 2 - 1]  # the earlier round's last PDU: not what the page would pick by itself
    view = {k: inspection[k] for k in ("round", "region", "unit")}
    scenario = Scenario(thresholds=(85, 70, 55))
    at = app({**scenario.query_params(), **view})
    assert not warnings(at), warnings(at)  # round, region and unit are the pages' own parameters, not unknown ones
    assert picked(at) == view
    assert_detail_is_of(at, demo, inspection)
    assert {k: at.query_params[k] for k in view} == view  # the scenario written back beside them, not over them
    assert Scenario.from_query(at.query_params) == scenario
    assert_page_shows(at, demo, scenario)


def test_the_region_chosen_on_region_opens_whatif_on_it_and_a_pdu_chosen_on_whatif_opens_the_scorecard_on_it(app, demo):
    regions, pdus = demo.inspections("region"), demo.inspections("pdu")
    earliest, latest = min(regions["round"]), max(regions["round"])
    last_region = max(regions["region"])  # neither is what a page picks by itself (the latest round, the first region)
    at = app()
    at.switch_page("pages/region.py").run()
    at.selectbox(key="region-round").set_value(earliest)
    rerun(at)
    at.selectbox(key="region-region").set_value(last_region)
    rerun(at)
    at.query_params = {}  # by the sidebar: the address of the next page holds nothing
    at.switch_page("pages/whatif.py").run()
    assert (at.selectbox(key="whatif-round").value, at.selectbox(key="whatif-region").value) == (earliest, last_region)
    first_pdu = pdus[(pdus["round"] == earliest) & (pdus["region"] == last_region)].iloc[0]
    assert at.selectbox(key="whatif-unit").value == first_pdu["unit"]
    assert_detail_is_of(at, demo, first_pdu)

    # a scenario and another PDU chosen on What-if: the address carries both, and the other pages open on the PDU
    at.slider(key=T_KEYS[0]).set_value(90.0)
    rerun(at)
    chosen = pdus[(pdus["round"] == latest) & (pdus["region"] != last_region)].iloc[-1]
    view = {k: chosen[k] for k in ("round", "region", "unit")}
    for key in ("round", "region", "unit"):
        at.selectbox(key=f"whatif-{key}").set_value(view[key])
        rerun(at)
    assert picked(at) == view
    assert_detail_is_of(at, demo, chosen)
    assert {k: at.query_params[k] for k in view} == view
    assert Scenario.from_query(at.query_params).thresholds[0] == 90.0
    at.query_params = {}
    at.switch_page("pages/scorecard.py").run()
    assert picked(at, "scorecard") == view
    at.switch_page("pages/region.py").run()
    assert (at.selectbox(key="region-round").value, at.selectbox(key="region-region").value) == (view["round"], view["region"])
