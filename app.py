"""Entry point: the page list. Run with `streamlit run app.py` (or `make run`)."""
import streamlit as st

st.set_page_config(page_title="Probation inspection ratings", layout="wide")
st.title("Probation inspection ratings")
st.write("The dashboard pages arrive with the dashboard issue.")
