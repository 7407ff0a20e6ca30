"""Leadership overview: where the shared KPIs stand for the period, against the previous period and the target."""

from datetime import timedelta

import plotly.graph_objects as go
import streamlit as st

from handshake import dashboard, formats, kpis, maturity
from handshake.formats import fmt, symbol

st.title("Overview")
filters = dashboard.filters()
currency = dashboard.currency()
prev_start, prev_end = kpis.previous_period(filters.start, filters.end)
st.caption(f"{filters.describe()} · compared with {prev_start:%d %b %Y} to {prev_end:%d %b %Y}")

dashboard.require_leads()

placed = maturity.placement(dashboard.query)
stage_names = {None: "not rated yet", **{s: s.title() for s in maturity.STAGES}}
with st.container(border=True):
    said, more = st.columns([4, 1], vertical_alignment="center")
    said.markdown(
        f"**Where we stand** on the four HBR stages: **{stage_names[placed['self_assessed_stage']]}** by our own "
        f"rating, **{stage_names[placed['evidenced_stage']]}** by the evidence of the last "
        f"{maturity.window_days()} days."
    )
    more.page_link("pages/maturity.py", label="Why, and what is next", icon=":material/stairs:")

left, first, last = dashboard.left_on_table(filters.end, filters.values, filters.tz)
if left and left["estimate"] and left["extra_low"] > 0:
    with st.container(border=True):
        said, more = st.columns([4, 1], vertical_alignment="center")
        said.markdown(
            f"**The leads nobody called**: the {fmt(left['mql_count'], 'count')} MQLs of {first:%d %b %Y} to "
            f"{last:%d %b %Y} not worked on time would likely have won about {fmt(round(left['extra_won']), 'count')} "
            f"more deals (95% interval {fmt(round(left['extra_low']), 'count')} to "
            f"{fmt(round(left['extra_high']), 'count')}), about {fmt(left['extra_revenue_eur'], 'money', currency)}, had they been "
            "worked on time: an estimate from your own data.")
        more.page_link("pages/evidence.py", label="The evidence", icon=":material/science:")

current = kpis.headline(dashboard.query_many, filters.params())
previous = kpis.headline(dashboard.query_many, kpis.query_params(prev_start, prev_end, filters.values, tz=filters.tz))
cohort = dashboard.query("kpi_mql_cohort", filters.params()).iloc[0]
revenue = dashboard.query("kpi_revenue", filters.params()).iloc[0]


def target_note(kpi) -> str:
    target = current.get(kpi.target)
    if target is None:
        if any(filters.values.values()):
            return "Targets are set for the whole organisation: clear the filters to compare."
        return "No target was agreed for all of this period."
    if not target:
        return f"Target {fmt(target, kpi.unit, currency)}."
    return f"Target {fmt(target, kpi.unit, currency)} · {current[kpi.name] / target:.0%} of target."


nothing = "No MQLs in this period for these filters."
notes = {
    "mql_count": target_note(kpis.BY_NAME["mql_count"]),
    "sla_compliance_rate": (
        nothing if not cohort["mql_count"]
        else "No first-touch SLA was in force for these MQLs, so there is nothing to judge them by."
        if cohort["no_sla_count"] == cohort["mql_count"]
        else f"{cohort['within_sla_count']:,} of {cohort['within_sla_count'] + cohort['breached_sla_count']:,} "
        f"MQLs judged; {cohort['sla_pending_count']:,} still inside their SLA."
    ),
    "acceptance_rate": nothing if not cohort["mql_count"] else (
        f"{cohort['accepted_count']:,} accepted, {cohort['rejected_count']:,} rejected, "
        f"{cohort['mql_count'] - cohort['accepted_count'] - cohort['rejected_count']:,} undecided."
    ),
    "mql_to_won_rate": nothing if not cohort["mql_count"] else (
        f"{cohort['won_count']:,} of {cohort['mql_count']:,} MQLs won so far; recent MQLs are still in play."
    ),
    "open_pipeline_eur": f"At the end of {filters.end:%d %b %Y}.",
    "revenue_eur": target_note(kpis.BY_NAME["revenue_eur"]),
    "marketing_sourced_revenue_share": "No revenue booked in this period." if not revenue["revenue_eur"] else (
        f"{fmt(revenue['marketing_sourced_revenue_eur'], 'money', currency)} marketing, "
        f"{fmt(revenue['sales_sourced_revenue_eur'], 'money', currency)} sales, "
        f"{fmt(revenue['untraced_revenue_eur'], 'money', currency)} untraced."
    ),
}

if not cohort["mql_count"] and not revenue["revenue_eur"]:
    span = dashboard.query("data_range").iloc[0]
    st.warning(
        f"Nothing happened in this period for these filters: no MQLs and no revenue. The leads run from "
        f"{span['first_lead_date']:%d %b %Y} to {span['last_lead_date']:%d %b %Y}: choose a period inside "
        "that, or clear the filters.",
        icon=":material/event_busy:",
    )

trend_start = (filters.end.replace(day=1) - timedelta(days=335)).replace(day=1)
trend_params = kpis.query_params(trend_start, filters.end, filters.values, "month", filters.tz)
trend = dashboard.query("kpi_mql_cohort", trend_params)
money = dashboard.query("kpi_revenue", trend_params)
pipeline = dashboard.query("kpi_open_pipeline", trend_params)
monthly = {kpi.name: frame[kpi.name].dropna().tolist()
           for kpi in kpis.HEADLINE for frame in (trend, money, pipeline) if kpi.name in frame}

for column, kpi in zip(dashboard.grid(len(kpis.HEADLINE), 4), kpis.HEADLINE):
    with column:
        dashboard.kpi_metric(
            kpi.name, current[kpi.name], delta=formats.change(current[kpi.name], previous[kpi.name], kpi.unit),
            note=notes[kpi.name], chart_data=monthly[kpi.name] or None, chart_type="line",
        )

# Below this many MQLs in either period, a swing of a few leads reads as news: say so instead.
MIN_MQLS_FOR_MOVERS = 30
previous_mqls = previous["mql_count"] or 0
present = dashboard.present_inputs()  # a KPI whose inputs are missing shows no number, so it cannot move
measured = tuple(k for k in kpis.HEADLINE if not kpis.missing_inputs(k, present))
movers = kpis.biggest_movers(current, previous, among=measured, currency=currency)
if min(cohort["mql_count"], previous_mqls) < MIN_MQLS_FOR_MOVERS:
    st.caption(
        f"Too few MQLs to call movers ({cohort['mql_count']:,} in this period, {previous_mqls:,} in the one "
        f"before; at least {MIN_MQLS_FOR_MOVERS} each): a handful of leads would swing every rate."
    )
elif movers:
    st.markdown("**What moved most since the previous period**")
    st.markdown("\n".join(f"- {sentence}" for sentence in movers))
st.caption("The small lines in the cards show each KPI month by month over the last twelve months.")
# the question a low SLA figure raises next: which leads, and whose
st.page_link("pages/follow_up.py", label="The MQLs nobody touched, and whose they are",
             icon=":material/person_search:")

st.subheader("The last twelve months")


month_is_partial = (filters.end + timedelta(days=1)).day != 1


def hatch(frame) -> list[str]:
    """A hatched bar for the month the period cuts short, so it does not read as a slump."""
    return ["/" if month_is_partial and i == len(frame) - 1 else "" for i in range(len(frame))]


def mql_chart(trend):
    delivered = trend["mql_count"].sum()
    figure = go.Figure()
    figure.add_bar(x=trend["period_start"], y=trend["mql_count"], name="MQLs delivered",
                   marker=dict(color=dashboard.MARKETING_COLOUR, pattern_shape=hatch(trend)))
    if trend["mql_target"].notna().any():
        figure.add_scatter(x=trend["period_start"], y=trend["mql_target"], name="Target",
                           mode="lines+markers", line=dict(color="#333333", dash="dash"))
    figure.update_layout(
        title=f"Marketing delivered {delivered:,.0f} MQLs in twelve months",
        yaxis_title="MQLs per month", xaxis=dict(title=None, tickformat="%b %Y", dtick="M2"),
        legend=dict(orientation="h", y=-0.15),
        margin=dict(t=60, b=10),
    )
    return figure


def revenue_chart(money):
    total = money["revenue_eur"].sum()
    share = money["marketing_sourced_revenue_eur"].sum() / total
    figure = go.Figure()
    for column, label, colour in (
        ("marketing_sourced_revenue_eur", "Marketing-sourced", dashboard.MARKETING_COLOUR),
        ("sales_sourced_revenue_eur", "Sales-sourced", dashboard.SALES_COLOUR),
        ("untraced_revenue_eur", "No lead (untraced)", dashboard.NEUTRAL_COLOUR),
    ):
        figure.add_bar(x=money["period_start"], y=money[column], name=label,
                       marker=dict(color=colour, pattern_shape=hatch(money)))
    if money["revenue_target_eur"].notna().any():
        figure.add_scatter(x=money["period_start"], y=money["revenue_target_eur"], name="Target",
                           mode="lines+markers", line=dict(color="#333333", dash="dash"))
    figure.update_layout(
        barmode="stack",
        title=f"{fmt(total, 'money', currency)} booked in twelve months, {share:.0%} of it marketing-sourced",
        yaxis_title=f"Revenue per month ({symbol(currency)})", xaxis=dict(title=None, tickformat="%b %Y", dtick="M2"),
        legend=dict(orientation="h", y=-0.15),
        margin=dict(t=60, b=10),
    )
    return figure


left, right = st.columns(2)
with left:
    if trend["mql_count"].sum():
        dashboard.chart(mql_chart(trend), key="mql_trend")
    else:
        st.info(f"No MQLs in the twelve months to {filters.end:%d %b %Y} for these filters.")
with right:
    if money["revenue_eur"].sum():
        dashboard.chart(revenue_chart(money), key="revenue_trend")
    else:
        st.info(f"No revenue booked in the twelve months to {filters.end:%d %b %Y} for these filters.")

st.caption(
    "Months by when leads became MQLs and when revenue was booked."
    + (f" {filters.end:%B %Y} (hatched) runs only to {filters.end:%d %b}, and so does its target." if month_is_partial else "")
)

table = trend[["period_start", "mql_count", "mql_target", "sla_compliance_rate", "acceptance_rate"]].merge(
    money[["period_start", "revenue_eur", "marketing_sourced_revenue_eur", "revenue_target_eur"]],
    on="period_start",
).drop(columns=[k.name for k in kpis.HEADLINE if k not in measured], errors="ignore")  # no misleading 0% a month
dashboard.data_table(table, "handshake_monthly_kpis.csv", label="The numbers behind the charts", column_config={
    "period_start": st.column_config.DateColumn("Month", format="MMM YYYY"),
    "mql_count": st.column_config.NumberColumn("MQLs", format="%d"),
    "mql_target": st.column_config.NumberColumn("MQL target", format="%d"),
    "sla_compliance_rate": st.column_config.NumberColumn("Within SLA", format="percent"),
    "acceptance_rate": st.column_config.NumberColumn("Accepted", format="percent"),
    "revenue_eur": dashboard.money_column("Revenue"),
    "marketing_sourced_revenue_eur": dashboard.money_column("Marketing-sourced"),
    "revenue_target_eur": dashboard.money_column("Revenue target"),
})
