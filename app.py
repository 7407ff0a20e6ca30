"""Handshake: the dashboard sales and marketing share. Page config, shared filters, navigation."""

import streamlit as st

from handshake import dashboard

st.set_page_config(page_title="Handshake", page_icon=":material/handshake:", layout="wide")
dashboard.ensure_warehouse()
st.session_state["filters"] = dashboard.sidebar_filters()

st.navigation(
    {
        "Leadership": [st.Page("pages/overview.py", title="Overview", icon=":material/monitoring:", default=True)],
        "Data": [st.Page("pages/warehouse.py", title="Warehouse", icon=":material/database:")],
    }
).run()
