"""What-if: change the thresholds, aggregation, scores, overall bands and counted standards; see every
rating that changes across the store, and how robust each domain two rating is."""
import pandas as pd
import streamlit as st

from core.analysis import OVERALL
from core.charts import rating_distribution
from core.engine import AGGREGATION_HELP, AGGREGATIONS
from core.errors import ProbationError
from core.robustness import METHOD_HELP
from core.scenario import Scenario
from core.store.scenarios import delete_scenario, list_scenarios, load_scenario, save_scenario
from core.whatif import diff, direction_counts, summary
from pages.common import (current_scope, current_user, dataset, download_buttons, engine, framework, ratings, scenario_ratings,
                          scenario_robustness, synthetic_banner)

st.title("What-if")
st.caption("Rate the whole store under different rules. Nothing here changes the stored ratings.")
scope = current_scope()
fw = framework("hmip-2025")
default = Scenario.default(fw)

try:
    from_link = Scenario.from_query(dict(st.query_params))
except ProbationError as exc:
    st.warning(f"The link's scenario could not be read ({exc}); showing the framework's rules.")
    from_link = Scenario()
start = from_link.resolved(fw)

with st.sidebar:
    st.subheader("Saved scenarios")
    saved = {s.name: s for s in list_scenarios(engine())}
    name = st.selectbox("Load", [""] + list(saved), key="whatif-load", format_func=lambda n: n or "—")
    if name and st.button("Load scenario", key="whatif-load-button"):
        st.query_params.from_dict(load_scenario(engine(), name).scenario.query_params())
        st.rerun()

c1, c2 = st.columns(2)
with c1:
    st.markdown("**Domain two bands** (lowest percentage of each rating)")
    t_o = st.slider("Outstanding from", 0, 100, int(start.thresholds[0]), key="whatif-t-outstanding")
    t_g = st.slider("Good from", 0, 100, int(start.thresholds[1]), key="whatif-t-good")
    t_r = st.slider("Requires improvement from", 0, 100, int(start.thresholds[2]), key="whatif-t-ri")
    aggregation = st.selectbox("Key questions combine by", AGGREGATIONS, index=AGGREGATIONS.index(start.aggregation),
                               format_func=lambda a: f"{a}: {AGGREGATION_HELP[a]}", key="whatif-aggregation")
with c2:
    st.markdown("**Scores and the overall rating**")
    w = st.columns(4)
    weights = tuple(w[i].number_input(label, 0, 10, int(start.weights[i]), key=f"whatif-w-{i}")
                    for i, label in enumerate(["Outstanding", "Good", "Req. impr.", "Inadequate"]))
    f = st.columns(3)
    fractions = tuple(f[i].number_input(f"{label} up to × N", 0.0, 10.0, float(start.fractions[i]), 0.5, key=f"whatif-f-{i}")
                      for i, label in enumerate(["Inadequate", "Req. impr.", "Good"]))
    codes = [s.code for s in fw.standards]
    excluded = st.multiselect("Standards that do not count", codes, default=sorted(start.excluded & set(codes)),
                              format_func=lambda c: fw.standard(c).label, key="whatif-excluded")

try:
    scenario = Scenario(thresholds=(t_o, t_g, t_r), aggregation=aggregation, weights=weights, fractions=fractions,
                        excluded=frozenset(excluded))
except ProbationError as exc:
    st.error(str(exc))
    st.stop()
# keep only what differs from the framework, so the link stays short and readable
overrides = Scenario(**{k: v for k, v in scenario.overrides().items() if getattr(default, k) != v})
st.query_params.from_dict(overrides.query_params())
st.caption(f"Scenario: {overrides.describe()} · share this view by copying the page's address.")

with st.sidebar:
    new_name = st.text_input("Save as", key="whatif-save-name")
    if st.button("Save scenario", key="whatif-save", disabled=not new_name.strip()):
        try:
            save_scenario(engine(), new_name, overrides, owner=current_user(), overwrite=new_name.strip() in saved)
            st.success(f"Saved {new_name.strip()!r}.")
        except ProbationError as exc:
            st.error(str(exc))
    if name and st.button(f"Delete {name!r}", key="whatif-delete"):
        delete_scenario(engine(), name)
        st.rerun()

ds = dataset(scope)
if ds.inspections.empty:
    st.warning("The store holds no inspections yet.")
    st.stop()
before = ratings(scope)
before = before[before["inspection_id"].notna()]
after = scenario_ratings(scope, scenario)
changes = diff(before, after)
robust = scenario_robustness(scope, scenario)
synthetic_banner(before)

st.subheader(summary(changes), anchor=False)
by_direction = direction_counts(changes, by="standard")
if not changes.empty:
    st.dataframe(by_direction, hide_index=True)
b1, b2 = st.columns(2)
d2_before = before[(before["standard"] != OVERALL)]
b1.plotly_chart(rating_distribution(d2_before, title="Ratings now"), width="stretch", key="whatif-before")
b2.plotly_chart(rating_distribution(after[after["standard"] != OVERALL], title="Ratings under the scenario"), width="stretch",
                key="whatif-after")

st.markdown("**Every rating that changes**")
shown = changes.drop(columns=["inspection_id"], errors="ignore")
st.dataframe(shown, hide_index=True, width="stretch")
download_buttons("whatif-changes", {"changes": shown, "counts": by_direction}, key="whatif-download")

st.subheader("One PDU in detail", anchor=False)
units = sorted(before.loc[before["level"] == "pdu", "unit"].unique())
rounds = sorted(before["round"].unique(), reverse=True)
u1, u2 = st.columns(2)
unit = u1.selectbox("PDU", units, key="whatif-unit")
round_ = u2.selectbox("Round", rounds, key="whatif-round")
ins = before[(before["unit"] == unit) & (before["round"] == round_)]["inspection_id"].unique()
if len(ins):
    detailed = robust[robust["inspection_id"] == ins[0]]
    now = before[before["inspection_id"] == ins[0]][["standard", "rating"]].rename(columns={"rating": "now"})
    detail = now.merge(detailed[["standard", "rating", "percent", "ci_low", "ci_high", "cases_up", "cases_down", "p_different",
                                 "small_sample"]].rename(columns={"rating": "under scenario"}), on="standard", how="left")
    st.dataframe(detail, hide_index=True, width="stretch", column_config={
        "percent": st.column_config.NumberColumn("Sufficient %", format="%.1f"),
        "ci_low": st.column_config.NumberColumn("95% low", format="%.3f"),
        "ci_high": st.column_config.NumberColumn("95% high", format="%.3f"),
        "cases_up": "Cases to move up", "cases_down": "Cases to move down",
        "p_different": st.column_config.NumberColumn("Chance of a different rating", format="%.2f"),
        "small_sample": "Small sample"})

st.subheader("Robustness of every domain two rating", anchor=False)
cols = ["unit", "round", "standard", "rating", "percent", "ci_low", "ci_high", "cases_up", "cases_down", "p_different", "small_sample"]
st.dataframe(robust[cols].sort_values("p_different", ascending=False), hide_index=True, width="stretch",
             column_config={"p_different": st.column_config.ProgressColumn("Chance of a different rating", min_value=0.0, max_value=1.0)})
with st.expander("How these figures are computed"):
    for text in METHOD_HELP.values():
        st.markdown(f"- {text}")
