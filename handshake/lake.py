"""A lake: the warehouse's tables as Parquet in a directory, with a manifest (docs/lake.md). This module is the
layout's one definition: the manifest, where a table's files are, and its checks. DuckDB writes a lake (export) and
reads one (open_lake); Spark (handshake/spark.py) builds the derived tables of one with the same functions."""

import functools
import json
import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from handshake import access, warehouse

FORMAT = "handshake-lake"
LAYOUT_VERSION = 1
MANIFEST = "_handshake.json"
# the partition directory of rows whose partition column is null (Hive's name, which Spark and DuckDB both write)
NULL_DAY = "__HIVE_DEFAULT_PARTITION__"

# the tables partitioned by day (day=YYYY-MM-DD: the UTC calendar day of this column); every other table is one file
PARTITION_BY = {"leads": "created_at", "follow_ups": "touched_at", "opportunities": "created_date",
                "revenue": "booked_date", "lead_facts": "created_at", "mql_daily": "mql_date",
                "created_daily": "created_date", "first_touch_daily": "mql_date", "attempts_daily": "mql_date",
                "deal_facts": "created_date", "revenue_daily": "booked_date", "evidence_daily": "mql_date"}
DERIVED = ("lead_facts", *warehouse.ROLLUPS)


class LakeError(warehouse.WarehouseError):
    """A directory that cannot be used as a lake, with one sentence saying what is wrong and what to do."""


def table_dir(lake, table: str) -> Path:
    return Path(lake) / table


def table_files(lake, table: str) -> str:
    """The glob of a table's Parquet files, partitioned or not: readers read every file below its directory."""
    return str(table_dir(lake, table) / "**" / "*.parquet")


def manifest_path(lake) -> Path:
    return Path(lake) / MANIFEST


@functools.cache
def expected_tables() -> dict[str, list[list[str]]]:
    """Every table of this Handshake's warehouse schema (warehouse.LATEST_VERSION), with its columns as
    [name, DuckDB type] in order: what a lake of this schema holds."""
    con = duckdb.connect()
    try:
        warehouse.upgrade(con)
        names = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' and not temporary "
            "order by table_name").fetchall()]
        return {t: [[c, kind] for c, kind, *_ in con.execute(f"describe {t}").fetchall()] for t in names}
    finally:
        con.close()


def role(table: str) -> str:
    return "derived" if table in DERIVED else "base"


def read_manifest(lake) -> dict:
    """The lake's manifest, checked: a lake (its manifest readable), of this Handshake's schema, with every table
    of that schema listed and its directory present. Anything else raises LakeError saying what to do."""
    lake = Path(lake)
    path = manifest_path(lake)
    if not lake.is_dir():
        raise LakeError(f"{lake}: no such directory. Write a lake there with: "
                        f"python -m handshake export --lake {lake}")
    if not path.is_file():
        raise LakeError(f"{lake}: not a Handshake lake (it has no {MANIFEST}). Write one with: "
                        f"python -m handshake export --lake {lake}")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise LakeError(f"{path}: cannot be read as a lake's manifest ({e}). Write the lake again with: "
                        f"python -m handshake export --lake {lake}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("tables"), dict):
        raise LakeError(f"{path}: not a Handshake lake's manifest (no \"format\": \"{FORMAT}\" with its tables). "
                        f"Write the lake again with: python -m handshake export --lake {lake}")
    if manifest.get("layout_version") != LAYOUT_VERSION:
        raise LakeError(f"{lake}: lake layout version {manifest.get('layout_version')}, and this Handshake reads "
                        f"layout {LAYOUT_VERSION} only. Write the lake again with: "
                        f"python -m handshake export --lake {lake}")
    version = manifest.get("schema_version")
    if version != warehouse.LATEST_VERSION:
        if isinstance(version, int) and version > warehouse.LATEST_VERSION:
            raise LakeError(f"{lake}: written by schema {version}, newer than this Handshake's "
                            f"({warehouse.LATEST_VERSION}): upgrade Handshake (git pull; pip install -r "
                            "requirements.txt)")
        raise LakeError(f"{lake}: written by schema {version}, older than this Handshake's "
                        f"({warehouse.LATEST_VERSION}). Export it again from the warehouse (opening the warehouse "
                        f"upgrades it): python -m handshake export --lake {lake} --warehouse WAREHOUSE; if its "
                        f"derived tables are built on Spark, build them again: "
                        f"python -m handshake build --engine spark --lake {lake}")
    listed = manifest["tables"]
    for table in expected_tables():
        if table not in listed:
            raise LakeError(f"{lake}: the lake has no table {table} (its manifest does not list it). Export it "
                            f"again: python -m handshake export --lake {lake} --warehouse WAREHOUSE")
        if not table_dir(lake, table).is_dir():
            raise LakeError(f"{lake}: table {table} is missing (no directory {table_dir(lake, table)}). Export it "
                            f"again: python -m handshake export --lake {lake} --warehouse WAREHOUSE")
    return manifest


def write_manifest(lake, manifest: dict) -> None:
    """Write the manifest whole or not at all: to a file beside it, then renamed over it."""
    path = manifest_path(lake)
    temporary = path.with_name(MANIFEST + ".tmp")
    temporary.write_text(json.dumps(manifest, indent=1) + "\n")
    os.replace(temporary, path)


# The app's own tables: what the dashboard writes in a lake (actions, answers, ratings, ranges, the versions). They
# live in the lake's APP_FILE, real tables written in transactions as in a warehouse; every other table is a copy
# there of the lake's files, made again when the manifest changes, so every query file runs unchanged and as fast as
# on a warehouse (docs/lake.md: views over the files made pages 7 to 25 times slower), or above COPY_ROWS a view.
APP_TABLES = ("meeting_actions", "meeting_action_history", "assessment_rounds", "assessment_responses",
              "assessment_answers", "campaign_feedback", "reference_bands", "subscriptions", "subscription_people", "outbox",
              "kpi_alert_state", "meta")
APP_FILE = "app.duckdb"
# the writes that would change the lake's data, refused in a lake (warehouse.transaction asks refuse_write)
REFUSED = {"import": "Imports", "agreements": "Changes to the joint agreement",
           "settings": "Changes to the organisation's settings (its time zone moves every day of the lake)"}
# meta keys that are the app file's own: every other key (time zone, currency, ...) follows the lake's meta
OWN_META = ("data_version", "lake", "lake_manifest")


def app_path(lake) -> Path:
    return Path(lake) / APP_FILE


def lake_tables() -> list[str]:
    """The tables read from the lake's files (copies in the app file)."""
    return [t for t in expected_tables() if t not in APP_TABLES]


def quoted(text: str) -> str:
    """A string literal for the statements that cannot take a bound parameter (COPY TO, a list of files)."""
    return "'" + str(text).replace("'", "''") + "'"


def typed_read(lake, table: str) -> str:
    """A select of the table's rows from its files with exactly its warehouse columns and types: Spark drops the
    day column into the directory names (not read: hive_partitioning=false) and Parquet has no HUGEINT (written as
    DOUBLE), so each column is cast back. A table without files (Spark writes none for no rows) is empty."""
    columns, files = expected_tables()[table], parquet_files(lake, table)
    if not files:
        return "select " + ", ".join(f"null::{kind} as \"{c}\"" for c, kind in columns) + " where false"
    return ("select " + ", ".join(f"\"{c}\"::{kind} as \"{c}\"" for c, kind in columns)
            + f" from read_parquet([{', '.join(map(quoted, files))}], hive_partitioning = false)")


def parquet_files(lake, table: str) -> list[str]:
    """The table's files (table_files' glob, without the hidden files a writer such as Spark may leave)."""
    return sorted(str(p) for p in table_dir(lake, table).rglob("*.parquet")
                  if not any(part.startswith(("_", ".")) for part in p.relative_to(table_dir(lake, table)).parts))


# ---- export: a warehouse written as a lake, whole or not at all

def export(con, lake, progress=lambda line: None) -> dict:
    """Write every table of the warehouse open on `con` into the lake directory `lake` in the layout, the manifest
    last. It is written beside it and renamed into place, so an existing lake is replaced only by a complete one;
    the lake's app file (the dashboard's own writes) is carried over. Returns the manifest."""
    lake = Path(lake).absolute()
    check_export_target(con, lake)
    building = lake.with_name(f".{lake.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    try:
        building.mkdir()
        tables = {}
        for n, (table, columns) in enumerate(expected_tables().items(), 1):
            started = time.perf_counter()
            rows = write_table(con, building, table)
            tables[table] = {"role": role(table), "partition_by": PARTITION_BY.get(table), "rows": rows,
                             "columns": columns}
            progress(f"{n:2}/{len(expected_tables())}  {table}: {rows:,} rows in {time.perf_counter() - started:.1f} s")
        manifest = {"format": FORMAT, "layout_version": LAYOUT_VERSION, "schema_version": warehouse.LATEST_VERSION,
                    "written_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
                    "written_by": "export", "build": None, "tables": tables}
        write_manifest(building, manifest)
        check_app_free(lake)
        swap(building, lake, progress)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return manifest


def check_export_target(con, lake: Path) -> None:
    """Refuse, before writing anything, a target that is not a directory a lake can replace, and a warehouse not of
    this schema."""
    if lake.exists() and not lake.is_dir():
        raise LakeError(f"{lake}: a file is there, not a directory: choose another path for the lake (--lake DIR)")
    if lake.is_dir() and any(lake.iterdir()) and not manifest_path(lake).is_file():
        raise LakeError(f"{lake}: a directory that is not a Handshake lake (no {MANIFEST}) and is not empty: export "
                        "replaces a lake whole, so choose a new or empty directory")
    if not lake.parent.is_dir():
        raise LakeError(f"{lake}: folder {lake.parent} does not exist: create it, or choose another path")
    source = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()[0]
    if source and Path(source).absolute().parent == lake:
        raise LakeError(f"{lake}: this is the lake's own app file, not a warehouse: export from the warehouse the lake "
                        f"was exported from (--warehouse WAREHOUSE, and unset HANDSHAKE_LAKE)")
    version = warehouse.schema_version(con)
    if version != warehouse.LATEST_VERSION:
        raise LakeError(f"the warehouse has schema {version}, not this Handshake's ({warehouse.LATEST_VERSION}): "
                        "open it read-write once (python -m handshake export opens it so) and export again")
    check_app_free(lake)


def check_app_free(lake: Path) -> None:
    """The app file is carried into the new lake: not while a dashboard holds it (its next writes would be lost)."""
    if not app_path(lake).exists():
        return
    try:
        duckdb.connect(str(app_path(lake))).close()
    except duckdb.Error as e:
        raise LakeError(f"{app_path(lake)}: {warehouse.describe_open_error(app_path(lake), e)}. Stop the dashboard "
                        "reading this lake, export again, then start it") from None


def write_table(con, building: Path, table: str) -> int:
    """One table's Parquet files: TABLE/day=YYYY-MM-DD/data_N.parquet by the UTC day of its PARTITION_BY column
    (no day column in the files, as Spark writes them), else TABLE/data_0.parquet. Returns its row count."""
    target = table_dir(building, table)
    cur = con.cursor()
    try:
        rows = cur.execute(f"select count(*) from {table}").fetchone()[0]
        column = PARTITION_BY.get(table)
        if column and rows:
            # strftime of a null is null, which DuckDB writes as day=__HIVE_DEFAULT_PARTITION__ as Spark does
            cur.execute(f"copy (select *, strftime({column}, '%Y-%m-%d') as day from {table}) to {quoted(target)} "
                        "(format parquet, partition_by (day))")
        else:
            target.mkdir()
            cur.execute(f"copy {table} to {quoted(target / 'data_0.parquet')} (format parquet)")
        return rows
    finally:
        cur.close()


def swap(building: Path, lake: Path, progress=lambda line: None) -> None:
    """Put the complete new lake in place of the old one, with the old one's app file; on failure the old one stays."""
    if not lake.exists():
        os.rename(building, lake)
        return
    old = lake.with_name(f".{lake.name}.replaced-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    os.rename(lake, old)
    try:
        os.rename(building, lake)
    except BaseException:
        os.rename(old, lake)
        raise
    for name in (APP_FILE, APP_FILE + ".wal"):
        if (old / name).exists():
            os.rename(old / name, lake / name)
    progress(f"the new lake is in place; removing the old one ({old})")
    shutil.rmtree(old)


# ---- reading a lake: the app file, its copies of the lake's tables, and following the manifest

def open_lake(lake) -> duckdb.DuckDBPyConnection:
    """A connection to the lake's app file, its copies following the lake's manifest. A lake that is not one, lacks
    a table or is of another schema raises LakeError and nothing is written; the app file is created on first open
    from the lake's copies of the app's tables."""
    lake = Path(lake).absolute()
    manifest = read_manifest(lake)
    if not app_path(lake).exists():
        create_app(lake, manifest)
    con = warehouse.open_file(app_path(lake), create=False)
    try:
        # a table read through a view opens its files' footers on every query: kept once read
        con.execute("set parquet_metadata_cache = true")
        follow(con, lake)
    except BaseException:
        con.close()
        raise
    return con


def create_app(lake: Path, manifest: dict) -> None:
    """The app file, written beside its place and renamed into it: the schema, the app's tables filled from the
    lake's files (their id sequences moved past the ids there), the lake's tables copied."""
    building = lake / f".{APP_FILE}.building-{os.getpid()}"
    building.unlink(missing_ok=True)
    con = duckdb.connect(str(building))
    try:
        warehouse.upgrade(con)
        con.execute("begin transaction")
        for table in APP_TABLES:
            con.execute(f"delete from {table}")
            con.execute(f"insert into {table} {typed_read(lake, table)}")
        for sequence, table, column in con.execute(
                "select regexp_extract(column_default, 'nextval\\(''(\\w+)''\\)', 1), table_name, column_name "
                "from duckdb_columns() where column_default like 'nextval(%' and list_contains($tables, table_name)",
                {"tables": list(APP_TABLES)}).fetchall():
            con.execute(f"select count(nextval({quoted(sequence)})) from range((select coalesce(max({column}), 0) "
                        f"from {table}))")
        sync(con, lake, manifest)
        con.execute("commit")
        con.close()
        os.rename(building, app_path(lake))
    except BaseException:
        con.close()
        building.unlink(missing_ok=True)
        Path(str(building) + ".wal").unlink(missing_ok=True)
        raise


def manifest_identity(lake: Path, manifest: dict) -> str:
    return json.dumps({"lake": str(lake), "written_at": manifest.get("written_at"),
                       "written_by": manifest.get("written_by"), "build": manifest.get("build"),
                       "copy_rows": copy_rows()}, sort_keys=True)


# A lake table of more rows than this is read from its files through a view instead of copied into the app file: the
# rollups (a row per day and group) are copied at any size, lead_facts and the base tables until a copy would cost
# more time on each new manifest and more disk than its faster pages are worth (docs/lake.md, "Copies and views")
COPY_ROWS = 50_000_000


def copy_rows() -> int:
    """The copy limit in rows: HANDSHAKE_LAKE_COPY_ROWS, or COPY_ROWS."""
    value = os.environ.get("HANDSHAKE_LAKE_COPY_ROWS", "").replace("_", "").replace(",", "").strip()
    if not value:
        return COPY_ROWS
    if not value.isdigit():
        raise LakeError(f"HANDSHAKE_LAKE_COPY_ROWS={os.environ['HANDSHAKE_LAKE_COPY_ROWS']!r} is not a number of "
                        f"rows: set it to a whole number such as {COPY_ROWS:_}, or unset it")
    return int(value)


def sync(cur, lake: Path, manifest: dict) -> None:
    """Inside a transaction: the copies of the lake's tables made again (in the order a warehouse keeps them in,
    which its queries' filters skip by), or for a table above the copy limit a view over its files, the meta keys
    that are the lake's (time zone, currency, ...) taken from it, and the versions of those tables bumped so cached
    results are read again. Readers see the old copies until it commits, never a lake half-rewritten."""
    limit = copy_rows()
    kinds = dict(cur.execute("select table_name, table_type from information_schema.tables").fetchall())
    for table in lake_tables():
        as_view = manifest["tables"][table]["rows"] > limit
        if kinds.get(table) == ("BASE TABLE" if as_view else "VIEW"):  # it was read the other way before
            cur.execute(f"drop {'table' if as_view else 'view'} {table}")
        if as_view:
            cur.execute(f"create or replace view {table} as {typed_read(lake, table)}")
            continue
        order = warehouse.LEAD_FACTS_ORDER if table == "lead_facts" else warehouse.ROLLUPS.get(table, [None])[0]
        cur.execute(f"create or replace table {table} as {typed_read(lake, table)}"
                    + (f" order by {order}" if order else ""))
    cur.execute("delete from meta where not (list_contains($own, key) or key like 'version:%')", {"own": list(OWN_META)})
    cur.execute(f"insert into meta select key, value from ({typed_read(lake, 'meta')}) "
                "where not (list_contains($own, key) or key like 'version:%')", {"own": list(OWN_META)})
    cur.execute("insert or replace into meta values ('lake', $lake), ('lake_manifest', $m)",
                {"lake": str(lake), "m": manifest_identity(lake, manifest)})
    warehouse.bump_data_version(cur, [*lake_tables(), "meta"])


_followed: dict[str, tuple] = {}  # lake: the manifest's mtime_ns (and the copy limit) the copies were checked against


def follow(con, lake) -> None:
    """Make the copies follow the lake when its manifest changed (a new export, a build on Spark): a stat per call,
    the manifest read and the copies made again only when it changed. A lake being replaced (no manifest for a
    moment) keeps the copies it has."""
    lake = Path(lake).absolute()
    try:
        stamp = (manifest_path(lake).stat().st_mtime_ns, copy_rows())
    except OSError:
        return
    if _followed.get(str(lake)) == stamp:
        return
    manifest = read_manifest(lake)
    with warehouse.all_or_nothing(con) as cur:
        known = cur.execute("select value from meta where key = 'lake_manifest'").fetchone()
        if known is None or known[0] != manifest_identity(lake, manifest):
            sync(cur, lake, manifest)
    _followed[str(lake)] = stamp


def refuse_write(con, doing: str) -> None:
    """Refuse, in a lake's app file, a write that would change the lake's data: it is made in the warehouse the lake
    is exported from (then exported again), or built on Spark."""
    if doing not in REFUSED:
        return
    cur = con.cursor()
    try:
        row = cur.execute("select value from meta where key = 'lake'").fetchone()
    finally:
        cur.close()
    if row:
        raise LakeReadOnly(f"{REFUSED[doing]} are not made in a lake ({row[0]}): its data is written where it comes "
                           "from. Make the change in the warehouse the lake is exported from, then export it again "
                           f"(python -m handshake export --warehouse WAREHOUSE --lake {row[0]}), or build the lake's "
                           "tables on Spark.")


class LakeReadOnly(LakeError, access.Refused):
    """A write refused because the dashboard reads a lake: pages show it as they show a refusal by role."""
