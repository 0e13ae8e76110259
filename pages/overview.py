"""Overview: every region and PDU with its overall rating; the spread of ratings by standard."""
import streamlit as st

from core.analysis import OVERALL
from core.charts import rating_distribution
from core.reports import overview_table
from pages.common import current_scope, download_buttons, query_choice, query_choices, ratings, set_query, style_ratings, synthetic_banner

st.title("Overview")
table = ratings(current_scope())
if table["inspection_id"].isna().all():
    st.warning("The store holds no inspections yet. Upload fieldwork on the Upload page, or run `python -m core demo`.")
    st.stop()

published = table[table["source"].eq("published") | table["inspection_id"].isna()]
table = table[table["inspection_id"].notna()]
rounds = sorted(table["round"].dropna().unique(), reverse=True)
regions = sorted(table["region"].dropna().unique())
c1, c2 = st.columns([1, 3])
round_ = c1.selectbox("Round", rounds, index=rounds.index(query_choice("round", rounds)), key="overview-round")
chosen = c2.multiselect("Regions", regions, default=query_choices("region", regions), key="overview-regions",
                        placeholder="All regions")
set_query(round=round_, region=chosen)

shown = table[(table["round"] == round_) & (table["region"].isin(chosen or regions))]
synthetic_banner(shown)
units = overview_table(shown)
m1, m2, m3 = st.columns(3)
m1.metric("Units", len(units))
m2.metric("Overall rated", int(units["overall_rating"].notna().sum()))
m3.metric("Inadequate overall", int((units["overall_rating"] == "Inadequate").sum()))

st.subheader("Units and their overall ratings")
st.dataframe(style_ratings(units, ["overall_rating"]), hide_index=True, width="stretch",
             column_config={"overall_rating": "Overall rating", "score": st.column_config.TextColumn("Score"),
                            "standards_rated": "Standards rated", "standards": "Standards", "published": "Published",
                            "agrees": "Agrees with published", "synthetic": "Synthetic"})
download_buttons(f"overview-{round_}", {"overview": units}, key="overview-download")

st.subheader("Spread of ratings by standard")
level = st.radio("Level", ["pdu", "region"], horizontal=True, format_func={"pdu": "PDUs", "region": "Regions"}.get, key="overview-level")
st.plotly_chart(rating_distribution(shown[(shown["level"] == level) & (shown["standard"] != OVERALL)]), width="stretch")

if not published.empty:
    st.subheader("Published annexes (reference)")
    st.caption("PDU ratings as published in the inspectorate's regional letters; the overall rating and score are "
               "recomputed here from the published standard ratings, and 'agrees' says whether they match what was published.")
    st.dataframe(overview_table(published.assign(inspection_id=None)).drop(columns=["synthetic"]), hide_index=True, width="stretch")
