import streamlit as st
st.title("Upload")
