"""Entry point: the page list, the store, the signed-in user. Run with `make run`."""
from pathlib import Path

import streamlit as st

from pages.common import current_scope, current_user, engine

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

engine()  # open the store (and bring its schema up to date) before any page reads it
scope = current_scope()
with st.sidebar:
    st.caption(f"Signed in as **{current_user()}** · "
               + ("all regions" if scope.regions is None else ", ".join(sorted(scope.regions)) or "no regions"))
st.navigation(PAGES).run()
