"""Overview: every region and PDU with its overall rating, worst first, each linked to its scorecard;
the spread of ratings by standard."""
import streamlit as st

from core import views
from core.analysis import OVERALL
from core.charts import rating_distribution
from core.formatting import markdown_text as md
from pages.common import (current_scope, download_table, overview_units, published_units, query_choice, query_choices, robust_ratings,
                          set_query, style_ratings, synthetic_banner, unit_links, units_table_config)

st.title("Overview")
scope = current_scope()
table = robust_ratings(scope)
if table["inspection_id"].isna().all():
    st.warning("The store holds no inspections yet. Upload fieldwork on the Upload page, or run `python -m core demo`.")
    st.stop()

published = table[table["source"].eq("published") | table["inspection_id"].isna()]
table = table[table["inspection_id"].notna()]
rounds = sorted(table["round"].dropna().unique(), reverse=True)
regions = sorted(table["region"].dropna().unique())
c1, c2, c3 = st.columns([1, 3, 1])
round_ = c1.selectbox("Round", rounds, index=rounds.index(query_choice("round", rounds)), key="overview-round")
chosen = c2.multiselect("Regions", regions, default=query_choices("region", regions), key="overview-regions",
                        placeholder="All regions")
sorts = list(views.SORTS)
sort = c3.selectbox("Order", sorts, format_func=views.SORTS.get,
                    key="overview-sort")
set_query(round=round_, region=chosen)

shown = table[(table["round"] == round_) & (table["region"].isin(chosen or regions))]
synthetic_banner(shown)
units = overview_units(scope, round_, chosen or regions, sort)
counts = views.unit_counts(units)
m1, m2, m3, m4 = st.columns(4)
m1.metric("PDUs", counts["PDUs"])
m2.metric("Regions", counts["Regions"])
m3.metric("Rated overall", counts["Rated overall"])
m4.metric("Inadequate overall", counts["Inadequate overall"])

st.header("Units and their overall ratings", anchor=False)
st.caption("Worst first: by overall rating, then by score as a share of its maximum. ⚠ marks a rating to read with care "
           "(a domain two rating on fewer than 20 relevant cases, or with a 30% or greater chance of being different); "
           "the reason is in its own column. Follow a unit's link for its scorecard.")
with st.container(key="table-overview-units"):  # a handle on the table for the browser tests
    st.dataframe(style_ratings(units, ["Overall rating"]), hide_index=True, width="stretch",
                 column_config=units_table_config(units))
download_table(units, f"overview-{round_}", key="overview-download")
unit_links(units, "Unit", "Open a unit's page", key="overview-open-unit")

st.header("Spread of ratings by standard", anchor=False)
level = st.radio("Level", ["pdu", "region"], horizontal=True, format_func={"pdu": "PDUs", "region": "Regions"}.get, key="overview-level")
spread = shown[(shown["level"] == level) & (shown["standard"] != OVERALL)]
summary = views.distribution_summary(spread, "PDUs" if level == "pdu" else "regions")
st.plotly_chart(rating_distribution(spread), width="stretch", alt=summary, key="overview-spread")
st.caption(md(summary))

if not published.empty:
    st.header("Published annexes (reference)", anchor=False)
    st.caption("PDU ratings as published in the inspectorate's regional letters; the overall rating and score are "
               "recomputed here from the published standard ratings, and 'Agrees with published' says whether they match.")
    reference = published_units(scope, sort)
    st.dataframe(reference, hide_index=True, width="stretch", key="overview-published")
    download_table(reference, "published-annexes", key="overview-published-download")
