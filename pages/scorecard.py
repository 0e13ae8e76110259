"""PDU scorecard: the annex view, the key questions behind each domain two rating, the checks on
proposed ratings, the evidence, and the PDU against its region and the nation."""
import streamlit as st

from core.analysis import OVERALL
from core.charts import comparison_bars, trend_chart
from core.codes import display
from core.compare import trend, unit_vs_region_vs_nation
from core.reports import annex, key_question_table
from core.robustness import METHOD_HELP, attach_robustness, key_question_intervals
from core.store.queries import evidence_frame, survey_frame
from pages.common import (checks, current_scope, dataset, download_buttons, engine, framework, nation_name,
                          pick_inspection, ratings, style_ratings, synthetic_banner, tallies)

st.title("PDU scorecard")
scope = current_scope()
table = ratings(scope)
unit_rows = pick_inspection(table, "pdu", key="scorecard", missing="No PDU inspections in the store yet.")

inspection_id = unit_rows["inspection_id"].iloc[0]
fw = framework(unit_rows["framework"].iloc[0])
unit = unit_rows["unit"].iloc[0]
synthetic_banner(unit_rows)
st.header(f"{unit} PDU", anchor=False)
st.caption(f"{unit_rows['region'].iloc[0]} region · round {unit_rows['round'].iloc[0]} · framework {fw.id}")

overall = unit_rows[unit_rows["standard"] == OVERALL]
m1, m2, m3 = st.columns([3, 1, 2])
if overall.empty:
    m1.metric("Overall rating", "Not yet rated")
    m2.metric("Score", "—")
    m3.caption("The overall rating appears once every standard is rated (domain one needs the team's proposed ratings).")
else:
    o = overall.iloc[0]
    m1.metric("Overall rating", o["rating"])
    m2.metric("Score", f"{int(o['score'])}/{int(o['max_score'])}")
    if isinstance(o.get("published_rating"), str):
        m3.metric("Published", o["published_rating"], help="The rating published for this PDU in the same round")

annex_table = annex(table, inspection_id)
st.subheader("Ratings", anchor=False)
st.dataframe(style_ratings(annex_table), hide_index=True, width="stretch")

unit_checks = checks(scope)
unit_checks = unit_checks[unit_checks["inspection_id"] == inspection_id]
if not overall.empty and (unit_checks["severity"] == "breach").any():
    st.error("A proposed rating breaks a DECISION RULE (below): it counts as the best rating the rule allows.")
st.subheader("Decision rules on proposed ratings", anchor=False)
if unit_checks.empty:
    st.caption("No proposed domain one ratings to check.")
for c in unit_checks.to_dict("records"):
    text = f"**{c['standard']} proposed {c['proposed']}**: {c['explanation']}"
    {"breach": st.error, "flag": st.warning, "pending": st.info}.get(c["severity"], st.success)(text)

st.subheader("Domain two key questions", anchor=False)
counts = tallies(scope)
kq = key_question_table(key_question_intervals(counts), table, fw, inspection_id)
st.dataframe(kq, hide_index=True, width="stretch", column_config={
    "percent": st.column_config.NumberColumn("Sufficient %", format="%.1f"),
    "ci_low": st.column_config.NumberColumn("95% interval from", format="percent"),
    "ci_high": st.column_config.NumberColumn("to", format="percent"),
    "n_sufficient": "Sufficient", "n_relevant": "Relevant cases", "drives_rating": "Drives the rating",
    "small_sample": "Small sample"})

st.subheader("How robust is each domain two rating?", anchor=False)
robust = attach_robustness(unit_rows[unit_rows["domain"] == 2], counts, {fw.id: fw.rules})
st.dataframe(robust[["standard", "rating", "percent", "ci_low", "ci_high", "cases_up", "changes_up", "cases_down", "changes_down",
                     "p_different", "small_sample"]].assign(standard=lambda d: d["standard"].map(display)),
             hide_index=True, width="stretch", column_config={
                 "percent": st.column_config.NumberColumn("Sufficient %", format="%.1f"),
                 "ci_low": st.column_config.NumberColumn("95% from", format="percent"),
                 "ci_high": st.column_config.NumberColumn("to", format="percent"),
                 "cases_up": "Answers to move up", "changes_up": "which", "cases_down": "Answers to move down", "changes_down": "which",
                 "p_different": st.column_config.NumberColumn("Chance of a different rating", format="percent"),
                 "small_sample": "Small sample"})
with st.expander("How these figures are computed"):
    for text in METHOD_HELP.values():
        st.markdown(f"- {text}")

st.subheader(f"{unit} against its region and {'the nation' if scope.regions is None else 'the regions you can see'}", anchor=False)
st.plotly_chart(comparison_bars(unit_vs_region_vs_nation(counts, dataset(scope).inspections, inspection_id, nation_name(scope)),
                                title=f"Key questions: PDU, region and {nation_name(scope).lower()}"),
                width="stretch", key="scorecard-comparison")
history = trend(table, unit, level="pdu", region=unit_rows["region"].iloc[0])
if history["round"].nunique() > 1:
    st.plotly_chart(trend_chart(history), width="stretch", key="scorecard-trend")

st.subheader("Evidence behind each standard", anchor=False)
evidence = evidence_frame(engine(), scope, [int(inspection_id)])
survey = survey_frame(engine(), scope, [int(inspection_id)])
for standard in fw.standards_at("pdu", 1):
    items = evidence[evidence["standard"] == display(standard.code)]
    figures = survey[survey["standard"] == display(standard.code)]
    with st.expander(f"{standard.label}: {len(items)} evidence item(s), {len(figures)} survey figure(s)"):
        st.dataframe(items[["key_question", "prompt", "kind", "judgement", "source", "text"]], hide_index=True, width="stretch")
        if not figures.empty:
            st.dataframe(figures.assign(share=figures["numerator"] / figures["denominator"]).drop(columns=["inspection_id", "standard"]),
                         hide_index=True, width="stretch",
                         column_config={"share": st.column_config.NumberColumn("Share", format="percent"),
                                        "numerator": "Of whom", "denominator": "Respondents"})
        if standard.characteristics:
            st.markdown("**Rating characteristics** (a reference point for the panel, not a checklist)")
            for rating_label, text in standard.characteristics.items():
                st.markdown(f"*{rating_label}*: {text}")

download_buttons(f"scorecard-{unit}", {"annex": annex_table, "key questions": kq, "checks": unit_checks}, key="scorecard-download")
