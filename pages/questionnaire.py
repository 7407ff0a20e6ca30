"""Questionnaire, for everyone in sales and marketing: how well the two work together, answered alone and anonymously."""

import streamlit as st

from handshake import assessment, dashboard, warehouse

st.title("Questionnaire")
dashboard.ensure_app_ran()

RATING_LABELS = {1: "1 Strongly disagree", 2: "2 Disagree", 3: "3 Neither", 4: "4 Agree", 5: "5 Strongly agree"}
FUNCTION_LABELS = {"marketing": "Marketing", "sales": "Sales", "other": "Another function"}
LEVEL_LABELS = {"head": "Head or team lead", "staff": "Staff"}

rounds = assessment.rounds(dashboard.query)
round_id = rounds[-1] if rounds else assessment.this_quarter()
min_size = assessment.min_group_size()

st.caption(
    f"Round **{round_id}** · 20 statements, about five minutes. Answer on your own, for how things "
    "really are today, not how they should be."
)
st.info(
    "**Your answers are anonymous.** We ask only whether you work in marketing, sales or elsewhere and "
    "whether you lead a team; never your name. Results are only shown for groups of at least "
    f"{min_size} people, so nobody's answers can be picked out.",
    icon=":material/lock:",
)


def show_result(result: dict) -> None:
    stage = result["stage"]
    st.success(f"Thank you: your answers are stored in round {result['round_id']}.", icon=":material/check:")
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.metric("Your score", f"{result['score']} / 100", help="The sum of your 20 ratings: 20 to 100.")
    with right, st.container(border=True):
        st.metric("The stage your answers point to", stage.capitalize())
    st.markdown(f"**{stage.capitalize()}** ({assessment.band_text(stage)}): {assessment.STAGE_MEANING[stage]}")
    st.markdown(
        "A lower stage is not a mark of shame. Each stage suits some firms: a small company with a simple "
        "product and a short sale may rightly stay **Defined**, and moving up costs time and money that "
        "only pays where the sale is complex and the teams are large. What matters more is whether "
        "people see the same picture: your answer now joins your colleagues' on *What people say*."
    )
    st.page_link("pages/assessment_results.py", label="See what people say", icon=":material/forum:")
    if st.button("Answer for someone else on this device", key="answer_again"):
        for key in ["assessment_result", "respondent_function", "respondent_level",
                    *(f"q_{sid}" for sid in assessment.statement_ids())]:
            st.session_state.pop(key, None)
        st.rerun()


if "assessment_result" in st.session_state:
    show_result(st.session_state["assessment_result"])
    st.stop()

if dashboard.cannot("answers"):
    st.stop()

numbers = {s["id"]: n for n, s in enumerate(assessment.statements(), start=1)}
with st.form("questionnaire", border=False):
    left, right = st.columns(2)
    with left:
        function = st.radio("I work in", list(FUNCTION_LABELS), format_func=FUNCTION_LABELS.get, index=None,
                            horizontal=True, key="respondent_function")
    with right:
        level = st.radio("I am", list(LEVEL_LABELS), format_func=LEVEL_LABELS.get, index=None,
                         horizontal=True, key="respondent_level")
    st.caption("Rate each statement from 1 (strongly disagree) to 5 (strongly agree).")
    for subscale in assessment.subscales():
        st.subheader(subscale["label"], divider="gray")
        for statement in assessment.statements():
            if statement["subscale"] == subscale["id"]:
                st.radio(f"{numbers[statement['id']]}. {statement['text']}", assessment.RATINGS,
                         format_func=RATING_LABELS.get, index=None, horizontal=True, key=f"q_{statement['id']}")
    submitted = st.form_submit_button("Submit my answers", key="submit_answers", type="primary",
                                      icon=":material/send:")

if submitted:
    answers = {sid: st.session_state.get(f"q_{sid}") for sid in assessment.statement_ids()}
    problems = []
    if function is None:
        problems.append("where you work (marketing, sales or another function)")
    if level is None:
        problems.append("whether you are a head or team lead, or staff")
    unanswered = [s for s in assessment.statements() if answers[s["id"]] is None]
    if unanswered:
        problems.append(
            f"{len(unanswered)} statement{'s' if len(unanswered) > 1 else ''}: "
            + ", ".join(f"{numbers[s['id']]}. {s['short']}" for s in unanswered)
        )
    if problems:
        st.error("Nothing was stored yet. Please answer " + "; and ".join(problems) + ".",
                 icon=":material/error:")
    else:
        con = warehouse.shared_connection(warehouse.configured_path())
        assessment.submit(con, round_id, function, level, answers, by=dashboard.person())
        total = assessment.score(answers)
        st.session_state["assessment_result"] = {
            "round_id": round_id, "score": total, "stage": assessment.stage_for(total),
        }
        st.rerun()
