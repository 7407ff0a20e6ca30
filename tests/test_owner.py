"""The served setup's owner process (handshake/owner.py), run for real on a localhost port: a dashboard process
that reaches the warehouse through it sees exactly what one that opens the file sees, and its writes happen once,
in one transaction each."""

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import duckdb
import pytest

from handshake import actions, dashboard, owner, warehouse
from handshake.access import Person
from test_app import PAGES, open_app, visible_text

ADMIN = Person("Test admin", "admin")


@pytest.fixture
def served(seed_warehouse, owner_of):
    """The seed warehouse held by an owner on a free localhost port, and this process pointed at it."""
    return owner_of(seed_warehouse)[0]


def test_rows_come_back_as_duckdb_gives_them(served, seed_warehouse, tmp_path):
    remote = warehouse.shared_connection(seed_warehouse)
    assert isinstance(remote, owner.Remote)
    copy = tmp_path / "copy.duckdb"  # the owner holds the file: compare with a copy opened here
    shutil.copy(seed_warehouse, copy)
    local = duckdb.connect(str(copy), read_only=True)
    sql = """select 1.25::decimal(18, 2) as amount, date '2026-05-04' as day, [1, 2] as pair, 'Ana' as name,
                    null::varchar as nothing, timestamp '2026-05-04 09:30' as at"""
    assert remote.execute(sql).fetchall() == local.execute(sql).fetchall()
    assert remote.execute(sql).fetchone() == local.execute(sql).fetchone()
    a, b = remote.execute(sql).df(), local.execute(sql).df()
    assert a.equals(b) and list(a.dtypes) == list(b.dtypes)
    params = {"start": date(2000, 1, 1), "end": date(2100, 12, 31)}  # every one of the seed's 11 leads
    sql = "select count(*) from leads where created_at::date between $start and $end"
    assert remote.execute(sql, params).fetchone() == local.execute(sql, params).fetchone() == (11,)


def test_every_page_shows_what_it_shows_on_the_file_itself(served, seed_warehouse, monkeypatch):
    through_owner = {page: visible_text(open_app(monkeypatch, seed_warehouse, page)) for page in PAGES}
    monkeypatch.delenv("HANDSHAKE_OWNER")
    dashboard.clear_caches()
    warehouse.close_shared()
    for page in PAGES:
        assert through_owner[page] == visible_text(open_app(monkeypatch, seed_warehouse, page)), page


def test_an_error_in_a_write_comes_back_as_duckdbs_and_nothing_is_kept(served, seed_warehouse):
    con = warehouse.shared_connection(seed_warehouse)
    good = {"transition": "mql_to_sal", "low_rate": 0.3, "high_rate": 0.5, "changed_by": "t", "changed_at": None}
    bad = dict(good, transition="sal_to_sql", low_rate=0.9)  # low above high breaks a check constraint
    before = warehouse.data_version(con)
    with pytest.raises(duckdb.ConstraintException):
        warehouse.write(con, "update_reference_band", [good, bad], by=ADMIN, doing="ranges")
    rate = "select low_rate from reference_bands where transition = 'mql_to_sal'"
    assert con.execute(rate).fetchone()[0] == 0.4 and warehouse.data_version(con) == before
    warehouse.write(con, "update_reference_band", [good], by=ADMIN, doing="ranges")  # the writer's turn was freed
    assert con.execute(rate).fetchone()[0] == 0.3 and warehouse.data_version(con) == before + 1


def test_writes_from_many_threads_each_happen_once(served, seed_warehouse):
    con = warehouse.shared_connection(seed_warehouse)
    titles = [f"Action {n}" for n in range(12)]
    with ThreadPoolExecutor(6) as pool:
        ids = list(pool.map(lambda t: actions.create(con, t, "Ana", "sales", None, ADMIN, datetime(2026, 5, 4)),
                            titles))
    assert len(set(ids)) == 12
    stored = con.execute("select title from meeting_actions where title like 'Action %' order by title").fetchall()
    assert [t for (t,) in stored] == sorted(titles)


def test_a_transaction_whose_process_went_silent_is_rolled_back(served, seed_warehouse, monkeypatch):
    monkeypatch.setattr(owner, "LEASE_S", 0)
    con = warehouse.shared_connection(seed_warehouse)
    cur = con.cursor()
    cur.execute("begin transaction")
    cur.execute("delete from leads")
    # the dashboard process dies here: no commit, no rollback; the owner's reaper (every 5 s) rolls it back
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            cur.execute("select 1")
        except duckdb.TransactionException as e:
            assert "rolled back" in str(e)
            break
        time.sleep(0.5)
    else:
        pytest.fail("the abandoned transaction was not rolled back")
    assert con.execute("select count(*) from leads").fetchone()[0] == 11
    warehouse.write(con, "update_reference_band", [{"transition": "mql_to_sal", "low_rate": 0.3, "high_rate": 0.5,
                                                    "changed_by": "t", "changed_at": None}], by=ADMIN, doing="ranges")


def test_a_request_without_the_token_is_refused(served, seed_warehouse, monkeypatch):
    stranger = owner.Remote(served, "not the token")
    with pytest.raises(warehouse.WarehouseError, match="refused"):
        stranger.execute("select count(*) from leads")
