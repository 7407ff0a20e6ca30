"""Campaigns and revenue (being built)."""

import streamlit as st

st.title("Campaigns and revenue")
