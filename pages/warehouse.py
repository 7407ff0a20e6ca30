"""Data: what the warehouse holds, for anyone who wants to know where the numbers come from."""

import zoneinfo

import streamlit as st

from handshake import dashboard, kpis, warehouse
from handshake.formats import fmt, md, symbol

dashboard.ensure_app_ran()
st.title("Warehouse")
about = dashboard.about_warehouse()
path = warehouse.configured_path()
rows = dashboard.query("warehouse_tables")["row_count"].sum()
kind = ("a generated **demo** organisation" if about.get("is_demo") == "true"
        else "your organisation's data" if rows else "**no data yet**")
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

st.subheader("Data health")
HEALTHY = 0.9  # below this share a check is flagged
# the window is named at each count: the Overview counts MQLs by the day they qualified, this page by arrival
ARRIVED_MQLS = "MQLs among the leads created in the period"
period = dashboard.filters()
currency = dashboard.currency()
health = dashboard.query("data_health", period.params()).iloc[0]
if not health["lead_count"]:
    st.info(
        f"No lead was created from {period.start:%d %b %Y} to {period.end:%d %b %Y}, so there is nothing to check. "
        "Choose a period with leads in the sidebar, or import a leads file.", icon=":material/inbox:")
else:
    # the revenue check is the maturity criterion's own number, for the whole organisation
    money = dashboard.query("kpi_revenue", kpis.query_params(period.start, period.end, tz=period.tz)).iloc[0]

    def counted(part: str, whole: str, noun: str) -> str:
        return f"{fmt(health[part], 'count')} of {fmt(health[whole], 'count')} {noun}"

    checks = (  # (KPI, how many of how many, what a poor share breaks)
        ("lead_source_rate", counted("with_source_count", "lead_count", "leads"),
         "Without a source, conversion, win rate and revenue cannot be credited to a channel or compared."),
        ("mql_owner_rate", counted("with_owner_count", "mql_count", ARRIVED_MQLS),
         "Without an owner nobody answers for an MQL: it is missing from the accountability list and every "
         "rep's numbers."),
        ("mql_first_touch_rate", counted("with_first_touch_count", "mql_count", ARRIVED_MQLS),
         "Without first-touch times the SLA KPIs, hours to first touch and the follow-up rate cannot be "
         "measured: untouched leads look like sales never called."),
        ("mql_disposition_rate", counted("with_disposition_count", "mql_count", ARRIVED_MQLS),
         "Without acceptance or rejection times the acceptance rate and rejection reasons describe only a "
         "few leads, and the MQL to SAL step looks stuck."),
        ("won_revenue_link_rate", counted("won_with_revenue_count", "won_count", "won leads"),
         "Won leads without revenue drop out of revenue by source, campaign and score band, and out of "
         "return on spend."),
        ("below_threshold_rate", counted("below_threshold_count", "threshold_judged_count",
                                         "scored MQLs under an agreed threshold"),
         "A high share (lower is better): the CRM hands sales MQLs the agreement says are not ready, so sales "
         "rejects or ignores them, or the CRM's scoring differs from the score the two teams agreed on."),
        ("traced_revenue_rate", f"{fmt(money['revenue_eur'] - money['untraced_revenue_eur'], 'money', currency)} of "
         f"{fmt(money['revenue_eur'], 'money', currency)} booked",
         "Revenue without a lead cannot be credited to marketing or sales, a source or a campaign."),
    )
    row_of = {**health.to_dict(), "traced_revenue_rate": money["traced_revenue_rate"]}
    shares = {name: kpis.clean(row_of[name]) for name, _, _ in checks}

    def poor(name: str) -> bool:
        """Below HEALTHY, or for a check where lower is better, above 1 - HEALTHY."""
        share = shares[name]
        if share is None:
            return False
        return share > 1 - HEALTHY if kpis.BY_NAME[name].better == "lower" else share < HEALTHY

    low = [kpis.BY_NAME[name].label for name in shares if poor(name) and kpis.BY_NAME[name].better != "lower"]
    high = [kpis.BY_NAME[name].label for name in shares if poor(name) and kpis.BY_NAME[name].better == "lower"]
    st.table([{
        "": "–" if shares[name] is None else ":orange[:material/warning:]" if poor(name)
            else ":green[:material/check_circle:]",
        "Check": kpis.BY_NAME[name].label,
        "Share": f":orange[**{fmt(shares[name], 'rate')}**]" if poor(name) else fmt(shares[name], "rate"),
        "Count": part,
        "What a poor share breaks": breaks,
    } for name, part, breaks in checks], hide_index=True)
    st.caption(
        f"The leads created from {period.start:%d %b %Y} to {period.end:%d %b %Y}, and the revenue booked then, "
        "for the whole organisation whatever the filters. The newest MQLs may not be touched or decided yet, so a "
        "recent period reads lower than an older one. A dash: nothing to check (no MQLs, no won leads or no "
        "revenue; no MQL with a score under an agreed threshold). Each check is defined in the Glossary, under Data "
        "health."
        + (f" Below {fmt(HEALTHY, 'rate')}: {', '.join(low)}." if low else "")
        + (f" Above {fmt(1 - HEALTHY, 'rate')}: {', '.join(high)}." if high else "")
        + ("" if low or high else f" Every check is at {fmt(HEALTHY, 'rate')} or more ({fmt(1 - HEALTHY, 'rate')} or less where lower "
                                  "is better)."))

st.page_link("pages/definitions.py", label="The joint agreement, version by version, is on the Definitions page",
             icon=":material/handshake:")

st.subheader("The organisation's settings")
st.caption("Set them before importing: times without an offset are read in the zone in force at import.")
con = warehouse.shared_connection(path)
fixed = dashboard.cannot("settings")

zones = sorted(zoneinfo.available_timezones())
current_zone = warehouse.organisation_timezone(about)
zone = st.selectbox(
    "Days and weeks start at midnight in", zones, index=zones.index(current_zone) if current_zone in zones else None,
    key="timezone", disabled=fixed,
    help="Timestamps are stored in UTC. A period's days, and the weekly meeting's Monday-to-Sunday weeks, start "
    "at midnight in this zone; booking and deal dates are already the organisation's own dates.")
changed = bool(zone) and zone != current_zone
shift = warehouse.timezone_shift(con, zone) if changed else None
if shift:  # choosing a zone reruns the page, so this shows before the change is saved
    st.warning(shift, icon=":material/schedule:")
if st.button("Save time zone", key="save_timezone", disabled=fixed) and changed:
    warehouse.set_timezone(con, zone, dashboard.person())
    dashboard.forget_this_run()
    st.success(f"Days now start at midnight {zone}; every page counts by it from now on.")
st.caption(f"Now: {current_zone}. Changing it moves the edges of every period by the difference in hours, for everyone.")

codes = sorted(warehouse.CURRENCIES)
current_currency = warehouse.organisation_currency(about)
with st.form("currency_form", border=False):
    chosen = st.selectbox(
        "Every amount is in", codes, index=codes.index(current_currency) if current_currency in codes else None,
        key="currency", disabled=fixed,
        format_func=lambda code: f"{code} ({symbol(code)})" if symbol(code) != code else code,
        help="The currency of every amount in the exports you import (ISO 4217). Amounts are shown as imported and "
        "never converted: this names them on every page, download and the meeting pack.")
    saved = st.form_submit_button("Save currency", key="save_currency", disabled=fixed)
    if saved and chosen and chosen != current_currency:
        warehouse.set_currency(con, chosen, dashboard.person())
        dashboard.forget_this_run()
        st.success(f"Amounts are now shown in {chosen}, on every page.")

with st.form("record_link_form", border=False):
    link = st.text_input(
        "Address of a record in your CRM", value=warehouse.record_link(about) or "", key="record_link", disabled=fixed,
        placeholder=warehouse.RECORD_LINK_EXAMPLE,
        help="The web address of one lead in your CRM with {id} where its id goes, so the lead lists link each lead "
        "to its record. HubSpot: https://app.hubspot.com/contacts/PORTAL_ID/record/0-1/{id}; Salesforce: "
        "https://MYDOMAIN.lightning.force.com/lightning/r/Lead/{id}/view. Empty: no links.")
    if st.form_submit_button("Save record link", key="save_record_link", disabled=fixed):
        try:
            warehouse.set_record_link(con, link, dashboard.person())
            dashboard.forget_this_run()
        except warehouse.WarehouseError as e:
            st.error(md(str(e)))  # it quotes what was typed: shown as written, never as markdown
        else:
            st.success("The lead lists now link to your CRM." if link.strip() else "The lead lists link to no CRM.")
