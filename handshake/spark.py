"""The warehouse's DuckDB SQL run on Apache Spark: queries/*.sql and the derived tables' views, transpiled by
sqlglot with the rules below that make Spark's answers equal DuckDB's (tests/test_spark_parity.py proves it).
queries/ and the schema stay the only definitions; nothing here restates one by hand."""

import os
import shutil
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from functools import cache
from urllib.parse import urlparse

import duckdb
import pandas as pd
import sqlglot
from sqlglot import exp

from handshake import queries, warehouse


class SparkError(Exception):
    """What is wrong with running on Spark, and what to do, in one sentence."""


# ---------------------------------------------------------------------------------------------------- the session

_local = None
_local_lock = threading.Lock()

# Spark's defaults assume a cluster and a local clock: pinned so a day is a UTC day (the warehouse's timestamps
# are naive UTC), a timestamp has no zone (DuckDB's TIMESTAMP), an overflow or a bad cast fails as DuckDB's does,
# and a few hundred thousand rows are not split into 200 shuffle partitions
SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.shuffle.partitions": "4",
    # a lake by day is many small files: counted at 16 KB to open, not 4 MB, they are read a few hundred to a task
    # instead of one or two (a build of the 3,000-lead demo's lake ran 700 tasks a table)
    "spark.sql.files.openCostInBytes": "16384",
}


def session(remote: str | None = None):
    """A SparkSession: local[2] in this process (one per process, reused), or Spark Connect at sc://HOST:PORT."""
    if remote:
        return _connect(remote)
    global _local
    with _local_lock:
        if _local is None:
            if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
                # checked first: without Java, pyspark waits for a JVM that never starts and says little
                raise SparkError("Spark needs Java and none was found (no java on PATH, JAVA_HOME unset): "
                                 "install it with apt-get install openjdk-17-jre-headless")
            from pyspark.sql import SparkSession
            builder = (SparkSession.builder.master("local[2]").appName("handshake")
                       .config("spark.ui.enabled", "false")
                       .config("spark.ui.showConsoleProgress", "false")
                       # the driver where it listens: a machine whose name resolves to loopback otherwise
                       # advertises its network address, and a task's large result fetched there is refused
                       .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                       # Spark's 1 GB default spills a ten-million-lead build to disk over and over
                       .config("spark.driver.memory", "4g"))
            for key, value in SETTINGS.items():
                builder = builder.config(key, value)
            _local = builder.getOrCreate()
            _local.sparkContext.setLogLevel("ERROR")
        return _local


def _connect(remote: str):
    address = urlparse(remote)
    try:
        port = address.port
    except ValueError:  # a port that is not a number
        port = None
    if address.scheme != "sc" or not address.hostname or not port:
        raise SparkError(f"{remote!r} is not a Spark Connect address: write it as sc://HOST:PORT")
    # probed first: the Connect client retries an address that does not answer for minutes before it fails
    try:
        socket.create_connection((address.hostname, port), timeout=3).close()
    except OSError as error:
        raise SparkError(f"no Spark Connect server answers at {remote} ({error.strerror or error}): check that "
                         f"the server is running and the host and port are right") from None
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.remote(remote).getOrCreate()
    for key, value in SETTINGS.items():
        if key != "spark.sql.shuffle.partitions":  # the cluster's own choice
            spark.conf.set(key, value)
    return spark


def register(spark, tables: dict[str, str]) -> None:
    """Each table's Parquet (a file, or a directory of day=... partitions) as a temporary view of that name."""
    for name, path in tables.items():
        frame = spark.read.parquet(str(path))
        # the partition directories add a `day` column the table does not have
        if "day" in frame.columns and os.path.isdir(path):
            frame = frame.drop("day")
        frame.createOrReplaceTempView(name)


# -------------------------------------------------------------------------------------- the catalog, from DuckDB

@cache
def catalog() -> tuple[dict, dict]:
    """The schema's macros {name: (parameters, body)} and views {name: body}, as DuckDB itself stores them."""
    con = duckdb.connect()
    try:
        warehouse.upgrade(con)
        macros = {name: (params, sqlglot.parse_one(body, read="duckdb"))
                  for name, params, body in con.execute(
                      "select function_name, parameters, macro_definition from duckdb_functions() "
                      "where macro_definition is not null and not internal").fetchall()}
        views = {name: sqlglot.parse_one(body, read="duckdb").expression
                 for name, body in con.execute(
                     "select view_name, sql from duckdb_views() where not internal").fetchall()}
    finally:
        con.close()
    return macros, views


def _expanded(tree: exp.Expression, tables: dict[str, str] | None = None) -> exp.Expression:
    """The tree with the schema's views and macros written out in place: a macro's parameters replaced by its
    call's arguments, and a table macro's query_table(param) by the table its call names."""
    macros, views = catalog()
    tables = tables or {}
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}

    def expand(node):
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous):
            call, alias = node.this, node.alias
            name = call.name.lower()
            if name == "query_table":
                target = exp.to_table(tables.get(call.expressions[0].name, call.expressions[0].name))
                target.set("alias", exp.TableAlias(this=exp.to_identifier(alias or target.name)))
                return _keeping_joins(node, target)
            if name in macros:
                params, body = macros[name]
                # an argument naming a table (a string, or the caller's own table parameter) is for query_table
                named = {p: tables.get(a.name, a.name) for p, a in zip(params, call.expressions)
                         if isinstance(a, exp.Literal) and a.is_string or isinstance(a, exp.Column) and a.name in tables}
                inner = _expanded(_substituted(body, params, call.expressions), {**tables, **named})
                return _in_place_of(node, inner, alias or name)
        if isinstance(node, exp.Table) and not node.args.get("db") and node.name in views and node.name not in ctes:
            return _in_place_of(node, _expanded(views[node.name].copy(), tables), node.alias or node.name)
        if isinstance(node, exp.Anonymous) and node.name.lower() in macros:
            params, body = macros[node.name.lower()]
            return exp.Paren(this=_expanded(_substituted(body, params, node.expressions), tables))
        return node

    def expand_all(node):
        new = expand(node)
        # a transform does not visit what replaced a node: the joins it kept are expanded here
        return new if new is node else new.transform(expand_all, copy=False)

    return tree.transform(expand_all)


def _in_place_of(table: exp.Table, query: exp.Expression, alias: str) -> exp.Subquery:
    """A subquery where a table was, keeping the joins a parenthesised join hangs on that table."""
    return _keeping_joins(table, exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier(alias))))


def _keeping_joins(table: exp.Table, new: exp.Expression) -> exp.Expression:
    for key in ("joins", "laterals", "pivots"):
        if table.args.get(key):
            new.set(key, [e.copy() for e in table.args[key]])
    return new


def _substituted(body: exp.Expression, params: list[str], arguments: list[exp.Expression]) -> exp.Expression:
    values = dict(zip(params, arguments))
    return body.copy().transform(
        lambda n: values[n.name].copy() if isinstance(n, exp.Column) and not n.table and n.name in values else n)


# --------------------------------------------------------------------------------- the rules that make it exact

def _rules(node):
    """Each rule below; a node a rule made is itself gone through (a transform does not visit what it replaced)."""
    new = _rule(node)
    return new if new is node else new.transform(_rules, copy=False)


def _rule(node):
    # a CTE's (not) materialized is a hint DuckDB alone reads
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)
    # count_star() is how DuckDB's catalog writes count(*)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "count_star":
        return exp.Count(this=exp.Star())
    # epoch() is seconds with their fraction; Spark's unix_timestamp drops the fraction
    if isinstance(node, exp.TimeToUnix):
        micros = exp.Anonymous(this="unix_micros", expressions=[exp.cast(node.this.copy(), "timestamp")])
        return exp.Div(this=exp.cast(micros, "double"), expression=exp.Literal.number(1_000_000))
    # DuckDB's / is a double's division; Spark divides decimals as decimals, rounded to their scale
    if isinstance(node, exp.Div) and not node.meta.get("double"):
        left = node.this
        if not (isinstance(left, exp.Cast) and left.to.this == exp.DataType.Type.DOUBLE):
            node.set("this", exp.cast(left.copy(), "double"))
        node.meta["double"] = True
    # timezone(zone, timezone('UTC', t)), a UTC time on the zone's clock (local_date's heart), is Spark's
    # from_utc_timestamp
    if _is_call(node, "timezone") and _is_call(node.expressions[1], "timezone") \
            and node.expressions[1].expressions[0].name == "UTC":
        return exp.Anonymous(this="from_utc_timestamp",
                             expressions=[node.expressions[1].expressions[1].copy(), node.expressions[0].copy()])
    # a list's [i] is null past the end; Spark's fails there. try_element_at counts from 1 as DuckDB does
    # (sqlglot holds a literal index counted from 0, any other as written)
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        index = node.expressions[0]
        index = exp.Literal.number(int(index.this) + 1) if isinstance(index, exp.Literal) else index.copy()
        return exp.Anonymous(this="try_element_at", expressions=[node.this.copy(), index])
    # a date minus a date is a count of days; Spark makes it an interval
    if isinstance(node, exp.Sub) and _is_date(node.this) and _is_date(node.expression):
        return exp.Anonymous(this="datediff", expressions=[node.this.copy(), node.expression.copy()])
    # DuckDB's catalog writes interval 1 hour as to_hours(1) and interval 1 day as to_days(1)
    if isinstance(node, exp.ToDays):
        return exp.Anonymous(this="make_dt_interval", expressions=[exp.cast(node.this.copy(), "int")])
    if isinstance(node, exp.Anonymous) and node.name.lower() == "to_hours" and len(node.expressions) == 1:
        count = exp.cast(node.expressions[0].copy(), "int")
        return exp.Anonymous(this="make_dt_interval", expressions=[exp.Literal.number(0), count])
    # x = any (subquery) is x in (subquery); Spark reads any only as an aggregate
    if isinstance(node, exp.EQ) and isinstance(node.expression, exp.Any):
        query = node.expression.this
        query = query.this if isinstance(query, exp.Subquery) else query
        return exp.In(this=node.this.copy(), query=exp.Subquery(this=query.copy()))
    # a limit of null is no limit; Spark's limit must be an integer
    if isinstance(node, exp.Limit) and isinstance(node.expression, exp.Placeholder):
        node.set("expression", exp.Coalesce(this=node.expression.copy(), expressions=[exp.Literal.number(2**31 - 1)]))
    # quantile_cont: Spark's percentile interpolates the same way, and takes an array of quantiles
    if isinstance(node, exp.PercentileCont):
        return exp.Anonymous(this="percentile", expressions=[node.this.copy(), node.expression.copy()])
    # range(start, stop, step) stops before stop; Spark's sequence includes it and refuses a stop before start
    if isinstance(node, exp.GenerateSeries) and node.args.get("is_end_exclusive"):
        start, end = node.args["start"], node.args["end"]
        step = node.args.get("step")
        sequence = exp.Anonymous(this="sequence", expressions=[start.copy(), end.copy()] + ([step.copy()] if step else []))
        # (a sequence never passes its stop, and array_except needs no lambda, which may not hold a subquery)
        kept = exp.Anonymous(this="array_except", expressions=[sequence, exp.Array(expressions=[end.copy()])])
        return exp.If(this=exp.LT(this=start.copy(), expression=end.copy()), true=kept,
                      false=exp.Array(expressions=[]))
    return node


def _is_call(node, name: str) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.lower() == name and len(node.expressions) == 2


def _is_date(node) -> bool:
    """Whether an expression is a DATE: a cast to date, a date column of the schema, or an expression of dates."""
    if isinstance(node, exp.Paren):
        return _is_date(node.this)
    if isinstance(node, exp.Cast):
        return node.to.this == exp.DataType.Type.DATE
    if isinstance(node, exp.Column):
        return node.name in _date_columns()
    if isinstance(node, (exp.Add, exp.Sub)):  # a date plus or minus days
        return _is_date(node.this) != _is_date(node.expression)
    if isinstance(node, (exp.Greatest, exp.Least, exp.Coalesce)):
        return all(_is_date(a) for a in [node.this, *node.expressions])
    return False


@cache
def _date_columns() -> frozenset[str]:
    """The names the schema gives DATE columns and never a column of another type."""
    con = duckdb.connect()
    try:
        warehouse.upgrade(con)
        kinds: dict[str, set] = {}
        for column, kind in con.execute("select column_name, data_type from duckdb_columns() where not internal"
                                        ).fetchall():
            kinds.setdefault(column, set()).add(kind)
        return frozenset(c for c, k in kinds.items() if k == {"DATE"})
    finally:
        con.close()


@cache
def to_spark(duckdb_sql: str) -> str:
    """DuckDB SQL as Spark SQL that gives the same rows: $name parameters become Spark's :name."""
    tree = sqlglot.parse_one(duckdb_sql, read="duckdb")
    tree = _expanded(tree).transform(_rules)
    return tree.sql(dialect="spark")


# ----------------------------------------------------------------------------------------------------- running

def _argument(value):
    """A bound value as Spark's parameter: a naive datetime is a UTC TIMESTAMP_NTZ, not the local clock's."""
    from pyspark.sql import functions as F
    # Spark takes literals only; a typed literal's text is read as written, whatever the JVM's clock
    if isinstance(value, datetime):
        return F.expr(f"TIMESTAMP_NTZ'{value.isoformat(sep=' ')}'")
    if isinstance(value, date):
        return F.expr(f"DATE'{value.isoformat()}'")
    if isinstance(value, (list, tuple)):
        return F.array(*[F.lit(v) for v in value]) if value else F.array().cast("array<string>")
    return F.lit(value)


def run(spark, name: str, params: dict | None = None) -> pd.DataFrame:
    """queries/NAME.sql on Spark, with the rows and columns DuckDB's queries.run gives."""
    bound = queries.bind(name, params or {})
    frame = spark.sql(to_spark(queries.sql(name)), args={k: _argument(v) for k, v in bound.items()})
    return as_duckdb_gives(frame)


def as_duckdb_gives(frame) -> pd.DataFrame:
    """A Spark result as DuckDB's .df() gives it: a date as a timestamp at midnight, a decimal as a float."""
    from pyspark.sql.types import DateType, DecimalType
    rows = frame.toPandas()
    for field in frame.schema.fields:
        if isinstance(field.dataType, DateType):
            rows[field.name] = pd.to_datetime(rows[field.name])
        elif isinstance(field.dataType, DecimalType):
            rows[field.name] = rows[field.name].astype("float64")
    return rows


def run_many(spark, calls: list[tuple[str, dict]]) -> list[pd.DataFrame]:
    """Several queries at once (Spark schedules their jobs side by side), their rows in the order asked."""
    if len(calls) < 2:
        return [run(spark, name, params) for name, params in calls]
    with ThreadPoolExecutor(max_workers=min(len(calls), queries.AT_ONCE)) as pool:
        return list(pool.map(lambda call: run(spark, *call), calls))


def derived_sql(table: str) -> str:
    """The Spark SQL of a derived table (lead_facts or a rollup): its DuckDB "_live" view's own definition."""
    if table != "lead_facts" and table not in warehouse.ROLLUPS:
        raise SparkError(f"{table!r} is not a derived table: name lead_facts or one of {', '.join(warehouse.ROLLUPS)}")
    return to_spark(f"select * from {table}_live")
