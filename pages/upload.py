"""Upload: inspectors load fieldwork workbooks; they get the validation report (every problem by
cell) or a receipt; they download templates and see the upload history."""
import pandas as pd
import streamlit as st

from core import views
from core.errors import InvalidWorkbook, ProbationError
from core.formatting import markdown_text as md
from core.framework import available_frameworks, load_framework
from core.ingest.importer import import_file
from core.ingest.spec import TEMPLATE_KINDS
from core.ingest.template import template_bytes, template_file_name
from core.store.queries import uploads_frame
from pages.common import current_scope, current_user, download_table, engine


def _framework_title(framework_id: str) -> str:
    try:
        return load_framework(framework_id).title
    except ProbationError:
        return framework_id


TEMPLATE_HELP = {"cases": "sentence management cases (PDU)", "court": "court reports (PDU)", "unpaid-work": "unpaid work cases (regional fieldwork)",
                 "victim": "statutory victim cases (regional fieldwork)", "evidence": "domain one evidence, proposed ratings, survey figures, judgements"}

st.title("Upload fieldwork")
scope = current_scope()

st.header("1. Download a template", anchor=False)
t1, t2, t3 = st.columns([1, 2, 1])
framework_id = t1.selectbox("Framework", available_frameworks(), key="upload-framework", format_func=_framework_title)
kind = t2.selectbox("Template", TEMPLATE_KINDS, format_func=lambda k: f"{k}: {TEMPLATE_HELP.get(k, '')}", key="upload-kind")
try:
    t3.download_button("Download template", template_bytes(framework_id, kind), template_file_name(framework_id, kind),
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="upload-template")
except ProbationError as exc:  # a template kind the framework has no case type for
    t3.caption(str(exc))

st.header("2. Upload filled workbooks", anchor=False)
st.caption("Each file is checked whole before anything of it is written, and loaded in its own transaction: a file with "
           "any problem is not loaded at all, and every problem is listed with its cell; the other files still load. "
           "Uploading the same file again changes nothing; a corrected file for the same inspection becomes a new version, "
           "and the latest counts.")
uploaded = st.file_uploader("Workbooks (.xlsx) or CSV files", type=["xlsx", "csv"], key="upload-file", accept_multiple_files=True)


def _show_outcome(name: str, outcome) -> None:
    """One receipt (or the problems) per file, in sentences; technical details folded away."""
    if isinstance(outcome, InvalidWorkbook):
        with st.status(f"{md(name)} was not loaded: {outcome.total} problem(s)", state="error", expanded=True):
            st.error(f"{md(name)} was not loaded. Nothing was written. Put these right and upload it again.")
            st.dataframe(pd.DataFrame([{"where": f.where, "problem": f.message, "type": f.type} for f in outcome.findings]),
                         hide_index=True, width="stretch")
            if outcome.total > len(outcome.findings):
                st.caption(f"… and {outcome.total - len(outcome.findings)} more of the same kinds.")
    elif isinstance(outcome, ProbationError):
        with st.status(f"{md(name)} was not loaded", state="error", expanded=True):
            st.error(md(outcome))
    else:
        head, details = views.receipt_sentences(outcome, _framework_title)
        with st.status(md(head), state="complete", expanded=True):
            st.success(md(head))
            st.markdown(md(details))
            with st.expander("Technical details"):
                st.dataframe(views.receipt_details(outcome), hide_index=True, width="stretch")


if uploaded and st.button("Check and load", type="primary", key="upload-submit"):
    bar = st.progress(0.0, text=f"Checking and loading {len(uploaded)} file(s)…")
    outcomes = []
    for i, file in enumerate(uploaded):
        bar.progress(i / len(uploaded), text=f"Checking {md(file.name)} ({i + 1} of {len(uploaded)})…")
        try:  # each file in its own transaction: one refused file leaves the others loaded
            outcomes.append((file.name, import_file(engine(), file.getvalue(), file.name, user=current_user(), scope=scope)))
        except ProbationError as exc:
            outcomes.append((file.name, exc))
    loaded = sum(1 for _, o in outcomes if not isinstance(o, ProbationError))
    bar.progress(1.0, text=f"Done: {loaded} of {len(uploaded)} file(s) loaded.")
    for name, outcome in outcomes:
        _show_outcome(name, outcome)

st.header("Upload history", anchor=False)
history = uploads_frame(engine(), scope)
if history.empty:
    st.caption("Nothing uploaded yet.")
else:
    shown_history = views.history_table(history)
    st.dataframe(shown_history, hide_index=True, width="stretch", key="upload-history")
    download_table(shown_history, "upload-history", key="upload-history-download")
