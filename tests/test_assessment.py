"""The self-assessment: scoring and stages, anonymous atomic submissions, group means and privacy, the pages."""

import threading
from datetime import date

import pytest
from test_app import assert_clean, open_app

from handshake import assessment, queries, warehouse
from handshake.access import Person

ADMIN = Person("Test admin", "admin")
MEMBER = Person("Test member", "member")

IDS = assessment.statement_ids()


def all_rated(rating: int) -> dict:
    return {sid: rating for sid in IDS}


@pytest.fixture
def shared(empty_warehouse):
    """The empty warehouse through the one connection the dashboard's threads share."""
    return warehouse.shared_connection(empty_warehouse)


def run_on(con):
    return lambda name, params: queries.run(con, name, params)


def stored(con) -> tuple[int, int]:
    cur = con.cursor()
    try:
        return (cur.execute("select count(*) from assessment_responses").fetchone()[0],
                cur.execute("select count(*) from assessment_answers").fetchone()[0])
    finally:
        cur.close()


def test_the_questionnaire_has_twenty_statements_each_in_a_known_subscale():
    subscales = {s["id"] for s in assessment.subscales()}
    assert assessment.version() == "2026.1"
    assert len(IDS) == 20 and len(set(IDS)) == 20
    assert all(s["subscale"] in subscales and s["text"] and s["short"] for s in assessment.statements())
    assert subscales == {s["subscale"] for s in assessment.statements()}  # no empty sub-scale


@pytest.mark.parametrize("total, stage", [
    (20, "undefined"), (39, "undefined"), (40, "defined"), (59, "defined"), (59.5, "defined"),
    (60, "aligned"), (79, "aligned"), (80, "integrated"), (100, "integrated"), (None, None),
])
def test_stage_bands_and_their_edges(total, stage):
    assert assessment.stage_for(total) == stage


def test_a_total_outside_20_to_100_is_refused():
    with pytest.raises(ValueError, match="outside"):
        assessment.stage_for(19)


@pytest.mark.parametrize("answers, total, stage", [
    (all_rated(1), 20, "undefined"),  # 20 x 1
    (all_rated(5), 100, "integrated"),  # 20 x 5
    ({sid: 4 if i < 10 else 2 for i, sid in enumerate(IDS)}, 60, "aligned"),  # 10 x 4 + 10 x 2
    ({sid: 2 if i else 1 for i, sid in enumerate(IDS)}, 39, "undefined"),  # 1 + 19 x 2
    ({sid: 3 if i else 2 for i, sid in enumerate(IDS)}, 59, "defined"),  # 2 + 19 x 3
    ({sid: 4 if i else 3 for i, sid in enumerate(IDS)}, 79, "aligned"),  # 3 + 19 x 4
])
def test_score_is_the_sum_of_the_ratings(answers, total, stage):
    assert assessment.score(answers) == total
    assert assessment.stage_for(assessment.score(answers)) == stage


def test_functions_weigh_equally_whatever_their_size(shared, monkeypatch):
    monkeypatch.setenv("HANDSHAKE_MIN_GROUP_SIZE", "1")
    assessment.submit(shared, "2026 Q4", "marketing", "head", all_rated(4), by=MEMBER)  # 80
    for _ in range(9):
        assessment.submit(shared, "2026 Q4", "sales", "staff", all_rated(2), by=MEMBER)  # 40 each
    assessment.submit(shared, "2026 Q4", "other", "staff", all_rated(5), by=MEMBER)  # 100, not in the score
    result = assessment.self_assessed(run_on(shared))
    # (80 + 40) / 2 = 60, not (80 + 9 x 40) / 10 = 44
    assert result["score"] == 60 and result["stage"] == "aligned"
    assert result["round_id"] == "2026 Q4" and result["respondent_count"] == 11
    assert result["by_function"]["marketing"] == {"respondent_count": 1, "mean_total": 80}
    assert result["by_function"]["sales"] == {"respondent_count": 9, "mean_total": 40}
    assert result["by_function"]["other"] == {"respondent_count": 1, "mean_total": 100}


def test_a_function_under_the_privacy_threshold_gives_no_score(shared):
    assessment.submit(shared, "2026 Q4", "marketing", "head", all_rated(4), by=MEMBER)
    for _ in range(3):
        assessment.submit(shared, "2026 Q4", "sales", "staff", all_rated(2), by=MEMBER)
    result = assessment.self_assessed(run_on(shared))
    assert assessment.min_group_size() == 3
    assert result["score"] is None and result["stage"] is None
    assert result["by_function"]["marketing"] == {"respondent_count": 1, "mean_total": None}
    assert result["by_function"]["sales"] == {"respondent_count": 3, "mean_total": 40}


def test_no_round_means_no_score(shared):
    assert assessment.rounds(run_on(shared)) == []
    assert assessment.self_assessed(run_on(shared))["score"] is None
    assert assessment.current_round(shared) is None


def test_a_missing_answer_is_named_and_nothing_is_stored(shared):
    answers = all_rated(3)
    del answers["one_funnel"]
    with pytest.raises(ValueError, match="1 of 20 statements not answered: One funnel, owned together"):
        assessment.submit(shared, "2026 Q4", "sales", "staff", answers, by=MEMBER)
    assert stored(shared) == (0, 0)
    assert assessment.rounds(run_on(shared)) == []


@pytest.mark.parametrize("function, level, answers, message", [
    ("finance", "staff", all_rated(3), "function must be one of"),
    ("sales", "intern", all_rated(3), "level must be one of"),
    ("sales", "staff", dict(all_rated(3), one_funnel=6), "ratings must be 1 to 5"),
])
def test_bad_responses_are_refused(shared, function, level, answers, message):
    with pytest.raises(ValueError, match=message):
        assessment.submit(shared, "2026 Q4", function, level, answers, by=MEMBER)
    assert stored(shared) == (0, 0)


def test_fifty_submissions_at_once_are_all_stored_once(shared):
    before = warehouse.data_version(shared)
    ids, errors = [], []

    def answer(i):
        try:
            ids.append(assessment.submit(shared, "2026 Q4", ("marketing", "sales")[i % 2], "staff",
                                         all_rated(1 + i % 5), by=MEMBER))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(ids)) == 50
    assert stored(shared) == (50, 50 * 20)
    assert warehouse.data_version(shared) == before + 50
    # each response keeps its own ratings: i % 5 gives ten responses of each total 20, 40, 60, 80, 100
    totals = queries.run(shared, "assessment_groups", {"round_id": "2026 Q4", "min_group_size": 3})
    assert totals.loc[totals["grouping"] == "level", "mean_total"].tolist() == [60.0]


def test_rounds_are_kept_and_a_name_is_not_reused(shared):
    first = assessment.open_round(shared, ADMIN, "2026 Q3")
    assessment.submit(shared, first, "sales", "staff", all_rated(3), by=MEMBER)
    assert assessment.open_round(shared, ADMIN, "2026 Q4") == "2026 Q4"
    assert assessment.rounds(run_on(shared)) == ["2026 Q3", "2026 Q4"]
    assert assessment.current_round(shared) == "2026 Q4"
    rows = queries.run(shared, "assessment_rounds")
    assert rows["closed_at"].notna().tolist() == [True, False]
    assert rows["respondent_count"].tolist() == [1, 0]
    with pytest.raises(ValueError, match="already exists"):
        assessment.open_round(shared, ADMIN, "2026 Q3")
    assert assessment.suggested_round(shared, date(2026, 11, 2)) == "2026 Q4 (2)"


def test_gaps_per_statement_and_subscale_carry_their_counts(shared):
    for _ in range(3):
        assessment.submit(shared, "R", "marketing", "staff", all_rated(4), by=MEMBER)
        assessment.submit(shared, "R", "sales", "staff", dict(all_rated(4), sales_gives_feedback=2), by=MEMBER)
    assessment.submit(shared, "R", "marketing", "head", all_rated(5), by=MEMBER)
    params = dict(round_id="R", min_group_size=3, **assessment.questionnaire_params())
    statements = queries.run(shared, "assessment_gaps", dict(params, grain="statement")).set_index("statement_id")
    row = statements.loc["sales_gives_feedback"]
    # marketing (4+4+4+5)/4 = 4.25, sales 2: a gap of 2.25
    assert (row["marketing_count"], row["sales_count"]) == (4, 3)
    assert row["marketing_mean"] == 4.25 and row["sales_mean"] == 2 and row["function_gap"] == 2.25
    # one head only: no heads' mean, no heads-staff gap; the 6 staff average (3x4 + 3x2)/6 = 3
    assert row["head_count"] == 1 and row["head_mean"] != row["head_mean"] and row["level_gap"] != row["level_gap"]
    assert row["staff_mean"] == 3
    subscales = queries.run(shared, "assessment_gaps", dict(params, grain="subscale")).set_index("subscale")
    # feedback has 4 statements; sales rated one of them 2: (4+4+4+2)/4 = 3.5
    assert subscales.loc["feedback", "sales_mean"] == 3.5
    assert subscales.loc["culture", "function_gap"] == 0.25


@pytest.mark.parametrize("profile, low, high", [
    ("undefined", 20, 39), ("defined", 40, 59), ("aligned", 60, 79), ("integrated", 80, 100),
])
def test_demo_rounds_land_in_the_profiles_band_and_improve(demo_warehouses, profile, low, high):
    con = warehouse.open_warehouse(demo_warehouses[profile], create=False)
    try:
        history = assessment.history(run_on(con))
        gaps = queries.run(con, "assessment_gaps", dict(round_id="2026 Q4", grain="subscale", min_group_size=3,
                                                  **assessment.questionnaire_params()))
    finally:
        con.close()
    assert [h["round_id"] for h in history] == ["2026 Q3", "2026 Q4"]
    latest = history[-1]
    assert low <= latest["score"] <= high and latest["stage"] == profile
    assert history[0]["score"] < latest["score"]
    assert latest["by_function"]["marketing"]["respondent_count"] == 6
    assert latest["by_function"]["sales"]["respondent_count"] == 10
    feedback = gaps.set_index("subscale").loc["feedback"]
    assert feedback["sales_mean"] < feedback["marketing_mean"]
    assert (gaps["head_mean"] > gaps["staff_mean"]).mean() > 0.5


def answer_page(at, rating_of):
    at.radio(key="respondent_function").set_value("marketing")
    at.radio(key="respondent_level").set_value("staff")
    for sid in IDS:
        if rating_of(sid) is not None:
            at.radio(key=f"q_{sid}").set_value(rating_of(sid))
    return at.button(key="submit_answers").click().run()


def test_the_questionnaire_page_stores_an_answer_and_shows_the_stage(monkeypatch, empty_warehouse):
    at = open_app(monkeypatch, empty_warehouse, "pages/questionnaire.py")
    assert_clean(at)
    assert any("anonymous" in i.value for i in at.info)
    at = answer_page(at, lambda sid: 4 if sid != "one_funnel" else 3)  # 19 x 4 + 3 = 79
    assert_clean(at)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Your score"] == "79 / 100"
    assert shown["The stage your answers point to"] == "Aligned"
    assert "not a mark of shame" in "\n".join(m.value for m in at.markdown)
    con = warehouse.shared_connection(empty_warehouse)
    assert stored(con) == (1, 20)
    assert queries.run(con, "assessment_rounds")["round_id"].tolist() == [assessment.this_quarter()]


def test_the_questionnaire_names_a_missing_answer_and_stores_nothing(monkeypatch, empty_warehouse):
    at = open_app(monkeypatch, empty_warehouse, "pages/questionnaire.py")
    at = answer_page(at, lambda sid: None if sid in ("one_funnel", "people_move_between") else 2)
    assert not at.exception
    assert "Nothing was stored yet" in at.error[0].value
    assert "3. One funnel, owned together" in at.error[0].value
    assert "19. People move between the teams" in at.error[0].value
    assert not at.metric
    assert stored(warehouse.shared_connection(empty_warehouse)) == (0, 0)


def test_a_group_under_the_privacy_threshold_shows_no_breakdown(monkeypatch, empty_warehouse):
    con = warehouse.shared_connection(empty_warehouse)
    for _ in range(3):
        assessment.submit(con, "2026 Q4", "marketing", "staff", all_rated(4), by=MEMBER)
    for _ in range(2):
        assessment.submit(con, "2026 Q4", "sales", "head", all_rated(2), by=MEMBER)
    at = open_app(monkeypatch, empty_warehouse, "pages/assessment_results.py")
    assert_clean(at)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Marketing"] == "80.0 / 100"
    assert shown["Sales"] == "–" and shown["Self-assessed score"] == "–"
    text = "\n".join(i.value for i in at.info)
    assert "sales (2 answered)" in text and "heads (2 answered)" in text
    heatmap = at.get("plotly_chart")[0].proto.spec
    assert '"too few"' in heatmap and "2.0" not in heatmap  # the two sales heads' ratings never reach the page


def test_results_page_shows_the_demo_rounds_and_flags_gaps(monkeypatch, demo_warehouses):
    at = open_app(monkeypatch, demo_warehouses["aligned"], "pages/assessment_results.py")
    assert_clean(at)
    assert at.selectbox(key="assessment_round").value == "2026 Q4"
    shown = {m.label: m.value for m in at.metric}
    assert shown["Self-assessed stage"] == "Aligned"
    assert "Homburg and Jensen" in "\n".join(c.value for c in at.caption)


def test_a_new_round_is_offered_a_name_not_taken(monkeypatch, demo_warehouses):
    at = open_app(monkeypatch, demo_warehouses["aligned"], "pages/assessment_results.py")
    assert_clean(at)
    taken = set(queries.run(warehouse.shared_connection(demo_warehouses["aligned"]), "assessment_rounds")["round_id"])
    offered = at.text_input(key="new_round_name").value
    assert offered not in taken
    assert offered == assessment.suggested_round(None, taken=taken)  # this quarter's name, numbered if taken
