"""Parity: every read-only query and every derived table gives on Spark (local[2], handshake/spark.py) what it gives
on DuckDB, row by row, over the seed, a demo with a non-UTC time zone, and one variant per filter and choice."""

import math
import time
from datetime import timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest
import sqlglot
from conftest import DEMO_AS_OF, TESTS
from sqlglot import exp

from handshake import access, assessment, demo, kpis, queries, spark, warehouse

# Left out, each for a reason the comparison could not change:
# - the queries that write (inserts and updates: decided below from the SQL itself) change the warehouse, and a
#   lake's writes are not Spark's to make;
# - warehouse_checksum sums DuckDB's own hash() of each row: a fingerprint of DuckDB's hash function, which Spark
#   does not have (its hash() is another function), kept to check that a refused import changed nothing.
ENGINE_SPECIFIC = {"warehouse_checksum"}
WRITING = (exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop, exp.Merge)


def writes(name: str) -> bool:
    return any(statement.find(*WRITING) for statement in sqlglot.parse(queries.sql(name), read="duckdb") if statement)


READ_ONLY = sorted(name for name in (path.stem for path in queries.QUERY_DIR.glob("*.sql"))
                   if name not in ENGINE_SPECIFIC and not writes(name))
DERIVED = ["lead_facts", *warehouse.ROLLUPS]
# each query's own values for the choices that are not filters: the base one, and the variant's
CHOICES = {"grain": ({"assessment_gaps": "statement"}, "total", {"follow_up_summary": "all", "assessment_gaps":
                                                                 "subscale"}, "week"),
           "dimension": ({"campaign_performance": "channel"}, "source",
                         {"campaign_performance": "campaign", "funnel_by_cohort": "segment"}, "score_band")}
FILTERS = ("segment", "region", "source")
RELATIVE = 1e-9
LISTS = (list, tuple, np.ndarray)
NUMBERS = (int, float, np.integer, np.floating)


@pytest.fixture(scope="session")
def parity_warehouses(tmp_path_factory):
    """The seed warehouse, and a demo whose organisation keeps New York's days (set before its facts and rollups
    are computed again), each with its tables exported to Parquet for Spark."""
    folder = tmp_path_factory.mktemp("parity")
    seed = folder / "seed.duckdb"
    con = warehouse.open_warehouse(seed)
    con.execute((TESTS / "seed.sql").read_text())
    warehouse.refresh_lead_facts(con)
    con.close()
    new_york = demo.generate(folder / "new_york.duckdb", leads=3000, as_of=DEMO_AS_OF)
    con = warehouse.open_warehouse(new_york)
    warehouse.set_timezone(con, "America/New_York", by=access.LOCAL)
    warehouse.refresh_lead_facts(con)
    con.close()
    return {name: (path, exported(path, folder / f"{name}_parquet")) for name, path in
            (("seed", seed), ("demo New York", new_york))}


def exported(path, folder) -> dict[str, str]:
    folder.mkdir()
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [t for (t,) in con.execute("select table_name from duckdb_tables() where not internal").fetchall()]
        for table in tables:
            con.execute(f"copy {table} to '{folder / table}.parquet' (format parquet)")
    finally:
        con.close()
    return {table: str(folder / f"{table}.parquet") for table in tables}


def variants(con) -> dict[str, dict]:
    """The base parameters over the warehouse's last 90 days, and one variant per filter and choice."""
    as_of = con.execute("select as_of from data_as_of").fetchone()[0]
    end = as_of.date()
    tz = warehouse.organisation_timezone(warehouse.meta(con))
    base = dict(kpis.query_params(end - timedelta(days=90), end, {"now": as_of}, tz=tz),
                limit=None, outcome="open", stage_rank=2, current_end=end + timedelta(days=1),
                open_pipeline_eur=100000.0, day=end, since=end - timedelta(days=90), min_count=1, spike_ratio=1.5,
                old_tz=tz, new_tz="Asia/Kolkata" if tz != "Asia/Kolkata" else "UTC", min_group_size=1,
                **assessment.questionnaire_params())
    first = lambda sql: (con.execute(sql).fetchone() or [None])[0]  # noqa: E731 (the warehouse's own values)
    base.update(round_id=first("select max(round_id) from assessment_rounds"),
                import_id=first("select coalesce(max(import_id), 1) from imports"),
                action_id=first("select coalesce(min(action_id), 1) from meeting_actions"),
                subscription_id=first("select coalesce(min(subscription_id), 1) from subscriptions"),
                period_key=first("select coalesce(min(period_key), '2026-W01') from outbox"))
    made = {"base": base}
    for name in FILTERS:
        made[name] = dict(base, **{name: first(f"select {name} from leads where {name} is not null "
                                               f"group by {name} order by count(*) desc limit 1")})
    for choice in CHOICES:
        made[choice] = dict(base, **{choice: "variant"})
    return made


def params_for(name: str, variant: str, params: dict) -> dict:
    """A variant's parameters as one query takes them: its own values for the choices."""
    params = dict(params)
    for choice, (base_own, base_value, variant_own, variant_value) in CHOICES.items():
        if choice == variant:
            params[choice] = variant_own.get(name, variant_value)
        else:
            params[choice] = base_own.get(name, base_value)
    return params


def differs(duck: pd.DataFrame, other: pd.DataFrame) -> str | None:
    """Where two results differ: same columns in the same order, the same rows sorted alike, numbers within
    RELATIVE of each other, nulls where the other has nulls; None when equal."""
    if list(duck.columns) != list(other.columns):
        return f"columns {list(duck.columns)} against {list(other.columns)}"
    if len(duck) != len(other):
        return f"{len(duck)} rows against {len(other)}"
    duck, other = sorted_rows(duck), sorted_rows(other)
    for column in duck.columns:
        for row, (a, b) in enumerate(zip(duck[column], other[column])):
            if not same(a, b):
                return f"{column} in row {row}: {a!r} against {b!r}"
    return None


def sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    keys = frame.apply(lambda row: tuple(sort_key(v) for v in row), axis=1)
    return frame.iloc[sorted(range(len(frame)), key=lambda i: keys.iloc[i])].reset_index(drop=True)


def sort_key(value) -> str:
    if is_null(value):
        return ""
    if isinstance(value, float):
        return f"{value:.9g}"
    if isinstance(value, LISTS):
        return str([sort_key(v) for v in value])
    return str(value)


def is_null(value) -> bool:
    return value is None or (not isinstance(value, LISTS) and pd.isna(value))


def same(a, b) -> bool:
    if is_null(a) or is_null(b):
        return is_null(a) and is_null(b)
    if isinstance(a, LISTS) or isinstance(b, LISTS):
        return isinstance(a, LISTS) and isinstance(b, LISTS) and len(a) == len(b) \
            and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, NUMBERS) and isinstance(b, NUMBERS) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=RELATIVE, abs_tol=0)
    return a == b


def test_every_query_and_derived_table_gives_on_spark_what_it_gives_on_duckdb(spark_session, parity_warehouses):
    started = time.monotonic()
    unequal, runs, variant_count = {}, 0, 0
    derived_runs = 0
    for warehouse_name, (path, tables) in parity_warehouses.items():
        spark.register(spark_session, tables)
        for table in tables:  # read once, not by every query
            spark_session.catalog.cacheTable(table)
        con = duckdb.connect(str(path), read_only=True)
        try:
            for variant, params in variants(con).items():
                variant_count += 1
                names = [n for n in READ_ONLY if variant == "base" or variant in queries.parameters(n)]
                calls = [(n, params_for(n, variant, params)) for n in names]
                for (name, call), theirs in zip(calls, spark.run_many(spark_session, calls)):
                    runs += 1
                    problem = differs(queries.run(con, name, call), theirs)
                    if problem:
                        unequal.setdefault(name, []).append(f"{warehouse_name}, {variant}: {problem}")
            for table in DERIVED:
                derived_runs += 1
                computed = spark.as_duckdb_gives(spark_session.sql(spark.derived_sql(table)))
                problem = differs(con.execute(f"select * from {table}").df(), computed)
                if problem:
                    unequal.setdefault(table, []).append(f"{warehouse_name}: {problem}")
        finally:
            con.close()
    equal = sum(name not in unequal for name in READ_ONLY)
    derived_equal = sum(table not in unequal for table in DERIVED)
    figures = (f"FIGURES spark parity: {equal} of {len(READ_ONLY)} queries equal on {variant_count} variants; "
               f"{derived_equal} of {len(DERIVED)} derived tables equal "
               f"({runs} query runs, {derived_runs} table builds, {time.monotonic() - started:.0f} s)")
    print("\n" + figures)
    assert not unequal, figures + "\n" + "\n".join(f"{n}: {p}" for n, ps in unequal.items() for p in ps)
