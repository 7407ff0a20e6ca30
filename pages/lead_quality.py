"""Lead quality (being built)."""

import streamlit as st

st.title("Lead quality")
