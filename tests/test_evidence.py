"""The Evidence page's estimates (handshake/evidence.py): by hand on a few rows, and against generated
organisations whose truth is known because the generator was told it (demo knobs)."""

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import APP, DEMO_AS_OF
from streamlit.testing.v1 import AppTest

from handshake import demo, evidence, kpis, queries



def mqls(rows: list[dict]) -> pd.DataFrame:
    """Evidence rows as queries/evidence_mqls.sql returns them, from a few fields; the rest defaulted."""
    defaults = dict(source="web", campaign="none", segment="SMB", score_band="60-79", score_band_order=3,
                    lead_score=70, first_touch_hours=1.0, deadline_hours=24.0, worked="on_time",
                    attempts_to_contact=1, is_contacted=True, is_accepted=False, is_won=False, revenue_eur=0.0)
    frame = pd.DataFrame([dict(defaults, **row) for row in rows])
    frame.insert(0, "lead_id", range(1, len(frame) + 1))
    return frame


def many(n: int, **row) -> list[dict]:
    return [row] * n


def window_mqls(path) -> pd.DataFrame:
    first, last = evidence.window(DEMO_AS_OF.date())
    con = duckdb.connect(str(path), read_only=True)
    try:
        return queries.run(con, "evidence_mqls", kpis.query_params(first, last, {}))
    finally:
        con.close()


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    """Organisations of 20,000 leads with one behaviour set: the effect of delay, or how reps pick leads."""
    folder = tmp_path_factory.mktemp("known")

    def make(name, delay_effect=demo.DEFAULT_DELAY_EFFECT, **knobs):
        return demo.generate(folder / f"{name}.duckdb", as_of=DEMO_AS_OF, delay_effect=delay_effect,
                             knobs=dict(handoff_recorded_share=1.0, **knobs))
    return {"strong_delay": make("strong_delay", delay_effect=0.9), "no_delay": make("no_delay", delay_effect=0.0),
            "picky": make("picky", cherry_pick=3.0), "fair": make("fair", cherry_pick=0.0)}


def test_wilson_interval_by_hand():
    low, high = evidence.wilson(5, 10)
    # p = 0.5, z^2 = 3.8415: centre (0.5 + 3.8415/20) / (1 + 3.8415/10) = 0.5;
    # half = 1.96 x sqrt(0.25/10 + 3.8415/400) / 1.38415 = 1.96 x 0.18602 / 1.38415 = 0.26341
    assert (float(low), float(high)) == pytest.approx((0.5 - 0.26341, 0.5 + 0.26341), abs=1e-4)
    assert np.isnan(evidence.wilson(0, 0)[0])


def test_bands_hold_their_upper_bound():
    hours = pd.Series([0.05, 5 / 60, 0.5, 1.0, 3.9, 24.0, 72.0, 100.0, None])
    assert evidence.band_labels(hours).tolist() == [
        "under 5 min", "under 5 min", "5–60 min", "5–60 min", "1–4 h", "4–24 h", "1–3 days", "over 3 days",
        "never touched"]


def test_attempts_curve_by_hand():
    rows = (many(40, attempts_to_contact=1, is_contacted=True) + many(20, attempts_to_contact=2, is_contacted=True)
            + many(40, attempts_to_contact=2, is_contacted=False))
    curve = evidence.attempts_curve(mqls(rows)).set_index("attempt")
    # attempt 1: 100 leads, 40 reached = 0.4; attempt 2: the 60 with a second attempt, 20 reached = 1/3
    assert curve.loc[1, ["leads_count", "reached_count", "reached_rate"]].tolist() == [100, 40, 0.4]
    assert curve.loc[2, "reached_rate"] == pytest.approx(20 / 60)
    assert curve.loc[2, "cumulative_reached_rate"] == pytest.approx(1 - 0.6 * (40 / 60))  # 0.6
    assert curve.loc[3, "leads_count"] == 0 and pd.isna(curve.loc[3, "reached_rate"])


def test_left_on_table_by_hand():
    rows = (many(30, worked="on_time", is_won=True, revenue_eur=1000.0) + many(90, worked="on_time")
            + many(40, worked="never", first_touch_hours=None, attempts_to_contact=0, is_contacted=False)
            + many(40, worked="late", first_touch_hours=30.0, is_won=True, revenue_eur=500.0)
            + many(20, worked="late", first_touch_hours=30.0))
    left = evidence.left_on_table(mqls(rows))
    # one stratum: on time 30 won of 120 = 0.25; a won on-time lead is worth EUR 1,000 in its segment
    never, late, both = left["never"], left["late"], left["all"]
    assert never["expected_won"] == pytest.approx(40 * 0.25)  # 10, and they won none
    assert never["extra_won"] == pytest.approx(10)
    assert never["extra_revenue_eur"] == pytest.approx(10 * 1000)
    assert late["expected_won"] == pytest.approx(60 * 0.25)  # 15, and they won 40: more than on time
    assert late["extra_won"] == pytest.approx(15 - 40)
    assert both["extra_won"] == pytest.approx(25 - 40)
    assert never["extra_low"] < 10 < never["extra_high"]
    assert never["own_stratum_share"] == 1.0


def test_no_estimate_from_too_few_leads():
    rows = many(20, worked="on_time", is_won=True) + many(40, worked="never", first_touch_hours=None)
    left = evidence.left_on_table(mqls(rows))
    assert left["never"]["estimate"] is None and "only 20 MQLs were worked on time" in left["never"]["reason"]
    assert evidence.what_if(left, 0.3, 0.9) is None


def test_quality_and_execution_by_hand():
    rows = (many(6, source="A", is_won=True) + many(24, source="A")
            + many(1, source="A", worked="late", is_won=True) + many(9, source="A", worked="late")
            + many(12, source="B", is_won=True) + many(28, source="B")
            + many(10, source="B", worked="never", first_touch_hours=None))
    table = evidence.quality_and_execution(mqls(rows), "source").set_index("source")
    # on-time win rates: A 6/30 = 0.2, B 12/40 = 0.3 (the best); win rates: A 7/40, B 12/50
    assert table.loc["B", "is_best"] and not table.loc["A", "is_best"]
    assert table.loc["A", "shortfall_won"] == pytest.approx(40 * (0.3 - 7 / 40))  # 5
    assert table.loc["A", "quality_won"] == pytest.approx(40 * (0.3 - 0.2))  # 4
    assert table.loc["A", "execution_won"] == pytest.approx(40 * (0.2 - 7 / 40))  # 1
    assert table.loc["B", "quality_won"] == pytest.approx(0)
    assert table.loc["B", "execution_won"] == pytest.approx(50 * (0.3 - 0.24))  # 3
    assert table.index.tolist() == ["A", "B"]  # the larger shortfall first


def test_what_if_moves_a_share_of_the_leads_not_on_time():
    left = {"all": dict(estimate=True, mql_count=200, extra_won=20.0, extra_low=10.0, extra_high=30.0,
                        extra_revenue_eur=2000.0, extra_revenue_low=1000.0, extra_revenue_high=3000.0)}
    gain = evidence.what_if(left, 0.6, 0.8)
    # from 60% to 80% on time moves (0.8 - 0.6) / (1 - 0.6) = half of the 200 leads not on time
    assert gain["moved_share"] == pytest.approx(0.5) and gain["moved_count"] == pytest.approx(100)
    assert (gain["extra_won"], gain["extra_low"], gain["extra_high"]) == pytest.approx((10, 5, 15))
    assert evidence.what_if(left, 0.6, 0.5)["extra_won"] == 0


@pytest.mark.parametrize("name, delay_effect", [("default", demo.DEFAULT_DELAY_EFFECT), ("strong_delay", 0.9),
                                                ("no_delay", 0.0)])
def test_the_delay_model_recovers_the_generators_delay_effect(demo_warehouses, known, name, delay_effect):
    path = demo_warehouses["default"] if name == "default" else known[name]
    model = evidence.delay_model(window_mqls(path))
    # the generator: each attempt reaches the lead with logistic(0.3 - delay_effect x ln(1 + hours))
    assert model["slope_low"] <= -delay_effect <= model["slope_high"], model
    assert model["intercept"] == pytest.approx(0.3, abs=0.15)


def test_without_a_delay_effect_the_leads_touched_late_lost_nothing(known):
    late = evidence.left_on_table(window_mqls(known["no_delay"]))["late"]
    assert late["extra_low"] <= 0 <= late["extra_high"], late
    strong = evidence.left_on_table(window_mqls(known["strong_delay"]))["late"]
    assert strong["extra_low"] > 0, strong


def test_when_reps_skip_the_weaker_leads_the_check_says_they_look_worse(known):
    assert evidence.cherry_picking(window_mqls(known["picky"]))["verdict"] == "worse"
    assert evidence.cherry_picking(window_mqls(known["fair"]))["verdict"] == "alike"


def evidence_page(monkeypatch, path, **query):
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(path))
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/evidence.py").run()
    assert not at.exception, at.exception
    return at


def test_the_page_says_so_when_the_leads_nobody_called_look_worse(monkeypatch, known):
    at = evidence_page(monkeypatch, known["picky"])
    assert any("look worse" in w.value for w in at.warning)
    at = evidence_page(monkeypatch, known["fair"])
    assert not any("look" in w.value for w in at.warning), [w.value for w in at.warning]
    assert any("look like the others" in s.value for s in at.success)


def test_the_page_shows_its_estimates_with_intervals(monkeypatch, demo_warehouses):
    left = evidence.left_on_table(window_mqls(demo_warehouses["default"]))["all"]
    at = evidence_page(monkeypatch, demo_warehouses["default"])
    labels = [m.label for m in at.metric]
    assert labels[:2] == ["Wins left on the table", "Revenue left on the table"]
    assert at.metric[0].value == f"{round(left['extra_won']):,}"
    assert any("95% interval" in c.value for c in at.caption)
    at.slider(key="evidence_target").set_value(100).run()
    assert not at.exception
    assert any(m.label == "More wins at 100% on time" for m in at.metric)


def test_a_window_with_too_few_mqls_says_what_to_do(monkeypatch, demo_warehouses):
    at = evidence_page(monkeypatch, demo_warehouses["default"], period=["2025-01-01", "2025-01-31"])
    assert any("too few to estimate" in w.value for w in at.warning)


def test_nothing_to_compare_gives_no_check_rather_than_an_error():
    assert evidence.cherry_picking(mqls(many(40))) is None  # every lead worked on time
    assert evidence.findings(mqls(many(5))) == {"mql_count": 5}
