"""Data: what the warehouse holds, for anyone who wants to know where the numbers come from."""

import zoneinfo

import streamlit as st

from handshake import dashboard, warehouse

dashboard.ensure_app_ran()
st.title("Warehouse")
about = dashboard.about_warehouse()
path = warehouse.configured_path()
leads = dashboard.query("data_range").iloc[0]["lead_count"]
kind = ("a generated **demo** organisation" if about.get("is_demo") == "true"
        else "your organisation's data" if leads else "**no data yet**")
st.markdown(f"Handshake is reading `{path}`, which holds {kind}.")
if about.get("is_demo") == "true":
    st.caption(
        f"Profile {about['demo_profile']}, {int(about['demo_leads']):,} leads, seed {about['demo_seed']}, "
        f"ending {about['demo_as_of']} UTC. The same profile, size, seed and end give the same data."
    )

st.subheader("Tables")
st.dataframe(dashboard.query("warehouse_tables"), hide_index=True, placeholder="–", column_config={
    "table_name": "Table", "holds": "Holds", "row_count": st.column_config.NumberColumn("Rows", format="localized"),
})
st.caption(f"Schema version {about.get('schema_version')} · data version {about.get('data_version', 0)} "
           "(it changes whenever data is written).")

st.page_link("pages/definitions.py", label="The joint agreement, version by version, is on the Definitions page",
             icon=":material/handshake:")

st.subheader("The organisation's time zone")
zones = sorted(zoneinfo.available_timezones())
current_zone = warehouse.organisation_timezone(about)
with st.form("timezone_form", border=False):
    zone = st.selectbox(
        "Days and weeks start at midnight in", zones, index=zones.index(current_zone) if current_zone in zones else None,
        key="timezone", help="Timestamps are stored in UTC. A period's days, and the weekly meeting's Monday-to-Sunday "
        "weeks, start at midnight in this zone; booking and deal dates are already the organisation's own dates.")
    if st.form_submit_button("Save time zone", key="save_timezone") and zone and zone != current_zone:
        warehouse.set_timezone(warehouse.shared_connection(path), zone)
        st.success(f"Days now start at midnight {zone}; every page counts by it from now on.")
st.caption(f"Now: {current_zone}. Changing it moves the edges of every period by the difference in hours, for everyone.")
