"""The lake (handshake/lake.py, docs/lake.md): its manifest and checks, export from a warehouse, and the
dashboard and command line reading one."""

import json

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
