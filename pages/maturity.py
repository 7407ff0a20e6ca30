"""Leadership: where the organisation stands on the four HBR stages, by its own rating and by the data, and what is next."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from handshake import dashboard, maturity
from handshake.formats import fmt

dashboard.ensure_app_ran()
currency = dashboard.currency()
st.title("Maturity stage")
st.caption(
    "Where sales and marketing stand on the four stages of " + maturity.SOURCE + ": by their own "
    "rating in the self-assessment, and by the evidence in the warehouse."
)

dashboard.require_leads()

placed = maturity.placement(dashboard.query)
results = placed["criteria"]
evidenced = placed["evidenced_stage"]
found = placed["self_assessment"]
self_stage = placed["self_assessed_stage"]
title = {None: "not rated yet", **{s: s.title() for s in maturity.STAGES}}

st.caption(
    f"Evidence from {placed['window_start']:%d %b %Y} to {placed['window_end']:%d %b %Y}: the "
    f"{maturity.window_days()} days up to the newest lead. The sidebar's period and filters do not apply "
    "here, because a stage belongs to the whole organisation."
)

# --- the two placements side by side -----------------------------------------------------------
met = sum(r["passed"] is True for r in results)
left, right = st.columns(2)
with left, st.container(border=True):
    if found and found.get("stage"):
        note = (f"Mean score {found['score']:.0f} of 100 in round {found['round_id']}, "
                f"{found['respondent_count']:,} respondents.")
    elif found:
        note = (f"Round {found['round_id']} has {found['respondent_count']:,} responses: too few from "
                "marketing or sales to show a score without revealing who said what.")
    else:
        note = "No self-assessment round has been answered yet."
    st.metric("What people say (self-assessed)", title[self_stage],
              help="The mean of the marketing and the sales scores on the 20-statement questionnaire "
                   "(20-39 Undefined, 40-59 Defined, 60-79 Aligned, 80-100 Integrated).")
    st.caption(note)
with right, st.container(border=True):
    st.metric("What the data shows (evidenced)", title[evidenced],
              help="The highest stage whose criteria, and those of every stage below it, are all met "
                   "over the evidence window. Criteria and thresholds: data/stage_criteria.toml.")
    st.caption(f"{met} of {len(results)} criteria met.")
if not found:
    st.page_link("pages/questionnaire.py", label="Answer the questionnaire", icon=":material/checklist:")


def scale_chart(self_stage, evidenced, title: dict):
    """The four stages as a ladder, with both placements marked on it."""
    figure = go.Figure()
    figure.add_bar(
        x=[s.title() for s in maturity.STAGES], y=[1, 2, 3, 4], marker_color="#DCE7EA",
        hoverinfo="skip", showlegend=False,
        text=["Own agendas", "Rules and shared definitions", "Joint planning", "Shared targets and systems"],
        textposition="inside", insidetextanchor="start",
    )
    if self_stage:
        figure.add_scatter(x=[self_stage.title()], y=[maturity.STAGES.index(self_stage) + 1.95],
                           mode="markers", name="Self-assessed (what people say)",
                           marker=dict(symbol="diamond", size=18, color="#333333"))
    if evidenced:
        figure.add_scatter(x=[evidenced.title()], y=[maturity.STAGES.index(evidenced) + 1.4],
                           mode="markers", name="Evidenced (what the data shows)",
                           marker=dict(symbol="circle", size=18, color=dashboard.MARKETING_COLOUR,
                                       line=dict(color=dashboard.SALES_COLOUR, width=3)))
    if self_stage == evidenced:
        headline = f"Both the teams and the data place you at {title[evidenced]}"
    elif self_stage is None:
        headline = f"The data places you at {title[evidenced]}"
    else:
        headline = f"You rate yourselves {title[self_stage]}; the data shows {title[evidenced]}"
    figure.update_layout(
        title=dict(text=headline, subtitle=dict(text="The four stages, from each side working its own agenda to one shared revenue engine")),
        yaxis=dict(visible=False, range=[0, 6.2]), xaxis_title=None, height=320,
        legend=dict(orientation="h", y=-0.15), margin=dict(t=60, b=10),
    )
    return figure


dashboard.cached_chart(scale_chart, self_stage, evidenced, title, key="stage_scale")
st.info(
    "More integration is not always the goal. The 2006 article notes that a small firm whose teams get "
    "on well informally may rightly stay at Defined: the stages describe how closely the two functions "
    "work, not a grade.",
    icon=":material/info:",
)

# --- the gap, in words -------------------------------------------------------------------------
st.subheader("Why the two differ" if self_stage and self_stage != evidenced else "What the evidence says")
st.markdown("\n".join(f"- {sentence}" for sentence in placed["explanation"]))

# --- each criterion ----------------------------------------------------------------------------
st.subheader("The evidence, criterion by criterion")
st.caption("A stage counts as evidenced when its criteria, and those of every stage below, are all met. "
           "A criterion the data cannot measure counts as not met until it can.")
VERDICT = {True: "Met", False: "Not met", None: "No data to tell"}
for stage in maturity.EVIDENCED_STAGES:
    rows = [r for r in results if r["stage"] == stage]
    passed = sum(r["passed"] is True for r in rows)
    st.markdown(f"**{stage.title()}**: {passed} of {len(rows)} criteria met")
    for r in rows:
        icon = {True: ":material/check_circle:", False: ":material/cancel:", None: ":material/help:"}[r["passed"]]
        measured = f" · measured {maturity.describe(r)}" if r["value"] is not None else ""
        with st.expander(f"{VERDICT[r['passed']]} · {r['label']}{measured}", icon=icon):
            st.markdown(f"**Measured:** {maturity.describe(r)} · **Needs:** {maturity.describe_threshold(r)}")
            st.markdown(f"**Why it matters:** {r['why']}")
            st.caption(f"From `queries/{r['query']}.sql`, column `{r['column']}`.")

table = [
    {"stage": r["stage"].title(), "result": VERDICT[r["passed"]], "criterion": r["label"],
     "measured": maturity.describe(r), "needs": maturity.describe_threshold(r), "why": r["why"]}
    for r in results
]
dashboard.data_table(pd.DataFrame(table), "handshake_stage_criteria.csv", label="All criteria as a table",
                     column_config={
                         "stage": "Stage", "result": "Result", "criterion": "Criterion",
                         "measured": "Measured", "needs": "Needs", "why": "Why it matters",
                     })

# --- the roadmap -------------------------------------------------------------------------------
st.subheader("Roadmap")
following = maturity.next_stage(evidenced)
if following is None:
    st.success("Every criterion up to Integrated is met. Keep them met: review this page each quarter.",
               icon=":material/verified:")
else:
    todo = [r for r in results if r["stage"] == following and r["passed"] is not True]
    st.markdown(f"To be evidenced as **{following.title()}**, {len(todo)} "
                f"{'criterion needs' if len(todo) == 1 else 'criteria need'} to be met:")
    st.markdown("\n".join(f"{i}. **{r['label']}** (now {maturity.describe(r)}). {r['action']}"
                          for i, r in enumerate(todo, 1)))
# the evidence window ending where the maturity window ends, with no filters: the page judges the whole organisation
left, first, last = (dashboard.left_on_table(placed["window_end"], {}, dashboard.filters().tz) if placed["window_end"]
                     else (None, None, None))
if left and left["estimate"] and left["extra_low"] > 0:
    st.markdown(
        f"**What it is worth.** The MQLs of {first:%d %b %Y} to {last:%d %b %Y} not worked on time would likely have "
        f"won about {round(left['extra_won']):,} more deals (95% interval {round(left['extra_low']):,} to "
        f"{round(left['extra_high']):,}), about {fmt(left['extra_revenue_eur'], 'money', currency)}: the follow-up criteria "
        "above are where that is won back.")
    st.page_link("pages/evidence.py", label="How this is estimated", icon=":material/science:")


def trajectory_chart(scored):
    """Each round's self-assessed score on the four stages' bands."""
    figure = go.Figure()
    for low, high, stage, colour in ((20, 40, "Undefined", "#F3F3F3"), (40, 60, "Defined", "#E8EFF1"),
                                     (60, 80, "Aligned", "#DCE7EA"), (80, 100, "Integrated", "#CFDFE3")):
        figure.add_hrect(y0=low, y1=high, fillcolor=colour, line_width=0, layer="below",
                         annotation_text=stage, annotation_position="right")
    figure.add_scatter(x=[h["round_id"] for h in scored], y=[h["score"] for h in scored],
                       mode="lines+markers+text", name="Self-assessed score",
                       text=[f"{h['score']:.0f}" for h in scored], textposition="top center",
                       line=dict(color="#333333"))
    first, last = scored[0]["score"], scored[-1]["score"]
    trend = ("rose" if last > first else "fell" if last < first else "held") if len(scored) > 1 else "stands"
    figure.update_layout(
        title=f"The self-assessed score {trend} {'at' if trend in ('stands', 'held') else 'to'} {last:.0f} of 100",
        yaxis=dict(title="Self-assessed score (20-100)", range=[20, 100]), xaxis=dict(title="Round", type="category"),
        height=340, margin=dict(t=40, b=10, r=90), showlegend=False,
    )
    return figure


# --- over time ---------------------------------------------------------------------------------
st.subheader("Over time")
history = maturity.trajectory(dashboard.query)
scored = [h for h in history if h["score"] is not None]
if not history:
    st.info("No self-assessment round yet: once people have answered, each round's score shows here beside "
            "the stage the data evidenced at the time.", icon=":material/timeline:")
else:
    if scored:
        dashboard.cached_chart(trajectory_chart, scored, key="stage_trajectory")
    else:
        st.info("No round has enough answers from both marketing and sales to show a score yet.",
                icon=":material/timeline:")
    rounds = pd.DataFrame([{
        "round": h["round_id"],
        "evidence_to": h["window_end_date"],
        "respondents": h["respondent_count"],
        "score": h["score"],
        "self_assessed": title[h["self_assessed_stage"]],
        "evidenced": title[h["evidenced_stage"]] if h["evidenced_stage"] else "no leads yet",
    } for h in history])
    dashboard.data_table(rounds, "handshake_stage_by_round.csv", label="Each round: self-assessed and evidenced stage",
                         expanded=True, column_config={
                             "round": "Round",
                             "evidence_to": st.column_config.DateColumn("Evidence window ends", format="D MMM YYYY"),
                             "respondents": st.column_config.NumberColumn("Respondents", format="%d"),
                             "score": st.column_config.NumberColumn("Score (20-100)", format="%.0f"),
                             "self_assessed": "Self-assessed stage",
                             "evidenced": f"Evidenced stage ({maturity.window_days()} days to that day)",
                         })
