"""Benchmarks that print their figures (never timed tests): python -m handshake bench."""

import resource
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import duckdb

from handshake import importer, mappings, warehouse

IMPORT_NOW = datetime(2026, 11, 22, 12)


def lead_csv(path: Path, rows: int) -> None:
    """A canonical leads export of `rows` rows, the same every time: about 140 bytes a row."""
    duckdb.execute(
        f"""
        copy (
            select 'L-' || i as lead_id,
                timestamp '2024-01-01' + to_minutes(i % 900000) as created_at,
                ['Google', 'google', 'Paid Social', 'Webinar', 'Referral'][1 + i % 5] as source,
                'marketing' as sourced_by,
                ['smb', 'mid-market', 'enterprise'][1 + i % 3] as segment,
                ['EMEA', 'NA', 'APAC'][1 + i % 3] as region,
                (i * 37) % 101 as lead_score,
                case when i % 3 = 0 then timestamp '2024-01-01' + to_minutes(i % 900000 + 60) end as mql_at,
                'Rep ' || (i % 40) as owner_rep_id
            from range({rows}) t(i)
        ) to '{path}' (header, delimiter ',')
        """)


def import_benchmark(rows: int, repeats: int = 3, progress=print) -> dict:
    """Median seconds to import a fresh `rows`-row leads CSV into an empty warehouse, and to import it
    again (every row unchanged), each repeated in one run so the two are measured side by side."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        csv = folder / "leads.csv"
        started = time.perf_counter()
        lead_csv(csv, rows)
        progress(f"wrote {rows:,} rows ({csv.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
        first, again = [], []
        for n in range(repeats):
            path = folder / f"bench_{n}.duckdb"
            con = warehouse.open_warehouse(path)
            try:
                for times in (first, again):
                    started = time.perf_counter()
                    report = importer.run(con, csv, mappings.canonical("leads"), now=IMPORT_NOW)
                    times.append(time.perf_counter() - started)
                    assert report.accepted == rows, report.problems.head()
                progress(f"run {n + 1}: first import {first[-1]:.1f} s ({report.rows_read:,} rows), "
                         f"again {again[-1]:.1f} s ({report.unchanged:,} unchanged)")
            finally:
                con.close()
        return {"rows": rows, "csv_mb": round(csv.stat().st_size / 1e6, 1),
                "first_import_median_s": round(statistics.median(first), 2),
                "reimport_median_s": round(statistics.median(again), 2),
                "rows_per_second": round(rows / statistics.median(first)),
                "runs": repeats,
                # the whole process's peak, so it includes writing the CSV and every run
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
