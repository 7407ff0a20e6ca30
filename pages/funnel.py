"""Hand-off funnel, for leadership and both teams: where the leads that arrived in the period are now."""

import plotly.graph_objects as go
import streamlit as st

from handshake import access, dashboard, formats, funnel, kpis, periods, warehouse
from handshake.formats import fmt

st.title("Hand-off funnel")
filters = dashboard.filters()
st.caption(
    f"{filters.describe()} · the leads that arrived (were created) in the period, and how far each has "
    "got so far. Leads still being worked are shown as open, not as lost."
)
dashboard.require_leads()

params = dict(filters.params(), dimension="all")
totals = dashboard.query("funnel_by_cohort", params)
if totals.empty:
    span = dashboard.query("data_range").iloc[0]
    st.info(f"No leads arrived in this period for these filters. The leads run from "
            f"{span['first_lead_date']:%d %b %Y} to {span['last_lead_date']:%d %b %Y}: choose a period inside "
            "that" + (", or clear the filters." if any(filters.values.values()) else "."),
            icon=":material/filter_alt_off:")
    st.stop()
total = totals.iloc[0]
bands = dashboard.query("reference_bands").set_index("transition")

STEPS = (
    ("inquiry_to_mql_rate", "inquiry_to_mql"),
    ("mql_to_sal_rate", "mql_to_sal"),
    ("sal_to_sql_rate", "sal_to_sql"),
    ("sql_to_opportunity_rate", None),
    ("opportunity_to_won_rate", None),
    ("sql_to_won_rate", "sql_to_won"),
)


def band_note(band: str | None) -> str:
    if band is None or band not in bands.index:
        return "No published range for this step."
    row = bands.loc[band]
    return f"Published range {fmt(row['low_rate'], 'rate')}–{fmt(row['high_rate'], 'rate')} (a reference, not a target)."


# The charts, built once for every viewer of the same rows (dashboard.cached_chart): from their arguments only

def waterfall_chart(stages, total, start, end, parts):
    labels = [funnel.stage_label(row) for _, row in stages.iterrows()]
    figure = go.Figure()
    for column, label, colour, _ in parts:
        figure.add_bar(
            x=labels, y=stages[column], name=label, marker_color=colour,
            hovertemplate="%{x}: %{y:,} leads " + label.lower() + "<extra></extra>",
        )
    figure.update_layout(
        barmode="stack",
        title=funnel.waterfall_title(total, stages, start, end),
        yaxis_title="Leads", xaxis_title=None, legend=dict(orientation="h", y=-0.15), margin=dict(t=60, b=10),
    )
    return figure


def cohorts_chart(months, cut_short: list):
    figure = go.Figure()
    for column, label, colour in (
        ("won_count", "Won", "#1B5E20"),
        ("in_play_count", "In play (MQL or beyond, still open)", "#9DB4C0"),
        ("recycled_count", "Recycled (no progress for the agreed term)", "#C9B458"),
        ("dropped_count", "Dropped (rejected, disqualified, lost)", "#B5533C"),
        ("not_yet_mql_count", "Not (yet) an MQL", "#D9D9D9"),
    ):
        figure.add_bar(x=months["period_start"], y=months[column], name=label,
                       marker=dict(color=colour, pattern_shape=["/" if cut else "" for cut in cut_short]))
    latest = months.iloc[-1]
    in_play = latest["in_play_count"] / max(1, latest["reached_mql_count"])
    figure.update_layout(
        barmode="stack",
        title=f"{fmt(in_play, 'rate')} of the latest cohort's MQLs are still in play: recent months will convert further",
        yaxis_title="Leads arrived in the month", xaxis_title="Cohort month (when the leads arrived)",
        xaxis=dict(tickformat="%b %Y", dtick="M1"),
        legend=dict(orientation="h", y=-0.25), margin=dict(t=60, b=10),
    )
    return figure


def stage_times_chart(times, headline: str):
    figure = go.Figure()
    figure.add_bar(y=times["transition"], x=times["median_days_in_stage"], orientation="h", name="Median",
                   marker_color="#4F6D7A",
                   text=[fmt(v, "days") if kpis.clean(v) is not None else funnel.NOT_MEASURED
                         for v in times["median_days_in_stage"]],
                   textposition="outside")
    figure.update_layout(
        title=headline,
        xaxis_title="Median days in stage", yaxis=dict(autorange="reversed"), margin=dict(t=60, b=10),
        xaxis=dict(range=[0, 1.2 * times["median_days_in_stage"].max()]),
    )
    return figure


stages = dashboard.query("funnel_stages", filters.params())
undecided = int(stages.loc[stages["stage"] == "MQL", "open_count"].iloc[0])
notes = {
    # the step's rate counts undecided MQLs as not (yet) accepted: say how many, beside the reference
    "mql_to_sal_rate": f"{undecided:,} of {total['reached_mql_count']:,} MQLs still undecided. "
    + band_note("mql_to_sal"),
}
unmeasured = funnel.unmeasured_stages_note(stages, dashboard.present_inputs())
if unmeasured:
    st.warning(unmeasured, icon=":material/help:")


for column, (name, band) in zip(dashboard.grid(len(STEPS), 3), STEPS):
    with column:
        dashboard.kpi_metric(name, total[name], note=notes.get(name) or band_note(band))

st.subheader("The waterfall")
PARTS = (
    ("moved_on_count", "Moved on", "#5FA37E", "moved_on"),
    ("won_count", "Won", "#1B5E20", "won"),
    ("open_count", "Still open here (at Inquiry: not yet an MQL)", "#9DB4C0", "open"),
    ("recycled_count", "Recycled here (no progress for the agreed term)", "#C9B458", "recycled"),
    ("dropped_count", "Dropped here", "#B5533C", "dropped"),
)
event = dashboard.cached_chart(waterfall_chart, stages, total, filters.start, filters.end, PARTS, key="waterfall",
                               on_select="rerun", selection_mode="points")
by_mql_day = dashboard.query("kpi_mql_cohort", filters.params()).iloc[0]
st.caption(funnel.counted_by_arrival(total, stages, by_mql_day))
st.caption("Click a bar to list the leads behind it, or choose below.")

# A clicked bar preselects the drill-down; the selectboxes stay usable without a mouse.
points = (event or {}).get("selection", {}).get("points", []) if event else []
if points:
    clicked = (str(points[0].get("x")).removesuffix(f" ({funnel.NOT_MEASURED})"),
               PARTS[points[0].get("curve_number", 0)][3])
    if clicked != st.session_state.get("funnel_last_click"):
        st.session_state["funnel_last_click"] = clicked
        st.session_state["drill_stage"], st.session_state["drill_outcome"] = clicked

STAGE_TIMES = {"mql_at": "MQL", "accepted_at": "SAL", "rejected_at": "Rejected", "sql_at": "SQL",
               "opportunity_at": "Opportunity", "won_date": "Won"}
OUTCOMES = {"moved_on": "Moved on", "open": "Still open here", "recycled": "Recycled here", "dropped": "Dropped here",
            "won": "Won"}


@st.fragment
def drill_down(stages, params: dict) -> None:
    """The leads behind a bar of the waterfall. A fragment: choosing a stage or an outcome reruns this list
    alone, not the page (a click on the waterfall still reruns the page, which picks both)."""
    left, right = st.columns(2)
    stage = left.selectbox("Leads at stage", stages.loc[stages["is_measured"].astype(bool), "stage"].tolist(),
                           key="drill_stage")
    outcome = right.selectbox("Outcome", list(OUTCOMES), format_func=OUTCOMES.get, key="drill_outcome")
    rank = int(stages.loc[stages["stage"] == stage, "stage_rank"].iloc[0])
    drill = dict(params, stage_rank=rank, outcome=outcome)
    leads = dashboard.query("funnel_leads", dict(drill, limit=dashboard.LIST_ROWS))
    if leads.empty:
        st.info(f"No leads at {stage} with the outcome “{OUTCOMES[outcome].lower()}” in this period.")
    else:
        dashboard.list_table(
            leads, "funnel_leads", drill, f"handshake_leads_{stage.lower()}_{outcome}.csv",
            label=f"{int(leads['listed_count'].iloc[0]):,} leads at {stage}, {OUTCOMES[outcome].lower()}",
            column_config={
                "lead_id": None,
                "crm_id": "CRM ID",
                "record_url": st.column_config.LinkColumn("Record", display_text="Open in CRM"),
                "created_at": st.column_config.DatetimeColumn("Arrived", format="D MMM YYYY"),
                "lead_score": st.column_config.NumberColumn("Score", format="%d", width="small"),
                "source": "Source", "segment": "Segment", "region": "Region", "status": "Status", "owner": "Owner",
                "rejection_reason": "Rejection reason",
                # on screen, the time of the stage drilled into; every stage's time is in the download
                **{column: None for column in STAGE_TIMES},
                **{column: (st.column_config.DateColumn if column == "won_date" else st.column_config.DatetimeColumn)(
                    f"{name} on", format="D MMM YYYY") for column, name in STAGE_TIMES.items() if name == stage},
            },
        )
        st.caption("On screen, each lead's arrival and its time at the stage chosen; the download holds every "
                   "stage's time.")


drill_down(stages, filters.params())

st.subheader("Where each month's leads are now")
months = dashboard.query("funnel_by_cohort", dict(params, grain="month"))
# a month the period cuts short (its first or last) holds fewer leads by construction: hatched, and said below
month_starts = [kpis.clean(m).date() for m in months["period_start"]]
cut_short = [head or tail for head, tail in periods.cut_short(month_starts, "month", filters.start, filters.end)]
dashboard.cached_chart(cohorts_chart, months, cut_short, key="cohorts")
if any(cut_short):
    st.caption(funnel.cut_short_months([m for m, cut in zip(month_starts, cut_short) if cut], filters.start, filters.end))
dashboard.data_table(months.drop(columns=["breakdown"]), "handshake_funnel_by_cohort_month.csv", column_config={
    "period_start": st.column_config.DateColumn("Cohort month", format="MMM YYYY"),
    **{name: dashboard.rate_column(kpis.BY_NAME[name].label) for name, _ in STEPS},
})

st.subheader("Time in each stage")
times = dashboard.query("funnel_stage_times", filters.params())
headline = funnel.slowest_step(times)
if headline is None:
    st.info("No step between stages is measured in this period: no lead has moved between two stages with both "
            "times recorded.")
else:
    dashboard.cached_chart(stage_times_chart, times, headline, key="stage_times")
    for sentence in funnel.left_out_of_times(times):
        st.caption(sentence)
    dashboard.data_table(times, "handshake_time_in_stage.csv", column_config={
        "lead_count": st.column_config.NumberColumn("Leads timed", format="localized"),
        "untimed_count": st.column_config.NumberColumn("Made it without a time", format="localized"),
        "backwards_count": st.column_config.NumberColumn("Times in the wrong order", format="localized"),
        "median_days_in_stage": st.column_config.NumberColumn("Median days", format="%.1f"),
        "p90_days_in_stage": st.column_config.NumberColumn("90th percentile days", format="%.1f"),
    })

st.subheader("By source and segment")
dimension = st.segmented_control("Break down by", ["source", "segment"], default="source", key="funnel_dimension",
                                 format_func=str.capitalize) or "source"
breakdown = dashboard.query("funnel_by_cohort", dict(params, dimension=dimension))
best = funnel.best_and_worst(breakdown)
if best:
    st.markdown(
        f"**{formats.md(formats.readable(best[0]))}** turns the most SQLs into wins ({fmt(best[1], 'rate')}); "
        f"**{formats.md(formats.readable(best[2]))}** the fewest ({fmt(best[3], 'rate')})."
    )
st.dataframe(
    breakdown[["breakdown", "inquiry_count", "reached_mql_count", "won_count"] + [n for n, _ in STEPS]].assign(
        breakdown=lambda f: f["breakdown"].map(formats.words)),
    hide_index=True, placeholder="–",
    column_config={
        "breakdown": dimension.capitalize(),
        "inquiry_count": st.column_config.NumberColumn("Leads", format="localized"),
        "reached_mql_count": st.column_config.NumberColumn("MQLs", format="localized"),
        "won_count": st.column_config.NumberColumn("Won", format="localized"),
        # numbers, not progress bars: eight columns of bars were wider than the page at 1440 px
        **{name: dashboard.rate_column(kpis.BY_NAME[name].label) for name, _ in STEPS},
    },
)
st.download_button("Download as CSV", formats.csv_text(breakdown.assign(
    breakdown_code=breakdown["breakdown"], breakdown=breakdown["breakdown"].map(formats.words)), dashboard.currency()),
                   file_name=f"handshake_funnel_by_{dimension}.csv", mime="text/csv", on_click="ignore",
                   icon=":material/download:")

with st.expander("Reference ranges: published conversion rates, and how to change them"):
    st.markdown(
        "These ranges are quoted in secondary sources on the SiriusDecisions demand waterfall. Forrester, "
        "which owns that model now, says no universal benchmark exists: treat them as directional references "
        "for your own rates, never as targets. If your team trusts other figures, change them here."
    )
    fixed = dashboard.cannot("ranges")
    edited = st.data_editor(
        bands.reset_index()[["transition", "low_rate", "high_rate", "changed_by"]].assign(
            transition=lambda f: f["transition"].map(formats.words)), hide_index=True,
        disabled=True if fixed else ["transition", "changed_by"], key="band_editor", placeholder="–",
        column_config={
            "transition": "Step",
            "low_rate": dashboard.rate_column("Low", min_value=0.0, max_value=1.0),
            "high_rate": dashboard.rate_column("High", min_value=0.0, max_value=1.0),
            "changed_by": "Last changed by",
        },
    )
    if not fixed and st.button("Save the ranges", key="save_bands"):
        invalid = edited[(edited["low_rate"] > edited["high_rate"]) | edited[["low_rate", "high_rate"]].isna().any(axis=1)]
        if not invalid.empty:
            st.error(f"Each low must be at most its high: check {', '.join(invalid['transition'])}. Nothing was saved.")
        else:
            code_of = {formats.words(code): code for code in bands.index}
            rows = [dict(transition=code_of[r.transition], low_rate=float(r.low_rate), high_rate=float(r.high_rate),
                         changed_by=dashboard.person().name or "local user", changed_at=kpis.current_time())
                    for r in edited.itertuples()]
            try:
                warehouse.write(warehouse.shared_connection(warehouse.configured_path()), "update_reference_band",
                                rows, dashboard.person(), "ranges")
            except access.Refused as e:
                st.error(str(e))
            else:
                st.success("Saved. Every page now shows the new ranges.")
