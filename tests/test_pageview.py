"""Less work per page view: the profiler of one view (handshake/profile.py), figures built once for every viewer of
the same data (dashboard.cached_chart), the warehouse's settings read once a run. No timings are asserted: only
that the parts of a view add up to it, and what is shared, reused or read again."""

import json
import pickle
import sys
from datetime import date

import plotly.graph_objects as go
import pytest
from test_app import assert_clean, open_app

from handshake import dashboard, profile, warehouse

# ---- the profiler

def test_a_profile_splits_each_page_view_into_parts_that_add_up_to_it(seed_warehouse):
    summary = profile.profile(seed_warehouse, ["overview", "glossary"], runs=2)
    assert list(summary) == ["overview", "glossary"]
    for page, measured in summary.items():
        assert measured["views"] == 2
        parts = measured["parts_ms"]
        assert list(parts) == list(profile.PARTS)
        assert sum(parts.values()) == pytest.approx(measured["total_ms"])  # every millisecond in one part
        assert all(ms >= 0 for ms in parts.values()), parts
        assert measured["server_cpu_ms"] is None or measured["server_cpu_ms"] > 0
        assert all(place.split(":")[0] in profile.PARTS for place in measured["places_ms"])
    assert summary["overview"]["parts_ms"]["queries"] > 0  # the Overview asks for its numbers
    assert summary["glossary"]["parts_ms"]["figures"] == 0  # the Glossary draws no chart
    table = profile.table(summary)
    assert "overview: 2 warm views" in table and "glossary: 2 warm views" in table


def test_the_profile_command_prints_a_table_per_page_and_writes_json(seed_warehouse, tmp_path, capsys):
    profile.main(["--warehouse", str(seed_warehouse), "--page", "questionnaire", "--runs", "1",
                  "--json", str(tmp_path / "profile.json")])
    printed = capsys.readouterr().out
    assert printed.startswith("questionnaire: 1 warm views")
    for label in profile.PARTS.values():
        assert label in printed
    assert json.loads((tmp_path / "profile.json").read_text())["questionnaire"]["views"] == 1


def in_file(path: str, name: str):
    """A function `name` compiled as if it were in `path`, returning the part its own stack is classified as."""
    space = {"profile": profile, "sys": sys}
    exec(compile(f"def {name}(inner=None):\n    return inner() if inner else profile.classify(sys._getframe())\n",
                 path, "exec"), space)
    return space[name]


def test_a_stack_counts_for_the_outermost_part_it_reaches():
    root = profile.ROOT
    page = in_file(str(root / "pages" / "overview.py"), "mql_chart")
    query = in_file(str(root / "handshake" / "dashboard.py"), "query")
    plotly = in_file("/venv/site-packages/plotly/basedatatypes.py", "add_trace")
    elements = in_file("/venv/site-packages/streamlit/elements/plotly_chart.py", "plotly_chart")
    assert page() == "page"
    assert page(query) == "queries"
    assert page(plotly) == "figures"
    assert page(lambda: elements(plotly)) == "elements"  # a figure turned to JSON by st.plotly_chart: marshalling
    assert page(lambda: query(plotly)) == "queries"
    # no code of the project's on the stack: Streamlit's own work before the script
    assert profile.classify(sys._getframe(), root="/no/such/project") == "streamlit"


# ---- figures built once for every viewer of the same data

def months_chart(frame, label: str):
    figure = go.Figure()
    figure.add_bar(x=frame["period_start"], y=frame["mql_count"], name=label)
    figure.update_layout(title=f"{label}: {int(frame['mql_count'].sum())} MQLs")
    return figure


SHOWN_AS = "MQLs delivered"  # a page's variable: a builder that reads it is refused


def reads_a_page_variable(frame):
    return months_chart(frame, SHOWN_AS)


def calls_a_helper_that_does(frame):
    return reads_a_page_variable(frame)


def test_a_builder_that_reads_a_page_variable_is_refused():
    dashboard._check_pure(months_chart)  # its arguments, modules and functions only
    for build in (reads_a_page_variable, calls_a_helper_that_does):
        with pytest.raises(TypeError, match="reads SHOWN_AS, which is not one of its arguments"):
            dashboard._check_pure(build)


def test_the_same_rows_give_one_key_wherever_they_came_from_and_other_rows_another(seed_warehouse):
    from handshake import queries
    rows = queries.run(warehouse.shared_connection(seed_warehouse), "kpi_mql_cohort",
                       dashboard.kpis.query_params(date(2026, 1, 1), date(2026, 3, 31), {}, "month", "UTC"))
    cached = pickle.loads(pickle.dumps(rows))  # as the query cache hands it back: laid out anew by pandas
    assert dashboard._content_key(months_chart, (rows, "MQLs")) == dashboard._content_key(months_chart, (cached, "MQLs"))
    fewer = cached.assign(mql_count=cached["mql_count"] - (cached.index == 0))  # one MQL less in the first month
    assert dashboard._content_key(months_chart, (fewer, "MQLs")) != dashboard._content_key(months_chart, (rows, "MQLs"))
    assert dashboard._content_key(months_chart, (rows, "Leads")) != dashboard._content_key(months_chart, (rows, "MQLs"))
    assert dashboard._content_key(months_chart, (rows, lambda: "MQLs")) is None  # no content to know it by


def charts_of(at) -> dict[str, str]:
    return {chart.proto.id: chart.proto.spec for chart in at.get("plotly_chart")}


def test_two_sessions_on_the_same_data_share_one_figure_and_new_data_builds_another(monkeypatch, seed_warehouse):
    dashboard._shared.clear()
    built, drawn = [], []
    finish, draw = dashboard._finish, dashboard._draw
    monkeypatch.setattr(dashboard, "_finish", lambda figure: built.append(figure) or finish(figure))
    monkeypatch.setattr(dashboard, "_draw", lambda figure, *rest: drawn.append(figure) or draw(figure, *rest))
    period = ["2026-01-01", "2026-03-31"]
    first = open_app(monkeypatch, seed_warehouse, "pages/overview.py", period=period)
    assert_clean(first)
    assert len(built) == 2  # the Overview's two charts, MQLs and revenue by month, each built once
    first_drawn = drawn[-2:]
    second = open_app(monkeypatch, seed_warehouse, "pages/overview.py", period=period)
    assert len(built) == 2  # another session on the same data: nothing built again
    assert all(a is b for a, b in zip(drawn[-2:], first_drawn))  # the very figures, not copies
    assert charts_of(second) == charts_of(first)

    con = warehouse.shared_connection(seed_warehouse)  # one more MQL in the period, as an import would add it
    with warehouse.transaction(con, dashboard.access.LOCAL, "import") as cur:
        cur.execute("""insert into leads select * replace (lead_id + 1000 as lead_id) from leads
                       where lead_id = (select min(lead_id) from leads where mql_at >= '2026-01-01'
                                        and mql_at < '2026-04-01')""")
        warehouse.refresh_lead_facts(cur)
    third = open_app(monkeypatch, seed_warehouse, "pages/overview.py", period=period)
    assert_clean(third)
    assert len(built) == 3  # the MQL chart built again; no revenue changed, so that figure is still shared
    assert drawn[-1] is first_drawn[1] and drawn[-2] is not first_drawn[0]
    assert charts_of(third) != charts_of(first)


# ---- the warehouse's settings, once a run

def test_the_settings_are_kept_until_written_and_read_again_after_the_warehouse_page_changes_them(monkeypatch,
                                                                                                seed_warehouse):
    reads = []
    meta = warehouse.meta
    monkeypatch.setattr(warehouse, "meta", lambda con: reads.append(1) or meta(con))
    at = open_app(monkeypatch, seed_warehouse, "pages/overview.py")
    assert len(reads) == 1  # the first run read them once, though every amount on the page asks for the currency
    reads.clear()
    at.run()
    assert_clean(at)
    assert len(reads) == 0  # nothing was written since: kept (served, each read is a round trip to the owner)
    at.switch_page("pages/warehouse.py").run()
    reads.clear()
    at.selectbox(key="currency").set_value("GBP")
    at.button(key="save_currency").click().run()
    assert at.success[0].value == "Amounts are now shown in GBP, on every page."
    at.switch_page("pages/overview.py").run()
    assert_clean(at)
    assert len(reads) == 1  # the write changed them: read again, once
    assert any(m.value.startswith("£") for m in at.metric)  # the next run reads the new currency
