"""Upload: inspectors load fieldwork workbooks; they get the validation report (every problem by
cell) or a receipt; they download templates and see the upload history."""
import pandas as pd
import streamlit as st

from core.errors import InvalidWorkbook, ProbationError
from core.framework import available_frameworks
from core.ingest.spec import TEMPLATE_KINDS
from core.ingest.template import template_bytes, template_file_name
from core.ingest.audited import upload
from core.store.withdrawals import uploads_listing, withdraw_upload
from pages.common import current_principal, current_scope, engine

TEMPLATE_HELP = {"cases": "sentence management cases (PDU)", "court": "court reports (PDU)", "unpaid-work": "unpaid work cases (regional fieldwork)",
                 "victim": "statutory victim cases (regional fieldwork)", "evidence": "domain one evidence, proposed ratings, survey figures, judgements"}

st.title("Upload fieldwork")
by = current_principal()
scope = current_scope()

st.subheader("1. Download a template", anchor=False)
t1, t2, t3 = st.columns([1, 2, 1])
framework_id = t1.selectbox("Framework", available_frameworks(), key="upload-framework")
kind = t2.selectbox("Template", TEMPLATE_KINDS, format_func=lambda k: f"{k}: {TEMPLATE_HELP.get(k, '')}", key="upload-kind")
try:
    t3.download_button("Download template", template_bytes(framework_id, kind), template_file_name(framework_id, kind),
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="upload-template")
except ProbationError as exc:  # a template kind the framework has no case type for
    t3.caption(str(exc))

st.subheader("2. Upload a filled workbook", anchor=False)
st.caption("The whole file is checked before anything is written. A file with any problem is not loaded at all, "
           "and every problem is listed with its cell. Uploading the same file again changes nothing; a corrected "
           "file for the same inspection becomes a new version, and the latest counts.")
if not by.uploads:
    st.info(f"Uploading is for inspectors, for their regions; you are {by.describe_role()}.")
uploaded = st.file_uploader("Workbook (.xlsx) or CSV", type=["xlsx", "csv"], key="upload-file", disabled=not by.uploads)
if uploaded is not None and by.uploads and st.button("Check and load", type="primary", key="upload-submit"):
    with st.status(f"Checking {uploaded.name}…", expanded=True) as status:
        try:
            receipt = upload(engine(), by, uploaded.getvalue(), uploaded.name)
        except InvalidWorkbook as exc:
            status.update(label=f"{uploaded.name} was not loaded: {exc.total} problem(s)", state="error", expanded=True)
            st.error(f"{uploaded.name} was not loaded. Nothing was written. Put these right and upload it again.")
            st.dataframe(pd.DataFrame([{"where": f.where, "problem": f.message, "type": f.type} for f in exc.findings]),
                         hide_index=True, width="stretch")
            if exc.total > len(exc.findings):
                st.caption(f"… and {exc.total - len(exc.findings)} more of the same kinds.")
        except ProbationError as exc:
            status.update(label=f"{uploaded.name} was not loaded", state="error", expanded=True)
            st.error(str(exc))
        else:
            status.update(label=receipt.summary(), state="complete", expanded=True)
            st.success(receipt.summary())
            st.json({"status": receipt.status, "inspection": receipt.inspection, "version": receipt.version,
                     "counts": receipt.counts, "sha256": receipt.sha256, "uploaded_by": receipt.uploaded_by})

st.subheader("Upload history", anchor=False)
if "withdraw-message" in st.session_state:
    st.success(st.session_state.pop("withdraw-message"))
history = uploads_listing(engine(), scope)
if history.empty:
    st.caption("Nothing uploaded yet.")
else:
    st.dataframe(history.drop(columns=["counts"]), hide_index=True, width="stretch",
                 column_config={"upload_id": st.column_config.NumberColumn("Upload", format="%d"),
                                "sha256": st.column_config.TextColumn("SHA-256", width="small"),
                                "current": st.column_config.CheckboxColumn("Counts"),
                                "withdrawn_reason": "Why withdrawn"})
    mine = history[history["withdrawn_at"].isna()]
    mine = mine[[by.may_withdraw(u, r) for u, r in zip(mine["uploaded_by"], mine["region"])]] if not mine.empty else mine
    if not mine.empty:
        with st.expander("Withdraw an upload"):
            st.caption("A withdrawn upload no longer counts: the previous version, if any, counts again; with none, its "
                       "data leaves the ratings. Nothing is deleted, and the withdrawal stays in this history.")
            labels = {int(r.upload_id): f"{r.upload_id}: {r.file_name} · {r.unit} · {r.round} · {r.kind} v{r.version}"
                      for r in mine.itertuples()}
            w1, w2 = st.columns([2, 3])
            chosen = w1.selectbox("Upload", list(labels), format_func=labels.get, key="withdraw-upload")
            reason = w2.text_input("Reason", key="withdraw-reason")
            if st.button("Withdraw", key="withdraw-submit", disabled=not reason.strip()):
                try:
                    result = withdraw_upload(engine(), chosen, reason, by)
                except ProbationError as exc:
                    st.error(str(exc))
                else:
                    st.session_state["withdraw-message"] = result.summary()
                    st.rerun()
