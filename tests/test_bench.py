"""The benchmark's verdicts on the issue's targets (a figure over its limit is never reported as met), and its load
section against a real server."""

from datetime import datetime

from handshake import access, actions, assessment, bench, demo, warehouse
from handshake import load as load_module


def timing(seconds):
    return {"median_s": seconds, "min_s": seconds, "max_s": seconds, "runs": 5}


def size(leads, overview_s, peak_mb=900, evidence_s=1.5, write_s=2.0):
    pages = {"pages/overview.py": {"queries": 18, "miss": timing(overview_s), "cached": timing(0.05)},
             "pages/glossary.py": {"queries": 1, "miss": timing(0.002), "cached": timing(0.001)},
             # grows with the leads by design: left out of the growth target, which it would fail here (10x)
             "pages/evidence.py": {"queries": 4, "miss": timing(0.02 * leads / 1e6), "cached": timing(0.01)}}
    return {"leads": leads, "follow_ups": 3 * leads, "filter": {"region": "DACH"}, "pages": pages,
            "pages_filtered": pages, "write": timing(write_s),
            "evidence": {"mqls": leads // 5, "query": timing(evidence_s / 2), "estimates": timing(evidence_s / 2),
                         "total": timing(evidence_s)},
            "kpis_vs_pandas": {"period": ["2026-08-05", "2026-11-02"], "speed_ratio": 12.0, "memory_ratio": 0.3,
                               "handshake": {"compute": timing(0.1), "peak_rss_mb": 300},
                               "pandas": {"compute": timing(1.2), "load_s": 30.0, "peak_rss_mb": 1000}},
            "app_process": {"first_page_s": 2.0, "peak_rss_after_every_page_mb": peak_mb}}


def verdicts(result):
    return {line.split(" | ")[0].strip("| "): line.rstrip(" |").rsplit("| ", 1)[-1]
            for line in bench.targets(result) if line.startswith("| ") and "target" not in line}


def test_each_target_is_judged_from_the_largest_size():
    result = {"default_demo_app": {"first_page_s": 1.5},
              "pages": {"1000000": size(1_000_000, 0.1), "10000000": size(10_000_000, 0.45, peak_mb=1600)}}
    found = verdicts(result)
    assert found["slowest page on a cache miss, 10,000,000 leads (≤ 0.5 s)"] == "met"  # 0.45 s
    assert found["faster than pandas on the headline KPIs (≥ 10x)"] == "met"  # 12x
    assert found["peak memory against pandas' (≤ 25%)"] == "**not met**"  # 30%
    assert found["page time from 1,000,000 to 10,000,000 leads, the Evidence page aside (≤ 3x)"] == "**not met**"  # 4.5x
    assert found["the Evidence page's computations, 1,000,000 leads (≤ 2 s)"] == "met"  # 1.5 s
    assert found["app process after every page, 10,000,000 leads (≤ 1,536 MB)"] == "**not met**"  # 1,600 MB
    assert found["a new app process's first page, default demo (≤ 5 s)"] == "met"  # 1.5 s
    # 2 s for 1,000 leads at one million is over its 0.5 s (ten million's 2 s is within its own)
    assert found[WRITE] == "**not met**"
    assert "## Targets" in bench.markdown(dict(result, ran_at="now", machine="2 cores", runs=5, peak_rss_mb=1))


def test_a_slow_page_fails_the_time_target():
    found = verdicts({"pages": {"10000000": size(10_000_000, 0.6)}})
    assert found["slowest page on a cache miss, 10,000,000 leads (≤ 0.5 s)"] == "**not met**"


def test_slow_evidence_computations_fail_their_own_target():
    found = verdicts({"pages": {"1000000": size(1_000_000, 0.1, evidence_s=2.5)}})
    assert found["the Evidence page's computations, 1,000,000 leads (≤ 2 s)"] == "**not met**"
    assert found["slowest page on a cache miss, 1,000,000 leads (≤ 0.5 s)"] == "met"


WRITE = "1,000 changed leads written: ≤ 0.5 s at 1,000,000 leads, ≤ 2 s at 10,000,000 leads"


def test_the_write_target_is_judged_at_each_size_it_names():
    def write_verdict(**written_s):
        sizes = {str(leads): size(leads, 0.1, write_s=written_s[f"at_{leads}"])
                 for leads in (1_000_000, 10_000_000) if f"at_{leads}" in written_s}
        (row,) = [line for line in bench.targets({"pages": sizes}) if WRITE in line]
        return row.split(" | ")[1], verdicts({"pages": sizes})[WRITE]

    assert write_verdict(at_1000000=0.5, at_10000000=2.0) == ("0.50 s at 1,000,000, 2.00 s at 10,000,000", "met")
    assert write_verdict(at_1000000=0.4, at_10000000=2.1)[1] == "**not met**"  # 2.1 s > 2 s at ten million
    assert write_verdict(at_1000000=0.6, at_10000000=1.0)[1] == "**not met**"  # 0.6 s > 0.5 s at one million
    # one size alone cannot meet a target that names two; over its limit it fails all the same
    assert write_verdict(at_1000000=0.4) == ("0.40 s at 1,000,000, 10,000,000 not measured", "not measured")
    assert write_verdict(at_10000000=2.5)[1] == "**not met**"


def test_a_write_section_measured_alone_is_judged_before_an_older_pages_run_and_shown():
    pages = {str(n): size(n, 0.1, write_s=9.0) for n in (1_000_000, 10_000_000)}  # an earlier, slower run
    write = {str(n): dict(timing(s), leads=n, cpu_median_s=s * 1.5, whole=dict(timing(4 * s), cpu_median_s=6 * s))
             for n, s in ((1_000_000, 0.3), (10_000_000, 1.0))}
    result = {"ran_at": "2026-12-07 05:00", "runs": 3, "machine": "2 cores", "peak_rss_mb": 500,
              "pages": pages, "write": write}
    assert verdicts(result)[WRITE] == "met"  # 0.3 s ≤ 0.5 s and 1.0 s ≤ 2 s: the section, not the pages' 9 s
    text = bench.markdown(result)
    assert "| 1,000,000 | 300 (300–300) | 450 | 1,200 (1,200–1,200) | 1,800 |" in text  # 0.3 s, 1.5 × 0.3 s, ...
    assert "| 10,000,000 | 1,000 (1,000–1,000) | 1,500 | 4,000 (4,000–4,000) | 6,000 |" in text


# ---- the load section, against a real server

def test_the_load_section_measures_each_setup_of_a_real_server_on_a_small_demo(tmp_path):
    """One reading session for a few seconds on each setup (`streamlit run app.py`, and `python -m handshake
    serve`) over a demo of 1,000 leads up to today (the meeting lists an action agreed today), alone and beside
    two writing sessions (one answering the questionnaire, one adding and closing actions, as a browser tab sends
    them): the figures have their shape, pages were drawn, none failed, and every write confirmed is stored once.
    Times are never asserted: the machine decides them."""
    small = demo.generate(tmp_path / "small.duckdb", leads=1000)
    load = bench.load_benchmark(sizes=("seed",), readers=(1,), writers=(0, 2), seconds=3, think=(0.5, 1), capacity=2,
                                alone_rounds=1, warehouses={"seed": small}, work=tmp_path / "load",
                                progress=lambda line: None)
    measured = load["sizes"]["seed"]
    assert measured["leads"] == 1000
    assert list(measured["setups"]) == ["one process", "served, 2 workers"] and load["notes"] == []
    for setup in measured["setups"].values():
        assert setup["alone"]["page_views"] == 12 and setup["alone"]["errors"] == 0  # every page once, unhurried
        assert set(setup["alone"]["per_page"]) == {page or "overview" for page in load_module.READ_PAGES}
        row, written = setup["rows"]
        assert (row["readers"], row["writers"], row["errors"]) == (1, 0, 0)
        assert row["page_views"] > 0 and row["error_samples"] == []
        assert row["median_view_s"] <= row["p95_view_s"] <= row["slowest_view_s"]
        assert "writes" not in row and row["median_write_s"] is None  # nobody wrote
        assert (written["readers"], written["writers"], written["errors"]) == (1, 2, 0), written["error_samples"]
        # each writer's first round: answers (1), or an action added (1) and closed (1)
        w = written["writes"]
        assert w["confirmed"] >= 3 and w["stored"] == w["confirmed"] + w["unconfirmed"]
        assert (w["lost"], w["doubled"]) == (0, 0)
        assert 0 < written["median_write_s"] <= written["slowest_write_s"]
        assert setup["capacity"]["readers"] == 2 and setup["capacity"]["page_views"] > 0
        assert setup["capacity"]["errors"] == 0
    text = "\n".join(bench.load_markdown(load))
    for label in measured["setups"]:
        assert f"| 1 | 0 | {label} |" in text and f"| 2, no pause | 0 | {label} |" in text
        assert f"| 1 | 2 | {label} |" in text
    assert not list((tmp_path / "load").glob("*.duckdb"))  # each setup's copy of the warehouse removed after


def test_stored_writes_finds_each_confirmed_write_once_and_counts_a_lost_or_doubled_one(seed_warehouse):
    by, at = access.Person("load writer", "admin"), datetime(2026, 11, 2, 12)
    since = load_module.utc_now()
    con = warehouse.open_warehouse(seed_warehouse)
    try:
        assessment.submit(con, "2026 Q4", "sales", "staff", {i: 3 for i in assessment.statement_ids()}, by)
        kept = actions.create(con, "Load test action r1w1 1.0", "Writer 1", None, None, by, at)
        actions.update(con, kept, {"status": "open"}, {"status": "done"}, by, at)
        for _ in range(2):  # the same write stored twice
            actions.create(con, "Load test action r1w1 3.0", "Writer 3", None, None, by, at)
        actions.create(con, "Load test action r9w9 1.0", "Writer 1", None, None, by, at)  # another load's
    finally:
        con.close()
    confirmed = [{"kind": "answers"}, {"kind": "answers"},  # the second never reached the file
                 {"kind": "action", "title": "Load test action r1w1 1.0"},
                 {"kind": "closed", "title": "Load test action r1w1 1.0"},
                 {"kind": "action", "title": "Load test action r1w1 3.0"}]
    found = load_module.stored_writes(seed_warehouse, confirmed, "r1w1 ", since.isoformat(),
                                      load_module.utc_now().isoformat())
    assert found == {"confirmed": 5,
                     "stored": 1 + 3 + 1,  # 1 response, 3 action rows (one title twice), 1 close
                     "lost": 2 - 1,  # 2 answers confirmed, 1 stored
                     "doubled": 2 - 1,  # action 3.0's second row
                     "unconfirmed": 0}


def load_row(readers, writers, median, p95, errors=0, lost=0, views_per_s=1.0, slowest=None):
    row = {"readers": readers, "writers": writers, "median_view_s": median, "p95_view_s": p95,
           "slowest_view_s": slowest or p95, "slowest_page": "funnel", "errors": errors, "views_per_s": views_per_s,
           "page_views": 100}
    if writers:
        row["writes"] = {"confirmed": 20, "stored": 20 - lost, "lost": lost, "doubled": 0, "unconfirmed": 0}
    return row


def load_setup(median, p95, capacity, alone_slowest, lost=0):
    return {"rows": [load_row(50, 0, median / 2, p95 / 2), load_row(50, 5, median, p95, lost=lost)],
            "capacity": load_row(10, 0, 1.0, 2.0, views_per_s=capacity),
            "alone": dict(load_row(1, 0, 0.3, alone_slowest), per_page={"funnel": {"views": 2, "median_s": 0.3,
                                                                                    "slowest_s": alone_slowest}})}


def test_each_load_target_is_judged_per_setup_and_an_earlier_checkout_is_not_judged():
    load = {"seconds": 30, "think_s": [5, 15], "capacity_sessions": 10, "workers": 2, "notes": [],
            "sizes": {"default": {"leads": 20_000, "setups": {
                          "before (90d8568)": load_setup(30.0, 60.0, 2.0, 2.5),
                          "one process": load_setup(0.9, 3.5, 5.0, 0.8),
                          "served, 2 workers": load_setup(0.5, 2.0, 9.0, 1.2, lost=1)}},
                      "1000000": {"leads": 1_000_000, "setups": {
                          "one process": load_setup(1.4, 4.4, 3.0, 0.9)}}}}
    found = {line.split(" | ")[0].strip("| "): line.rstrip(" |").rsplit("| ", 1)[-1]
             for line in bench.load_targets(load) if line.startswith("| ") and "target" not in line}
    busiest = "50 reading and 5 writing, {}, {}: median ≤ {} s, p95 ≤ {} s, 0 errors, no write lost or doubled"
    assert found[busiest.format("default demo", "one process", 1, 3)] == "**not met**"  # p95 3.5 s
    assert found[busiest.format("default demo", "served, 2 workers", 1, 3)] == "**not met**"  # a write lost
    assert found[busiest.format("1,000,000 leads", "one process", 1.5, 4.5)] == "met"  # 1.4 s, 4.4 s
    assert found["page views per second, 10 sessions without a pause, default demo, one process (≥ 8)"] == "**not met**"
    assert found["page views per second, 10 sessions without a pause, default demo, served, 2 workers (≥ 8)"] == "met"
    assert found["served against one process, page views per second (≥ 1.6x)"] == "met"  # 9 / 5 = 1.8x
    assert found["one session alone, default demo, one process: every page drawn in ≤ 1 s"] == "met"  # 0.8 s
    assert found["one session alone, default demo, served, 2 workers: every page drawn in ≤ 1 s"] == "**not met**"
    assert not [what for what in found if "before" in what]
    text = "\n".join(bench.load_markdown(load))
    assert "| 50 | 5 | before (90d8568) | 1 | 30.00 | 60.00 | 60.00 (funnel) | 0 | 20 / 20 |" in text
    assert "| 50 | 5 | served, 2 workers | 1 | 0.50 | 2.00 | 2.00 (funnel) | 0 | 20 / 19, **1 lost** |" in text


def test_the_billion_lead_extrapolation_leaves_out_what_every_build_pays():
    from handshake import bench_spark

    def spark(build_s, unchanged_s):
        return {"spark_build_s": build_s, "spark_unchanged_s": unchanged_s, "lake_mb": 2500}

    # a fixed 100 s a build plus 10 s a million leads: 110 s at 1M, 200 s at 10M
    x = bench_spark.extrapolation({"1000000": spark(110, 20), "10000000": spark(200, 38)})
    assert x["core_s_per_million"] == (200 - 110) * 2 / 9  # 20.0 core-seconds: local[2] keeps two cores busy
    assert x["fixed_s"] == 200 - 10 * 10  # 100 s
    assert x["compare_core_s_per_million"] == (38 - 20) * 2 / 9  # 4.0
    assert x["whole_core_hours"] == round(20 * 1000 / 3600, 1)  # 5.6 core-hours for a thousand millions
    assert x["cores_for_whole_build"] == round(20 * 1000 / 3600 / 1.0 / 0.5)  # one hour at half efficiency: 11
    assert x["lake_gb"] == round(2500 / 1024 * 100)  # 10M leads in 2,500 MB: a billion in 244 GB
    # one size: its whole cost over its leads, the fixed part included
    alone = bench_spark.extrapolation({"1000000": spark(110, 20)})
    assert alone["core_s_per_million"] == 110 * 2 / 1 and alone["against_leads"] == 0
