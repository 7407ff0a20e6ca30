"""The lake (handshake/lake.py, docs/lake.md): its manifest and checks, export from a warehouse, and the
dashboard and command line reading one."""

import json
import re

import pytest

from handshake import lake, warehouse


def listed_lake(folder, schema_version=warehouse.LATEST_VERSION):
    """A manifest listing every table of the schema, each with its (empty) directory: what the checks look at."""
    tables = {t: {"role": lake.role(t), "partition_by": lake.PARTITION_BY.get(t), "rows": 0, "columns": columns}
              for t, columns in lake.expected_tables().items()}
    for table in tables:
        lake.table_dir(folder, table).mkdir(parents=True)
    lake.write_manifest(folder, {"format": lake.FORMAT, "layout_version": lake.LAYOUT_VERSION,
                                 "schema_version": schema_version, "written_at": "2026-12-07T07:00:00+00:00",
                                 "written_by": "export", "build": None, "tables": tables})
    return folder


def test_manifest_written_is_read_back(tmp_path):
    listed_lake(tmp_path)
    manifest = lake.read_manifest(tmp_path)
    assert manifest["tables"]["leads"]["partition_by"] == "created_at"
    assert manifest["tables"]["mql_daily"]["role"] == "derived"
    assert not (tmp_path / "_handshake.json.tmp").exists()


def test_partition_columns_are_the_tables_columns():
    for table, column in lake.PARTITION_BY.items():
        assert column in [c for c, _ in lake.expected_tables()[table]], (table, column)
    assert set(lake.DERIVED) <= set(lake.expected_tables())


def test_a_directory_without_a_manifest_is_not_a_lake(tmp_path):
    (tmp_path / "leads").mkdir()
    with pytest.raises(lake.LakeError, match=r"not a Handshake lake \(it has no _handshake.json\).*export --lake"):
        lake.read_manifest(tmp_path)


def test_a_lake_missing_a_table_names_it_and_its_directory(tmp_path):
    listed_lake(tmp_path)
    lake.table_dir(tmp_path, "revenue_daily").rmdir()
    with pytest.raises(lake.LakeError, match=r"table revenue_daily is missing \(no directory .*revenue_daily\)"):
        lake.read_manifest(tmp_path)


def test_a_lake_of_an_older_schema_says_which_and_what_to_run(tmp_path):
    older = warehouse.LATEST_VERSION - 1
    listed_lake(tmp_path, schema_version=older)
    with pytest.raises(lake.LakeError, match=rf"written by schema {older}, older than this Handshake's "
                                             rf"\({warehouse.LATEST_VERSION}\).*export --lake.*build --engine spark"):
        lake.read_manifest(tmp_path)


def test_a_manifest_of_another_format_is_refused(tmp_path):
    (tmp_path / "_handshake.json").write_text(json.dumps({"format": "delta"}))
    with pytest.raises(lake.LakeError, match="not a Handshake lake's manifest"):
        lake.read_manifest(tmp_path)


# ---- export and reading, on real lakes

import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from conftest import APP, DEMO_AS_OF, TESTS
from handshake import actions, agreements, demo, importer, mappings
from handshake.access import Person

ADMIN = Person("Test admin", "admin")
ZONE = "America/Sao_Paulo"  # a non-UTC organisation: a lead's UTC day and its local day differ
PAGES = sorted(f"pages/{p.name}" for p in (TESTS.parent / "pages").glob("*.py"))


def cli(*args, **env):
    return subprocess.run([sys.executable, "-m", "handshake", *map(str, args)], cwd=TESTS.parent,
                          capture_output=True, text=True, env={**__import__("os").environ, **env})


def snapshot(folder: Path) -> dict:
    """Every file below a folder with its bytes: what 'nothing written' compares."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A 3,000-lead demo in a non-UTC zone, and the lake exported from it by the command line."""
    folder = tmp_path_factory.mktemp("lake")
    path = demo.generate(folder / "demo.duckdb", leads=3000, as_of=DEMO_AS_OF)
    con = warehouse.open_warehouse(path)
    warehouse.set_timezone(con, ZONE, by=ADMIN)
    con.close()
    done = cli("export", "--warehouse", path, "--lake", folder / "lake")
    assert done.returncode == 0, done.stderr
    return path, folder / "lake", done.stderr


@pytest.fixture
def lake_copy(exported, tmp_path):
    """A lake of its own for a test that writes to it or breaks it, as export leaves it (no app file yet)."""
    return Path(shutil.copytree(exported[1], tmp_path / "lake", ignore=shutil.ignore_patterns(lake.APP_FILE + "*")))


def test_export_writes_every_table_in_the_layout_with_the_warehouses_rows_and_types(exported):
    path, folder, said = exported
    manifest = lake.read_manifest(folder)
    assert manifest["written_by"] == "export" and set(manifest["tables"]) == set(lake.expected_tables())
    assert "33/33" in said and f"wrote {folder}" in said  # 31 tables, and schema 17's subscription_people and kpi_alert_state
    con = duckdb.connect(str(path), read_only=True)
    reader = duckdb.connect()
    for table, columns in lake.expected_tables().items():
        entry = manifest["tables"][table]
        rows = con.execute(f"select * from {table}").fetchall()
        assert entry["rows"] == len(rows) and entry["columns"] == columns, table
        read = reader.execute(lake.typed_read(folder, table))
        assert [d[0] for d in read.description] == [c for c, _ in columns]
        assert sorted(map(repr, read.fetchall())) == sorted(map(repr, rows)), table
        files = sorted(p.relative_to(lake.table_dir(folder, table)) for p in lake.table_dir(folder, table).rglob("*.parquet"))
        column = lake.PARTITION_BY.get(table)
        if column is None:
            assert files == [Path("data_0.parquet")], table
            continue
        # one directory per UTC day of the column, named as Spark names it, and no day column in the files
        days = {r[0] or lake.NULL_DAY for r in con.execute(f"select distinct strftime({column}, '%Y-%m-%d') from {table}").fetchall()}
        assert {f.parts[0] for f in files} == {f"day={d}" for d in days}, table
        assert "day" not in [r[0] for r in reader.execute(
            f"describe select * from read_parquet({lake.quoted(str(lake.table_dir(folder, table) / files[0]))}, hive_partitioning = false)").fetchall()]
    con.close()


def test_kpis_and_stage_on_the_lake_equal_the_warehouses(exported, tmp_path):
    path, folder, _ = exported
    for command in (["kpis", "--now", "2026-11-02T12:00"], ["stage"]):
        on_lake = cli(*command, "--lake", folder)
        on_warehouse = cli(*command, "--warehouse", path)
        assert on_lake.returncode == 0 and on_warehouse.returncode == 0, on_lake.stderr + on_warehouse.stderr
        assert json.loads(on_lake.stdout) == json.loads(on_warehouse.stdout)
    assert json.loads(on_lake.stdout)["criteria"]  # not two empty answers


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_a_lake(monkeypatch, exported, page):
    monkeypatch.setenv("HANDSHAKE_LAKE", str(exported[1]))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_the_apps_own_writes_go_to_the_app_file_and_outlive_a_new_export(exported, lake_copy):
    path, _, _ = exported
    con = lake.open_lake(lake_copy)
    before = con.execute("select max(action_id) from meeting_actions").fetchone()[0]
    made = actions.create(con, "Call the webinar leads", "Ana", None, None, by=ADMIN, at=datetime(2026, 11, 2, 13))
    assert made > before  # the id sequence moved past the ids the lake held
    versions = warehouse.versions(con)
    con.close()
    warehouse_con = warehouse.open_warehouse(path)
    lake.export(warehouse_con, lake_copy)
    warehouse_con.close()
    con = lake.open_lake(lake_copy)  # the same app file, its views made again over the new export
    assert con.execute("select title from meeting_actions where action_id = $id", {"id": made}).fetchone() == (
        "Call the webinar leads",)
    again = warehouse.versions(con)
    assert again["version:leads"] > versions["version:leads"] and again["version:mql_daily"] > versions["version:mql_daily"]
    assert again["version:meeting_actions"] == versions["version:meeting_actions"]
    assert warehouse.organisation_timezone(warehouse.meta(con)) == ZONE
    con.close()


def test_a_running_reader_follows_a_new_manifest(exported, lake_copy):
    con = lake.open_lake(lake_copy)
    leads = con.execute("select count(*) from leads").fetchone()[0]
    version = warehouse.versions(con)["version:leads"]
    manifest = lake.read_manifest(lake_copy)
    # a build elsewhere (as Spark's) rewrites a table and the manifest: here, leads halved
    shutil.rmtree(lake.table_dir(lake_copy, "leads"))
    lake.table_dir(lake_copy, "leads").mkdir()
    con.execute(f"copy (from read_parquet({lake.quoted(lake.table_files(exported[1], 'leads'))}) limit {leads // 2}) "
                f"to {lake.quoted(lake.table_dir(lake_copy, 'leads') / 'data_0.parquet')}")
    lake.write_manifest(lake_copy, dict(manifest, written_at="2026-12-07T13:00:00+00:00", written_by="spark"))
    lake.follow(con, lake_copy)
    assert con.execute("select count(*) from leads").fetchone()[0] == leads // 2
    assert warehouse.versions(con)["version:leads"] > version
    con.close()


def kinds(con) -> dict[str, str]:
    return dict(con.execute("select table_name, table_type from information_schema.tables").fetchall())


def test_a_table_above_the_copy_limit_is_read_through_a_view_with_the_same_numbers(exported, lake_copy, monkeypatch):
    path = exported[0]
    rows = {t: entry["rows"] for t, entry in lake.read_manifest(lake_copy)["tables"].items()}
    limit = rows["leads"] - 1  # the 3,000 leads and their facts above it; the rollups of days below
    monkeypatch.setenv("HANDSHAKE_LAKE_COPY_ROWS", str(limit))
    con = lake.open_lake(lake_copy)
    read = kinds(con)
    con.close()
    assert {t: read[t] for t in lake.lake_tables()} == {
        t: "VIEW" if rows[t] > limit else "BASE TABLE" for t in lake.lake_tables()}
    assert {"leads", "lead_facts"} <= {t for t, kind in read.items() if kind == "VIEW"}
    assert "BASE TABLE" in {read[t] for t in warehouse.ROLLUPS}
    for command in (["kpis", "--now", "2026-11-02T12:00"], ["stage"]):
        on_views = cli(*command, "--lake", lake_copy, HANDSHAKE_LAKE_COPY_ROWS=str(limit))
        on_warehouse = cli(*command, "--warehouse", path)
        assert on_views.returncode == 0, on_views.stderr
        assert json.loads(on_views.stdout) == json.loads(on_warehouse.stdout)
    # the limit raised again: the next open copies them
    monkeypatch.delenv("HANDSHAKE_LAKE_COPY_ROWS")
    con = lake.open_lake(lake_copy)
    assert {kinds(con)[t] for t in lake.lake_tables()} == {"BASE TABLE"}
    con.close()
    refused = cli("kpis", "--lake", lake_copy, HANDSHAKE_LAKE_COPY_ROWS="lots")
    assert refused.returncode == 2 and "HANDSHAKE_LAKE_COPY_ROWS='lots' is not a number of rows" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_writes_that_change_the_lakes_data_are_refused_and_say_where_to_make_them(exported, lake_copy):
    con = lake.open_lake(lake_copy)
    before = snapshot(lake_copy)
    leads = con.execute("select count(*) from leads").fetchone()[0]
    examples = mappings.MAPPING_DIR / "examples"
    attempts = [
        lambda: importer.run(con, TESTS / "data" / "xeducation_leads_slice.csv",
                             mappings.load(str(examples / "xeducation_leads.toml")), by=ADMIN),
        lambda: agreements.add_version(con, DEMO_AS_OF.date(), {}, by=ADMIN, note=None, at=DEMO_AS_OF),
        lambda: warehouse.set_timezone(con, "Europe/Berlin", by=ADMIN),
    ]
    for attempt in attempts:
        with pytest.raises(lake.LakeReadOnly, match=r"not made in a lake .*export --warehouse WAREHOUSE --lake"):
            attempt()
    assert con.execute("select count(*) from leads").fetchone()[0] == leads
    assert warehouse.organisation_timezone(warehouse.meta(con)) == ZONE
    con.close()
    assert {k: v for k, v in snapshot(lake_copy).items() if not k.startswith(lake.APP_FILE)} == \
        {k: v for k, v in before.items() if not k.startswith(lake.APP_FILE)}


# ---- bad input: one clear message, nothing written

def broken(lake_copy, how: str) -> Path:
    if how == "missing table":
        shutil.rmtree(lake.table_dir(lake_copy, "revenue_daily"))
    elif how == "older schema":
        manifest = lake.read_manifest(lake_copy)
        lake.write_manifest(lake_copy, dict(manifest, schema_version=warehouse.LATEST_VERSION - 1))
    else:
        lake.manifest_path(lake_copy).unlink()
    return lake_copy


BROKEN = {"missing table": r"table revenue_daily is missing \(no directory",
          "older schema": rf"written by schema {warehouse.LATEST_VERSION - 1}, older than",
          "not a lake": r"not a Handshake lake \(it has no _handshake.json\)"}


@pytest.mark.parametrize("how", BROKEN)
def test_a_bad_lake_exits_2_with_its_message_and_writes_nothing(lake_copy, how):
    folder = broken(lake_copy, how)
    before = snapshot(folder)
    for command in ("kpis", "stage"):
        done = cli(command, "--lake", folder)
        assert done.returncode == 2 and done.stdout == ""
        assert re.search(BROKEN[how], done.stderr) and done.stderr.startswith("error: ")
    assert snapshot(folder) == before and not lake.app_path(folder).exists()


@pytest.mark.parametrize("how", BROKEN)
def test_a_bad_lake_is_the_dashboards_error(monkeypatch, lake_copy, how):
    folder = broken(lake_copy, how)
    before = snapshot(folder)
    monkeypatch.setenv("HANDSHAKE_LAKE", str(folder))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] and re.search(BROKEN[how], at.error[0].value)
    assert snapshot(folder) == before and not lake.app_path(folder).exists()


def test_export_to_a_file_is_refused_and_the_file_kept(exported, tmp_path):
    target = tmp_path / "lake"
    target.write_text("not a lake")
    done = cli("export", "--warehouse", exported[0], "--lake", target)
    assert done.returncode == 2 and "a file is there, not a directory" in done.stderr
    assert target.read_text() == "not a lake" and sorted(p.name for p in tmp_path.iterdir()) == ["lake"]


def test_export_into_a_directory_of_other_files_is_refused(exported, tmp_path):
    (tmp_path / "lake").mkdir()
    (tmp_path / "lake" / "notes.txt").write_text("mine")
    done = cli("export", "--warehouse", exported[0], "--lake", tmp_path / "lake")
    assert done.returncode == 2 and "not a Handshake lake" in done.stderr and "choose a new or empty" in done.stderr
    assert snapshot(tmp_path) == {"lake/notes.txt": b"mine"}


def test_an_export_that_fails_half_way_leaves_the_old_lake_as_it_was(exported, lake_copy):
    before = snapshot(lake_copy)
    con = warehouse.open_warehouse(exported[0])

    def interrupted(line):
        if line.startswith("10/"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        lake.export(con, lake_copy, progress=interrupted)
    con.close()
    assert snapshot(lake_copy) == before
    assert sorted(p.name for p in lake_copy.parent.iterdir()) == ["lake"]  # no half-written sibling left


def test_export_over_a_lake_a_dashboard_reads_is_refused_and_the_lake_kept(exported, lake_copy):
    lake.open_lake(lake_copy).close()  # the app file, as a dashboard's first page makes it
    before = snapshot(lake_copy)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(lake.app_path(lake_copy))!r}); "
                               "print('open', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        done = cli("export", "--warehouse", exported[0], "--lake", lake_copy)
        assert done.returncode == 2 and "Stop the dashboard reading this lake, export again" in done.stderr
        assert snapshot(lake_copy) == before
        assert sorted(p.name for p in lake_copy.parent.iterdir()) == ["lake"]
    finally:
        holder.kill()
        holder.wait()


def test_the_command_lines_writes_on_a_lake_are_refused_whichever_way_it_is_named(exported, lake_copy, tmp_path):
    """HANDSHAKE_LAKE makes a lake's app file the default --warehouse: the commands that write open it as the lake."""
    csv = tmp_path / "leads.csv"
    csv.write_text("lead_id,created_at,source\nC-1,2026-03-02 09:00,Google\n")
    lake.open_lake(lake_copy).close()
    before = snapshot(lake_copy)
    leads = duckdb.connect(str(lake.app_path(lake_copy))).execute("select count(*) from leads").fetchone()[0]
    env = {"HANDSHAKE_LAKE": str(lake_copy)}
    settings = cli("settings", "--timezone", "Europe/Berlin", **env)
    assert settings.returncode == 2 and "not made in a lake" in settings.stderr
    imported = cli("import", csv, "--kind", "leads", **env)
    assert imported.returncode == 1 and "Imports are not made in a lake" in imported.stderr
    itself = cli("export", "--lake", lake_copy, **env)
    assert itself.returncode == 2 and "the lake's own app file, not a warehouse" in itself.stderr
    after = snapshot(lake_copy)
    assert {k: v for k, v in after.items() if not k.startswith(lake.APP_FILE)} == \
        {k: v for k, v in before.items() if not k.startswith(lake.APP_FILE)}
    con = lake.open_lake(lake_copy)
    assert con.execute("select count(*) from leads").fetchone()[0] == leads
    assert warehouse.organisation_timezone(warehouse.meta(con)) == ZONE
    con.close()
