"""The benchmark's Spark section (python -m handshake bench --spark-sizes 1000000,10000000): at each size, the demo
exported as a lake, the derived tables (lead_facts and every rollup) built whole on DuckDB and on Spark local[2]
side by side, a Spark build that finds nothing changed (what every build pays to compare the base tables' days),
and every page's query set on a cache miss read from the lake (copied, and through views) against the same from
the DuckDB file. From the per-lead cost measured (extrapolation), the work of a billion leads and the cluster it
needs."""

import os
import shutil
import statistics
import time

import duckdb

from handshake import bench, lake, warehouse

# what the extrapolation assumes of a cluster against this machine's local[2]: the share of its cores' time a
# cluster turns into work (shuffles over the network, stragglers), and the time a nightly whole build may take
CLUSTER_EFFICIENCY = 0.5
WHOLE_BUILD_HOURS = 1.0


def duckdb_build(path, runs: int) -> dict:
    """lead_facts and every rollup rebuilt whole on DuckDB, in a transaction rolled back (the file is unchanged)."""
    con = warehouse.open_warehouse(path)
    times = []
    try:
        for _ in range(runs):
            con.execute("begin")
            started = time.perf_counter()
            warehouse.refresh_lead_facts(con)
            times.append(time.perf_counter() - started)
            con.execute("rollback")
    finally:
        con.close()
    return bench.spread(times)


def page_misses(con, recorded: dict, runs: int) -> dict[str, float]:
    """Each page's recorded query set on a cache miss (run as a rerun runs it), the median of runs, in seconds."""
    medians = {}
    for page, steps in recorded.items():
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            for step in steps:
                bench.run_step(con, step)
            times.append(time.perf_counter() - started)
        medians[page.removeprefix("pages/").removesuffix(".py")] = round(statistics.median(times), 4)
    return medians


def views_misses(folder, recorded: dict, runs: int) -> dict[str, float]:
    """page_misses on the lake read as a billion-lead lake is (lake.COPY_ROWS): the rollups copied, lead_facts and
    the base tables above the largest rollup read through views over their files."""
    rows = lake.read_manifest(folder)["tables"]
    before = os.environ.get("HANDSHAKE_LAKE_COPY_ROWS")
    os.environ["HANDSHAKE_LAKE_COPY_ROWS"] = str(max(rows[t]["rows"] for t in warehouse.ROLLUPS))
    try:
        con = lake.open_lake(folder)
        try:
            return page_misses(con, recorded, runs)
        finally:
            con.close()
    finally:
        if before is None:
            os.environ.pop("HANDSHAKE_LAKE_COPY_ROWS")
        else:
            os.environ["HANDSHAKE_LAKE_COPY_ROWS"] = before


def spark_benchmark(sizes, runs: int, progress=print) -> dict:
    from handshake import spark_lake

    measured = {}
    for leads in sizes:
        path = bench.demo_warehouse(leads, progress)
        folder = bench.BENCH_DIR / f"lake_{leads}"
        shutil.rmtree(folder, ignore_errors=True)
        con = warehouse.open_warehouse(path)
        started = time.perf_counter()
        manifest = lake.export(con, folder)
        exported = time.perf_counter() - started
        con.close()
        progress(f"{leads:,} leads: exported as a lake in {exported:.1f} s")
        on_duckdb = duckdb_build(path, min(runs, 3))
        progress(f"{leads:,} leads: derived tables built on DuckDB in {on_duckdb['median_s']:.1f} s")
        built = spark_lake.build(folder, whole=True, progress=progress)["build"]
        progress(f"{leads:,} leads: built on Spark local[2] in {built['seconds']:.1f} s")
        unchanged = time.perf_counter()
        spark_lake.build(folder, progress=progress)
        unchanged = time.perf_counter() - unchanged
        recorded = bench.record_pages(path)
        file_con = duckdb.connect(str(path), read_only=True)
        on_file = page_misses(file_con, recorded, runs)
        file_con.close()
        lake_con = lake.open_lake(folder)
        on_lake = page_misses(lake_con, recorded, runs)
        lake_con.close()
        on_views = views_misses(folder, recorded, runs)
        measured[str(leads)] = {
            "leads": leads, "rows": {t: manifest["tables"][t]["rows"] for t in ("leads", "follow_ups", "opportunities")},
            "export_s": round(exported, 2), "duckdb_build": on_duckdb,
            "spark_build_s": built["seconds"], "spark_tables_s": built["tables"],
            "spark_unchanged_s": round(unchanged, 2),
            "pages_miss_file_s": on_file, "pages_miss_lake_s": on_lake, "pages_miss_views_s": on_views,
            "lake_mb": round(sum(f.stat().st_size for f in folder.rglob("*.parquet")) / 2**20, 1)}
    return measured


def extrapolation(section: dict) -> dict:
    """A billion leads from what was measured: Spark's work grows with the rows (each table is scanned, shuffled and
    written once), on top of what every build pays whatever its size (the JVM's start, a few jobs a table, a file a
    day). With two sizes or more, the cost of a lead is the difference between the two largest builds over the
    difference in leads, which leaves that fixed part out; with one, its whole cost over its leads (an upper
    bound). Core-seconds: local[2] keeps two cores busy."""
    ordered = sorted(section.items(), key=lambda item: int(item[0]))
    size, r = ordered[-1]
    small, s = ordered[-2] if len(ordered) > 1 else ("0", {"spark_build_s": 0, "spark_unchanged_s": 0})
    millions = (int(size) - int(small)) / 1e6
    per_million = (r["spark_build_s"] - s["spark_build_s"]) * 2 / millions
    check = (r["spark_unchanged_s"] - s["spark_unchanged_s"]) * 2 / millions
    core_hours = per_million * 1000 / 3600
    cores = core_hours / WHOLE_BUILD_HOURS / CLUSTER_EFFICIENCY
    return {"from_leads": int(size), "against_leads": int(small), "core_s_per_million": round(per_million, 1),
            "fixed_s": round(r["spark_build_s"] - per_million / 2 * int(size) / 1e6, 1),
            "compare_core_s_per_million": round(check, 1), "whole_core_hours": round(core_hours, 1),
            "cores_for_whole_build": round(cores), "lake_gb": round(r["lake_mb"] / 1024 * 1e9 / int(size), 0)}


def markdown(section: dict) -> list[str]:
    lines = ["## Spark", "", "Each demo exported as a lake (`export --lake`), then its derived tables (lead_facts and "
             "the eight rollups) built whole on DuckDB (in one transaction, rolled back) and on Spark `local[2]` "
             "(`build --engine spark --lake`, whole); then a Spark build that finds no day changed (it compares "
             "every day of the base tables with the last build's). Seconds.", "",
             "| leads | export to a lake | build on DuckDB | build on Spark local[2] | Spark/DuckDB | Spark build, "
             "nothing changed | lake size |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for size, r in section.items():
        d = r["duckdb_build"]["median_s"]
        lines.append(f"| {int(size):,} | {r['export_s']:.1f} | {d:.1f} | {r['spark_build_s']:.1f} | "
                     f"{r['spark_build_s'] / d:.0f}x | {r['spark_unchanged_s']:.1f} | {r['lake_mb']:,.0f} MB |")
    lines += ["", "Spark's time by table, seconds: " + "; ".join(
        f"{int(size):,} leads: " + ", ".join(f"{t} {s:.1f}" for t, s in r["spark_tables_s"].items())
        for size, r in section.items()) + ".", "",
        "Every page's query set on a cache miss, median seconds: on the warehouse file; on the lake as read up to "
        f"{lake.COPY_ROWS:,} rows a table (its tables copied into the lake's app.duckdb when the manifest changes: "
        "docs/lake.md); and on the lake as a billion-lead lake is read (the rollups copied, lead_facts and the base "
        "tables through views over their day files):", "",
        "| page | " + " | ".join(f"{int(s):,}: file | lake, copies | lake, views" for s in section) + " |",
        "|---|" + "---:|---:|---:|" * len(section)]
    pages = next(iter(section.values()))["pages_miss_file_s"]
    for page in pages:
        lines.append(f"| {page} | " + " | ".join(
            f"{r['pages_miss_file_s'][page]:.2f} | {r['pages_miss_lake_s'][page]:.2f} | "
            f"{r['pages_miss_views_s'][page]:.2f}" for r in section.values()) + " |")
    x = extrapolation(section)
    measured = (f"from the builds of {x['against_leads']:,} and {x['from_leads']:,} leads (their difference; a "
                f"build also pays about {x['fixed_s']:,.0f} s whatever its size)" if x["against_leads"]
                else f"from {x['from_leads']:,} (its whole cost, fixed part included: an upper bound)")
    lines += ["", f"**A billion leads**, {measured}: the whole build costs {x['core_s_per_million']} "
              f"core-seconds per million leads on Spark, so {x['whole_core_hours']:,} core-hours for a billion; "
              f"finished in {WHOLE_BUILD_HOURS:.0f} hour at {CLUSTER_EFFICIENCY:.0%} efficiency that is about "
              f"{x['cores_for_whole_build']:,} cores. Finding the changed days costs "
              f"{x['compare_core_s_per_million']} core-seconds per million. The lake would hold about "
              f"{x['lake_gb']:,.0f} GB. Assumed: cost grows linearly with leads (every table is scanned, "
              "shuffled and written once; a lead's touches and deals stay about three and a tenth); local[2] "
              "on this machine stands for two cluster cores. docs/scale.md gives the plan.", ""]
    return lines
