"""Follow-up and SLA, for sales leadership (and marketing's question): how fast and how hard sales works the MQLs it gets."""

import plotly.graph_objects as go
import streamlit as st

from handshake import dashboard, formats, kpis, meeting
from handshake.formats import fmt

st.title("Follow-up and SLA")
filters = dashboard.filters()
params = filters.params()
st.caption(
    f"{filters.describe()} · the leads that became MQLs in the period (as on the Overview), each judged by the "
    f"agreement in force when it became an MQL; leads still waiting are judged as of {params['now']:%d %b %Y %H:%M} UTC."
)
dashboard.require_leads()

# all at once: the page takes about as long as follow_up_summary, its slowest
follow_up, cohort, agreements, bands, attempts, never_touched, overdue = dashboard.query_many([
    # the period's row, each team's and each rep's, from one query: they share its reading of the MQLs
    ("follow_up_summary", filters.params("all")),
    ("kpi_mql_cohort", params),
    ("follow_up_agreements", params),
    ("first_touch_buckets", params),
    ("attempts_before_disposition", params),
    ("follow_up_never_touched", dict(params, limit=dashboard.LIST_ROWS)),
    # whole, so that its counts by owner add up to it (the meeting page draws up the same list, from the cache)
    ("accountability_list", dict(params, limit=None)),
])
summary = follow_up[follow_up["grain"] == "total"].iloc[0]
cohort = cohort.iloc[0]
by_rep = follow_up[follow_up["grain"] == "rep"].reset_index(drop=True)
by_team = follow_up[follow_up["grain"] == "team"].reset_index(drop=True)

if not summary["mql_count"]:
    span = dashboard.query("data_range").iloc[0]
    st.warning(
        "No MQLs arrived in this period for these filters, so there is no follow-up to measure. The leads run "
        f"from {span['first_lead_date']:%d %b %Y} to {span['last_lead_date']:%d %b %Y}: choose a period inside "
        "that, or clear the filters.",
        icon=":material/event_busy:",
    )
    st.stop()


def terms(column: str, unit: str = "") -> str | None:
    """The agreed value of a term over the period's MQLs in words ("24 h, then 4 h from 16 Mar"); None if never agreed."""
    agreed = agreements[agreements[column].notna()]
    if agreed.empty:
        return None
    if agreed[column].nunique() == 1:
        return f"{agreed[column].iloc[0]:g}{unit}"
    return ", then ".join(
        f"{row[column]:g}{unit}" + (f" from {row['effective_date']:%d %b}" if i else "")
        for i, (_, row) in enumerate(agreed.iterrows())
    )


def count(value) -> str:
    return fmt(value, "count")


def mqls_text(n) -> str:
    """'1 MQL', '2 MQLs'."""
    return f"{count(n)} MQL" + ("" if n == 1 else "s")


sla = terms("first_touch_sla_hours", " h")
minimum = terms("min_attempts")
mqls = summary["mql_count"]
no_sla = cohort["no_sla_count"]
judged_24h = summary["within_24h_count"] + summary["over_24h_count"]

if sla is None:
    st.info(
        "Sales and marketing had agreed no first-touch SLA for these MQLs, so nothing here can say whether "
        "they were followed up in time by your own rules. As a fixed reference the page uses HubSpot's "
        "accountability rule: a first touch within 24 hours. Agreeing an SLA (see the Warehouse page for "
        "the agreement's history) is the step from the Undefined to the Defined stage.",
        icon=":material/handshake:",
    )
elif no_sla:
    st.info(
        f"{count(no_sla)} of {mqls_text(mqls)} became MQLs before any first-touch SLA was agreed: the SLA card "
        "leaves them out, and the accountability list holds them to the 24-hour reference.",
        icon=":material/info:",
    )

# The headline: the rep's own time, the time the lead waited in all, and the shares in time.
sla_note = (
    "No first-touch SLA was agreed for these MQLs: see the 24-hour reference beside it."
    if cohort["no_sla_count"] == cohort["mql_count"]
    else f"Agreed SLA {sla}. Met by {count(cohort['within_sla_count'])} of "
    f"{mqls_text(cohort['within_sla_count'] + cohort['breached_sla_count'])} judged; "
    f"{count(cohort['sla_pending_count'])} still inside their SLA, not judged yet."
)
if minimum is None:
    give_up_note = "No minimum number of attempts was agreed for these MQLs, so there is nothing to judge by."
elif not summary["unable_to_reach_with_minimum_count"]:
    give_up_note = (
        f"No MQL was rejected as 'unable to reach' in this period. All rejections: "
        f"{count(summary['rejected_below_minimum_count'])} of {count(summary['rejected_with_minimum_count'])} "
        f"came after fewer than the agreed {minimum} attempts."
    )
else:
    give_up_note = (
        f"{count(summary['early_give_up_count'])} of {count(summary['unable_to_reach_with_minimum_count'])} "
        f"'unable to reach' rejections came after fewer than the agreed {minimum} attempts. All rejections: "
        f"{count(summary['rejected_below_minimum_count'])} of {count(summary['rejected_with_minimum_count'])}."
    )
touched_note = f"Of {count(summary['touched_count'])} MQLs touched"

cards = (
    ("first_touch_median_hours", summary["first_touch_median_hours"],
     f"{touched_note}, counted from assignment: the rep's own time." if summary["touched_count"]
     else "No MQL of this period has been touched yet."),
    ("first_touch_p90_hours", summary["first_touch_p90_hours"],
     f"{touched_note}: one in ten waited longer than this." if summary["touched_count"]
     else "No MQL of this period has been touched yet."),
    ("speed_to_lead_median_hours", summary["speed_to_lead_median_hours"],
     "From the lead's creation, so routing and CRM sync delays count too."),
    ("sla_compliance_rate", cohort["sla_compliance_rate"], sla_note),
    ("touched_within_24h_rate", summary["touched_within_24h_rate"],
     f"HubSpot's 24-hour rule, a fixed reference. Met by {count(summary['within_24h_count'])} of "
     f"{mqls_text(judged_24h)} judged; those inside their first 24 hours are not judged yet."),
    ("follow_up_rate", summary["follow_up_rate"],
     f"{count(summary['touched_count'])} of {mqls_text(mqls)} touched at least once."),
    ("never_touched_count", summary["never_touched_count"],
     f"{fmt(summary['never_touched_rate'], 'rate')} of {mqls_text(mqls)}"
     + (f"; {count(cohort['sla_pending_count'])} of them still inside their SLA" if sla else "")
     + ". The list is below."),
    ("early_give_up_rate", summary["early_give_up_rate"], give_up_note),
)
# three to a row: four left "Median time to first touch" cut short on a 1280 px projector
for column, (name, value, note) in zip(dashboard.grid(len(cards), 3), cards):
    with column:
        dashboard.kpi_metric(name, value, note=note)


st.subheader("How long MQLs wait for a first touch")
for sentence in kpis.clock_notes(dashboard.query("data_inputs").iloc[0].to_dict()):
    st.caption(sentence)


def whole_ticks(largest) -> dict:
    """A count axis with whole-number ticks, even when the counts are small."""
    return {"dtick": 1} if largest <= 6 else {"tickformat": ",d"}


def sla_position(bands, hours: float) -> float:
    """Where a number of hours falls on the band axis: band i is centred on i, its upper bound at i + 0.5."""
    for i, band in bands.iterrows():
        lower = band["lower_hours"] if band["lower_hours"] == band["lower_hours"] else 0.0
        upper = band["upper_hours"]
        if upper != upper:  # the open-ended band
            return float(i)
        if hours <= upper:
            return i - 0.5 + (hours - lower) / (upper - lower)
    return float(len(bands) - 1)


def bands_chart(bands, summary, mqls, agreements, sla):
    touched = bands[bands["band_label"] != "never touched"]
    if summary["touched_count"]:
        finding = (f"The most common wait for a first touch was {touched.loc[touched['mql_count'].idxmax(), 'band_label']}; "
                   f"{fmt(summary['never_touched_rate'], 'rate')} of MQLs were never touched")
    else:
        finding = "The period's one MQL has had no sales touch yet" if mqls == 1 else (
            f"Not one of the {count(mqls)} MQLs has had a sales touch yet")
    colours = [dashboard.NEUTRAL_COLOUR if label == "never touched" else dashboard.SALES_COLOUR
               for label in bands["band_label"]]
    figure = go.Figure()
    figure.add_bar(
        x=bands["band_label"], y=bands["mql_count"], marker_color=colours,
        text=[f"{n:,} · {fmt(s, 'rate')}" for n, s in zip(bands["mql_count"], bands["mql_share_rate"])],
        textposition="outside", cliponaxis=False, name="MQLs",
        hovertemplate="%{x}: %{y:,} MQLs<extra></extra>",
    )
    agreed = agreements["first_touch_sla_hours"].dropna().unique()
    for hours in agreed:
        figure.add_vline(x=sla_position(bands, hours), line=dict(color="#333333", dash="dash", width=1.5),
                         annotation_text=f"agreed SLA {hours:g} h", annotation_position="top right")
    if sla is None:
        figure.add_vline(x=sla_position(bands, 24), line=dict(color="#333333", dash="dot", width=1.5),
                         annotation_text="24 h reference", annotation_position="top right")
        subtitle = "No SLA agreed; dotted line: HubSpot's 24-hour reference, counted from assignment"
    else:
        subtitle = f"Dashed line: the agreed first-touch SLA ({sla}), counted from assignment"
    figure.update_layout(
        title=dict(
            text=finding,
            subtitle=dict(text=subtitle),
        ),
        xaxis_title="Hours from assignment to first touch (upper bound included)",
        yaxis_title="MQLs", showlegend=False, margin=dict(t=90, b=10),
        yaxis=dict(range=[0, bands["mql_count"].max() * 1.15], **whole_ticks(bands["mql_count"].max())),
    )
    return figure


dashboard.cached_chart(bands_chart, bands, summary, mqls, agreements, sla, key="first_touch_bands")
dashboard.data_table(bands.drop(columns=["band_order"]), "handshake_first_touch_bands.csv", column_config={
    "band_label": "Hours to first touch",
    "lower_hours": st.column_config.NumberColumn("Above (h)", format="%g"),
    "upper_hours": st.column_config.NumberColumn("Up to (h)", format="%g"),
    "mql_count": st.column_config.NumberColumn("MQLs", format="%d"),
    "mql_share_rate": dashboard.rate_column("Share of MQLs"),
})


st.subheader("Attempts before sales accepts or rejects")


def attempts_chart(attempts, agreements, minimum, summary):
    figure = go.Figure()
    for column, label, colour in (
        ("accepted_count", "Accepted", dashboard.SALES_COLOUR),
        ("unable_to_reach_count", "Rejected: unable to reach", "#7A3B12"),
        ("other_rejected_count", "Rejected: other or no reason", dashboard.NEUTRAL_COLOUR),
    ):
        figure.add_bar(x=attempts["attempt_count"], y=attempts[column], name=label, marker_color=colour,
                       hovertemplate="%{x} attempts: %{y:,} MQLs<extra>" + label + "</extra>")
    for value in agreements["min_attempts"].dropna().unique():
        figure.add_vline(x=value - 0.5, line=dict(color="#333333", dash="dash", width=1.5),
                         annotation_text=f"agreed minimum {value:g}", annotation_position="top right")
    if minimum is None:
        title = (f"Sales decided on {count(summary['disposed_count'])} MQLs after "
                 f"{summary['avg_attempt_count']:.1f} attempts on average; no minimum was agreed")
    elif summary["unable_to_reach_with_minimum_count"]:
        title = (f"{fmt(summary['early_give_up_rate'], 'rate')} of 'unable to reach' rejections came before "
                 f"the agreed {minimum} attempts")
    elif summary["rejected_with_minimum_count"]:
        title = (f"{count(summary['rejected_below_minimum_count'])} of {count(summary['rejected_with_minimum_count'])} "
                 f"rejections came before the agreed {minimum} attempts")
    else:
        title = (f"Sales decided on {count(summary['disposed_count'])} MQLs after "
                 f"{summary['avg_attempt_count']:.1f} attempts on average, and rejected none of them")
    figure.update_layout(
        barmode="stack", title=dict(text=title, subtitle=dict(
            text="No minimum number of attempts agreed, so there is no line to judge them by" if minimum is None
            else f"{count(summary['disposed_count'])} MQLs accepted or rejected, "
                 f"{summary['avg_attempt_count']:.1f} attempts on average before the decision; "
                 "dashed line: the agreed minimum")),
        xaxis=dict(title="Attempts (sales touches) before the decision",
                   tickvals=list(range(11)), ticktext=[str(n) for n in range(10)] + ["10+"]),
        yaxis=whole_ticks(attempts["disposed_count"].max()),
        yaxis_title="MQLs decided", legend=dict(orientation="h", y=-0.25, traceorder="normal"),
        margin=dict(t=90, b=10),
    )
    return figure


if attempts.empty:
    st.info(
        "Sales has not yet accepted or rejected any of this period's MQLs, so there are no attempts before a "
        "decision to count. Choose an earlier period to see them.",
        icon=":material/hourglass_empty:",
    )
else:
    dashboard.cached_chart(attempts_chart, attempts, agreements, minimum, summary, key="attempts_before_disposition")
    dashboard.data_table(attempts, "handshake_attempts_before_disposition.csv", column_config={
        "attempt_count": st.column_config.NumberColumn("Attempts (10 = 10 or more)", format="%d"),
        "disposed_count": st.column_config.NumberColumn("MQLs decided", format="%d"),
        "accepted_count": st.column_config.NumberColumn("Accepted", format="%d"),
        "unable_to_reach_count": st.column_config.NumberColumn("Rejected: unable to reach", format="%d"),
        "other_rejected_count": st.column_config.NumberColumn("Rejected: other or no reason", format="%d"),
    })


st.subheader("MQLs nobody has touched")
if never_touched.empty:
    st.success("Every MQL of this period has had at least one sales touch.", icon=":material/task_alt:")
else:
    st.caption(
        "Highest score first. Marketo found about 45% of B2B inquirers eventually buy, from someone: these are "
        "the leads to ask about first. Some may still be inside their SLA (see 'Waited')."
    )
    dashboard.list_table(
        never_touched, "follow_up_never_touched", params, "handshake_never_touched_mqls.csv",
        label=f"{mqls_text(never_touched['listed_count'].iloc[0])} never touched", order="highest score first",
        column_config={
            "lead_id": None,
            "crm_id": "CRM ID",
            "record_url": st.column_config.LinkColumn("Record", display_text="Open in CRM"),
            "lead_score": st.column_config.NumberColumn("Score", format="%d"),
            "source": "Source", "segment": "Segment", "region": "Region",
            "owner_name": st.column_config.TextColumn("Owner", help="A dash: nobody was assigned."),
            "team": "Team",
            "created_at": None,  # in the download; on screen, age says it
            "mql_at": st.column_config.DatetimeColumn("MQL", format="D MMM YYYY, HH:mm"),
            "sla_clock_at": None,  # in the download; on screen, waited says it
            "sla_hours": st.column_config.NumberColumn("SLA (h)", format="%g", help="A dash: no SLA agreed."),
            "age_days": st.column_config.NumberColumn("Age (days)", format="%.1f"),
            "waited_days": st.column_config.NumberColumn("Waited (days)", format="%.1f",
                                                         help="From assignment (or MQL) until sales decided, or until now."),
            "status": "Status", "rejection_reason": "Rejection reason",
        },
    )


st.subheader("By team and rep")
OWNERLESS = "No owner"
TEAM_MEASURE = "touched_within_24h_rate" if sla is None else "sla_compliance_rate"


def team_chart(teams, measure: str, sla, ownerless_label: str):
    label = "first touched within 24 h (a reference)" if sla is None else "first touched within the agreed SLA"
    verb = "touched MQLs within 24 h" if sla is None else "met the agreed SLA"
    ownerless = teams[teams["team"] == ownerless_label]
    ranked = teams[teams["team"] != ownerless_label].dropna(subset=[measure]).sort_values(measure)
    figure = go.Figure()
    # the share inside its bar and the MQL count beside the team's name: outside the bar, text was cut on a phone
    figure.add_bar(
        y=[f"{t} ({n:,})" for t, n in zip(ranked["team"], ranked["mql_count"])], x=ranked[measure],
        orientation="h", marker_color=dashboard.SALES_COLOUR,
        text=[fmt(v, "rate") for v in ranked[measure]], textposition="inside", insidetextanchor="end",
        hovertemplate="%{y}: %{x:.1%}<extra></extra>",
    )
    best, worst = ranked.iloc[-1], ranked.iloc[0]
    if len(ranked) == 1:
        title = f"{best['team']}: {fmt(best[measure], 'rate')} of its MQLs {label}"
    else:
        title = (f"{best['team']} {verb} most often ({fmt(best[measure], 'rate')}), {worst['team']} least often "
                 f"({fmt(worst[measure], 'rate')})")
    subtitle = f"Share of each team's MQLs {label}, of those judged (in brackets: the team's MQLs)"
    if not ownerless.empty:
        subtitle += f"; {mqls_text(ownerless['mql_count'].iloc[0])} had no owner"
        if ownerless[measure].notna().iloc[0]:
            subtitle += f", {fmt(ownerless[measure].iloc[0], 'rate')} of them {label.split(' (')[0]}"
    figure.update_layout(
        title=dict(text=title, subtitle=dict(text=subtitle)),
        xaxis=dict(title="Share of the team's MQLs", tickformat=".0%", range=[0, 1]),
        yaxis=dict(title=None, automargin=True), showlegend=False, margin=dict(t=90, b=10, l=10, r=10),
        height=220 + 40 * len(ranked),
    )
    return figure


OWNER_COLUMNS = {
    "rep_name": "Rep",
    "team": "Team",
    "mql_count": st.column_config.NumberColumn("MQLs owned", format="%d"),
    "sla_compliance_rate": dashboard.rate_column(
        "Within SLA", help="Of the MQLs judged; a dash: no SLA agreed."),
    "touched_within_24h_rate": dashboard.rate_column("Within 24 h"),
    "first_touch_median_hours": st.column_config.NumberColumn("Median time to first touch (h)", format="%.1f"),
    "never_touched_count": st.column_config.NumberColumn("Never touched", format="%d"),
    "avg_attempt_count": st.column_config.NumberColumn(
        "Avg attempts", format="%.1f", help="Attempts before sales accepted or rejected; a dash: no MQL decided yet."),
}
teams = by_team[[c for c in OWNER_COLUMNS if c != "rep_name"]].fillna({"team": OWNERLESS})
reps = by_rep[list(OWNER_COLUMNS)].fillna({"rep_name": OWNERLESS, "team": OWNERLESS})
if teams.loc[teams["team"] != OWNERLESS, TEAM_MEASURE].notna().any():
    dashboard.cached_chart(team_chart, teams, TEAM_MEASURE, sla, OWNERLESS, key="team_follow_up")
else:
    st.info("No team to compare: none of these MQLs has an owner." if (teams["team"] == OWNERLESS).all()
            else "No team's MQLs can be judged yet: every one is still inside its first hours.",
            icon=":material/hourglass_empty:")
dashboard.data_table(teams, "handshake_follow_up_by_team.csv", column_config=OWNER_COLUMNS, phone=True)
if dashboard.sees_rep_level():
    st.caption("Each rep's MQLs are those they own now. Rep-level figures are for coaching, not for ranking people.")
    dashboard.data_table(reps, "handshake_follow_up_by_rep.csv", label="By rep", expanded=True,
                         column_config=OWNER_COLUMNS, phone=True)
else:
    st.caption(f"Each rep's own figures are shown only to the roles set in `rep_level_roles` (you are a "
               f"{dashboard.person().role}): they are for coaching, not for everyone to compare.")


st.subheader("The accountability list")
rule = (
    f"HubSpot's rule, as of {params['now']:%d %b %Y %H:%M} UTC: an undecided MQL of this period is on the list "
    "when it has waited past its first-touch SLA without a single touch"
)
rule += (
    " (past 24 hours, a reference, where no SLA was agreed)" if no_sla else ""
) + (
    ", or when two weeks after assignment it has had fewer than the agreed minimum attempts."
    if minimum else ". No minimum number of attempts was agreed, so the two-week rule cannot apply."
)
st.caption(rule)
st.markdown(formats.md(meeting.accountability_headline(overdue, filters.start, filters.end)))
if not overdue.empty:
    dashboard.accountability_list(overdue, filters.start, filters.end, filters.tz)
