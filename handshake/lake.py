"""A lake: the warehouse's tables as Parquet in a directory, with a manifest (docs/lake.md). This module is the
layout's one definition: the manifest, where a table's files are, and its checks. DuckDB writes a lake (export) and
reads one (open_lake); Spark (handshake/spark.py) builds the derived tables of one with the same functions."""

import functools
import json
import os
from pathlib import Path

import duckdb

from handshake import warehouse

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


class LakeError(Exception):
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
