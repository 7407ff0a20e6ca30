import os
import re
import threading
from datetime import datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from handshake import dashboard, demo, owner, queries, spark, warehouse
from mail_server import Slack, free_port

TESTS = Path(__file__).resolve().parent
APP = str(TESTS.parent / "app.py")
# The demo warehouses the tests share end here, so their numbers never depend on the day the tests run.
DEMO_AS_OF = datetime(2026, 11, 2, 12)
# Every run leaves its report here; a failing end-to-end test leaves its screenshot and page text beside it.
REPORTS = TESTS.parent / "test-results"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if hasattr(config.option, "xmlpath") and not config.option.xmlpath:
        config.option.xmlpath = str(REPORTS / "report.xml")


def as_read(markdown: str) -> str:
    """What a reader sees of markdown whose text from the data was escaped (formats.md): the escapes gone."""
    return re.sub(r"\\(.)", r"\1", markdown, flags=re.S)


@pytest.fixture(autouse=True)
def fresh_caches():
    """The caches (query results, figures) and the shared connections outlive a test; start each one clean."""
    dashboard.clear_caches()
    yield
    dashboard.clear_caches()
    warehouse.close_shared()


@pytest.fixture
def empty_warehouse(tmp_path):
    """A warehouse with the current schema and no rows."""
    path = tmp_path / "empty.duckdb"
    warehouse.open_warehouse(path).close()
    return path


@pytest.fixture
def seed_warehouse(empty_warehouse):
    """The empty warehouse filled with tests/seed.sql: eleven leads worked out by hand."""
    con = warehouse.open_warehouse(empty_warehouse)
    con.execute((TESTS / "seed.sql").read_text())
    warehouse.refresh_lead_facts(con)
    con.close()
    return empty_warehouse


@pytest.fixture
def seed_con(seed_warehouse):
    con = warehouse.open_warehouse(seed_warehouse)
    yield con
    con.close()


@pytest.fixture
def run_query(seed_con):
    """Run a named query on the seed warehouse: run_query(name, **params). Tests change seed rows with
    plain SQL, as an import would; like an import, each query first brings lead_facts up to date."""
    def run(name, **params):
        warehouse.refresh_lead_facts(seed_con)
        return queries.run(seed_con, name, params)
    return run


@pytest.fixture(scope="session")
def demo_warehouses(tmp_path_factory):
    """One small demo warehouse per profile, and the default demo as the app embeds it, made once."""
    folder = tmp_path_factory.mktemp("demos")
    made = {
        profile: demo.generate(folder / f"{profile}.duckdb", profile=profile, leads=3000, as_of=DEMO_AS_OF)
        for profile in demo.PROFILES
    }
    made["default"] = demo.generate(folder / "default.duckdb", as_of=DEMO_AS_OF)
    return made


@pytest.fixture(scope="session")
def spark_session():
    """One local[2] Spark session for every Spark test. Without Java they skip here, and fail under CI=true."""
    try:
        session = spark.session()
    except spark.SparkError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Spark tests cannot run in CI: {error}")
        pytest.skip(str(error))
    # adaptive execution re-plans each stage, which on a few thousand rows costs more than it saves (eight page
    # queries: 46 s with it, 32 s without); the rows are the same either way
    session.conf.set("spark.sql.adaptive.enabled", "false")
    yield session
    session.conf.unset("spark.sql.adaptive.enabled")


@pytest.fixture(scope="session")
def send_demo(tmp_path_factory):
    """A small demo warehouse without the demo's own subscriptions, for the tests that send its digest to
    subscriptions of their own; each test sends from a copy of it."""
    return demo.generate(tmp_path_factory.mktemp("send") / "demo.duckdb", leads=2000, as_of=DEMO_AS_OF,
                         subscribed=False)


@pytest.fixture
def slack():
    made = []

    def start(**kwargs):
        made.append(Slack(**kwargs))
        return made[-1]

    yield start
    for server in made:
        server.close()


@pytest.fixture
def smtp():
    """Start a mail server on a free port: smtp(mailbox) -> the [handshake.smtp] settings that reach it."""
    started = []

    def start(mailbox, port=None):
        port = port or free_port()
        mailbox.controller = Controller(mailbox, hostname="127.0.0.1", port=port)
        mailbox.controller.start()
        started.append(mailbox.controller)
        return {"host": "127.0.0.1", "port": port, "from": "handshake@example.com", "timeout": 1}

    yield start
    for controller in started:
        try:
            controller.stop()
        except (AssertionError, RuntimeError):  # one that went away already
            pass


OWNER_TOKEN = "test-token"


@pytest.fixture
def owner_of(monkeypatch):
    """Hold a warehouse file in an owner (handshake/owner.py) on a free localhost port and point this process at
    it, as `serve` does: owner_of(path) -> (its url, its server)."""
    servers = []

    def start(path):
        server = owner.start(path, "127.0.0.1", 0, OWNER_TOKEN)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        url = f"http://127.0.0.1:{server.server_address[1]}"
        monkeypatch.setenv("HANDSHAKE_OWNER", url)
        monkeypatch.setenv("HANDSHAKE_OWNER_TOKEN", OWNER_TOKEN)
        monkeypatch.setattr(owner, "_remotes", {})
        return url, server

    yield start
    for remote in owner._remotes.values():
        remote.close()
        remote.local.close()
    for server in servers:
        server.shutdown()
        server.server_close()
        server.owner.con.close()
