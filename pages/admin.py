"""Admin: people and roles, and the audit trail (filters and a CSV export). Admins only."""
import datetime as dt
import json

import streamlit as st

from core.access import ROLES
from core.errors import ProbationError
from core.formatting import markdown_text as md
from core.framework import national_regions
from core.store.actions import load_published_as
from core.store import audit
from core.store.people import add_person, change_person, people_frame, remove_person
from pages.common import audited_export, csv_bytes, current_principal, engine

st.title("Admin")
by = current_principal()
if not by.may_manage_people:
    st.error("Only an administrator may see this page.")
    st.stop()

REGIONS = [r.name for r in national_regions()]
MESSAGE = "admin-message"
if MESSAGE in st.session_state:
    kind, text = st.session_state.pop(MESSAGE)
    (st.success if kind == "success" else st.error)(md(text))  # it can quote an email or a region as typed


def _act(action, *args, done: str, **kwargs) -> None:
    """Button callback: run a people action as this admin; say what happened on the next run."""
    try:
        action(engine(), *args, by=by, **kwargs)
    except ProbationError as exc:
        st.session_state[MESSAGE] = ("error", str(exc))
    else:
        st.session_state[MESSAGE] = ("success", done)


st.header("People and roles", anchor=False)
st.caption("national: reads every region · regional: reads their regions, saves scenarios · inspector: reads their "
           "regions, uploads for them, withdraws their own uploads · admin: manages people, loads published ratings, "
           "withdraws any upload. Addresses are compared ignoring case.")
people = people_frame(engine())
if people.empty:
    st.info("No users yet. Add the first administrator here or with `python -m core users add EMAIL --role admin` "
               "(or list them under [access] admins in secrets) before turning sign-in on.")
else:
    st.dataframe(people, hide_index=True, width="stretch")

with st.form("admin-add", clear_on_submit=True):
    a1, a2, a3 = st.columns([2, 1, 3])
    email = a1.text_input("E-mail", key="admin-add-email")
    role = a2.selectbox("Role", ROLES, key="admin-add-role")
    regions = a3.multiselect("Regions (regional and inspector)", REGIONS, key="admin-add-regions")
    if st.form_submit_button("Add user"):
        _act(add_person, email, role, regions, done=f"Added {email.strip()} as {role}.")
        st.rerun()

if not people.empty:
    c1, c2, c3, c4 = st.columns([2, 1, 3, 1])
    who = c1.selectbox("User", list(people["email"]), key="admin-change-email")
    current = people.set_index("email").loc[who]
    new_role = c2.selectbox("Role", ROLES, index=ROLES.index(current["role"]), key=f"admin-change-role-{who}")
    new_regions = c3.multiselect("Regions", REGIONS, default=[r for r in current["regions"].split("; ") if r],
                                 key=f"admin-change-regions-{who}")
    c4.button("Change", key="admin-change", on_click=_act, args=(change_person, who, new_role, new_regions),
              kwargs={"done": f"Changed {who}."})
    c4.button("Remove", key="admin-remove", on_click=_act, args=(remove_person, who), kwargs={"done": f"Removed {who}."})

st.header("Published ratings", anchor=False)
st.caption("The published annexes (data/published_ratings.csv): rows already there are left alone, changed ones corrected.")
if st.button("Load published ratings", key="admin-load-published"):
    try:
        st.success(md(load_published_as(engine(), by).summary()))
    except ProbationError as exc:
        st.error(md(str(exc)))

st.header("Audit trail", anchor=False)
f1, f2, f3 = st.columns([1, 2, 2])
since = f1.date_input("Since (UTC)", value=None, key="admin-audit-since")
user = f2.text_input("User", key="admin-audit-user")
actions = f3.multiselect("Actions", audit.ACTIONS, key="admin-audit-actions", placeholder="All actions")
events = audit.events(engine(), since=since, user=user.strip() or None)
if actions:
    events = events[events["action"].isin(actions)]
events = events.sort_values("at", ascending=False).assign(details=lambda d: d["details"].map(
    lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True)))
st.caption(f"{len(events)} event(s)")
st.dataframe(events, hide_index=True, width="stretch",
             column_config={"at": st.column_config.DatetimeColumn("At (UTC)", format="YYYY-MM-DD HH:mm:ss")})
stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M")
st.download_button("Download CSV", audited_export(lambda: csv_bytes(events), "audit trail", f"audit-{stamp}.csv", len(events)),
                   f"audit-{stamp}.csv", "text/csv", key="admin-audit-csv", on_click="ignore")
