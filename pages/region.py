"""Region: the regional standards (pooled domain two; R 1.2 staffing from its PDUs with the cut-off
applied shown) and its PDUs side by side."""
import pandas as pd
import streamlit as st

from core.analysis import OVERALL, StaffingUnavailable, staffing_for_region
from core.ratings import Rating
from core.reports import annex, side_by_side
from pages.common import (current_scope, dataset, download_buttons, framework, pick_inspection, ratings, style_ratings,
                          synthetic_banner)

st.title("Region")
scope = current_scope()
table = ratings(scope)
rows = pick_inspection(table, "region", key="region", missing="No regional inspections in the store yet.")

inspection_id = rows["inspection_id"].iloc[0]
region, round_ = rows["region"].iloc[0], rows["round"].iloc[0]
fw = framework(rows["framework"].iloc[0])
synthetic_banner(rows)
st.header(f"{region} region", anchor=False)

overall = rows[rows["standard"] == OVERALL]
c1, c2 = st.columns([3, 2])
c1.metric("Overall rating", overall["rating"].iloc[0] if not overall.empty else "Not yet rated")
c2.metric("Score", f"{int(overall['score'].iloc[0])}/{int(overall['max_score'].iloc[0])}" if not overall.empty else "—")

st.subheader("Regional standards", anchor=False)
st.caption("Regional domain two pools the cases of the region's PDUs (public protection, desistance, court work, "
           "resettlement) with the regional fieldwork cases (unpaid work, statutory victim work).")
regional_annex = annex(table, inspection_id)
st.dataframe(style_ratings(regional_annex), hide_index=True, width="stretch")

st.subheader("R 1.2 Staffing from the PDUs", anchor=False)
try:
    staffing = staffing_for_region(dataset(scope), fw, rows.iloc[0].to_dict(), table)
except StaffingUnavailable as exc:
    st.info(f"R 1.2 cannot be worked out yet: {exc}.")
else:
    cut = pd.DataFrame([{"rating": r.label, "from": lo, "to": hi, "applies": r == staffing.aggregate_rating}
                        for r, (lo, hi) in staffing.cutoffs.items()])
    s1, s2, s3 = st.columns([1, 2, 3])
    s1.metric("PDU aggregate", f"{staffing.aggregate_score} of {staffing.cutoffs[Rating.OUTSTANDING][1]}")
    s2.metric("Aggregate rating", staffing.aggregate_rating.label)
    s3.metric("Usual R 1.2 rating", " or ".join(r.label for r in staffing.usual))
    st.caption(staffing.basis)
    st.dataframe(cut, hide_index=True, width="content")

st.subheader("PDUs side by side", anchor=False)
pdus = side_by_side(table, region, round_)
rating_cols = [c for c in pdus.columns if c not in ("unit", "Score")]
st.dataframe(style_ratings(pdus, rating_cols), hide_index=True, width="stretch")
download_buttons(f"region-{region}-{round_}", {"regional standards": regional_annex, "PDUs": pdus}, key="region-download")
