"""Hand-off funnel (being built)."""

import streamlit as st

st.title("Hand-off funnel")
