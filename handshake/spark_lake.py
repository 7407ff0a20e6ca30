"""A lake on Apache Spark: its tables read as Spark views, and its derived tables (lead_facts and every rollup) built
from its base tables with the definitions of the warehouse's own views (spark.derived_sql), written in the lake's
layout (docs/lake.md) and swapped in only when every table is built, so a failed build leaves the lake as it was."""

import os
import shutil
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from handshake import lake, spark, warehouse

# each table may read those before it (revenue_daily reads deal_facts; every rollup of leads reads lead_facts)
ORDER = ("lead_facts", *warehouse.ROLLUPS)


def spark_type(duckdb_type: str) -> str:
    """The Spark type a DuckDB column is written as, so a lake built on Spark has the columns an export writes.
    HUGEINT (a sum of BIGINTs) has no Spark twin: a 38-digit decimal holds every value it can."""
    kind = duckdb_type.upper()
    simple = {"VARCHAR": "string", "BIGINT": "bigint", "INTEGER": "int", "DOUBLE": "double", "BOOLEAN": "boolean",
              "DATE": "date", "TIMESTAMP": "timestamp_ntz", "HUGEINT": "decimal(38,0)"}
    if kind in simple:
        return simple[kind]
    if kind.endswith("[]"):  # a list (a subscription's recipients)
        return f"array<{spark_type(kind[:-2])}>"
    if kind.startswith("DECIMAL"):
        return kind.lower()
    raise lake.LakeError(f"a lake column of type {duckdb_type} has no Spark type here: add it to build.spark_type")


def conformed(frame, table: str):
    """The frame with exactly the table's columns, in order, each cast to the type the schema gives it."""
    from pyspark.sql import functions as F
    columns = lake.expected_tables()[table]
    return frame.select(*[F.col(f"`{name}`").cast(spark_type(kind)).alias(name) for name, kind in columns])


def write(frame, table: str, folder: Path) -> None:
    """The table in the lake's layout: by the UTC day of its partitioning column (the session is in UTC)."""
    from pyspark.sql import functions as F
    if table in lake.PARTITION_BY:
        frame = frame.withColumn("day", F.date_format(F.col(lake.PARTITION_BY[table]), "yyyy-MM-dd"))
        # one task a day, so one file a day: without it every task writes a file into every day it holds rows of
        # (four a day at one million leads), and writing and reading those small files was half the build
        frame.repartition("day").write.mode("error").partitionBy("day").parquet(str(folder))
    else:
        frame.write.mode("error").parquet(str(folder))


def register(session, lake_dir, tables) -> None:
    """The lake's tables as Spark views with exactly the schema's columns and types: a table Spark wrote no file for
    (no rows) is an empty frame of that schema, and a HUGEINT DuckDB wrote as DOUBLE is read back as an integer."""
    for table in tables:
        folder = lake.table_dir(lake_dir, table)
        if any(folder.rglob("*.parquet")):
            spark.register(session, {table: str(folder)})
            conformed(session.table(table), table).createOrReplaceTempView(table)
        else:
            schema = ", ".join(f"`{c}` {spark_type(kind)}" for c, kind in lake.expected_tables()[table])
            session.createDataFrame([], schema).createOrReplaceTempView(table)


def reader(lake_dir, remote: str | None = None):
    """What the command line needs to compute on Spark from a lake: run_many over every table, and the meta rows."""
    lake.read_manifest(lake_dir)
    session = spark.session(remote)
    register(session, lake_dir, lake.expected_tables())
    about = {key: value for key, value in session.sql("select key, value from meta").collect()}
    return (lambda calls: spark.run_many(session, calls)), about


# The base tables the derived ones read (warehouse.tables_read of their views), by what a build compares to find what
# changed: the partitioned ones day by day, the others whole (of meta, only the time zone the local days follow)
DAY_INPUTS = ("leads", "follow_ups", "opportunities", "revenue")
WHOLE_INPUTS = {"agreements": "select * from agreements", "meta": "select * from meta where key = 'timezone'"}
# what a day of these tables names, kept by a build: when that day changes, what it named before changed too
KEYS = {"follow_ups": "lead_id", "opportunities": "lead_id", "revenue": "opportunity_id"}
# rebuilt whole by every build: deals and revenue are few beside leads, and stage_evidence is one row of counts
WHOLE_DERIVED = ("deal_facts", "revenue_daily", "stage_evidence")
STATE = "_build"  # a folder of the lake: the fingerprints and keys of the base tables as the last build read them


def day_of(column: str) -> str:
    """A row's partition day as text ('' for none): the same day the lake's directories are named by."""
    return f"coalesce(date_format({column}, 'yyyy-MM-dd'), '')"


def fingerprints(session):
    """Rows and a hash of every row, per day of each partitioned input and per whole input: equal fingerprints, the
    same rows (a build after an export that rewrote every file still finds the days whose rows changed)."""
    parts = [f"select '{t}' as tbl, {day_of(lake.PARTITION_BY[t])} as day, count(*) as row_count, "
             f"sum(cast(xxhash64(*) as decimal(38,0))) as fingerprint from {t} "
             f"group by {day_of(lake.PARTITION_BY[t])}" for t in DAY_INPUTS]
    parts += [f"select '{t}' as tbl, '' as day, count(*) as row_count, "
              f"sum(cast(xxhash64(*) as decimal(38,0))) as fingerprint from ({sql})" for t, sql in WHOLE_INPUTS.items()]
    return session.sql(" union all ".join(parts))


def keys(session):
    return session.sql(" union all ".join(
        f"select distinct '{t}' as tbl, {day_of(lake.PARTITION_BY[t])} as day, {key} as key from {t}"
        for t, key in KEYS.items()))


def as_of(session):
    return session.sql(spark.to_spark("select as_of from data_as_of")).collect()[0][0]


def changed_days(before, now) -> dict[str, set[str]] | None:
    """The days of each partitioned input whose rows differ, or None when a whole input differs (a new agreement or
    time zone judges every lead again): {table: {day, ...}}."""
    def keyed(frame):
        return {(r.tbl, r.day): (int(r.row_count), str(r.fingerprint)) for r in frame.itertuples()}
    old, new = keyed(before), keyed(now)
    changed = {(t, d) for t, d in old.keys() | new.keys() if old.get((t, d)) != new.get((t, d))}
    if any(t in WHOLE_INPUTS for t, _ in changed):
        return None
    return {t: {d for u, d in changed if u == t} for t in DAY_INPUTS}


def build(lake_dir, remote: str | None = None, progress=print, whole: bool = False) -> dict:
    """Build the lake's derived tables on Spark (local[2], or Spark Connect at `remote`) and return the new manifest.
    After a first build, only the days of lead_facts and of the rollups of leads that the changed days of the base
    tables reach are built again (whole=True builds everything). The lake is checked first; what is built is
    written beside the lake's tables and swapped in at the end, so a failed build leaves the lake as it was."""
    lake_dir = Path(lake_dir)
    manifest = lake.read_manifest(lake_dir)
    session = spark.session(remote)
    register(session, lake_dir, [t for t in lake.expected_tables() if lake.role(t) == "base"])
    started = time.perf_counter()
    now = fingerprints(session).toPandas()
    newest = str(as_of(session))
    now.attrs.clear()  # Spark Connect's plan metrics, which Parquet's metadata cannot hold
    state = lake_dir / STATE
    previous = manifest.get("build") or {}
    changed = None
    if not whole and previous.get("as_of") not in (None, "None") and (state / "fingerprints.parquet").is_file():
        changed = changed_days(pd.read_parquet(state / "fingerprints.parquet"), now)
    if changed is not None and not any(changed.values()) and previous.get("as_of") == newest:
        progress("nothing changed in the base tables since the last build")
        return manifest
    staging = lake_dir / f"_build-{uuid.uuid4().hex[:12]}"
    timings = {}
    try:
        if changed is None:
            replaced = build_whole(session, staging, timings, progress)
        else:
            replaced = build_days(session, lake_dir, staging, changed, previous["as_of"], newest, timings, progress)
        (staging / STATE).mkdir(parents=True)
        now.to_parquet(staging / STATE / "fingerprints.parquet")
        keys(session).write.parquet(str(staging / STATE / "keys"))
        swap(lake_dir, staging, replaced)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for table, count in row_counts(lake_dir).items():
        manifest["tables"][table]["rows"] = count
    manifest["written_at"] = datetime.now(timezone.utc).isoformat(timespec="microseconds")
    manifest["build"] = {"engine": "spark", "master": remote or "local[2]", "spark_version": session.version,
                         "as_of": newest, "incremental": changed is not None,
                         "changed_days": {t: len(d) for t, d in (changed or {}).items()},
                         "seconds": round(time.perf_counter() - started, 3),
                         "tables": {t: round(s, 3) for t, s in timings.items()}}
    lake.write_manifest(lake_dir, manifest)
    return manifest


def timed(table: str, timings: dict, progress, what: str = "built") -> None:
    """Note a table built and the time since the last one."""
    timings[table] = time.perf_counter() - timings.pop("_since")
    progress(f"{table}: {what} in {timings[table]:.1f} s")
    timings["_since"] = time.perf_counter()


def row_counts(lake_dir: Path) -> dict[str, int]:
    """Each derived table's rows as the lake now holds them (DuckDB reads the counts from the files' footers)."""
    con = duckdb.connect()
    try:
        return {t: con.execute(f"select count(*) from ({lake.typed_read(lake_dir, t)})").fetchone()[0] for t in ORDER}
    finally:
        con.close()


def build_whole(session, staging: Path, timings, progress) -> dict:
    timings["_since"] = time.perf_counter()
    for table in ORDER:
        write(conformed(session.sql(spark.derived_sql(table)), table), table, staging / table)
        # the next tables read this one as built, as DuckDB's views read the stored tables
        spark.register(session, {table: str(staging / table)})
        timed(table, timings, progress)
    timings.pop("_since")
    return {table: None for table in ORDER}


def build_days(session, lake_dir: Path, staging: Path, changed: dict, before_as_of: str, newest: str,
               timings, progress) -> dict:
    """lead_facts again for the leads the changed days reach (and those whose recycling the newest moment moved
    past), its days that hold them, and the rows of the local days those leads had before and have now of each
    rollup of leads; the rest whole. Returns {table: the days replaced} (None: the whole table)."""
    from pyspark.sql import functions as F
    timings["_since"] = time.perf_counter()
    register(session, lake_dir, ["lead_facts"])
    session.table("lead_facts").createOrReplaceTempView("old_lead_facts")
    session.read.parquet(str(lake_dir / STATE / "keys")).createOrReplaceTempView("old_keys")
    days = [(t, d) for t, ds in changed.items() for d in ds]
    session.createDataFrame(days or [("", "")], "tbl string, day string").createOrReplaceTempView("changed_days")

    def on_changed_day(table: str, column: str | None = None) -> str:
        return (f"{day_of(column or lake.PARTITION_BY[table])} in "
                f"(select day from changed_days where tbl = '{table}')")

    low, high = sorted([before_as_of, newest])
    reached = session.sql(f"""
        select lead_id from leads where {on_changed_day('leads')}
        union select lead_id from old_lead_facts where {on_changed_day('leads', 'created_at')}
        union select lead_id from follow_ups where {on_changed_day('follow_ups')}
        union select lead_id from opportunities where {on_changed_day('opportunities')}
        union select key from old_keys k where tbl in ('follow_ups', 'opportunities')
            and day in (select day from changed_days c where c.tbl = k.tbl)
        union select lead_id from opportunities where opportunity_id in (
            select opportunity_id from revenue where {on_changed_day('revenue')}
            union select key from old_keys k where tbl = 'revenue'
                and day in (select day from changed_days where tbl = 'revenue'))
        union select lead_id from old_lead_facts
            where stage_rank between 2 and 4 and recycle_at > timestamp_ntz'{low}' and recycle_at <= timestamp_ntz'{high}'
        """).where("lead_id is not null").cache()
    reached.createOrReplaceTempView("reached")
    for table in ("leads", "follow_ups", "opportunities"):
        session.sql(f"select * from {table} where lead_id in (select lead_id from reached)"
                    ).createOrReplaceTempView(f"reached_{table}")
    facts = conformed(session.sql(spark.to_spark(
        "select * from stored_lead_facts_of('reached_leads', 'reached_follow_ups', 'reached_opportunities')")),
        "lead_facts").cache()
    facts.createOrReplaceTempView("reached_facts")
    # lead_facts: the UTC days the reached leads were created on, written again whole
    fact_days = {r[0] for r in session.sql(
        f"select distinct {day_of('created_at')} from old_lead_facts where lead_id in (select lead_id from reached) "
        f"union select distinct {day_of('created_at')} from reached_facts").collect()}
    session.createDataFrame([(d,) for d in fact_days] or [("",)], "day string").createOrReplaceTempView("fact_days")
    kept = session.sql(f"select * from old_lead_facts where {day_of('created_at')} in (select day from fact_days) "
                       "and lead_id not in (select lead_id from reached)")
    write(kept.unionByName(facts), "lead_facts", staging / "lead_facts")
    rebuilt = session.read.parquet(str(staging / "lead_facts"))
    if "day" in rebuilt.columns:
        rebuilt = rebuilt.drop("day")
    session.sql(f"select * from old_lead_facts where {day_of('created_at')} not in (select day from fact_days)"
                ).unionByName(conformed(rebuilt, "lead_facts")).createOrReplaceTempView("lead_facts")
    replaced = {"lead_facts": fact_days}
    timed("lead_facts", timings, progress, f"{reached.count():,} leads, {len(fact_days):,} days")
    # each rollup of leads: the rows of the local days the reached leads had before and have now
    for table, time_column in warehouse.LEAD_ROLLUPS.items():
        local = warehouse.LOCAL_DAYS[time_column]
        local_days = session.sql(f"select {local} as d from old_lead_facts where lead_id in (select lead_id from reached) "
                                 f"union select {local} from reached_facts").where("d is not null")
        local_days.createOrReplaceTempView("local_days")
        session.sql(f"select * from lead_facts where {local} in (select d from local_days)"
                    ).createOrReplaceTempView("day_facts")
        write(conformed(session.sql(spark.to_spark(f"select * from {table}_of('day_facts')")), table), table,
              staging / table)
        replaced[table] = {r[0] for r in local_days.select(F.date_format("d", "yyyy-MM-dd")).collect()}
        register(session, lake_dir, [table])
        timed(table, timings, progress, f"{len(replaced[table]):,} days")
    for table in WHOLE_DERIVED:
        write(conformed(session.sql(spark.derived_sql(table)), table), table, staging / table)
        spark.register(session, {table: str(staging / table)})
        replaced[table] = None
        timed(table, timings, progress)
    timings.pop("_since")
    return replaced


def swap(lake_dir: Path, staging: Path, replaced: dict) -> None:
    """Each built table, or each built day of one, renamed into place, the old one out of the way first (a rename
    each: readers keep reading the files they opened, and see the new ones once the manifest says so); a day built
    with no rows is a day the table no longer has. The build's state goes last."""
    retired = staging / "_retired"
    retired.mkdir()
    for table, days in replaced.items():
        current, built = lake.table_dir(lake_dir, table), staging / table
        if days is None:
            if current.exists():
                os.replace(current, retired / table)
            os.replace(built, current)
            continue
        (retired / table).mkdir()
        for day in days:
            name = f"day={day or lake.NULL_DAY}"
            if (current / name).exists():
                os.replace(current / name, retired / table / name)
            if (built / name).exists():
                os.replace(built / name, current / name)
    if (lake_dir / STATE).exists():
        os.replace(lake_dir / STATE, retired / STATE)
    os.replace(staging / STATE, lake_dir / STATE)
