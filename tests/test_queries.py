"""queries.run_many and dashboard.query_many: queries run at once give exactly what each gives alone."""

from datetime import date

import duckdb
import pandas as pd
import pytest
import streamlit as st
from conftest import DEMO_AS_OF

from handshake import bench, dashboard, kpis, queries, warehouse

PERIOD = kpis.query_params(date(2026, 8, 5), date(2026, 11, 1), {"now": DEMO_AS_OF})
CALLS = [
    ("follow_up_summary", dict(PERIOD, grain="all")),
    ("kpi_mql_cohort", PERIOD),
    ("accountability_list", dict(PERIOD, limit=50)),
    ("first_touch_buckets", PERIOD),
    ("kpi_mql_cohort", dict(PERIOD, region="DACH")),
    ("data_range", {}),
]


def test_queries_at_once_give_each_querys_rows_in_the_order_asked(demo_warehouses):
    con = duckdb.connect(str(demo_warehouses["default"]), read_only=True)
    try:
        alone = [queries.run(con, name, params) for name, params in CALLS]
        together = queries.run_many(con, CALLS)
    finally:
        con.close()
    assert len(together) == len(CALLS)
    for (name, _), a, b in zip(CALLS, alone, together):
        pd.testing.assert_frame_equal(a, b, obj=name)
    # not all alike, or the order would not be tested
    assert together[1]["mql_count"].iloc[0] > together[4]["mql_count"].iloc[0] > 0


def test_a_failing_query_among_many_raises_its_error(demo_warehouses):
    con = duckdb.connect(str(demo_warehouses["default"]), read_only=True)
    try:
        with pytest.raises(KeyError, match="needs parameters"):
            queries.run_many(con, [CALLS[1], ("kpi_mql_cohort", {"start": date(2026, 8, 5)})])
    finally:
        con.close()


def test_the_dashboard_caches_each_query_asked_for_together(demo_warehouses, monkeypatch):
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(demo_warehouses["default"]))
    ran = []
    original = queries.run
    monkeypatch.setattr(queries, "run", lambda con, name, params=None: ran.append(name) or original(con, name, params))
    try:
        first = dashboard.query_many(CALLS)
        assert sorted(ran) == sorted(name for name, _ in CALLS)  # every one ran, once
        ran.clear()
        again = dashboard.query_many(CALLS)
        alone = dashboard.query(*CALLS[2])
        assert ran == []  # all from the cache, the one asked for alone too
        for a, b in zip(first, again):
            pd.testing.assert_frame_equal(a, b)
        pd.testing.assert_frame_equal(alone, first[2])
    finally:
        dashboard.clear_caches()
        warehouse.close_shared()


def test_a_benchmark_step_names_the_queries_run_together():
    steps = [("data_range", {}), [("kpi_mql_cohort", {}), ("rejection_summary", {"start": 1}),
                                   ("rejection_summary", {"start": 2})]]
    assert [bench.step_name(s) for s in steps] == ["data_range", "at once: kpi_mql_cohort, rejection_summary x2"]
    assert bench.query_count(steps) == 4
