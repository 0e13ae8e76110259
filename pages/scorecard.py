"""PDU scorecard: the annex view, the key questions behind each domain two rating, the checks on
proposed ratings, the evidence, and the PDU against its region and the nation."""
import streamlit as st

from core.analysis import OVERALL
from core.codes import display
from core.reports import annex, key_question_table
from core.store.queries import evidence_frame
from pages.common import (checks, current_scope, dataset, download_buttons, engine, framework, pick_inspection, ratings,
                          style_ratings, synthetic_banner, tallies)

st.title("PDU scorecard")
scope = current_scope()
table = ratings(scope)
unit_rows = pick_inspection(table[table["inspection_id"].notna()], "pdu", key="scorecard") if not table.empty else None
if unit_rows is None or unit_rows.empty:
    st.warning("No PDU inspections in the store yet.")
    st.stop()

inspection_id = unit_rows["inspection_id"].iloc[0]
fw = framework(unit_rows["framework"].iloc[0])
unit = unit_rows["unit"].iloc[0]
synthetic_banner(unit_rows)
st.header(f"{unit} PDU", anchor=False)
st.caption(f"{unit_rows['region'].iloc[0]} region · round {unit_rows['round'].iloc[0]} · framework {fw.id}")

overall = unit_rows[unit_rows["standard"] == OVERALL]
m1, m2, m3 = st.columns(3)
if overall.empty:
    m1.metric("Overall rating", "Not yet rated")
    m2.metric("Score", "—")
    m3.caption("The overall rating appears once every standard is rated (domain one needs the team's proposed ratings).")
else:
    o = overall.iloc[0]
    m1.metric("Overall rating", o["rating"])
    m2.metric("Score", f"{int(o['score'])}/{int(o['max_score'])}")
    if o.get("published_rating"):
        m3.metric("Published", o["published_rating"])

annex_table = annex(table, inspection_id)
st.subheader("Ratings", anchor=False)
st.dataframe(style_ratings(annex_table), hide_index=True, width="stretch")

unit_checks = checks(scope)
unit_checks = unit_checks[unit_checks["inspection_id"] == inspection_id]
st.subheader("Decision rules on proposed ratings", anchor=False)
if unit_checks.empty:
    st.caption("No proposed domain one ratings to check.")
for c in unit_checks.to_dict("records"):
    text = f"**{c['standard']} proposed {c['proposed']}**: {c['explanation']}"
    {"breach": st.error, "flag": st.warning, "pending": st.info}.get(c["severity"], st.success)(text)

st.subheader("Domain two key questions", anchor=False)
kq = key_question_table(tallies(scope), table, fw, inspection_id)
st.dataframe(kq, hide_index=True, width="stretch", column_config={
    "percent": st.column_config.NumberColumn("Sufficient %", format="%.1f"),
    "n_sufficient": "Sufficient", "n_relevant": "Relevant cases", "drives_rating": "Drives the rating"})

st.subheader("Evidence behind each standard", anchor=False)
evidence = evidence_frame(engine(), scope, [int(inspection_id)])
for s in fw.standards_at("pdu", 1):
    items = evidence[evidence["standard"] == display(s.code)]
    with st.expander(f"{s.label}: {len(items)} evidence item(s)"):
        if s.characteristics:
            st.caption("Rating characteristics are in the framework; they are a reference point, not a checklist.")
        st.dataframe(items[["key_question", "prompt", "kind", "judgement", "source", "text"]], hide_index=True, width="stretch")

download_buttons(f"scorecard-{unit}", {"annex": annex_table, "key questions": kq, "checks": unit_checks}, key="scorecard-download")
