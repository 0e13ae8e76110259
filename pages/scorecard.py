"""PDU scorecard: why each domain two rating is what it is (up front, in words), the annex view, the
checks on proposed ratings, the key questions, the evidence, and the PDU against its region and the
nation. Every table is downloadable as shown; the annex workbook is laid out as the published ones."""
import streamlit as st

from core import views
from core.analysis import OVERALL
from core.charts import comparison_bars, trend_chart
from core.codes import display
from core.exports import XLSX, annex_workbook_bytes
from core.formatting import markdown_text as md
from core.robustness import METHOD_HELP
from pages.common import (audited_export, current_scope, download_table, framework, inspection_checks, inspection_evidence,
                          key_questions, nation_name, pick_inspection, robust_ratings, style_ratings, synthetic_banner,
                          unit_comparison, unit_trend)

st.title("PDU scorecard")
scope = current_scope()
table = robust_ratings(scope)
unit_rows = pick_inspection(table, "pdu", key="scorecard", missing="No PDU inspections in the store yet.")

inspection_id = unit_rows["inspection_id"].iloc[0]
fw = framework(unit_rows["framework"].iloc[0])
unit, region, round_ = unit_rows["unit"].iloc[0], unit_rows["region"].iloc[0], unit_rows["round"].iloc[0]
synthetic_banner(unit_rows)
st.header(f"{md(unit)} PDU", anchor=False)
st.caption(f"{md(region)} region · round {md(round_)} · {md(fw.title)}")

overall = unit_rows[unit_rows["standard"] == OVERALL]
reason = views.unit_reason(unit_rows)
m1, m2, m3 = st.columns([3, 1, 2])
if overall.empty:
    m1.metric("Overall rating", "Not yet rated")
    m2.metric("Score", "—")
    m3.caption("The overall rating appears once every standard is rated (domain one needs the team's proposed ratings).")
else:
    o = overall.iloc[0]
    m1.metric("Overall rating", views.fmt.marked_rating(o["rating"], reason))
    m2.metric("Score", f"{int(o['score'])}/{int(o['max_score'])}")
    if isinstance(o.get("published_rating"), str):
        m3.metric("Published", o["published_rating"], help="The rating published for this PDU in the same round")
if reason:
    st.markdown(f"{views.fmt.SMALL_MARK} {md(reason)}.")

# -- the why, up front: one short paragraph per domain two rating, readable at any width -------------------------
st.subheader("Why each domain two rating", anchor=False)
thresholds = dict(zip(("Outstanding", "Good", "Requires improvement"), fw.rules.threshold_percents()))
why = views.why_table(unit_rows, fw.question_text, thresholds)
for head, sentence in views.why_sentences(why):
    st.markdown(f"**{md(head)}**  \n{md(sentence)}")
# the same figures as the sentences above: folded, and drawn only when opened (a rerun)
why_table = st.expander("These figures as a table", key="scorecard-why-table", on_change="rerun")
if why_table.open:
    with why_table:
        st.dataframe(why, hide_index=True, width="stretch", key="scorecard-why",
                     column_config={"Sufficient (%)": st.column_config.NumberColumn(format="%.1f")})
        download_table(why, f"why-{unit}-{round_}", key="scorecard-why-download")

st.subheader("Ratings", anchor=False)
annex_table = views.annex_table(table, inspection_id)
with st.container(key="table-scorecard-annex"):  # a handle on the table for the browser tests
    st.dataframe(style_ratings(annex_table, ["Rating"]), hide_index=True, width="stretch")
download_table(annex_table, f"ratings-{unit}-{round_}", key="scorecard-download")

unit_checks = inspection_checks(scope, inspection_id)
if not overall.empty and (unit_checks["severity"] == "breach").any():
    st.error("A proposed rating breaks a DECISION RULE (below): it counts as the best rating the rule allows.")
st.subheader("Decision rules on proposed ratings", anchor=False)
check_table = views.checks_table(unit_checks)
if check_table.empty:
    st.caption("No proposed domain one ratings to check.")
for c in check_table.to_dict("records"):
    text = f"**{md(c['Standard'])} proposed {md(c['Proposed'])}: {md(c['Outcome'])}.** {md(c['Why'])}"
    if c["Reference"]:
        text += f" ({md(c['Reference'])})"
    severity = {"Breaks a DECISION RULE": st.error, "Outside DECISION GUIDANCE": st.warning, "Cannot be checked yet": st.info}
    severity.get(c["Outcome"], st.success)(text)
if not check_table.empty:
    download_table(check_table, f"checks-{unit}-{round_}", key="scorecard-checks-download")

st.subheader("Domain two key questions", anchor=False)
kq = key_questions(scope, inspection_id, fw.id)
st.dataframe(kq, hide_index=True, width="stretch", key="scorecard-kq",
             column_config={"Sufficient (%)": st.column_config.NumberColumn(format="%.1f")})
download_table(kq, f"key-questions-{unit}-{round_}", key="scorecard-kq-download")
with st.expander("How these figures are computed"):
    for text in METHOD_HELP.values():
        st.markdown(f"- {text}")

st.download_button("Download the annex workbook (Excel)",
                   audited_export(lambda: annex_workbook_bytes(views.annex_layout(f"{unit} PDU: ratings annex", f"{region} region · round {round_} · {fw.title}", annex_table, kq)),
                                  "annex workbook", f"annex-{unit}-{round_}.xlsx", len(annex_table)),
                   f"annex-{unit}-{round_}.xlsx", XLSX, key="scorecard-annex-workbook", on_click="ignore")

st.subheader(f"{md(unit)} against its region and {'the nation' if scope.regions is None else 'the regions you can see'}",
             anchor=False)
side = unit_comparison(scope, inspection_id)
history = unit_trend(scope, unit, "pdu", region)
summaries = [views.comparison_summary(side, unit)] + ([views.trend_summary(history, unit)] if history["round"].nunique() > 1 else [])
st.markdown("  \n".join(md(s) for s in summaries))
# in words first; the charts folded, and drawn only when opened (a rerun): drawing them is most of this page's time
charts = st.expander("The chart" + ("s: key questions beside the region and the nation, ratings across rounds" if len(summaries) > 1
                                  else ": key questions beside the region and the nation"), key="scorecard-charts", on_change="rerun")
if charts.open:
    with charts:
        st.plotly_chart(comparison_bars(side, title=f"Key questions: PDU, region and {nation_name(scope).lower()}"),
                        width="stretch", key="scorecard-comparison", alt=summaries[0])
        if len(summaries) > 1:
            st.plotly_chart(trend_chart(history), width="stretch", key="scorecard-trend", alt=summaries[1])

st.subheader("Evidence behind each standard", anchor=False)
evidence, survey = inspection_evidence(scope, inspection_id)
for standard in fw.standards_at("pdu", 1):
    items = evidence[evidence["standard"] == display(standard.code)]
    figures = survey[survey["standard"] == display(standard.code)]
    # folded, and drawn only when opened (a rerun): six standards' tables and texts are most of what the page would draw
    folded = st.expander(f"{md(standard.label)}: {len(items)} evidence item(s), {len(figures)} survey figure(s)",
                         key=f"scorecard-evidence-{standard.code}", on_change="rerun")
    if folded.open:
        with folded:
            st.dataframe(views.evidence_table(items), hide_index=True, width="stretch")
            if not figures.empty:
                st.dataframe(views.survey_table(figures), hide_index=True, width="stretch")
            if standard.characteristics:
                st.markdown("**Rating characteristics** (a reference point for the panel, not a checklist)")
                for rating_label, text in standard.characteristics.items():
                    st.markdown(f"*{md(rating_label)}*: {md(text)}")
