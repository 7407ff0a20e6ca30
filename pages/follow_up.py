"""Follow-up and SLA (being built)."""

import streamlit as st

st.title("Follow-up and SLA")
