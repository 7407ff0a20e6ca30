"""Campaigns and revenue, for marketing and leadership: what campaigns cost and bring, and what the pipeline covers."""

import plotly.graph_objects as go
import streamlit as st

from handshake import agreements, campaigns as campaign_text, dashboard, formats, kpis
from handshake.formats import fmt, plural, symbol, words

# DOMAIN.md: "3x is a common rule of thumb" for pipeline coverage; shown as a reference, never a target
RULE_OF_THUMB_COVERAGE = 3.0

st.title("Campaigns and revenue")
filters = dashboard.filters()
currency = dashboard.currency()
st.caption(
    f"{filters.describe()} · a campaign's cost counts in proportion to the days of its run inside the period; "
    "MQLs, pipeline and revenue count when they happened in it." + campaign_text.cost_rule(filters.values)
)
dashboard.require_leads()

params = filters.params()
total = dashboard.query("campaign_performance", dict(params, dimension="total")).iloc[0]
channels = dashboard.query("campaign_performance", dict(params, dimension="channel"))
campaigns = dashboard.query("campaign_performance", dict(params, dimension="campaign"))
revenue = dashboard.query("kpi_revenue", params).iloc[0]
monthly = dashboard.query("kpi_revenue", filters.params("month"))
pipeline = dashboard.query("kpi_open_pipeline", params).iloc[0]
coverage = dashboard.query(
    "pipeline_coverage", dict(params, open_pipeline_eur=kpis.clean(pipeline["open_pipeline_eur"]))
).iloc[0]
velocity = dashboard.query("lead_velocity", params)

filtered = any(filters.values.values())
last_day = f"{filters.end:%d %b %Y}"
count = campaign_text.count


def attendance(attended, has_ended: bool | None = True, ran: bool = True) -> str:
    """A campaign's kick-off or post-mortem: attended, absent, not recorded, or not yet held; a campaign listed for
    what its leads brought, though it ran before the period, is not counted in the period's attendance."""
    if not ran:
        return "ran before the period"
    if has_ended is False:
        return "running: not yet"
    attended = kpis.clean(attended)
    return "not recorded" if attended is None else "sales attended" if attended else "sales absent"


# The charts, built once for every viewer of the same rows (dashboard.cached_chart): from their arguments only

def channel_return_chart(shown, cost_name: str, currency: str):
    returns = shown.dropna(subset=["return_on_spend"]).sort_values("return_on_spend", ascending=False)
    if len(returns) >= 2:
        best, worst = returns.iloc[0], returns.iloc[-1]
        title = dict(
            text=f"{best['channel']} returned the most: {fmt(best['return_on_spend'], 'ratio')} its cost",
            subtitle=dict(text=f"{worst['channel']} the least: {fmt(worst['return_on_spend'], 'ratio')}"),
        )
    elif len(returns) == 1:
        only = returns.iloc[0]
        title = f"{only['channel']} returned {fmt(only['return_on_spend'], 'ratio')} its cost"
    else:
        title = "What each channel cost and brought in the period"
    figure = go.Figure()
    figure.add_bar(x=shown["channel"], y=shown["campaign_cost_eur"], name=cost_name,
                   marker_color=dashboard.NEUTRAL_COLOUR)
    figure.add_bar(x=shown["channel"], y=shown["revenue_sourced_eur"], name="Revenue from its leads",
                   marker_color=dashboard.MARKETING_COLOUR)
    figure.update_layout(barmode="group", title=title, yaxis_title=f"Amount in the period ({symbol(currency)})",
                         xaxis_title=None, legend=dict(orientation="h", y=-0.15), margin=dict(t=80, b=10))
    return figure


def cost_per_mql_chart(per_mql, currency: str):
    cheapest = per_mql.iloc[0]
    figure = go.Figure()
    figure.add_bar(y=per_mql["channel"], x=per_mql["cost_per_mql_eur"], orientation="h",
                   marker_color=dashboard.MARKETING_COLOUR, name="Cost per MQL",
                   text=[fmt(v, 'money', currency) for v in per_mql["cost_per_mql_eur"]], textposition="auto")
    figure.update_layout(
        title=f"The cheapest MQLs came from {cheapest['channel']}, at "
        f"{fmt(cheapest['cost_per_mql_eur'], 'money', currency)} each",
        xaxis_title=f"Cost per MQL ({symbol(currency)})", yaxis=dict(autorange="reversed"),
        margin=dict(t=60, b=10),
    )
    return figure


def revenue_by_source_chart(monthly, cut: list, revenue, booked, currency: str):
    short = [c is not None for c in cut]
    cut_short = ["/" if s else "" for s in short]
    figure = go.Figure()
    for column, name, colour in dashboard.REVENUE_SOURCES:
        figure.add_bar(x=monthly["period_start"], y=monthly[column], name=name,
                       marker=dict(color=colour, pattern_shape=cut_short))
    whole, cut_months = monthly[[not s for s in short]], monthly[short]
    if whole["revenue_target_eur"].notna().any():
        figure.add_scatter(x=whole["period_start"], y=whole["revenue_target_eur"], name="Target",
                           mode="lines+markers", line=dict(color="#333333", dash="dash"))
    if cut_months["revenue_target_eur"].notna().any():
        figure.add_scatter(x=cut_months["period_start"], y=cut_months["revenue_target_eur"],
                           name="Target for the days in the period", mode="markers",
                           marker=dict(color="#333333", symbol="circle-open", size=10))
    figure.update_layout(
        barmode="stack",
        title=f"Marketing sourced {fmt(revenue['marketing_sourced_revenue_share'], 'rate')} of the "
        f"{fmt(booked, 'money', currency)} booked; sales {fmt(revenue['sales_sourced_revenue_eur'] / booked, 'rate')}",
        yaxis_title=f"Revenue booked per month ({symbol(currency)})", xaxis_title=None,
        xaxis=dict(tickformat="%b %Y", dtick="M1" if len(monthly) <= 12 else "M3"),
        legend=dict(orientation="h", y=-0.15, traceorder="normal"), margin=dict(t=60, b=10),
    )
    return figure


def coverage_chart(target, open_pipeline, ratio, currency: str):
    figure = go.Figure()
    figure.add_bar(
        y=["Revenue target, next 90 days", "Open pipeline"], x=[target, open_pipeline], orientation="h",
        marker_color=[dashboard.NEUTRAL_COLOUR, "#4F6D7A"],
        text=[fmt(target, 'money', currency), fmt(open_pipeline, 'money', currency)],
        textposition="auto", showlegend=False,
    )
    reference = dict(color="#333333", dash="dot")
    figure.add_vline(x=RULE_OF_THUMB_COVERAGE * target, line=reference)
    figure.add_scatter(x=[None], y=[None], mode="lines", line=reference,  # the line's legend entry
                       name=f"{RULE_OF_THUMB_COVERAGE:.0f}x the target: a common rule of thumb, not a target")
    figure.update_layout(
        title=f"Open pipeline covers {fmt(ratio, 'ratio')} the revenue target of the next 90 days",
        xaxis_title=f"Amount ({symbol(currency)})", height=300, margin=dict(t=60, b=10),
        legend=dict(orientation="h", y=-0.35),
        xaxis=dict(range=[0, 1.1 * max(open_pipeline, RULE_OF_THUMB_COVERAGE * target)]),
    )
    return figure


def velocity_chart(velocity, latest, change, changed: bool):
    like = ~velocity["is_mql_threshold_changed"].astype(bool)
    figure = go.Figure()
    for keep, name, colour, pattern in (
        (like, "Same MQL definition", dashboard.MARKETING_COLOUR, ""),
        (~like, "MQL threshold changed: not like for like", dashboard.NEUTRAL_COLOUR, "/"),
    ):
        part = velocity[keep]
        if part["lead_velocity_rate"].notna().any():
            figure.add_bar(x=part["month_start_date"], y=part["lead_velocity_rate"], name=name,
                           marker=dict(color=colour, pattern_shape=pattern),
                           customdata=part[["month_mql_count", "previous_month_mql_count"]],
                           hovertemplate="%{x|%b %Y}: %{y:+.1%} (%{customdata[0]:,} MQLs vs "
                           "%{customdata[1]:,})<extra></extra>")
    figure.add_hline(y=0, line=dict(color="#333333", width=1))
    verb = "grew" if change >= 0 else "fell"
    figure.update_layout(
        title=f"MQLs {verb} {fmt(abs(change), 'rate')} in {latest['month_start_date']:%B} over the month before"
        + (" (threshold changed)" if changed else ""),
        yaxis_title="Change in MQLs on the month before (%)", yaxis_tickformat=".0%",
        xaxis=dict(tickformat="%b %Y", dtick="M1" if len(velocity) <= 12 else "M3"), xaxis_title=None,
        barmode="overlay",
        legend=dict(orientation="h", y=-0.15), margin=dict(t=60, b=10),
    )
    return figure


# ---- 1. What the campaigns cost and bring
st.subheader("What the campaigns cost and bring")
if campaigns.empty:  # no campaign ran, and no older campaign's leads did anything in the period
    span = dashboard.query("data_range").iloc[0]
    st.info(
        f"No campaign ran from {filters.start:%d %b %Y} to {last_day}, and no campaign lead arrived, qualified "
        f"or brought revenue in it. The leads run from {span['first_lead_date']:%d %b %Y} to "
        f"{span['last_lead_date']:%d %b %Y}: choose a period inside that, or clear the filters. If your "
        "campaigns are missing, load them into the `campaigns` table.",
        icon=":material/campaign:",
    )
else:
    uncosted = count(total["uncosted_campaign_count"])
    mqls = count(total["campaign_mql_count"])
    customers = count(total["customer_count"])
    no_cost = (f"{plural(uncosted, 'campaign')} that ran have no cost recorded: add it to the `campaigns` "
               "table to measure." if uncosted else None)
    notes = {
        "campaign_cost_eur": no_cost or campaign_text.cost_note(total, filters.values, currency),
        "cost_per_mql_eur": no_cost or (
            f"{plural(mqls, 'campaign lead')} became MQLs in the period." if mqls else "No campaign lead became an MQL in the period."
        ),
        "pipeline_sourced_eur": (
            f"{plural(count(total['opportunity_count']), 'opportunity', 'opportunities')} opened on campaign leads."
        ),
        "revenue_sourced_eur": (
            f"Of {fmt(revenue['marketing_sourced_revenue_eur'], 'money', currency)} marketing-sourced revenue in "
            "the period."
        ),
        "return_on_spend": no_cost or (
            "No campaign cost in the period." if not kpis.clean(total["campaign_cost_eur"])
            else "Deals close months after the spend: recent periods look low."
        ),
        "customer_acquisition_cost_eur": no_cost or (
            # deals won in the period, whenever their leads arrived: not the Overview's MQLs of the period won so far
            f"{plural(customers, 'customer')} won in the period from campaign leads (deals closed won "
            f"{filters.start:%d %b} to {filters.end:%d %b %Y})." if customers
            else "No campaign lead's deal was won in the period."
        ),
    }
    for i, name in enumerate(notes):
        if i % 3 == 0:
            row = st.columns(3)
        with row[i % 3]:
            dashboard.kpi_metric(name, total[name], note=notes[name])

    st.markdown("**Did sales take part?**")
    ratings = count(total["rating_count"])
    left, middle, right = st.columns(3)
    with left:
        dashboard.kpi_metric("sales_kickoff_rate", total["sales_kickoff_rate"],
                             note=campaign_text.kickoff_note(total, filters.start, filters.end))
    with middle:
        dashboard.kpi_metric("sales_postmortem_rate", total["sales_postmortem_rate"],
                             note=campaign_text.postmortem_note(total, filters.start, filters.end))
    with right:
        dashboard.kpi_metric("sales_campaign_rating", total["sales_campaign_rating"], note=(
            f"From {plural(ratings, 'rating')} by sales." if ratings
            else "Sales rated none of these campaigns: ask for a rating after each post-mortem."
        ))

    st.markdown("**By channel**")
    shown = channels.assign(channel=channels["channel"].map(words))
    cost_name = "Cost in the period, shared by leads" if filtered else "Cost in the period"
    left, right = st.columns(2)
    with left:
        if not (shown["campaign_cost_eur"].fillna(0).any() or shown["revenue_sourced_eur"].any()):
            st.info("The campaigns of this period cost nothing and brought no revenue in it yet.")
        else:
            dashboard.cached_chart(channel_return_chart, shown, cost_name, currency, key="channel_return", width="stretch")
    with right:
        per_mql = shown.dropna(subset=["cost_per_mql_eur"]).sort_values("cost_per_mql_eur")
        if per_mql.empty:
            st.info("No cost per MQL to compare: no channel had both a known cost and MQLs in the period.")
        else:
            dashboard.cached_chart(cost_per_mql_chart, per_mql, currency, key="channel_cost_per_mql", width="stretch")

    # the tables take the codes: dashboard.data_table shows them in words, and its CSV keeps each code beside them
    dashboard.data_table(
        channels[["channel", "campaign_count", "campaign_cost_eur", "lead_count", "campaign_mql_count",
               "cost_per_mql_eur", "opportunity_count", "pipeline_sourced_eur", "revenue_sourced_eur",
               "return_on_spend", "customer_count", "customer_acquisition_cost_eur", "sales_kickoff_rate",
               "sales_postmortem_rate", "sales_campaign_rating", "rating_count"]],
        "handshake_channels.csv", label="The numbers by channel", column_config={
            "channel": st.column_config.TextColumn("Channel"),
            "campaign_count": st.column_config.NumberColumn("Campaigns run", format="%d"),
            "campaign_cost_eur": dashboard.money_column(cost_name),
            "lead_count": st.column_config.NumberColumn("Leads", format="%d"),
            "campaign_mql_count": st.column_config.NumberColumn("MQLs", format="%d"),
            "cost_per_mql_eur": dashboard.money_column("Cost per MQL"),
            "opportunity_count": st.column_config.NumberColumn("Opportunities", format="%d"),
            "pipeline_sourced_eur": dashboard.money_column("Pipeline"),
            "revenue_sourced_eur": dashboard.money_column("Revenue"),
            "return_on_spend": st.column_config.NumberColumn("Return on spend", format="%.1fx"),
            "customer_count": st.column_config.NumberColumn("Customers won", format="%d"),
            "customer_acquisition_cost_eur": dashboard.money_column("Acquisition cost"),
            "sales_kickoff_rate": dashboard.rate_column("Sales at kick-off, campaigns run in the period"),
            "sales_postmortem_rate": dashboard.rate_column("Sales at post-mortem, campaigns run in the period"),
            "sales_campaign_rating": st.column_config.NumberColumn("Sales' rating (1-5)", format="%.1f"),
            "rating_count": st.column_config.NumberColumn("Ratings", format="%d"),
        },
    )
    ran = campaigns["campaign_count"] > 0
    listed = campaigns.assign(
        kickoff=[attendance(v, ran=r) for v, r in zip(campaigns["has_sales_at_kickoff"], ran)],
        postmortem=[attendance(v, kpis.clean(e), r) for v, e, r in
                    zip(campaigns["has_sales_at_postmortem"], campaigns["has_ended"], ran)],
    )
    dashboard.data_table(
        listed[["campaign_name", "channel", "start_date", "end_date", "campaign_cost_eur", "campaign_mql_count",
                "cost_per_mql_eur", "pipeline_sourced_eur", "revenue_sourced_eur", "return_on_spend",
                "customer_count", "kickoff", "postmortem", "sales_campaign_rating", "rating_count"]],
        "handshake_campaigns.csv", label=f"Every campaign with cost or results in the period ({len(listed):,})",
        column_config={
            "campaign_name": st.column_config.TextColumn("Campaign", pinned=True),
            "channel": st.column_config.TextColumn("Channel"),
            "start_date": st.column_config.DateColumn("Start", format="D MMM YYYY"),
            "end_date": st.column_config.DateColumn("End", format="D MMM YYYY"),
            "campaign_cost_eur": dashboard.money_column("Cost in period, shared by leads" if filtered
                                                        else "Cost in period"),
            "campaign_mql_count": st.column_config.NumberColumn("MQLs", format="%d"),
            "cost_per_mql_eur": dashboard.money_column("Cost per MQL"),
            "pipeline_sourced_eur": dashboard.money_column("Pipeline"),
            "revenue_sourced_eur": dashboard.money_column("Revenue"),
            "return_on_spend": st.column_config.NumberColumn("Return on spend", format="%.1fx"),
            "customer_count": st.column_config.NumberColumn("Customers won", format="%d"),
            "kickoff": st.column_config.TextColumn("Kick-off"),
            "postmortem": st.column_config.TextColumn("Post-mortem"),
            "sales_campaign_rating": st.column_config.NumberColumn("Sales' rating (1-5)", format="%.1f"),
            "rating_count": st.column_config.NumberColumn("Ratings", format="%d"),
        },
    )

# ---- 2. Marketing-sourced versus sales-sourced revenue
st.subheader("Where the revenue came from")
booked = kpis.clean(revenue["revenue_eur"])
if not booked:
    st.info(f"No revenue booked from {filters.start:%d %b %Y} to {last_day} for these filters. "
            "Choose a longer period, or clear the filters.", icon=":material/payments:")
else:
    # a month the period cuts short is hatched and its target drawn apart, as on the Overview, so it does not
    # read as a slump
    cut = campaign_text.months_cut_short(monthly["period_start"], filters.start, filters.end)
    dashboard.cached_chart(revenue_by_source_chart, monthly, cut, revenue, booked, currency, key="revenue_by_source",
                           width="stretch")
    st.caption("Months by booking date." + (
        f" The period cuts {' and '.join(c for c in cut if c)} short: hatched, they hold only their days inside "
        "the period"
        + (", as does the target." if monthly["revenue_target_eur"].notna().any() else ".") if cut else ""))
    dashboard.data_table(monthly, "handshake_revenue_by_source.csv", column_config={
        "period_start": st.column_config.DateColumn("Month", format="MMM YYYY"),
        "revenue_eur": dashboard.money_column("Revenue"),
        "revenue_target_eur": dashboard.money_column("Revenue target"),
        "marketing_sourced_revenue_eur": dashboard.money_column("Marketing-sourced"),
        "sales_sourced_revenue_eur": dashboard.money_column("Sales-sourced"),
        "untraced_revenue_eur": dashboard.money_column("Untraced"),
        "marketing_sourced_revenue_share": dashboard.rate_column("Marketing share"),
    })

# ---- 3. Pipeline coverage against the revenue target
st.subheader("Will the pipeline carry the next 90 days?")
open_pipeline = kpis.clean(pipeline["open_pipeline_eur"])
target = kpis.clean(coverage["next_90_days_revenue_target_eur"])
ratio = kpis.clean(coverage["pipeline_coverage_ratio"])
horizon = f"{coverage['snapshot_date']:%d %b} to {coverage['horizon_last_date']:%d %b %Y}"
if kpis.clean(coverage["agreement_effective_date"]) is None:
    why = (f"No agreement was in force on {last_day}, so there is no revenue target to measure coverage "
           "against. Agree one in the joint meeting and record it in `agreements`.")
elif target is None and filtered:
    why = (f"The agreement in force on {last_day} sets no revenue target for "
           f"{formats.md(agreements.filtered(filters.values))}"
           + (": targets are agreed for the whole organisation, a region or a segment, never a source."
              if filters.values.get("source") else ": record one on the Definitions page to measure coverage here."))
elif target is None:
    why = (f"The agreement in force on {last_day} sets no revenue target: agree a shared one to measure "
           "coverage against it.")
elif not target:
    why = f"The agreement in force on {last_day} sets a revenue target of zero."
else:
    why = None
left, middle, right = st.columns([1, 1, 2])
with left:
    dashboard.kpi_metric("open_pipeline_eur", open_pipeline,
                         note=f"{plural(count(pipeline['open_opportunity_count']), 'opportunity', 'opportunities')} "
                         f"open at the end of {last_day}.")
with middle:
    short = "No revenue target to compare with."
    dashboard.kpi_metric("pipeline_coverage_ratio", ratio, note=short if why else (
        f"Target {fmt(target, 'money', currency)} for "
        + (f"{formats.md(agreements.filtered(filters.values))}, " if filtered else "")
        + f"{horizon}, from the agreement of "
        f"{coverage['agreement_effective_date']:%d %b %Y}. {RULE_OF_THUMB_COVERAGE:.0f}x is a common rule "
        "of thumb, not a target."
    ))
with right:
    if why:
        st.info(why, icon=":material/flag:")
    else:
        dashboard.cached_chart(coverage_chart, target, open_pipeline, ratio, currency, key="pipeline_coverage",
                               width="stretch")

# ---- 4. Lead velocity
st.subheader("Are MQLs growing month on month?")
rated = velocity.dropna(subset=["lead_velocity_rate"])
if rated.empty:
    st.info(
        "No lead velocity to show: it needs a finished month and MQLs in the month before it. Choose a period "
        "that covers at least one whole month with MQLs in the month before, or clear the filters.",
        icon=":material/trending_flat:",
    )
else:
    latest = rated.iloc[-1]
    change = kpis.clean(latest["lead_velocity_rate"])
    changed = bool(latest["is_mql_threshold_changed"])
    left, right = st.columns([1, 3])
    with left:
        dashboard.kpi_metric("lead_velocity_rate", change, note=(
            f"{latest['month_start_date']:%B %Y}: {count(latest['month_mql_count']):,} MQLs against "
            f"{count(latest['previous_month_mql_count']):,} the month before."
            + (" The MQL threshold changed: not like for like." if changed else "")
        ))
    with right:
        dashboard.cached_chart(velocity_chart, velocity, latest, change, changed, key="lead_velocity", width="stretch")
    running = velocity.loc[~velocity["is_complete_month"].astype(bool), "month_start_date"]
    st.caption(
        "Whole calendar months, even where the period cuts one."
        + (f" {running.iloc[0]:%B %Y} is not over yet, so it has no rate." if len(running) else "")
    )
    dashboard.data_table(velocity, "handshake_lead_velocity.csv", column_config={
        "month_start_date": st.column_config.DateColumn("Month", format="MMM YYYY"),
        "month_mql_count": st.column_config.NumberColumn("MQLs", format="%d"),
        "previous_month_mql_count": st.column_config.NumberColumn("MQLs the month before", format="%d"),
        "is_complete_month": st.column_config.CheckboxColumn("Month over"),
        "lead_velocity_rate": dashboard.rate_column("Lead velocity rate"),
        "mql_score_threshold": st.column_config.NumberColumn("MQL threshold at month end", format="%d"),
        "previous_mql_score_threshold": st.column_config.NumberColumn("Threshold a month earlier", format="%d"),
        "is_mql_threshold_changed": st.column_config.CheckboxColumn("Threshold changed"),
    })
