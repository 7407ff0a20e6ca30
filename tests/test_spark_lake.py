"""The derived tables built on Spark from a lake (handshake/spark_lake.py) equal the warehouse's own, and `kpis --engine
spark` prints what `kpis` prints. Real Spark (local[2]) on a real exported demo; without Java these tests skip,
except under CI=true, where they fail."""

import json
import os
import shutil
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from handshake import access, cli, lake, serve, spark_lake, warehouse
from tests.conftest import TESTS


@pytest.fixture(scope="module")
def exported(tmp_path_factory, spark_session):
    """The seed's eleven leads in São Paulo's time zone (their local days are not UTC days), and the lake exported
    from them. Few days, so few files: Spark pays per file, and the parity of the derived tables over a whole demo
    is tests/test_spark_parity.py's."""
    folder = tmp_path_factory.mktemp("build")
    path = folder / "seed.duckdb"
    con = warehouse.open_warehouse(path)
    con.execute((TESTS / "seed.sql").read_text())
    warehouse.set_timezone(con, "America/Sao_Paulo", by=access.Person("test", "admin"))
    warehouse.refresh_lead_facts(con)
    lake.export(con, folder / "lake")
    con.close()
    return path, folder / "lake"


def rows(con, sql: str, columns: list[str]) -> pd.DataFrame:
    frame = con.execute(sql).df()
    return frame.sort_values(columns, na_position="first", ignore_index=True)


def without_derived(exported_lake, built):
    """A copy of the lake with its exported derived tables emptied: what it holds after a build is Spark's alone."""
    shutil.copytree(exported_lake, built)
    for table in spark_lake.ORDER:
        shutil.rmtree(lake.table_dir(built, table))
        lake.table_dir(built, table).mkdir()
    return built


def test_every_derived_table_built_on_spark_equals_the_warehouses(exported, tmp_path):
    path, built = exported[0], without_derived(exported[1], tmp_path / "lake")
    lines = []
    manifest = spark_lake.build(built, progress=lines.append)
    assert manifest["build"]["engine"] == "spark" and len(lines) == len(spark_lake.ORDER)
    assert lake.read_manifest(built)["build"]["master"] == "local[2]"
    assert_derived_equal(built, path)


EMPTY_ON_THE_SEED = set()


def assert_derived_equal(built, path):
    """Every derived table of the lake equals the warehouse's, row by row, numbers within 1e-9, and the manifest
    counts its rows."""
    manifest = lake.read_manifest(built)
    con = duckdb.connect()
    stored = warehouse.open_warehouse(path)
    try:
        for table in spark_lake.ORDER:
            columns = [c for c, _ in lake.expected_tables()[table]]
            expected = rows(stored, f"select * from {table}", columns)
            got = rows(con, lake.typed_read(built, table), columns)
            assert manifest["tables"][table]["rows"] == len(expected), table
            assert len(expected) > 0 or table in EMPTY_ON_THE_SEED, table
            pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-9, obj=table)
    finally:
        stored.close()
        con.close()


def changed_warehouse(source, folder):
    """A copy of the warehouse after what an import does to a few days: a touch moved to another lead, a lead's MQL
    moved a day, a new lead with a touch that is the newest moment (so recycling is judged again), a deal won."""
    path = folder / "changed.duckdb"
    shutil.copy(source, path)
    con = warehouse.open_warehouse(path)
    con.execute("""
        update follow_ups set lead_id = (select max(lead_id) from leads where mql_at is not null)
        where follow_up_id = (select min(follow_up_id) from follow_ups);
        update leads set mql_at = mql_at + interval 1 day
        where lead_id = (select min(lead_id) from leads where mql_at is not null);
        insert into leads (lead_id, created_at, source, segment, region, lead_score, mql_at, status)
        select max(lead_id) + 1, timestamp '2026-04-02 10:00', 'webinar', 'SMB', 'North', 80, timestamp '2026-04-02 10:05', 'mql'
        from leads;
        insert into follow_ups (follow_up_id, lead_id, rep_id, touched_at, channel, outcome)
        select max(follow_up_id) + 1, (select max(lead_id) from leads), null, timestamp '2026-04-02 11:30', 'call',
            'connected'
        from follow_ups;
        update opportunities set closed_date = date '2026-04-01', is_won = true, stage = 'won'
        where opportunity_id = (select min(opportunity_id) from opportunities where closed_date is null);
        """)
    warehouse.refresh_lead_facts(con)
    con.close()
    return path


def test_a_build_after_a_few_days_changed_rebuilds_those_days_and_equals_the_warehouse(exported, tmp_path):
    path, exported_lake = exported
    built = tmp_path / "lake"
    shutil.copytree(exported_lake, built)
    first = spark_lake.build(built, progress=lambda line: None)
    assert first["build"]["incremental"] is False
    # the base tables rewritten as a loader would (every file new), the derived ones still the first build's
    changed = changed_warehouse(path, tmp_path)
    con = warehouse.open_warehouse(changed)
    lake.export(con, tmp_path / "changed_lake")
    con.close()
    for table in spark_lake.DAY_INPUTS:
        shutil.rmtree(lake.table_dir(built, table))
        shutil.copytree(lake.table_dir(tmp_path / "changed_lake", table), lake.table_dir(built, table))
    manifest = spark_lake.build(built, progress=lambda line: None)
    assert manifest["build"]["incremental"] is True
    # leads: the MQL moved and the new lead's day; follow_ups: the moved touch's day and the new touch's;
    # opportunities: the won deal's day (by its opening); revenue: none
    days = manifest["build"]["changed_days"]
    assert days["leads"] == 2 and days["follow_ups"] == 2 and days["opportunities"] <= 1 and days["revenue"] == 0, days
    assert manifest["build"]["changed_days"]
    assert_derived_equal(built, changed)


def test_a_new_agreement_rebuilds_everything(exported, tmp_path):
    path, exported_lake = exported
    built = tmp_path / "lake"
    shutil.copytree(exported_lake, built)
    spark_lake.build(built, progress=lambda line: None)
    changed = tmp_path / "agreed.duckdb"
    shutil.copy(path, changed)
    con = warehouse.open_warehouse(changed)
    con.execute("update agreements set mql_score_threshold = mql_score_threshold + 10")
    warehouse.refresh_lead_facts(con)
    lake.export(con, tmp_path / "agreed_lake")
    con.close()
    shutil.rmtree(lake.table_dir(built, "agreements"))
    shutil.copytree(lake.table_dir(tmp_path / "agreed_lake", "agreements"), lake.table_dir(built, "agreements"))
    assert spark_lake.build(built, progress=lambda line: None)["build"]["incremental"] is False
    assert_derived_equal(built, changed)


@pytest.fixture(scope="module")
def connect_server(spark_session):
    """A Spark Connect server on a free port of localhost, in a process of its own, as a cluster's would be."""
    port = serve.free_port()
    server = subprocess.Popen([sys.executable, str(TESTS / "spark_connect_server.py"), str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout.readline().strip() == "ready", "the Spark Connect server did not start"
        yield f"sc://127.0.0.1:{port}"
    finally:
        server.kill()
        server.wait()


def test_a_build_through_spark_connect_equals_the_warehouse(exported, connect_server, tmp_path):
    path, built = exported[0], without_derived(exported[1], tmp_path / "lake")
    # the command line, as a user runs it (and a process with a local session may not open a remote one)
    result = subprocess.run([sys.executable, "-m", "handshake", "build", "--engine", "spark", "--lake", str(built),
                             "--spark-remote", connect_server], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"built 9 tables of {built} on Spark ({connect_server})" in result.stderr
    assert lake.read_manifest(built)["build"]["master"] == connect_server
    assert_derived_equal(built, path)
    period = ["--start", "2026-01-01", "--end", "2026-03-31", "--now", "2026-04-01T12:00"]
    on_connect = subprocess.run([sys.executable, "-m", "handshake", "kpis", "--engine", "spark", "--lake", str(built),
                                 "--spark-remote", connect_server, *period], capture_output=True, text=True, timeout=600)
    on_duckdb = subprocess.run([sys.executable, "-m", "handshake", "kpis", "--warehouse", str(path), *period],
                               capture_output=True, text=True, timeout=600)
    assert json.loads(on_connect.stdout) == json.loads(on_duckdb.stdout), on_connect.stderr[-2000:]


def kpis_json(capsys, *arguments) -> dict:
    assert cli.main(["kpis", "--start", "2026-01-01", "--end", "2026-03-31", "--now", "2026-04-01T12:00",
                     *arguments]) == 0
    return json.loads(capsys.readouterr().out)


def test_kpis_on_spark_print_the_same_json_as_on_duckdb(exported, capsys):
    path, exported_lake = exported
    on_duckdb = kpis_json(capsys, "--warehouse", str(path))
    on_spark = kpis_json(capsys, "--engine", "spark", "--lake", str(exported_lake))
    assert on_spark == on_duckdb
    assert on_duckdb["mql_count"] > 0


def snapshot(folder) -> dict:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def test_a_lake_missing_a_table_is_refused_and_nothing_is_written(exported, tmp_path):
    broken = tmp_path / "lake"
    shutil.copytree(exported[1], broken)
    shutil.rmtree(lake.table_dir(broken, "follow_ups"))
    before = snapshot(broken)
    with pytest.raises(lake.LakeError, match="has no table follow_ups|table follow_ups is missing"):
        spark_lake.build(broken)
    assert snapshot(broken) == before


def test_an_unreachable_spark_connect_address_is_refused_and_nothing_is_written(exported, tmp_path):
    target = tmp_path / "lake"
    shutil.copytree(exported[1], target)
    before = snapshot(target)
    address = f"sc://127.0.0.1:{serve.free_port()}"
    result = subprocess.run([sys.executable, "-m", "handshake", "build", "--engine", "spark", "--lake", str(target),
                             "--spark-remote", address], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert f"no Spark Connect server answers at {address}" in result.stderr
    assert snapshot(target) == before


def test_without_java_the_build_says_to_install_it_and_writes_nothing(exported, tmp_path):
    target = tmp_path / "lake"
    shutil.copytree(exported[1], target)
    before = snapshot(target)
    python_only = tmp_path / "bin"
    python_only.mkdir()
    environment = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    environment["PATH"] = str(python_only)  # no java on it
    result = subprocess.run([sys.executable, "-m", "handshake", "build", "--engine", "spark", "--lake", str(target)],
                            capture_output=True, text=True, timeout=120, env=environment)
    assert result.returncode == 2
    assert "apt-get install openjdk-17-jre-headless" in result.stderr
    assert snapshot(target) == before
