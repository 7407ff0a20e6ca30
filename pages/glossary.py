"""Glossary, for both teams: every KPI once, with its definition, formula, owner and the query behind it."""

import streamlit as st

from handshake import dashboard, kpis, queries

dashboard.ensure_app_ran()
currency = dashboard.currency()
st.title("Glossary")
st.markdown(
    "The shared language of the Defined stage: what each number on these pages means, how it is computed, "
    "who owns it, and the one query it comes from. Every page that shows a KPI runs that same query."
)

AREAS = {
    "Overview": kpis.HEADLINE, "Hand-off funnel": kpis.FUNNEL, "Follow-up and SLA": kpis.FOLLOW_UP,
    "Lead quality": kpis.LEAD_QUALITY, "Campaigns and revenue": kpis.CAMPAIGNS, "Data health": kpis.DATA_HEALTH,
    "Evidence (estimates)": kpis.EVIDENCE,
}
OWNERS = {"marketing": "Marketing", "sales": "Sales", "shared": "Shared"}
owners = st.pills("Owner", list(OWNERS), format_func=OWNERS.get, selection_mode="multi", default=list(OWNERS),
                  key="glossary_owner")
search = st.text_input("Search", key="glossary_search", placeholder="for example: SLA, revenue, rejected").strip().lower()

shown = 0
for area, entries in AREAS.items():
    matches = [
        k for k in entries
        if k.owner in owners and (not search or search in f"{k.label} {k.definition} {k.formula} {k.name}".lower())
    ]
    if not matches:
        continue
    st.subheader(area)
    for k in matches:
        shown += 1
        with st.container(border=True):
            st.markdown(f"**{k.label}** · owner: {OWNERS[k.owner].lower()} · unit: {kpis.unit_text(k.unit, currency)}")
            st.markdown(k.definition)
            st.markdown(f"Formula: {k.formula}." + (f" Compared with its target, `{k.target}`." if k.target else ""))
            if k.computed_by:
                st.caption(f"An estimate: `handshake/evidence.py`, `{k.computed_by}()`, computes it from the rows "
                           "of the query below. Association, not proof: see the Evidence page.")
            with st.expander(f"The query: queries/{k.query}.sql" + ("" if k.computed_by else f" (column `{k.name}`)")):
                st.code(queries.sql(k.query), language="sql")

if not shown:
    st.info("No KPI matches. Clear the search or choose another owner.")

st.subheader("Published references")
st.markdown(
    "Beside some rates the pages show ranges published in secondary sources (see the Hand-off funnel page, "
    "where the team can edit them). They are directional references, never targets: Forrester, which owns "
    "the demand waterfall, says no universal benchmark exists."
)
dashboard.data_table(dashboard.query("reference_bands"), "handshake_reference_bands.csv", label="The reference ranges",
                     column_config={
                         "low_rate": dashboard.rate_column("Low"),
                         "high_rate": dashboard.rate_column("High"),
                     })
