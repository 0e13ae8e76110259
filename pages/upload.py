"""Upload: inspectors load fieldwork workbooks; they get the validation report (every problem by
cell) or a receipt; they download templates and see the upload history."""
import pandas as pd
import streamlit as st

from core import views
from core.errors import ProbationError
from core.formatting import markdown_text as md
from core.framework import available_frameworks, load_framework
from core.ingest.audited import upload
from core.ingest.importer import import_many
from core.ingest.spec import TEMPLATE_KINDS
from core.ingest.template import template_bytes, template_file_name
from core.store.withdrawals import upload_rounds, uploads_listing, withdraw_upload
from pages.common import current_principal, current_scope, download_table, engine, query_choice

ALL_ROUNDS = "All rounds"


def _framework_title(framework_id: str) -> str:
    try:
        return load_framework(framework_id).title
    except ProbationError:
        return framework_id


TEMPLATE_HELP = {"cases": "sentence management cases (PDU)", "court": "court reports (PDU)", "unpaid-work": "unpaid work cases (regional fieldwork)",
                 "victim": "statutory victim cases (regional fieldwork)", "evidence": "domain one evidence, proposed ratings, survey figures, judgements"}

st.title("Upload fieldwork")
by = current_principal()
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
if not by.uploads:
    st.info(f"Uploading is for inspectors, for their regions; you are {by.describe_role()}.")
uploaded = st.file_uploader("Workbooks (.xlsx) or CSV files", type=["xlsx", "csv"], key="upload-file", accept_multiple_files=True,
                            disabled=not by.uploads)


def _show_outcome(outcome) -> None:
    """One receipt (or the problems) per file, in sentences; technical details folded away."""
    name = outcome.file_name
    if outcome.findings:
        with st.status(f"{md(name)} was not loaded: {outcome.total} problem(s)", state="error", expanded=True):
            st.error(f"{md(name)} was not loaded. Nothing was written. Put these right and upload it again.")
            st.dataframe(pd.DataFrame([{"where": f.where, "problem": f.message, "type": f.type} for f in outcome.findings]),
                         hide_index=True, width="stretch")
            if outcome.total > len(outcome.findings):
                st.caption(f"… and {outcome.total - len(outcome.findings)} more of the same kinds.")
    elif not outcome.loaded:
        with st.status(f"{md(name)} was not loaded", state="error", expanded=True):
            st.error(md(outcome.message))
    else:
        head, details = views.receipt_sentences(outcome.receipt, _framework_title)
        with st.status(md(head), state="complete", expanded=True):
            st.success(md(head))
            st.markdown(md(details))
            with st.expander("Technical details"):
                st.dataframe(views.receipt_details(outcome.receipt), hide_index=True, width="stretch")


if uploaded and by.uploads and st.button("Check and load", type="primary", key="upload-submit"):
    bar = st.progress(0.0, text=f"Checking and loading {len(uploaded)} file(s)…")

    def advance(p) -> None:
        bar.progress(p.done / p.total, text=f"Checked {p.done} of {p.total} file(s); {p.cases:,} cases loaded so far…")

    # each file in its own transaction, as the signed-in person (access checked, audited): one refused
    # file leaves the others loaded
    outcomes = import_many(engine(), [(file.getvalue(), file.name) for file in uploaded], progress=advance,
                           importer=lambda data, name: upload(engine(), by, data, name))
    loaded = sum(1 for o in outcomes if o.loaded)
    bar.progress(1.0, text=f"Done: {loaded} of {len(uploaded)} file(s) loaded.")
    for outcome in outcomes:
        _show_outcome(outcome)

st.header("Upload history", anchor=False)
if "withdraw-message" in st.session_state:
    st.success(md(st.session_state.pop("withdraw-message")))
rounds = upload_rounds(engine(), scope)
if not rounds:
    st.caption("Nothing uploaded yet.")
else:
    # one round at a time (the latest, or the one this reader is looking at elsewhere): a national store
    # holds some 250 uploads a round, and the withdraw picker below lists what is shown
    options = [*rounds, ALL_ROUNDS]
    round_ = st.selectbox("Round", options, index=options.index(query_choice("round", options)), key="upload-history-round")
    history = uploads_listing(engine(), scope, round_=None if round_ == ALL_ROUNDS else round_)
    shown_history = views.history_table(history)
    st.dataframe(shown_history, hide_index=True, width="stretch", key="upload-history")
    download_table(shown_history, "upload-history", key="upload-history-download")
    mine = history[history["withdrawn_at"].isna()]
    mine = mine[[by.may_withdraw(u, r) for u, r in zip(mine["uploaded_by"], mine["region"])]] if not mine.empty else mine
    if not mine.empty:
        with st.expander("Withdraw an upload"):
            st.caption("A withdrawn upload no longer counts: the previous version, if any, counts again; with none, its "
                       "data leaves the ratings. Nothing is deleted, and the withdrawal stays in this history.")
            labels = {int(r.upload_id): f"{r.file_name} · {r.unit} · {r.round} · {r.kind} version {r.version}"
                      for r in mine.itertuples()}
            w1, w2 = st.columns([2, 3])
            chosen = w1.selectbox("Upload", list(labels), format_func=labels.get, key="withdraw-upload")
            reason = w2.text_input("Reason", key="withdraw-reason")
            if st.button("Withdraw", key="withdraw-submit", disabled=not reason.strip()):
                try:
                    result = withdraw_upload(engine(), chosen, reason, by)
                except ProbationError as exc:
                    st.error(md(exc))
                else:
                    st.session_state["withdraw-message"] = result.summary()
                    st.rerun()
