"""Region: the regional standards (pooled domain two; R 1.2 staffing from its PDUs with the cut-off
applied shown) and its PDUs side by side, worst first, each linked to its scorecard."""
import pandas as pd
import streamlit as st

from core import views
from core.analysis import OVERALL
from core.exports import XLSX, annex_workbook_bytes
from core.formatting import markdown_text as md
from core.ratings import Rating
from pages.common import (audited_export, current_scope, download_table, framework, key_questions, pick_inspection, region_pdus,
                          regional_staffing, robust_ratings, style_ratings, synthetic_banner, unit_links, units_table_config)

st.title("Region")
scope = current_scope()
table = robust_ratings(scope)
rows = pick_inspection(table, "region", key="region", missing="No regional inspections in the store yet.")

inspection_id = rows["inspection_id"].iloc[0]
region, round_ = rows["region"].iloc[0], rows["round"].iloc[0]
fw = framework(rows["framework"].iloc[0])
synthetic_banner(rows)
st.header(f"{md(region)} region", anchor=False)
st.caption(f"Round {md(round_)} · {md(fw.title)}")

overall = rows[rows["standard"] == OVERALL]
c1, c2 = st.columns([3, 2])
reason = views.unit_reason(rows)  # the region's own domain two ratings that rest on little
c1.metric("Overall rating", views.fmt.marked_rating(overall["rating"].iloc[0], reason) if not overall.empty else "Not yet rated",
          help=md(reason) if reason else None)
c2.metric("Score", f"{int(overall['score'].iloc[0])}/{int(overall['max_score'].iloc[0])}" if not overall.empty else "—")
if reason:
    st.markdown(f"{views.fmt.SMALL_MARK} {md(reason)}.")

st.subheader("PDUs side by side", anchor=False)
sorts = list(views.SORTS)
sort = st.selectbox("Order", sorts, format_func=views.SORTS.get,
                    key="region-sort")
pdus = region_pdus(scope, region, round_, sort)
st.caption("Each PDU's overall rating and score first; ⚠ marks a rating to read with care, with the reason in its own column. "
           "Follow a PDU's link for its scorecard.")
rating_cols = [c for c in pdus.columns if c not in ("PDU", "Score", "Out of", "Read with care", "Scorecard")]
with st.container(key="table-region-pdus"):  # a handle on the table for the browser tests
    st.dataframe(style_ratings(pdus, rating_cols), hide_index=True, width="stretch",
                 column_config=units_table_config(pdus))
download_table(pdus, f"pdus-{region}-{round_}", key="region-pdus-download")
unit_links(pdus, "PDU", "Open a PDU's scorecard", key="region-open-pdu")

st.subheader("Regional standards", anchor=False)
st.caption("Regional domain two pools the cases of the region's PDUs (public protection, desistance, court work, "
           "resettlement) with the regional fieldwork cases (unpaid work, statutory victim work).")
regional_annex = views.annex_table(table, inspection_id)
st.dataframe(style_ratings(regional_annex, ["Rating"]), hide_index=True, width="stretch", key="region-annex")
download_table(regional_annex, f"regional-standards-{region}-{round_}", key="region-download")

st.subheader("Why each regional domain two rating", anchor=False)
thresholds = dict(zip(("Outstanding", "Good", "Requires improvement"), fw.rules.threshold_percents()))
why = views.why_table(rows, fw.question_text, thresholds)
for head, sentence in views.why_sentences(why):
    st.markdown(f"**{md(head)}**  \n{md(sentence)}")

kq = key_questions(scope, inspection_id, fw.id)
st.download_button("Download the annex workbook (Excel)",
                   audited_export(lambda: annex_workbook_bytes(views.annex_layout(f"{region} region: ratings annex", f"Round {round_} · {fw.title}", regional_annex, kq)),
                                  "annex workbook", f"annex-{region}-{round_}.xlsx", len(regional_annex)),
                   f"annex-{region}-{round_}.xlsx", XLSX, key="region-annex-workbook", on_click="ignore")

st.subheader("R 1.2 Staffing from the PDUs", anchor=False)
staffing, missing_for_staffing = regional_staffing(scope, inspection_id)
if staffing is None:
    st.info(f"R 1.2 cannot be worked out yet: {md(missing_for_staffing)}.")
else:
    cut = pd.DataFrame([{"Rating": r.label, "From": lo, "To": hi, "Applies": "Yes" if r == staffing.aggregate_rating else ""}
                        for r, (lo, hi) in staffing.cutoffs.items()])
    s1, s2, s3 = st.columns([1, 2, 3])
    s1.metric("PDU aggregate", f"{staffing.aggregate_score} of {staffing.cutoffs[Rating.OUTSTANDING][1]}")
    s2.metric("Aggregate rating", staffing.aggregate_rating.label)
    s3.metric("Usual R 1.2 rating", " or ".join(r.label for r in staffing.usual))
    st.caption(md(staffing.basis))
    st.dataframe(cut, hide_index=True, width="content", key="region-cutoffs")
