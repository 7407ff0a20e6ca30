"""Glossary (being built)."""

import streamlit as st

st.title("Glossary")
