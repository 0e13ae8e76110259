"""Entry point: the page list, the store, the signed-in user. Run with `make run`.

With ``[auth]`` in secrets, nobody sees anything before signing in (Streamlit's OpenID Connect
sign-in), and a signed-in person who is not a known user sees only "no access yet". Without it the
app runs in open local mode and says so on every page. Who may see what is decided in one place,
``core.access``; the principal is built once per run here (``begin_request``) and every page takes it.
"""
from pathlib import Path

import streamlit as st

from core.access import OPEN_LOCAL_BANNER
from core.formatting import markdown_text as md
from pages.common import auth_configured, begin_request, engine, show_gate, signed_in

HERE = Path(__file__).parent

# an emoji icon is drawn by the browser itself; a ':material/…:' page icon is fetched from a Google server
st.set_page_config(page_title="Probation inspection ratings", page_icon="⚖️", layout="wide")

PAGES = {
    "Ratings": [
        st.Page(HERE / "pages/overview.py", title="Overview", icon=":material/dashboard:", default=True, url_path="overview"),
        st.Page(HERE / "pages/scorecard.py", title="PDU scorecard", icon=":material/assignment:", url_path="scorecard"),
        st.Page(HERE / "pages/region.py", title="Region", icon=":material/map:", url_path="region"),
        st.Page(HERE / "pages/compare.py", title="Compare", icon=":material/compare_arrows:", url_path="compare"),
        st.Page(HERE / "pages/whatif.py", title="What-if", icon=":material/tune:", url_path="whatif"),
    ],
    "Fieldwork": [
        st.Page(HERE / "pages/evidence.py", title="Evidence", icon=":material/search:", url_path="evidence"),
        st.Page(HERE / "pages/upload.py", title="Upload", icon=":material/upload:", url_path="upload"),
    ],
}
ADMIN_PAGE = st.Page(HERE / "pages/admin.py", title="Admin", icon=":material/admin_panel_settings:", url_path="admin")

engine()  # open the store (and bring its schema up to date) before any page reads it
principal = begin_request()
# Every page (the admin page too) is registered even for a visitor who may see none, so that a deep link
# is answered (by the sign-in page below) rather than by "page not found"; the page itself is never run for them.
pages = {**PAGES, "Administration": [ADMIN_PAGE]} if principal.may_manage_people or not principal.has_access else PAGES
navigation = st.navigation(pages, position="sidebar" if principal.has_access else "hidden")

with st.sidebar:
    if principal.has_access:
        st.caption(f"Signed in as **{md(principal.who)}** ({md(principal.describe_role())}) · {md(principal.describe_regions())}")
    if auth_configured() and signed_in():
        st.button("Sign out", key="sign-out", icon=":material/logout:", on_click=st.logout)

if not auth_configured():
    st.warning(OPEN_LOCAL_BANNER, icon=":material/lock_open:")
elif not principal.has_access:
    show_gate(principal)  # the sign-in page, or "no access yet"; stops here

navigation.run()
