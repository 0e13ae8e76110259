"""Evidence: domain one evidence, browsable and searchable by standard, key question, kind and source."""
import streamlit as st

from core.evidence import filter_evidence
from pages.common import (current_scope, download_table, evidence_items, evidence_rounds, query_choice, query_choices, set_query,
                          synthetic_banner)

st.title("Evidence")
scope = current_scope()
rounds = evidence_rounds(scope)
if not rounds:
    st.warning("No domain one evidence in the store yet.")
    st.stop()

c1, c2, c3 = st.columns(3)
round_ = c1.selectbox("Round", rounds, index=rounds.index(query_choice("round", rounds)), key="evidence-round")
items, as_shown = evidence_items(scope, round_)  # one round's items: a few thousand, not every year's
regions = sorted(items["region"].unique())
region = c2.multiselect("Regions", regions, default=query_choices("region", regions), key="evidence-regions", placeholder="All regions")
units = sorted(items.loc[items["region"].isin(region or regions), "unit"].unique())
unit = c3.multiselect("Units", units, default=query_choices("unit", units), key="evidence-units", placeholder="All units")
c4, c5, c6, c7, c8 = st.columns([1, 1, 1, 1, 2])
standards = sorted(items["standard"].unique())
standard = c4.multiselect("Standard", standards, default=query_choices("standard", standards), key="evidence-standard")
key_questions = sorted(items.loc[items["standard"].isin(standard or standards), "key_question"].dropna().unique())
key_question = c5.multiselect("Key question", key_questions, default=query_choices("kq", key_questions), key="evidence-kq")
kinds = sorted(items["kind"].unique())
kind = c6.multiselect("Kind", kinds, default=query_choices("kind", kinds), key="evidence-kind")
sources = sorted(items["source"].unique())
source = c7.multiselect("Source", sources, default=query_choices("source", sources), key="evidence-source")
text = c8.text_input("Search text", value=st.query_params.get("q", ""), key="evidence-q")
set_query(round=round_, region=region, unit=unit, standard=standard, kq=key_question, kind=kind, source=source, q=text)

shown = filter_evidence(items, round_=round_, regions=region, units=unit, standards=standard, key_questions=key_question,
                        kinds=kind, sources=source, text=text)
synthetic_banner(shown)
st.caption(f"{len(shown)} of {len(items)} evidence items in {round_}")
table = as_shown.loc[shown.index].reset_index(drop=True)
st.dataframe(table, hide_index=True, width="stretch", key="evidence-table",
             column_config={"Evidence": st.column_config.TextColumn("Evidence", width="large")})
download_table(table, "evidence", key="evidence-download")
