"""The maturity stage evidenced by the data: criteria on the seed by hand, the stage rule, the demo
profiles, the command line and the page."""

import json
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from handshake import demo, maturity, queries, warehouse
from conftest import APP, TESTS


def placement_of(path):
    con = warehouse.open_warehouse(path)
    try:
        return maturity.placement(lambda name, p: queries.run(con, name, p))
    finally:
        con.close()


@pytest.fixture
def seed_placement(seed_warehouse):
    return placement_of(seed_warehouse)


def by_id(placed):
    return {r["id"]: r for r in placed["criteria"]}


def test_the_window_is_the_180_days_up_to_the_newest_lead(seed_placement):
    # the newest lead (L10) arrived on 31 Mar 2026; 180 days, both ends included
    assert seed_placement["window_end"].isoformat() == "2026-03-31"
    assert seed_placement["window_start"].isoformat() == "2025-10-03"


@pytest.mark.parametrize("criterion,expected", [
    ("written_agreement", 1),  # v2 (MQL threshold 50, SLA 4 h) holds on 31 Mar
    ("handoff_recorded", 9 / 10),  # 10 MQLs in the window (L1-L7, L9, L10, L11); only L3 lacks a hand-off time
    ("sla_compliance", 4 / 8),  # within: L1, L3, L6, L9; breached: L2, L4, L5, L7; L10 pending, L11 no SLA
    ("rejection_reasons", 1 / 2),  # L2 says no_budget, L4 says nothing
    ("sales_at_kickoff", 2 / 3),  # recorded for campaigns 10 (yes), 20 (yes), 30 (no); 40 not recorded
    ("sales_at_postmortem", 1 / 2),  # ended: 10 (yes), 20 (no), 40 (not recorded); 30 runs to May
    ("meeting_actions", 0),  # the seed minutes no meeting
    ("shared_revenue_target", 1),  # v2 agrees 62,000 EUR a month
    ("revenue_traced", 15000 / 18000),  # booked in the window: 10,000 (L1) + 5,000 (L6) + 3,000 with no lead
    ("return_on_spend_known", 4 / 4),  # all four campaigns carry a cost
])
def test_seed_criteria_match_the_hand_computed_values(seed_placement, criterion, expected):
    assert by_id(seed_placement)[criterion]["value"] == pytest.approx(expected)


def test_score_bands_too_small_to_judge_are_not_measurable(seed_placement):
    # no score band holds 30 MQLs on the seed, so whether the score predicts wins cannot be told
    result = by_id(seed_placement)["score_predicts_wins"]
    assert result["value"] is None and result["passed"] is None


def test_seed_is_evidenced_as_defined(seed_placement):
    # both Defined criteria pass (hand-offs exactly 90%); SLA compliance of 50% fails Aligned
    assert seed_placement["evidenced_stage"] == "defined"


def results(**passed_by_stage):
    """Two criteria per stage, each passing as told: results(aligned=[True, False])."""
    made = []
    for stage in maturity.EVIDENCED_STAGES:
        for i, passed in enumerate(passed_by_stage.get(stage, [True, True])):
            made.append(dict(id=f"{stage}_{i}", stage=stage, label=f"{stage.title()} criterion {i}",
                             value=None if passed is None else float(passed), threshold=1, passed=passed,
                             unit="yes_no", comparison=">=", detail=None, why="", action=""))
    return made


@pytest.mark.parametrize("passed,stage", [
    ({}, "integrated"),
    ({"integrated": [True, False]}, "aligned"),
    ({"aligned": [False, True]}, "defined"),
    ({"aligned": [None, True]}, "defined"),  # not measurable counts as not met
    ({"defined": [True, False]}, "undefined"),
    ({"defined": [False, True], "aligned": [True, True]}, "undefined"),  # a stage needs every stage below
    ({s: [None, None] for s in maturity.EVIDENCED_STAGES}, None),  # nothing measurable: no leads
])
def test_evidenced_stage_is_the_highest_stage_met_with_every_one_below(passed, stage):
    assert maturity.evidenced_stage(results(**passed)) == stage


def test_an_empty_warehouse_has_no_evidenced_stage(empty_warehouse):
    placed = placement_of(empty_warehouse)
    assert placed["evidenced_stage"] is None
    assert all(r["passed"] is None for r in placed["criteria"])
    assert "no leads" in placed["explanation"][0]


def test_explain_names_the_failing_criteria_of_the_next_stage():
    found = results(aligned=[False, False])
    found[2]["value"] = 0.5
    sentences = maturity.explain("aligned", "defined", found)
    assert sentences[0].startswith("You rate yourselves Aligned; the data shows Defined because two of two "
                                   "Aligned criteria are not met: aligned criterion 0 (no; needs yes)")


def test_explain_says_when_the_data_agrees_and_what_is_next():
    sentences = maturity.explain("aligned", "aligned", results(integrated=[True, False]))
    assert sentences[0] == "You rate yourselves Aligned and the data agrees."
    assert sentences[1].startswith("To reach Integrated, one of two Integrated criteria is not met")


def test_explain_when_the_data_is_ahead_of_the_rating():
    sentences = maturity.explain("defined", "integrated", results())
    assert sentences[0].startswith("You rate yourselves Defined, but the data shows Integrated")


@pytest.mark.parametrize("profile", demo.PROFILES)
def test_each_demo_profile_is_evidenced_as_its_own_stage(demo_warehouses, profile):
    placed = placement_of(demo_warehouses[profile])
    failing = [(r["id"], r["value"]) for r in placed["criteria"] if not r["passed"]]
    assert placed["evidenced_stage"] == profile, failing


def test_every_criterion_names_a_query_column_and_an_action():
    for c in maturity.criteria():
        assert c["stage"] in maturity.EVIDENCED_STAGES
        assert c["column"] in queries.sql(c["query"]), c["id"]
        assert c["why"] and c["action"] and c["label"]
    assert len({c["id"] for c in maturity.criteria()}) == len(maturity.criteria())


def handshake(*args):
    return subprocess.run([sys.executable, "-m", "handshake", *map(str, args)], cwd=TESTS.parent,
                          capture_output=True, text=True, timeout=300)


def test_stage_command_prints_both_stages_and_every_criterion(seed_warehouse):
    shown = handshake("stage", "--warehouse", seed_warehouse, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert record["evidenced_stage"] == "defined"
    assert record["self_assessed_stage"] is None  # the seed holds no self-assessment
    assert [c["id"] for c in record["criteria"]] == [c["id"] for c in maturity.criteria()]
    handoff = next(c for c in record["criteria"] if c["id"] == "handoff_recorded")
    assert handoff == {**handoff, "stage": "defined", "value": pytest.approx(0.9), "threshold": 0.9, "passed": True}


def test_stage_command_on_an_empty_warehouse_says_null(empty_warehouse):
    record = json.loads(handshake("stage", "--warehouse", empty_warehouse).stdout)
    assert record["evidenced_stage"] is None
    assert all(c["passed"] is None for c in record["criteria"])


def test_stage_command_on_a_missing_file_gives_one_clear_line():
    result = handshake("stage", "--warehouse", "/no/such/file.duckdb")
    assert result.returncode == 1
    assert "no warehouse here" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def open_page(monkeypatch, path, page):
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at.switch_page(page).run()


def test_maturity_page_shows_both_stages_and_the_criteria_on_the_seed(monkeypatch, seed_warehouse):
    at = open_page(monkeypatch, seed_warehouse, "pages/maturity.py")
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["What the data shows (evidenced)"] == "Defined"
    assert metrics["What people say (self-assessed)"] == "not rated yet"
    labels = [e.label for e in at.expander]
    assert any(label.startswith("Not met · At least 80% of MQLs touched within the SLA") for label in labels)
    assert any("Harvard Business Review" in c.value for c in at.caption)
    assert any("may rightly stay at Defined" in i.value for i in at.info)


def test_maturity_page_explains_an_empty_warehouse(monkeypatch, empty_warehouse):
    at = open_page(monkeypatch, empty_warehouse, "pages/maturity.py")
    assert not at.exception, at.exception
    assert "holds no leads yet" in at.info[-1].value


def test_overview_says_where_we_stand(monkeypatch, demo_warehouses):
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(demo_warehouses["aligned"]))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    assert any("**Where we stand**" in m.value and "**Aligned** by the evidence" in m.value for m in at.markdown)
