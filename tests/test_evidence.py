"""The Evidence page's estimates (handshake/evidence.py): by hand on a few rows, and against generated
organisations whose truth is known because the generator was told it (demo knobs)."""

import json
import re
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import APP, DEMO_AS_OF
from streamlit.testing.v1 import AppTest

from handshake import demo, evidence, kpis, queries


def strata(rows: list[dict]) -> pd.DataFrame:
    """Rows as queries/evidence_strata.sql returns them, from a few fields; the rest defaulted."""
    defaults = dict(source="web", campaign="none", segment="SMB", score_band="60-79", worked="on_time",
                    mql_count=1, won_count=0, won_revenue_eur=0.0, won_with_revenue_count=0, scored_count=0,
                    score_sum=0.0, score_square_sum=0.0)
    return pd.DataFrame([dict(defaults, **row) for row in rows])


def attempts(rows: list[tuple]) -> pd.DataFrame:
    """'attempts' rows of queries/evidence_contact.sql: (attempts to contact, reached, leads[, accepted, won])."""
    return pd.DataFrame([dict(kind="attempts", attempts_to_contact=r[0], is_contacted=r[1], mql_count=r[2],
                              accepted_count=r[3] if len(r) > 3 else 0, won_count=r[4] if len(r) > 4 else 0,
                              attempt_count=r[0] * r[2]) for r in rows])


def window_counts(path) -> tuple[pd.DataFrame, pd.DataFrame]:
    first, last = evidence.window(DEMO_AS_OF.date())
    params = kpis.query_params(first, last, {})
    con = duckdb.connect(str(path), read_only=True)
    try:
        return tuple(queries.run_many(con, [("evidence_strata", params), ("evidence_contact", params)]))
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


def test_bands_hold_their_upper_bound(run_query):
    bands = run_query("evidence_contact", **kpis.query_params(date(2026, 3, 1), date(2026, 3, 31), {}))
    bands = bands[bands["kind"] == "band"]
    # March's MQLs, hours from assignment to first touch: L6 3, L1 exactly 4 (in 1–4 h), L7 6, L3 8, L2 and
    # L5 48; L4 and L10 never touched
    assert bands["band"].tolist() == ["under 5 min", "5–60 min", "1–4 h", "4–24 h", "1–3 days", "over 3 days",
                                      "never touched"]
    assert bands["mql_count"].tolist() == [0, 0, 2, 2, 2, 0, 2]


def test_attempts_curve_by_hand():
    curve = evidence.attempts_curve(attempts([(1, True, 40, 20, 8), (2, True, 20, 10, 2), (2, False, 40)])).set_index(
        "attempt")
    # attempt 1: 100 leads, 40 reached = 0.4; attempt 2: the 60 with a second attempt, 20 reached = 1/3
    assert curve.loc[1, ["leads_count", "reached_count", "reached_rate"]].tolist() == [100, 40, 0.4]
    assert curve.loc[2, "reached_rate"] == pytest.approx(20 / 60)
    assert curve.loc[2, "cumulative_reached_rate"] == pytest.approx(1 - 0.6 * (40 / 60))  # 0.6
    assert curve.loc[3, "leads_count"] == 0 and pd.isna(curve.loc[3, "reached_rate"])
    # worked with one attempt: the 40 reached at it, 20 accepted and 8 won; with two: 20 + 40 = 60, 10 and 2
    assert (curve.loc[1, "worked_count"], curve.loc[1, "accepted_rate"], curve.loc[1, "won_rate"]) == (40, 0.5, 0.2)
    assert curve.loc[2, "accepted_rate"] == pytest.approx(10 / 60) and curve.loc[2, "won_rate"] == pytest.approx(2 / 60)


def test_left_on_table_by_hand():
    rows = [dict(worked="on_time", mql_count=120, won_count=30, won_revenue_eur=30_000.0, won_with_revenue_count=30),
            dict(worked="never", mql_count=40), dict(worked="late", mql_count=60, won_count=40)]
    left = evidence.left_on_table(strata(rows))
    # one stratum: on time 30 won of 120 = 0.25; a won on-time lead is worth 30,000 / 30 = EUR 1,000
    never, late, both = left["never"], left["late"], left["all"]
    assert never["expected_won"] == pytest.approx(40 * 0.25)  # 10, and they won none
    assert never["extra_won"] == pytest.approx(10)
    assert never["extra_revenue_eur"] == pytest.approx(10 * 1000)
    assert late["expected_won"] == pytest.approx(60 * 0.25)  # 15, and they won 40: more than on time
    assert late["extra_won"] == pytest.approx(15 - 40)
    assert late["extra_revenue_eur"] == pytest.approx((15 - 40) * 1000)
    assert both["extra_won"] == pytest.approx(25 - 40)
    assert never["extra_low"] < 10 < never["extra_high"]
    assert never["own_stratum_share"] == 1.0


def test_a_thin_stratum_borrows_a_coarser_ones_rate():
    rows = [dict(campaign="big", worked="on_time", mql_count=40, won_count=10),
            dict(campaign="thin", worked="on_time", mql_count=5, won_count=5),
            dict(campaign="thin", worked="never", mql_count=40)]
    never = evidence.left_on_table(strata(rows))["never"]
    # 'thin' has 5 on-time leads (< 10): its leads get the source's rate over both campaigns, 15 / 45
    assert never["expected_won"] == pytest.approx(40 * 15 / 45)
    assert never["own_stratum_share"] == 0


def test_no_estimate_from_too_few_leads():
    left = evidence.left_on_table(strata([dict(mql_count=20, won_count=20), dict(worked="never", mql_count=40)]))
    assert left["never"]["estimate"] is None and "only 20 MQLs were worked on time" in left["never"]["reason"]
    assert evidence.what_if(left, 0.3, 0.9) is None


def test_quality_and_execution_by_hand():
    rows = [dict(source="A", mql_count=30, won_count=6), dict(source="A", worked="late", mql_count=10, won_count=1),
            dict(source="B", mql_count=40, won_count=12), dict(source="B", worked="never", mql_count=10)]
    table = evidence.quality_and_execution(strata(rows), "source").set_index("source")
    # on-time win rates: A 6/30 = 0.2, B 12/40 = 0.3 (the best); win rates: A 7/40, B 12/50
    assert table.loc["B", "is_best"] and not table.loc["A", "is_best"]
    assert table.loc["A", "shortfall_won"] == pytest.approx(40 * (0.3 - 7 / 40))  # 5
    assert table.loc["A", "quality_won"] == pytest.approx(40 * (0.3 - 0.2))  # 4
    assert table.loc["A", "execution_won"] == pytest.approx(40 * (0.2 - 7 / 40))  # 1
    assert table.loc["B", "quality_won"] == pytest.approx(0)
    assert table.loc["B", "execution_won"] == pytest.approx(50 * (0.3 - 0.24))  # 3
    assert table.index.tolist() == ["A", "B"]  # the larger shortfall first


def test_cherry_picking_by_hand():
    # one stratum; never touched scores 50, 52, 54 ... (30 leads), touched 60, 62 ... (30 leads):
    # means 79 and 89, gap -10; each variance = 2^2 x var(0..29) = 4 x 77.5 = 310
    never, touched = [50 + 2 * i for i in range(30)], [60 + 2 * i for i in range(30)]
    rows = [dict(worked="never", mql_count=30, scored_count=30, score_sum=sum(never),
                 score_square_sum=sum(v * v for v in never)),
            dict(worked="on_time", mql_count=30, scored_count=30, score_sum=sum(touched),
                 score_square_sum=sum(v * v for v in touched))]
    check = evidence.cherry_picking(strata(rows))
    assert check["score_gap"] == pytest.approx(-10)
    half = 1.959964 * (310 / 30 + 310 / 30) ** 0.5  # 8.91
    assert (check["low"], check["high"]) == pytest.approx((-10 - half, -10 + half))
    assert check["verdict"] == "worse"


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
    model = evidence.delay_model(window_counts(path)[1])
    # the generator: each attempt reaches the lead with logistic(0.3 - delay_effect x ln(1 + hours))
    assert model["slope_low"] <= -delay_effect <= model["slope_high"], model
    assert model["intercept"] == pytest.approx(0.3, abs=0.15)


def test_without_a_delay_effect_the_leads_touched_late_lost_nothing(known):
    late = evidence.left_on_table(window_counts(known["no_delay"])[0])["late"]
    assert late["extra_low"] <= 0 <= late["extra_high"], late
    strong = evidence.left_on_table(window_counts(known["strong_delay"])[0])["late"]
    assert strong["extra_low"] > 0, strong


def test_when_reps_skip_the_weaker_leads_the_check_says_they_look_worse(known):
    assert evidence.cherry_picking(window_counts(known["picky"])[0])["verdict"] == "worse"
    assert evidence.cherry_picking(window_counts(known["fair"])[0])["verdict"] == "alike"


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
    assert any("No clear difference between the leads nobody called and the others" in s.value for s in at.success)


def test_the_page_shows_its_estimates_with_intervals(monkeypatch, demo_warehouses):
    left = evidence.left_on_table(window_counts(demo_warehouses["default"])[0])["all"]
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
    assert evidence.cherry_picking(strata([dict(mql_count=40, scored_count=40)])) is None  # all worked on time
    assert evidence.findings(strata([dict(mql_count=5)]), attempts([])) == {"mql_count": 5}


def test_the_overview_and_the_roadmap_show_the_evidence_pages_estimate(monkeypatch, demo_warehouses):
    evidence_page_at = evidence_page(monkeypatch, demo_warehouses["default"])
    wins = evidence_page_at.metric[0].value  # "Wins left on the table"
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(demo_warehouses["default"]))
    overview = AppTest.from_file(APP, default_timeout=120).run()
    assert not overview.exception
    line = next(m.value for m in overview.markdown if m.value.startswith("**The leads nobody called**"))
    assert f"about {wins} more deals" in line
    maturity = AppTest.from_file(APP, default_timeout=120).run()
    maturity.switch_page("pages/maturity.py").run()
    assert not maturity.exception
    assert any(m.value.startswith("**What it is worth.**") for m in maturity.markdown)


def test_without_follow_ups_the_page_says_what_to_import(monkeypatch, seed_warehouse):
    con = duckdb.connect(str(seed_warehouse))
    con.execute("delete from follow_ups")
    con.close()
    at = evidence_page(monkeypatch, seed_warehouse)
    assert any("No follow-ups imported" in i.value and "Import data page" in i.value for i in at.info)
    assert not at.metric


# --- issue 20: one check of the untouched, no verdict from too few, windows named, findings before method ------

def scores(worked: str, values: list[int]) -> dict:
    return dict(worked=worked, mql_count=len(values), scored_count=len(values), score_sum=sum(values),
                score_square_sum=sum(v * v for v in values))


def test_the_window_is_named_by_its_days():
    first, last = evidence.window(date(2026, 12, 6))
    # 6 Dec 2026 - 120 days = 8 Aug 2026; 364 days before that, 9 Aug 2025: 365 days in all
    assert (first, last) == (date(2025, 8, 9), date(2026, 8, 8))
    assert evidence.window_words(first, last) == "9 Aug 2025 to 8 Aug 2026 (settled)"
    assert evidence.span(date(2026, 1, 1), date(2026, 6, 30)) == "1 Jan to 30 Jun 2026"  # one year, said once


def test_no_verdict_on_the_untouched_from_too_few_of_them():
    # 29 never touched against 30 touched: one short of the 30 an estimate needs
    check = evidence.cherry_picking(strata([scores("never", [50 + i for i in range(29)]),
                                            scores("on_time", [60 + i for i in range(30)])]))
    assert (check["verdict"], check["compared_count"], check["touched_count"]) == (None, 29, 30)
    headline, basis = evidence.untouched_finding(check, "March")
    assert headline == "Too few never-touched MQLs beside touched ones like them to judge (29; at least 30 needed)"
    assert "29 never-touched and 30 touched MQLs of March" in basis
    assert not any(word in headline + basis for word in ("worse", "better", "No clear difference"))


def test_the_untouched_finding_in_words_by_hand():
    never, touched = [50 + 2 * i for i in range(30)], [60 + 2 * i for i in range(30)]
    check = evidence.cherry_picking(strata([scores("never", never), scores("on_time", touched)]))
    headline, basis = evidence.untouched_finding(check, "1 Jan to 30 Jun 2026")
    # gap 79 - 89 = -10; half-width 1.96 x sqrt(310 / 30 + 310 / 30) = 8.91: -18.9 to -1.1, below zero
    assert headline == "The leads nobody called look worse: they scored 10.0 points lower than the touched ones"
    assert basis.startswith("30 never-touched MQLs of 1 Jan to 30 Jun 2026, compared with the touched MQLs of the "
                            "same source, segment and score band")
    assert basis.endswith("Score gap -10.0 points (95% interval -18.9 to -1.1).")


def test_the_page_says_what_it_found_before_how(monkeypatch, demo_warehouses):
    at = evidence_page(monkeypatch, demo_warehouses["default"])
    method = "\n".join(m.value for e in at.expander for m in e.markdown)
    findings = "\n".join(m.value for m in at.markdown if m.value not in method)
    assert "logistic regression" in method and "ln(1 + hours)" in method
    assert "logistic" not in findings and "ln(1" not in findings
    assert "**The longer the first touch waits, the fewer leads each attempt reaches.**" in findings
    published = at.table[0].value
    # only like measures side by side: the 100x (reached at all, by minutes) is named apart, not in the table
    assert not published["Published"].str.contains("100x").any()
    assert not published["Ours"].str.contains("per attempt").any()
    assert any("Not set beside ours" in c.value and "100x" in c.value for c in at.caption)


def test_the_page_names_its_window_at_each_number_and_writes_codes_as_words(monkeypatch, demo_warehouses):
    at = evidence_page(monkeypatch, demo_warehouses["default"])
    first, last = evidence.window(DEMO_AS_OF.date())  # the demo's period ends on its newest lead, 2 Nov 2026
    named = f"MQLs of {evidence.window_words(first, last)}"
    # 2 Nov 2026 - 120 days: 2 back to 31 Oct, 31 to 30 Sep, 30 to 31 Aug, 31 to 31 Jul, 26 more to 5 Jul 2026;
    # 364 days before it, 6 Jul 2025
    assert named == "MQLs of 6 Jul 2025 to 5 Jul 2026 (settled)"
    captions = [c.value for c in at.caption]
    assert sum(c.startswith(named) for c in captions) >= 2  # wins and revenue left on the table
    assert any(f"Worked on time, {named}: " in c for c in captions)  # the what-if's starting share
    text = "\n".join([m.value for m in at.markdown] + captions + [w.value for w in at.warning])
    assert not re.search(r"\d\.\d\d+%", text) and "paid_search" not in text and "paid_social" not in text
    at.segmented_control(key="evidence_by").set_value("campaign").run()
    assert not at.exception
    split = json.loads(at.get("plotly_chart")[0].proto.spec)
    labels = split["data"][0]["y"]
    assert labels and not any(label.isdigit() for label in labels)  # campaigns by name, not by id


def test_no_shortfall_verdict_from_too_few_wins():
    rows = [dict(source="A", mql_count=100, won_count=5), dict(source="A", worked="late", mql_count=50),
            dict(source="B", mql_count=100, won_count=30)]
    table = evidence.quality_and_execution(strata(rows), "source").assign(name=lambda t: t["source"])
    best, other = table[table["is_best"]].iloc[0], table[~table["is_best"]].iloc[0]
    # B wins 30 of 100 on time (70 not won); A only 5 of 150 in all: too few to say it falls short
    assert evidence.shortfall_finding(best, other, "source") == (
        "Which source falls furthest short: too few wins among the MQLs of A to judge (5; at least 10 needed)")
    rows[0]["won_count"] = 15
    table = evidence.quality_and_execution(strata(rows), "source").assign(name=lambda t: t["source"])
    best, other = table[table["is_best"]].iloc[0], table[~table["is_best"]].iloc[0]
    # A: 150 x (0.3 - 15 / 150) = 30 short; quality 150 x (0.3 - 0.15) = 22.5, shown 22; follow-up the rest, 8
    assert evidence.shortfall_finding(best, other, "source") == (
        "A falls 30 wins short of the on-time rate of B: 22 from lead quality, 8 from follow-up")
