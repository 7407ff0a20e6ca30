"""Bad input to the Spark adapter: no Java, an unreachable or malformed Spark Connect address. One clear message
each, and nothing written. None of these needs Java or a running Spark."""

import subprocess
import sys
import time

import pytest
from e2e.browsing import free_port

from handshake import spark

ROOT = spark.queries.QUERY_DIR.parent


def test_without_java_the_session_says_to_install_it_and_starts_nothing(tmp_path):
    # in a process of its own: the tests' shared session, if one runs, is left alone
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    script = ("from handshake import spark\n"
              "try:\n    spark.session()\nexcept spark.SparkError as error:\n    print(error)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={"PATH": str(empty_path), "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "no java on PATH, JAVA_HOME unset" in done.stdout
    assert "apt-get install openjdk-17-jre-headless" in done.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["bin"]


def test_an_unreachable_spark_connect_address_is_named_within_seconds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    address = f"sc://127.0.0.1:{free_port()}"  # bound a moment ago and let go: nothing listens there
    started = time.monotonic()
    with pytest.raises(spark.SparkError) as raised:
        spark.session(address)
    assert time.monotonic() - started < 5
    assert f"no Spark Connect server answers at {address}" in str(raised.value)
    assert "check that the server is running" in str(raised.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("address", ["127.0.0.1:15002", "http://127.0.0.1:15002", "sc://127.0.0.1"])
def test_a_spark_connect_address_not_written_as_sc_host_port_is_refused(address):
    with pytest.raises(spark.SparkError, match=r"is not a Spark Connect address: write it as sc://HOST:PORT"):
        spark.session(address)


def test_a_derived_table_the_warehouse_does_not_have_is_refused():
    with pytest.raises(spark.SparkError, match=r"'leads' is not a derived table: name lead_facts or one of mql_daily"):
        spark.derived_sql("leads")
