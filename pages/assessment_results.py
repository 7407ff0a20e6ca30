"""What people say, for leadership and both teams: the self-assessed stage and where marketing, sales, heads and staff see it differently."""

import plotly.graph_objects as go
import streamlit as st

from handshake import access, assessment, dashboard, kpis, warehouse
from handshake.dashboard import MARKETING_COLOUR, NEUTRAL_COLOUR, SALES_COLOUR

st.title("What people say")
dashboard.ensure_app_ran()
st.caption(
    "The self-assessment: everyone in sales and marketing rates 20 statements about how the two teams work "
    "together, from 1 (strongly disagree) to 5 (strongly agree). A person's total runs from 20 to 100."
)

min_size = assessment.min_group_size()


def new_round_form() -> None:
    with st.expander("Start a new round", icon=":material/add_circle:"):
        if dashboard.cannot("rounds"):
            return
        st.caption("A round collects one set of answers, usually one a quarter. Earlier rounds are closed "
                   "and kept, so you can see the trend.")
        con = warehouse.shared_connection(warehouse.configured_path())
        name = st.text_input("Name of the new round", value=assessment.suggested_round(
            con, taken=set(dashboard.query("assessment_rounds", {})["round_id"])), key="new_round_name")
        if st.button("Open the round", key="open_round", icon=":material/add:"):
            try:
                st.session_state["opened_round"] = assessment.open_round(con, dashboard.person(), name)
            except (ValueError, access.Refused) as e:
                st.error(str(e))
            else:
                st.rerun()
    if "opened_round" in st.session_state:
        st.success(f"Round {st.session_state.pop('opened_round')} is open: new answers now go into it.",
                   icon=":material/check:")


rounds = assessment.rounds(dashboard.query)
if not rounds:
    st.info("Nobody has answered the questionnaire yet. Ask both teams to fill it in: each answer is "
            "anonymous and takes about five minutes.", icon=":material/inbox:")
    st.page_link("pages/questionnaire.py", label="Open the questionnaire", icon=":material/checklist:")
    new_round_form()
    st.stop()

round_id = st.selectbox("Round", list(reversed(rounds)), key="assessment_round",
                        help="The most recent round comes first.")
result = assessment.self_assessed(dashboard.query, round_id)
by_function = result["by_function"]

if result["respondent_count"] == 0:
    st.info(f"Nobody has answered in round {round_id} yet.", icon=":material/inbox:")
    st.page_link("pages/questionnaire.py", label="Open the questionnaire", icon=":material/checklist:")
    new_round_form()
    st.stop()


def group_note(function: str) -> str:
    n = by_function[function]["respondent_count"]
    people = f"{n} {'person' if n == 1 else 'people'}"
    if by_function[function]["mean_total"] is None and n:
        return f"{people}; too few to show (fewer than {min_size})"
    return people


def out_of_100(value) -> str:
    return "–" if value is None else f"{value:.1f} / 100"


cards = [
    ("Self-assessed score", out_of_100(result["score"]),
     "Marketing and sales weighted equally"),
    ("Self-assessed stage", result["stage"].capitalize() if result["stage"] else "–",
     assessment.band_text(result["stage"]) if result["stage"] else "Needs enough people in both teams"),
    ("Marketing", out_of_100(by_function["marketing"]["mean_total"]), group_note("marketing")),
    ("Sales", out_of_100(by_function["sales"]["mean_total"]), group_note("sales")),
]
for column, (label, value, note) in zip(dashboard.grid(len(cards), 4), cards):
    with column, st.container(border=True):
        st.metric(label, value)
        st.caption(note)

other = by_function["other"]["respondent_count"]
notes = [f"{result['respondent_count']} people answered in round {round_id}."]
if other:
    notes.append(f"{other} from {'another function' if other == 1 else 'other functions'}: counted here, but not "
                 "in the organisation's score or the breakdowns below. The score is the mean of the marketing and "
                 "the sales means, so a large sales team does not drown out a small marketing team.")
st.caption(" ".join(notes))
if result["stage"]:
    st.markdown(f"**{result['stage'].capitalize()}**: {assessment.STAGE_MEANING[result['stage']]}")
else:
    st.info(f"No score for the organisation yet: it needs at least {min_size} answers from marketing and "
            f"{min_size} from sales, so that no one's answers can be read from a mean.", icon=":material/lock:")

history = [h for h in assessment.history(dashboard.query) if h["respondent_count"]]


def history_chart(history):
    """Each round's mean total, marketing's, sales' and the organisation's, on the stages' bands."""
    figure = go.Figure()
    for key, label, colour in (("marketing", "Marketing", MARKETING_COLOUR), ("sales", "Sales", SALES_COLOUR)):
        figure.add_scatter(x=[h["round_id"] for h in history],
                           y=[h["by_function"][key]["mean_total"] for h in history], name=label,
                           mode="lines+markers", line=dict(color=colour),
                           hovertemplate=label + " %{x}: %{y:.1f} of 100<extra></extra>")
    figure.add_scatter(x=[h["round_id"] for h in history], y=[h["score"] for h in history],
                       name="Organisation", mode="lines+markers", line=dict(color="#333333", width=3),
                       hovertemplate="Organisation %{x}: %{y:.1f} of 100<extra></extra>")
    for i, (name, low, high, _) in enumerate(assessment.STAGES):
        figure.add_hrect(y0=low, y1=min(high + 1, 100), line_width=0, fillcolor=NEUTRAL_COLOUR,
                         opacity=0.08 if i % 2 == 0 else 0.02, annotation_text=name.capitalize(),
                         annotation_position="inside top left", annotation_font_color=NEUTRAL_COLOUR)
    first, last = history[0]["score"], history[-1]["score"]
    moved = ("" if first is None or last is None else
             f": from {first:.0f} to {last:.0f}" if round(first) != round(last) else f": steady at {last:.0f}")
    figure.update_layout(title=f"The self-assessed score over {len(history)} rounds{moved}",
                         yaxis=dict(title="Mean total (20-100)", range=[20, 100]), xaxis_title=None,
                         xaxis_type="category", legend=dict(orientation="h", y=-0.15), height=320)
    return figure


if len(history) > 1:
    dashboard.cached_chart(history_chart, history, key="score_history")

st.subheader("Where people see it differently")
st.markdown(
    f"Mean rating, 1 to 5, per group. A gap of {assessment.GAP_WORTH_FLAGGING:.0f} point or more between "
    "marketing and sales, or between heads and staff, is flagged: the authors of the diagnostic found the "
    "difference in how two groups see the same relationship informative in itself. Heads and staff here are "
    "those of marketing and sales."
)
st.caption(
    "Some differences are healthy: sales rightly looks at this quarter and marketing further ahead, and "
    "sales speaks for the customer while marketing speaks for the product (Homburg and Jensen, 2007). "
    "A gap is a question to talk about, not always a defect."
)

params = dict(round_id=round_id, min_group_size=min_size, **assessment.questionnaire_params())
subscale_gaps = dashboard.query("assessment_gaps", dict(params, grain="subscale"))
statement_gaps = dashboard.query("assessment_gaps", dict(params, grain="statement"))
first_row = statement_gaps.iloc[0]
GROUPS = (("marketing", "Marketing"), ("sales", "Sales"), ("head", "Heads"), ("staff", "Staff"))
counts = {g: int(first_row[f"{g}_count"]) for g, _ in GROUPS}
hidden = [f"{label.lower()} ({counts[g]} answered)" for g, label in GROUPS if counts[g] < min_size]
if hidden:
    st.info(f"No breakdown for {', '.join(hidden)}: a group needs at least {min_size} people before its "
            "answers are shown, so nobody's answers can be read from a mean.", icon=":material/lock:")


def gap_flags(frame, labels) -> list[str]:
    flagged = []
    for row, label in zip(frame.to_dict("records"), labels):
        for gap, high, low in (("function_gap", "Marketing", "Sales"), ("level_gap", "Heads", "Staff")):
            value = row[gap]
            if kpis.clean(value) is not None and abs(value) >= assessment.GAP_WORTH_FLAGGING:
                more, less = (high, low) if value > 0 else (low, high)
                flagged.append(f"**{label}**: {more} rate it {abs(value):.1f} points higher than {less.lower()}")
    return flagged


def heatmap(frame, labels, key: str, title: str, height: int) -> None:
    columns = [f"{label} ({counts[g]})" for g, label in GROUPS]
    z, text = [], []
    for row in frame.to_dict("records"):
        values = [row[f"{g}_mean"] for g, _ in GROUPS]
        values = [kpis.clean(v) for v in values]
        z.append(values)
        text.append(["too few" if v is None else f"{v:.1f}" for v in values])
    figure = go.Figure(go.Heatmap(
        z=z, x=columns, y=labels, text=text, texttemplate="%{text}", zmin=1, zmax=5, zmid=3,
        colorscale="RdBu", colorbar=dict(title="Mean (1-5)"), xgap=2, ygap=2,
        hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
    ))
    figure.update_layout(title=title, height=height, yaxis=dict(autorange="reversed"), xaxis=dict(side="top"),
                         margin=dict(l=10, r=10, b=10))
    dashboard.chart(figure, key=key)


subscale_labels = [assessment.subscale_label(s) for s in subscale_gaps["subscale"]]
statement_labels = {s["id"]: f"{n}. {s['short']}" for n, s in enumerate(assessment.statements(), start=1)}
statement_texts = {s["id"]: s["text"] for s in assessment.statements()}
labels = [statement_labels[s] for s in statement_gaps["statement_id"]]
flags = gap_flags(statement_gaps, labels)
flagged_rows = {label for label in labels if any(f.startswith(f"**{label}**") for f in flags)}
marked = [f"◆ {label}" if label in flagged_rows else label for label in labels]


def lowest(frame, names) -> str:
    means = frame[["marketing_mean", "sales_mean"]].mean(axis=1, skipna=True)
    if means.isna().all():
        return "by sub-scale"
    return f"{names[int(means.idxmin())]} is rated lowest"


heatmap(subscale_gaps, subscale_labels, "subscale_heatmap",
        f"By sub-scale: {lowest(subscale_gaps, subscale_labels)}", 330)
heatmap(statement_gaps, marked, "statement_heatmap",
        f"By statement: {len(flags)} gap{'' if len(flags) == 1 else 's'} of a point or more "
        f"({len(flagged_rows)} statement{'' if len(flagged_rows) == 1 else 's'} marked ◆)", 720)
if flags:
    st.markdown("**Gaps of a point or more**\n\n" + "\n".join(f"- {f}" for f in flags))
else:
    st.caption("No gap of a whole point or more between the groups that can be shown.")

table = statement_gaps.assign(
    subscale=[assessment.subscale_label(s) for s in statement_gaps["subscale"]],
    statement=[statement_texts[s] for s in statement_gaps["statement_id"]],
)[["subscale", "statement", "marketing_mean", "sales_mean", "function_gap", "head_mean", "staff_mean",
   "level_gap", "marketing_count", "sales_count", "head_count", "staff_count"]]
number = st.column_config.NumberColumn
dashboard.data_table(table, f"what_people_say_{round_id.replace(' ', '_')}.csv", column_config={
    "subscale": "Sub-scale", "statement": st.column_config.TextColumn("Statement", width="large"),
    "marketing_mean": number("Marketing", format="%.1f"), "sales_mean": number("Sales", format="%.1f"),
    "function_gap": number("Marketing − sales", format="%+.1f"),
    "head_mean": number("Heads", format="%.1f"), "staff_mean": number("Staff", format="%.1f"),
    "level_gap": number("Heads − staff", format="%+.1f"),
    "marketing_count": "Marketing answers", "sales_count": "Sales answers",
    "head_count": "Heads' answers", "staff_count": "Staff answers",
}, label="The numbers behind the heatmaps")

new_round_form()
