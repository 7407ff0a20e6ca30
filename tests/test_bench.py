"""The benchmark's verdicts on the issue's targets: a figure over its limit is never reported as met."""

from handshake import bench
from handshake import load as load_module


def timing(seconds):
    return {"median_s": seconds, "min_s": seconds, "max_s": seconds, "runs": 5}


def size(leads, overview_s, peak_mb=900, evidence_s=1.5):
    pages = {"pages/overview.py": {"queries": 18, "miss": timing(overview_s), "cached": timing(0.05)},
             "pages/glossary.py": {"queries": 1, "miss": timing(0.002), "cached": timing(0.001)},
             # grows with the leads by design: left out of the growth target, which it would fail here (10x)
             "pages/evidence.py": {"queries": 4, "miss": timing(0.02 * leads / 1e6), "cached": timing(0.01)}}
    return {"leads": leads, "follow_ups": 3 * leads, "filter": {"region": "DACH"}, "pages": pages,
            "pages_filtered": pages, "write": timing(2.0),
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
    assert "## Targets" in bench.markdown(dict(result, ran_at="now", machine="2 cores", runs=5, peak_rss_mb=1))


def test_a_slow_page_fails_the_time_target():
    found = verdicts({"pages": {"10000000": size(10_000_000, 0.6)}})
    assert found["slowest page on a cache miss, 10,000,000 leads (≤ 0.5 s)"] == "**not met**"


def test_slow_evidence_computations_fail_their_own_target():
    found = verdicts({"pages": {"1000000": size(1_000_000, 0.1, evidence_s=2.5)}})
    assert found["the Evidence page's computations, 1,000,000 leads (≤ 2 s)"] == "**not met**"
    assert found["slowest page on a cache miss, 1,000,000 leads (≤ 0.5 s)"] == "met"


# ---- the load section, against a real server

def test_the_load_section_measures_a_real_server_on_the_seed(seed_warehouse, tmp_path):
    """One reading session for a few seconds on `streamlit run app.py` over the seed warehouse: the figures have
    their shape, pages were drawn and none failed. Times are never asserted: the machine decides them."""
    load = bench.load_benchmark(sizes=("seed",), readers=(1,), writers=(0,), seconds=3, think=(0.5, 1), capacity=2,
                                alone_rounds=1, warehouses={"seed": seed_warehouse}, work=tmp_path / "load",
                                progress=lambda line: None)
    measured = load["sizes"]["seed"]
    assert measured["leads"] == 11  # tests/seed.sql's eleven leads
    one = measured["setups"]["one process"]
    assert one["alone"]["page_views"] == 12 and one["alone"]["errors"] == 0  # every page once, after a round unseen
    assert set(one["alone"]["per_page"]) == {page or "overview" for page in load_module.READ_PAGES}
    (row,) = one["rows"]
    assert (row["readers"], row["writers"], row["errors"]) == (1, 0, 0)
    assert row["page_views"] > 0 and row["error_samples"] == []
    assert row["median_view_s"] <= row["p95_view_s"] <= row["slowest_view_s"]
    assert "writes" not in row  # nobody wrote
    assert one["capacity"]["readers"] == 2 and one["capacity"]["page_views"] > 0
    assert one["capacity"]["errors"] == 0
    text = "\n".join(bench.load_markdown(load))
    assert "| 1 | 0 | one process |" in text and "| 2, no pause | 0 | one process |" in text
    assert not list((tmp_path / "load").glob("*.duckdb"))  # each setup's copy of the warehouse removed after
