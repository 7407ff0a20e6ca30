"""Handshake: the dashboard sales and marketing share. Page config, sign-in, shared filters, navigation."""

import streamlit as st

from handshake import dashboard

st.set_page_config(page_title="Handshake", page_icon=":material/handshake:", layout="wide")
st.html(dashboard.LAYOUT_CSS)
dashboard.sign_in()
dashboard.ensure_warehouse()
st.session_state["filters"] = dashboard.sidebar_filters()

st.navigation(
    {
        "Leadership": [
            st.Page("pages/overview.py", title="Overview", icon=":material/monitoring:", default=True),
            st.Page("pages/maturity.py", title="Maturity stage", icon=":material/stairs:"),
            st.Page("pages/funnel.py", title="Hand-off funnel", icon=":material/filter_alt:"),
            st.Page("pages/follow_up.py", title="Follow-up and SLA", icon=":material/timer:"),
            st.Page("pages/lead_quality.py", title="Lead quality", icon=":material/verified:"),
            st.Page("pages/campaigns.py", title="Campaigns and revenue", icon=":material/campaign:"),
            st.Page("pages/evidence.py", title="Evidence", icon=":material/science:"),
        ],
        "Sales and marketing together": [
            st.Page("pages/weekly_meeting.py", title="Weekly joint meeting", icon=":material/groups:"),
            st.Page("pages/subscriptions.py", title="Digest and alerts", icon=":material/forward_to_inbox:"),
        ],
        "Self-assessment": [
            st.Page("pages/questionnaire.py", title="Questionnaire", icon=":material/checklist:"),
            st.Page("pages/assessment_results.py", title="What people say", icon=":material/forum:"),
        ],
        "Data": [
            st.Page("pages/import_data.py", title="Import data", icon=":material/upload_file:"),
            st.Page("pages/glossary.py", title="Glossary", icon=":material/menu_book:"),
            st.Page("pages/definitions.py", title="Definitions", icon=":material/handshake:"),
            st.Page("pages/warehouse.py", title="Warehouse", icon=":material/database:"),
        ],
    },
    expanded=True,  # every page one click from the sidebar: folded, the Data pages hid behind "View 4 more"
).run()
