"""Leadership overview: where the shared KPIs stand for the period, against an earlier period and the target."""

from datetime import timedelta

import plotly.graph_objects as go
import streamlit as st

from handshake import agreements, dashboard, evidence, formats, kpis, maturity, periods
from handshake.formats import fmt, symbol

st.title("Overview")
filters = dashboard.filters()
currency = dashboard.currency()
# what the deltas compare with: the period just before, or the same days a year earlier (year on year)
# (the choice, the period in a sentence, the card's delta description: short, a card is 190 px wide at 1280)
COMPARISONS = {"previous": ("Previous period", "the previous period", "vs previous"),
               "year": ("A year earlier", "the same period a year earlier", "vs a year ago")}
comparison = st.segmented_control("Compare with", list(COMPARISONS), format_func=lambda c: COMPARISONS[c][0],
                                  default="previous", required=True, key="compare", bind="query-params",
                                  label_visibility="collapsed") or "previous"
_, compared, versus = COMPARISONS[comparison]
prev_start, prev_end = (kpis.previous_period(filters.start, filters.end) if comparison == "previous"
                        else periods.year_earlier(filters.start, filters.end))
st.caption(f"{filters.describe()} · compared with {prev_start:%d %b %Y} to {prev_end:%d %b %Y}")

dashboard.require_leads()

previous_params = kpis.query_params(prev_start, prev_end, filters.values, tz=filters.tz)
current = kpis.headline(dashboard.query_many, filters.params())
previous = kpis.headline(dashboard.query_many, previous_params)
cohort = dashboard.query("kpi_mql_cohort", filters.params()).iloc[0]
revenue = dashboard.query("kpi_revenue", filters.params()).iloc[0]
deals = dashboard.query("kpi_deals", filters.params()).iloc[0]
# MQL to won matures: the earlier period is read as it stood at the current period's age (item 1 of issue 20)
at_age = dashboard.query("kpi_won_at_age", dict(previous_params, current_end=filters.end + timedelta(days=1))).iloc[0]
same_age, same_age_note = kpis.at_equal_age(at_age.to_dict(), compared)
# a rate from a handful of wins swings by chance: no arrow from fewer than the minimum on either side
fewest_wins = min(int(cohort["won_count"]), int(at_age["won_count"]))
if same_age is not None and not evidence.enough(fewest_wins):
    same_age, same_age_note = None, f"Not compared. {evidence.too_few(fewest_wins, 'wins')}"


def target_note(kpi) -> str:
    target = current.get(kpi.target)
    if target is None:  # none agreed for these filters (a region's, a segment's or the organisation's): say so
        return agreements.no_target(kpi.target, filters.values)
    scope = agreements.filtered(filters.values)
    said = f"Target {fmt(target, kpi.unit, currency)}" + (f" for {formats.md(scope)}" if scope else "")
    if not target or current[kpi.name] is None:  # nothing to divide by, or no value to set against it
        return said + "."
    return f"{said} · {fmt(current[kpi.name] / target, 'rate')} of target."


nothing = "No MQLs in this period for these filters."
won_deals, lost_deals = int(deals["won_deal_count"]), int(deals["lost_deal_count"])
notes = {
    "mql_count": target_note(kpis.BY_NAME["mql_count"]),
    "sla_compliance_rate": (
        nothing if not cohort["mql_count"]
        else "No first-touch SLA was in force for these MQLs, so there is nothing to judge them by."
        if cohort["no_sla_count"] == cohort["mql_count"]
        else f"{fmt(cohort['within_sla_count'], 'count')} of "
        f"{fmt(cohort['within_sla_count'] + cohort['breached_sla_count'], 'count')} MQLs judged; "
        f"{fmt(cohort['sla_pending_count'], 'count')} still inside their SLA."
    ),
    "acceptance_rate": nothing if not cohort["mql_count"] else (
        f"{fmt(cohort['accepted_count'], 'count')} accepted, {fmt(cohort['rejected_count'], 'count')} rejected, "
        f"{fmt(cohort['mql_count'] - cohort['accepted_count'] - cohort['rejected_count'], 'count')} undecided."
    ),
    "mql_to_won_rate": nothing if not cohort["mql_count"] else (
        f"{fmt(cohort['won_count'], 'count')} of {fmt(cohort['mql_count'], 'count')} won so far. {same_age_note}"
    ),
    "open_pipeline_eur": f"At the end of {filters.end:%d %b %Y}.",
    "revenue_eur": target_note(kpis.BY_NAME["revenue_eur"]),
    "marketing_sourced_revenue_share": "No revenue booked in this period." if not revenue["revenue_eur"] else (
        f"{fmt(revenue['marketing_sourced_revenue_eur'], 'money', currency)} marketing, "
        f"{fmt(revenue['sales_sourced_revenue_eur'], 'money', currency)} sales, "
        f"{fmt(revenue['untraced_revenue_eur'], 'money', currency)} untraced."
    ),
    "win_rate": f"{fmt(won_deals, 'count')} won, {fmt(lost_deals, 'count')} lost in this period.",
    "avg_deal_size_eur": f"{fmt(deals['won_amount_eur'], 'money', currency)} over "
                         f"{formats.plural(won_deals, 'won deal')}.",
    "sales_cycle_days": "Median, creation to close, of the deals won in this period.",
}

# Under each card, the records behind it: (what the button says, which list, which of its rows)
RECORDS = {
    "mql_count": ("The MQLs", "overview_mqls", lambda f: f.index == f.index),
    "sla_compliance_rate": ("The MQLs judged", "overview_mqls", lambda f: f["sla"].isin(["within_sla", "breached"])),
    "acceptance_rate": ("The MQLs decided", "overview_mqls", lambda f: f["decision"] != "undecided"),
    "mql_to_won_rate": ("The MQLs won", "overview_mqls", lambda f: f["is_won"].astype(bool)),
    "open_pipeline_eur": ("The open deals", "overview_deals", lambda f: f["status"] == "open"),
    "revenue_eur": ("The deals booked", "overview_deals", lambda f: f["booked_eur"] != 0),
    "marketing_sourced_revenue_share": ("The deals booked", "overview_deals", lambda f: f["booked_eur"] != 0),
    "win_rate": ("The deals closed", "overview_deals", lambda f: f["status"].isin(["won", "lost"])),
    "avg_deal_size_eur": ("The deals won", "overview_deals", lambda f: f["status"] == "won"),
    "sales_cycle_days": ("The deals won", "overview_deals", lambda f: f["status"] == "won"),
}
RECORD_COLUMNS = {
    "lead_id": None,
    "crm_id": "Record ID in the CRM",
    "record_url": st.column_config.LinkColumn("Record", display_text="Open in CRM"),
    "mql_at": st.column_config.DatetimeColumn("MQL", format="D MMM YYYY, HH:mm"),
    "source": "Source", "segment": "Segment", "region": "Region", "owner": "Owner",
    "sla": "First touch", "decision": "Decision",
    "is_won": st.column_config.CheckboxColumn("Won"), "won_date": st.column_config.DateColumn("Won on"),
    "deal_id": "Deal ID in the CRM", "status": "Status",
    "amount_eur": dashboard.money_column("Amount"), "booked_eur": dashboard.money_column("Booked in period"),
    "created_date": st.column_config.DateColumn("Created"), "closed_date": st.column_config.DateColumn("Closed"),
    "days_to_close": st.column_config.NumberColumn("Days to close", format="%d"),
    "lead_crm_id": "Lead ID in the CRM", "sourced_by": "Sourced by",
}


@st.dialog("The records behind the card", width="large")
def show_records(name: str) -> None:
    label, query, keep = RECORDS[name]
    frame = dashboard.query(query, filters.params())
    rows = frame[keep(frame)]
    rows = formats.without_empty(rows, "record_url")
    for column in ("sla", "decision"):  # the list's own codes; data_table words the warehouse's (source, status)
        if column in rows:
            rows = rows.assign(**{column: rows[column].map(formats.words)})
    st.markdown(f"**{kpis.BY_NAME[name].label}**, {filters.describe()}: {label[4:]}, {fmt(len(rows), 'count')} in all.")
    dashboard.data_table(rows, f"handshake_{name}_records.csv", label=f"{label}: all {fmt(len(rows), 'count')}",
                         expanded=True, column_config=RECORD_COLUMNS)


# The cards first: on a phone they are what the first screen must show
trend_start = (filters.end.replace(day=1) - timedelta(days=335)).replace(day=1)
trend_params = kpis.query_params(trend_start, filters.end, filters.values, "month", filters.tz)
trend = dashboard.query("kpi_mql_cohort", trend_params)
money = dashboard.query("kpi_revenue", trend_params)
pipeline = dashboard.query("kpi_open_pipeline", trend_params)
# the sparklines show whole months only: a month the period cuts short would end every line in a dip
monthly = {kpi.name: [v for v in periods.whole_buckets(frame[kpi.name].tolist(), frame["period_start"].tolist(),
                                                       "month", filters.end) if kpis.clean(v) is not None]
           for kpi in kpis.HEADLINE for frame in (trend, money, pipeline) if kpi.name in frame}
partial = periods.partial_note(trend["period_start"].iloc[-1], "month", filters.end) if len(trend) else None

for column, kpi in zip(dashboard.grid(len(kpis.HEADLINE), 4), kpis.HEADLINE):
    with column:
        before = same_age if kpi.matures else previous[kpi.name]
        dashboard.kpi_metric(
            kpi.name, current[kpi.name], delta=formats.change(current[kpi.name], before, kpi.unit),
            note=notes[kpi.name], chart_data=monthly.get(kpi.name) or None, chart_type="line",
            # the card is narrow: the comparison's period is named above the cards, its age here
            delta_description="at same age" if kpi.matures else versus,
            # the arrow's colour says good or bad news: a longer sales cycle is bad
            delta_color={"higher": "normal", "lower": "inverse"}.get(kpi.better, "off"),
        )
        if current[kpi.name] is not None and st.button(RECORDS[kpi.name][0], key=f"records_{kpi.name}",
                                                        type="tertiary", icon=":material/list:"):
            show_records(kpi.name)

st.caption("The small lines show each KPI month by month over the last twelve months"
           + (f", whole months only ({partial}: left out)." if partial else ".")
           + " Under each card, the records behind it.")

# Below this many MQLs in either period, a swing of a few leads reads as news: say so instead.
MIN_MQLS_FOR_MOVERS = 30
previous_mqls = previous["mql_count"] or 0
present = dashboard.present_inputs()  # a KPI whose inputs are missing shows no number, so it cannot move
measured = tuple(k for k in kpis.HEADLINE if not kpis.missing_inputs(k, present))
movers = kpis.biggest_movers(current, previous, among=measured, currency=currency,
                             same_age={"mql_to_won_rate": same_age}, compared=compared)
if min(cohort["mql_count"], previous_mqls) < MIN_MQLS_FOR_MOVERS:
    st.caption(
        f"Too few MQLs to call movers ({fmt(cohort['mql_count'], 'count')} in this period, "
        f"{fmt(previous_mqls, 'count')} in {compared}; at least {MIN_MQLS_FOR_MOVERS} each): a handful of leads "
        "would swing every rate."
    )
elif movers:
    st.markdown(f"**What moved most since {compared}**")
    st.markdown("\n".join(f"- {sentence}" for sentence in movers))

if not cohort["mql_count"] and not revenue["revenue_eur"]:
    span = dashboard.query("data_range").iloc[0]
    st.warning(
        f"Nothing happened in this period for these filters: no MQLs and no revenue. The leads run from "
        f"{span['first_lead_date']:%d %b %Y} to {span['last_lead_date']:%d %b %Y}: choose a period inside "
        "that, or clear the filters.",
        icon=":material/event_busy:",
    )

placed = maturity.placement(dashboard.query)
stage_names = {None: "not rated yet", **{s: s.title() for s in maturity.STAGES}}
left, first, last = dashboard.left_on_table(filters.end, filters.values, filters.tz)
with st.container(border=True):
    said, more = st.columns([4, 1], vertical_alignment="center")
    said.markdown(
        f"**Where we stand**: **{stage_names[placed['self_assessed_stage']]}** by our own rating, "
        f"**{stage_names[placed['evidenced_stage']]}** by the evidence of the last {maturity.window_days()} days."
    )
    more.page_link("pages/maturity.py", label="Why", icon=":material/stairs:")
if left and left["estimate"] and left["extra_low"] > 0:
    with st.container(border=True):
        said, more = st.columns([4, 1], vertical_alignment="center")
        said.markdown(
            f"**The leads nobody called**: worked on time, the MQLs of {first:%d %b %Y} to {last:%d %b %Y} would "
            f"likely have won about {fmt(round(left['extra_won']), 'count')} more deals "
            f"(95% interval {fmt(round(left['extra_low']), 'count')} to {fmt(round(left['extra_high']), 'count')}), "
            "about "
            f"{fmt(left['extra_revenue_eur'], 'money', currency)}.")
        more.page_link("pages/evidence.py", label="The evidence", icon=":material/science:")
# the question a low SLA figure raises next: which leads, and whose
st.page_link("pages/follow_up.py", label="The MQLs nobody touched, and whose they are",
             icon=":material/person_search:")

st.subheader("The last twelve months")


def hatch(frame, end) -> list[str]:
    """A hatched bar for the month the period (ending on `end`) cuts short, so it does not read as a slump."""
    return ["/" if periods.is_partial(start, "month", end) else "" for start in frame["period_start"]]


def add_target(figure, frame, column: str, end) -> None:
    """The target as a line over whole months; a month cut short gets its target for its days so far as a
    marker of its own, so the line does not drop from a month's target to a few days' worth."""
    whole = [not periods.is_partial(start, "month", end) for start in frame["period_start"]]
    full, cut = frame[whole], frame[[not w for w in whole]]
    if frame[column].notna().any():
        figure.add_scatter(x=full["period_start"], y=full[column], name="Target",
                           mode="lines+markers", line=dict(color="#333333", dash="dash"))
    if len(cut) and cut[column].notna().any():
        figure.add_scatter(x=cut["period_start"], y=cut[column], name="Target for the days so far",
                           mode="markers", marker=dict(color="#333333", symbol="circle-open", size=10))


def mql_chart(trend, end):
    delivered = trend["mql_count"].sum()
    figure = go.Figure()
    figure.add_bar(x=trend["period_start"], y=trend["mql_count"], name="MQLs delivered",
                   marker=dict(color=dashboard.MARKETING_COLOUR, pattern_shape=hatch(trend, end)))
    add_target(figure, trend, "mql_target", end)
    figure.update_layout(
        title=f"Marketing delivered {fmt(delivered, 'count')} MQLs in twelve months",
        yaxis_title="MQLs per month", xaxis=dict(title=None, tickformat="%b %Y", dtick="M2"),
        legend=dict(orientation="h", y=-0.15),
        margin=dict(t=60, b=10),
    )
    return figure


def revenue_chart(money, end, currency: str):
    total = money["revenue_eur"].sum()
    share = money["marketing_sourced_revenue_eur"].sum() / total
    figure = go.Figure()
    for column, label, colour in dashboard.REVENUE_SOURCES:
        figure.add_bar(x=money["period_start"], y=money[column], name=label,
                       marker=dict(color=colour, pattern_shape=hatch(money, end)))
    add_target(figure, money, "revenue_target_eur", end)
    figure.update_layout(
        barmode="stack",
        title=f"{fmt(total, 'money', currency)} booked in twelve months, {fmt(share, 'rate')} of it marketing-sourced",
        yaxis_title=f"Revenue per month ({symbol(currency)})", xaxis=dict(title=None, tickformat="%b %Y", dtick="M2"),
        legend=dict(orientation="h", y=-0.15),
        margin=dict(t=60, b=10),
    )
    return figure


left, right = st.columns(2)
with left:
    if trend["mql_count"].sum():
        dashboard.cached_chart(mql_chart, trend, filters.end, key="mql_trend")
    else:
        st.info(f"No MQLs in the twelve months to {filters.end:%d %b %Y} for these filters.")
with right:
    if money["revenue_eur"].sum():
        dashboard.cached_chart(revenue_chart, money, filters.end, currency, key="revenue_trend")
    else:
        st.info(f"No revenue booked in the twelve months to {filters.end:%d %b %Y} for these filters.")

st.caption(
    "Months by when leads became MQLs and when revenue was booked."
    + (f" {partial}: its bars are hatched, and its target (a circle of its own) is prorated to those days."
       if partial else "")
)

table = trend[["period_start", "mql_count", "mql_target", "sla_compliance_rate", "acceptance_rate"]].merge(
    money[["period_start", "revenue_eur", "marketing_sourced_revenue_eur", "revenue_target_eur"]],
    on="period_start",
).drop(columns=[k.name for k in kpis.HEADLINE if k not in measured], errors="ignore")  # no misleading 0% a month
dashboard.data_table(table, "handshake_monthly_kpis.csv", label="The numbers behind the charts", column_config={
    "period_start": st.column_config.DateColumn("Month", format="MMM YYYY"),
    "mql_count": st.column_config.NumberColumn("MQLs", format="%d"),
    "mql_target": st.column_config.NumberColumn("MQL target", format="%d",
                                                help="A month the period cuts short: its target for the days so far."),
    "sla_compliance_rate": dashboard.rate_column("Within SLA"),
    "acceptance_rate": dashboard.rate_column("Accepted"),
    "revenue_eur": dashboard.money_column("Revenue"),
    "marketing_sourced_revenue_eur": dashboard.money_column("Marketing-sourced"),
    "revenue_target_eur": dashboard.money_column("Revenue target"),
})
