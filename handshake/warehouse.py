"""The DuckDB warehouse file: opening, schema upgrades, the shared connection and the data version."""

import functools
import os
import re
import threading
import time
import zoneinfo
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from handshake import access, queries
from handshake.formats import plural

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "queries" / "schema"
DEFAULT_PATH = ROOT / "data" / "warehouse.duckdb"


class WarehouseError(Exception):
    """A warehouse that cannot be used, with a message that says what to do."""


class WarehouseLocked(WarehouseError):
    """Another process holds the file: DuckDB lets one process at a time open it for writing."""

    def __init__(self, message: str, pid: int | None):
        super().__init__(message)
        self.pid = pid


def migrations() -> list[tuple[int, Path]]:
    """The schema files in order, as (version, path); 001_core.sql is version 1."""
    files = sorted(SCHEMA_DIR.glob("[0-9][0-9][0-9]_*.sql"))
    return [(int(f.name[:3]), f) for f in files]


LATEST_VERSION = migrations()[-1][0]


@functools.cache
def _resolved(path: str) -> Path:
    return Path(path).resolve()


def configured_path() -> Path:
    """The warehouse the app uses: a lake's app file when $HANDSHAKE_LAKE names one (docs/lake.md), else
    $HANDSHAKE_WAREHOUSE, or data/warehouse.duckdb."""
    # resolved once per value: a page asks for it with every query, and resolving reads the file system
    if configured_lake():
        return configured_lake() / "app.duckdb"
    return _resolved(os.environ.get("HANDSHAKE_WAREHOUSE") or str(DEFAULT_PATH))


def configured_lake() -> Path | None:
    """The lake the app reads ($HANDSHAKE_LAKE), or None."""
    return _resolved(os.environ["HANDSHAKE_LAKE"]) if os.environ.get("HANDSHAKE_LAKE") else None


def schema_version(con) -> int:
    has_meta = con.execute(
        "select count(*) from information_schema.tables where table_name = 'meta'"
    ).fetchone()[0]
    if not has_meta:
        return 0
    row = con.execute("select value from meta where key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def upgrade(con, target: int = LATEST_VERSION) -> int:
    """Apply the schema files above the warehouse's version, each in its own transaction."""
    current = schema_version(con)
    if current > LATEST_VERSION:
        raise WarehouseError(
            f"this warehouse has schema version {current}, newer than this Handshake "
            f"understands ({LATEST_VERSION}): upgrade Handshake (git pull; pip install -r requirements.txt)"
        )
    for version, path in migrations():
        if current < version <= target:
            con.execute("begin transaction")
            try:
                con.execute(path.read_text())
                con.execute(
                    "insert or replace into meta values ('schema_version', $v)", {"v": str(version)}
                )
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
            current = version
    return current


def open_warehouse(path, create: bool = True, target: int = LATEST_VERSION):
    """Open (or create) a warehouse file read-write and bring its schema up to date. A lake's app file is opened as
    the lake (lake.open_lake: checked, made from the lake, its copies current), whichever command names it."""
    path = Path(path)
    if path.name == "app.duckdb" and (path.parent / "_handshake.json").is_file():
        from handshake import lake  # lake reads this module
        return lake.open_lake(path.parent)
    return open_file(path, create, target)


def open_file(path: Path, create: bool = True, target: int = LATEST_VERSION):
    """open_warehouse of the file itself."""
    if not create and not path.exists():
        raise WarehouseError(f"{path}: no warehouse here; create one with: python -m handshake demo --warehouse {path}")
    if create and not path.parent.exists():
        raise WarehouseError(f"{path}: folder {path.parent} does not exist")
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            pid = re.search(r"PID (\d+)", str(e))
            raise WarehouseLocked(describe_open_error(path, e), int(pid.group(1)) if pid else None) from None
        raise WarehouseError(describe_open_error(path, e)) from None
    except duckdb.Error as e:
        raise WarehouseError(f"{path}: cannot open as a DuckDB warehouse ({first_line(e)})") from None
    try:
        upgrade(con, target)
    except BaseException:
        con.close()
        raise
    return con


def describe_open_error(path, error) -> str:
    text = str(error)
    if "lock" in text.lower():
        pid = re.search(r"PID (\d+)", text)
        who = f" (process {pid.group(1)})" if pid else ""
        return (
            f"{path}: another process holds this warehouse{who}, and only one process may write a DuckDB file. "
            "If it is the dashboard, import on its Import data page; otherwise stop that process and run this "
            "again, or point HANDSHAKE_WAREHOUSE/--warehouse at another file"
        )
    if "permission" in text.lower() or "read-only" in text.lower():
        return f"{path}: not writable: choose a folder you can write to"
    if "not a valid duckdb" in text.lower() or "corrupt" in text.lower() or "magic" in text.lower():
        return f"{path}: not a DuckDB warehouse (the file is damaged or of another kind): move it aside or choose another path"
    return f"{path}: cannot open ({first_line(error)})"


def first_line(error) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


_connections: dict[Path, duckdb.DuckDBPyConnection] = {}
_lock = threading.Lock()


def owner_url() -> str | None:
    """The owner process this dashboard process reaches the warehouse through (HANDSHAKE_OWNER, set by
    `python -m handshake serve`), or None when it opens the file itself."""
    return os.environ.get("HANDSHAKE_OWNER") or None


def shared_connection(path) -> duckdb.DuckDBPyConnection:
    """One connection per warehouse file for the whole process; callers take a cursor() per query. In the served
    setup it is the owner process's connection, reached over localhost (handshake/owner.py)."""
    if owner_url():
        from handshake import owner
        return owner.connect(owner_url())
    path, lake_dir = Path(path).resolve(), configured_lake()
    if lake_dir and path.parent == lake_dir:
        from handshake import lake  # lake reads this module
        with _lock:
            if path not in _connections:
                _connections[path] = lake.open_lake(lake_dir)
        lake.follow(_connections[path], lake_dir)  # a new export or Spark build shows at the next query
        return _connections[path]
    with _lock:
        if path not in _connections:
            _connections[path] = open_warehouse(path, create=False)
        return _connections[path]


def close_shared(path=None) -> None:
    """Close the shared connection to one warehouse, or to all of them."""
    with _lock:
        for p in [Path(path).resolve()] if path else list(_connections):
            con = _connections.pop(p, None)
            if con is not None:
                con.close()


def data_version(con) -> int:
    """A number that changes whenever data is written, so cached results can be told apart.

    It reads through a cursor of its own: the dashboard calls it on the connection every session
    thread shares, and a DuckDB connection serves one call at a time."""
    cur = con.cursor()
    try:
        row = cur.execute("select value from meta where key = 'data_version'").fetchone()
    finally:
        cur.close()
    return int(row[0]) if row else 0


def bump_data_version(con, tables=None) -> None:
    """Call inside every write transaction, with the tables it wrote (None: it may have changed anything). The
    data version goes up by one; each written table's own version (meta key 'version:TABLE', or 'version:*' for
    anything) becomes the new data version, so a cached result keyed on its tables' versions (versions_key)
    outlives writes to every other table."""
    con.execute(
        """
        insert or replace into meta
        select 'data_version', (coalesce(max(value::bigint), 0) + 1)::varchar
        from meta where key = 'data_version'
        """
    )
    for table in sorted({"*"} if tables is None else set(tables)):
        con.execute("insert or replace into meta select $key, value from meta where key = 'data_version'",
                    {"key": f"version:{table}"})


VERSIONS_TTL_S = 0.5  # in the served setup, how long a dashboard process trusts the versions it last read
_versions_read: dict[int, tuple[float, dict]] = {}


def versions(con) -> dict[str, int]:
    """The data version and every table's own version, as {'data_version': n, 'version:leads': m, ...}.

    Through an owner process (served setup) each reading is a round trip, and a page asks for every query, so a
    process reads them at most every VERSIONS_TTL_S and again right after a write of its own: another process's
    write shows within half a second, this process's own at once."""
    remote = not isinstance(con, duckdb.DuckDBPyConnection)
    if remote:
        read_at, known = _versions_read.get(id(con), (0.0, {}))
        if time.monotonic() - read_at < VERSIONS_TTL_S:
            return known
    cur = con.cursor()
    try:
        rows = cur.execute("select key, value from meta where key = 'data_version' or key like 'version:%'").fetchall()
    finally:
        cur.close()
    known = {key: int(value) for key, value in rows}
    if remote:
        _versions_read[id(con)] = (time.monotonic(), known)
    return known


def versions_key(known: dict[str, int], tables: frozenset[str] | None) -> int:
    """What a result read from `tables` (None: unknown, so any) was computed at: the newest version of those tables
    or of a write that may have changed anything. It changes when one of them is written and not otherwise."""
    if tables is None:
        return known.get("data_version", 0)
    return max([known.get("version:*", 0)] + [known.get(f"version:{t}", 0) for t in tables])


def tables_read(con, sql_text: str) -> frozenset[str] | None:
    """The base tables a query reads, through its views and macros (DuckDB binds it to find them), or None when
    it cannot tell. Parameters are bound as nulls for this, or as numbers where a null will not bind."""
    cur = con.cursor()
    try:
        for stand_in in ("null", "0.5"):
            try:
                return frozenset(cur.get_table_names(re.sub(r"\$[a-z_][a-z0-9_]*", stand_in, sql_text)))
            except duckdb.Error:
                continue
        return None
    finally:
        cur.close()


def meta(con) -> dict[str, str]:
    return dict(con.execute("select key, value from meta").fetchall())


def organisation_timezone(about: dict) -> str:
    """The IANA time zone the organisation's days and weeks run in (meta key 'timezone'); UTC unless set."""
    return about.get("timezone") or "UTC"


def organisation_currency(about: dict) -> str:
    """The ISO 4217 code every amount in the warehouse is in (meta key 'currency'); EUR unless set. Amounts are
    stored as the files give them and never converted, so the setting only names them."""
    return about.get("currency") or "EUR"


def record_link(about: dict) -> str | None:
    """The address of a record in the CRM, with {id} where its id goes (meta key 'record_link'), or None."""
    return about.get("record_link") or None


def settings(about: dict) -> dict:
    """The organisation's settings, as the settings command prints them."""
    return {"timezone": organisation_timezone(about), "currency": organisation_currency(about),
            "record_link": record_link(about)}


# ISO 4217's current codes (funds and metals aside): the organisation's currency is one of them.
CURRENCIES = frozenset("""
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF
    CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL
    HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD
    MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
    QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD
    TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
""".split())
RECORD_LINK_EXAMPLE = "https://app.hubspot.com/contacts/PORTAL_ID/record/0-1/{id}"


def checked_timezone(tz: str) -> str:
    if tz not in zoneinfo.available_timezones():
        raise WarehouseError(f"Unknown time zone {tz!r}: use an IANA name such as Europe/Berlin or America/New_York.")
    return tz


def checked_currency(code: str) -> str:
    """The code in capitals (brl is BRL), or the refusal of an unknown one."""
    if code.strip().upper() not in CURRENCIES:
        raise WarehouseError(f"Unknown currency {code!r}: use an ISO 4217 code such as EUR, USD, GBP or BRL.")
    return code.strip().upper()


def checked_record_link(template: str) -> str:
    """An http(s) address with {id} where the record's id goes; empty means none."""
    template = template.strip()
    if not template:
        return ""
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WarehouseError(f"The record link {template!r} is not a web address: it must start with http:// or "
                             f"https://, e.g. {RECORD_LINK_EXAMPLE}")
    if "{id}" not in template:
        raise WarehouseError(f"The record link {template!r} has no {{id}}: put {{id}} where the record's id goes in "
                             f"the address, e.g. {RECORD_LINK_EXAMPLE}")
    return template


def change_settings(con, by: access.Person, timezone: str | None = None, currency: str | None = None,
                    record_link: str | None = None) -> None:
    """Change any of the organisation's settings (None leaves one as it is; an empty record link removes it), each
    checked before anything is written, all in one transaction."""
    rows = {"timezone": None if timezone is None else checked_timezone(timezone),
            "currency": None if currency is None else checked_currency(currency),
            "record_link": None if record_link is None else checked_record_link(record_link)}
    with transaction(con, by, "settings") as cur:
        for key, value in rows.items():
            if value:
                cur.execute("insert or replace into meta values ($key, $value)", {"key": key, "value": value})
            elif value == "":
                cur.execute("delete from meta where key = $key", {"key": key})
        if timezone is not None:
            if schema_version(cur) >= KEYED_SINCE:
                # the leads' local days (schema 15) move with the zone
                cur.execute("update lead_facts set " + ", ".join(f"{day} = local_date({time})"
                                                                 for time, day in LOCAL_DAYS.items()))
            refresh_rollups(cur)  # their days are the organisation's days


def set_timezone(con, tz: str, by: access.Person) -> None:
    """Store the organisation's time zone; an unknown name is refused with the way to find a right one."""
    change_settings(con, by, timezone=tz)


def set_currency(con, code: str, by: access.Person) -> None:
    """Store the organisation's currency; an unknown code is refused."""
    change_settings(con, by, currency=code)


def set_record_link(con, template: str, by: access.Person) -> None:
    """Store the CRM's record address, or remove it with an empty one."""
    change_settings(con, by, record_link=template)


def timezone_shift(con, zone: str) -> str | None:
    """What changing the organisation's zone to `zone` would leave wrong, in words, said before it is changed; None
    when no import read its times without an offset in another zone. Such times were stored as moments in the old
    zone, so their leads' days move in the new one; only importing the files again reads them right."""
    old = organisation_timezone(meta(con))
    row = queries.run(con, "timezone_shift", {"old_tz": old, "new_tz": checked_timezone(zone)}).iloc[0]
    if zone == old or not row["import_count"]:
        return None
    count = int(row["import_count"])
    said = (f"{plural(count, 'import')} read {'its' if count == 1 else 'their'} times without an offset "
            f"in {row['read_in']}")
    if row["leads_import_count"]:
        days, months = int(row["mql_day_count"]), int(row["mql_month_count"])
        said += (f"; in {zone} those leads' days move: {plural(days, 'MQL')} {'changes' if days == 1 else 'change'} "
                 f"day, {months:,} {'changes' if months == 1 else 'change'} month")
    return said + ". Import the files again to read their times in the new zone."


LISTED_IDS = 10_000  # up to this many changed leads are refreshed by the days and groups they touched
LEAD_FACTS_ORDER = "mql_at nulls last, created_at"  # a period's MQLs side by side (schema 8)
# the schema whose macros (14) and stored local days (15) let a write rebuild only what it touched: before it, every
# write rebuilds each rollup whole
KEYED_SINCE = 15


def refresh_lead_facts(cur, leads: str | None = None, params: dict | None = None, deals: str | None = None,
                       revenue_before: str | None = None, whole: bool = False) -> None:
    """Recompute the stored facts (table lead_facts) of the leads that the SQL `leads` selects (a query returning
    lead ids), or of all leads, and the rows of the rollups built on them. Call it inside the write transaction that
    changed them. `deals` selects the ids of deals the write changed and `revenue_before` names a table of the revenue
    rows it replaced or removed, as they were: their leads and booking days are refreshed too. whole=True rebuilds
    every rollup whole, as every write did before schema 14 (the benchmark compares the two)."""
    if leads is None:
        cur.execute(f"create or replace table lead_facts as select * from lead_facts_live order by {LEAD_FACTS_ORDER}")
        refresh_rollups(cur)
        return
    version = schema_version(cur)
    cur.execute(f"create or replace temp table refreshed_leads as "
                f"select distinct lead_id from ({leads}) t(lead_id) where lead_id is not null", params or {})
    keyed = version >= KEYED_SINCE and not whole
    if keyed:
        # a changed deal's leads, before (deal_facts) and after: their rollup rows hold its stage and revenue
        cur.execute(f"create or replace temp table refreshed_deals as select distinct opportunity_id "
                    f"from ({deals or 'select null::bigint'}) t(opportunity_id) where opportunity_id is not null")
        if revenue_before:
            cur.execute(f"insert into refreshed_deals select opportunity_id from {revenue_before}")
        cur.execute(
            """
            insert into refreshed_leads
            select lead_id from deal_facts where opportunity_id in (select opportunity_id from refreshed_deals)
            union select lead_id from opportunities where opportunity_id in (select opportunity_id from refreshed_deals)
            except select lead_id from refreshed_leads
            """)
        cur.execute("delete from refreshed_leads where lead_id is null")
    count = cur.execute("select count(*) from refreshed_leads").fetchall()[0][0]
    if not keyed or count > LISTED_IDS:
        recompute_facts(cur, version, copies=version >= KEYED_SINCE and not whole)
        refresh_rollups(cur)
    else:
        columns = rollup_columns(cur, version)
        cur.execute(f"create or replace temp table old_facts as select {columns} "
                    "from lead_facts where lead_id in (select lead_id from refreshed_leads)")
        recompute_facts(cur, version, copies=True)
        refresh_rollups_touched(cur, version, revenue_before)
    for table in ("refreshed_leads", "refreshed_deals", "old_facts", "new_facts", "flipped"):
        cur.execute(f"drop table if exists {table}")


def recompute_facts(cur, version: int, copies: bool) -> None:
    """Replace the stored facts of the leads in refreshed_leads (left as new_facts when computed from copies of their
    rows, schema 14 on), then judge every lead's recycling again at the warehouse's newest moment, which the write may
    have moved either way (flipped)."""
    cur.execute("delete from lead_facts where lead_id in (select lead_id from refreshed_leads)")
    if copies:
        # the view over every lead groups every lead's touches and deals even when filtered to a few: copies of just
        # these leads' rows (the leads' own by their key) are grouped instead
        for table in ("leads", "follow_ups", "opportunities"):
            cur.execute(f"create or replace temp table facts_{table} as "
                        f"select * from {table} where lead_id in (select lead_id from refreshed_leads)")
        cur.execute("create or replace temp table new_facts as "
                    "from stored_lead_facts_of('facts_leads', 'facts_follow_ups', 'facts_opportunities')")
        cur.execute(f"insert into lead_facts select * from new_facts order by {LEAD_FACTS_ORDER}")
        for table in ("leads", "follow_ups", "opportunities"):
            cur.execute(f"drop table facts_{table}")
    else:
        # before schema 14 a list of ids reached inside the view's grouping of touches and deals (DuckDB 1), a subquery not
        ids = [r[0] for r in cur.execute(f"select lead_id from refreshed_leads limit {LISTED_IDS + 1}").fetchall()]
        chosen = ", ".join("?" * len(ids)) if len(ids) <= LISTED_IDS else "select lead_id from refreshed_leads"
        if ids:
            cur.execute(f"insert into lead_facts select * from lead_facts_live where lead_id in ({chosen}) "
                        f"order by {LEAD_FACTS_ORDER}", ids if len(ids) <= LISTED_IDS else [])
    if version >= 11:
        # an MQL left without progress until the newest moment counts as recycled; the newest moment may have moved
        # on, or back (a touch or deal re-imported with an earlier time)
        cur.execute(
            """
            create or replace temp table flipped as
            select lead_id from lead_facts, (select as_of from data_as_of) n
            where stage_rank between 2 and 4
                and (stage_outcome = 'open' and recycle_at <= n.as_of or stage_outcome = 'recycled' and recycle_at > n.as_of)
            """)
        cur.execute("update lead_facts set stage_outcome = case stage_outcome when 'open' then 'recycled' else 'open' end "
                    "where lead_id in (select lead_id from flipped)")


# each is rebuilt from its "_live" view, in this order (revenue_daily reads deal_facts), once the schema has it:
# whole by refresh_rollups, or by the rows a write touched (refresh_rollups_touched); the column a table is kept in
# order of, which for a rollup of leads is the local day that keys its rows
ROLLUPS = {"mql_daily": ("mql_date", 7), "created_daily": ("created_date", 7), "first_touch_daily": ("mql_date", 7),
           "attempts_daily": ("mql_date", 7), "deal_facts": ("created_date", 7), "revenue_daily": ("booked_date", 7),
           "evidence_daily": ("mql_date", 10), "stage_evidence": ("lead_count", 11)}
# the rollups of leads, each with the lead time whose local day, with the lead's segment, region and source, keys
# its rows: a write rebuilds the rows of the keys its leads had before and have after
LEAD_ROLLUPS = {"mql_daily": "mql_at", "created_daily": "created_at", "first_touch_daily": "mql_at",
                "attempts_daily": "mql_at", "evidence_daily": "mql_at"}
# the column of lead_facts (schema 15) holding the local day of each of those times
LOCAL_DAYS = {"mql_at": "mql_local_date", "created_at": "created_local_date"}
SAME_GROUP = "a.segment is not distinct from b.segment and a.region is not distinct from b.region " \
             "and a.source is not distinct from b.source"


def refresh_rollups(cur) -> None:
    """Rebuild the rollup tables (schema 7 on) whole from lead_facts, deals and revenue, inside the write's transaction:
    after a write that changes every lead's day (the time zone) or most leads."""
    version = schema_version(cur)
    for table, (_, since) in ROLLUPS.items():
        if version >= since:
            rebuild(cur, table)


def rebuild(cur, table: str) -> None:
    """One rollup rebuilt whole from its "_live" view, in the order it is kept in."""
    cur.execute(f"create or replace table {table} as select * from {table}_live order by {ROLLUPS[table][0]}")


def refresh_rollups_touched(cur, version: int, revenue_before: str | None = None) -> None:
    """Rebuild the rollup rows that the leads of refreshed_leads (old_facts before, new_facts after) and flipped, and
    the deals of refreshed_deals touched. A row of a rollup of leads belongs to one (day, segment, region, source):
    those of the leads' keys are grouped again from a copy of just the leads with those keys. Untouched rows stay."""
    times = sorted(set(LEAD_ROLLUPS.values()))
    for time in times:
        day = LOCAL_DAYS[time]
        cur.execute(
            f"""
            create or replace temp table keys_{time} as
            select distinct {day} as day, segment, region, source
            from (select {day}, segment, region, source from old_facts
                union all select {day}, segment, region, source from new_facts
                union all select {day}, segment, region, source from lead_facts
                    where lead_id in (select lead_id from flipped))
            where {day} is not null
            """)
        # the leads of those keys, found by the local days lead_facts stores, with the columns these rollups read:
        # copying more columns of ten million leads cost more than finding the rows
        read = rollup_columns(cur, version, [t for t, by in LEAD_ROLLUPS.items() if by == time], days=False)
        cur.execute(f"create or replace temp table group_facts_{time} as select {read} from lead_facts a "
                    f"semi join keys_{time} b on a.{day} = b.day and {SAME_GROUP}")
    for table, time in LEAD_ROLLUPS.items():
        day, since = ROLLUPS[table]
        if version < since:
            continue
        cur.execute(f"delete from {table} a using keys_{time} b where a.{day} = b.day and {SAME_GROUP}")
        cur.execute(f"insert into {table} from {table}_of('group_facts_{time}')")
    for time in times:
        cur.execute(f"drop table keys_{time}")
        cur.execute(f"drop table group_facts_{time}")
    # stage_evidence is one row of counts over every lead: the changed leads' counts before are taken off, after added
    counts = [r[0] for r in cur.execute("describe stage_evidence").fetchall()]
    cur.execute(f"update stage_evidence set {', '.join(f'{c} = stage_evidence.{c} + d.{c}' for c in counts)} "
                f"from (select {', '.join(f'n.{c} - o.{c} as {c}' for c in counts)} "
                f"from stage_evidence_of('new_facts') n, stage_evidence_of('old_facts') o) d")
    refresh_deals_touched(cur, revenue_before)


_rollup_columns: dict[tuple, str] = {}


def rollup_columns(cur, version: int, rollups=(*LEAD_ROLLUPS, "stage_evidence"), days: bool = True) -> str:
    """The columns of lead_facts that the macros of these rollups (schema 14) read (named in their text; a name only
    in a comment costs a column, never a wrong row), and the local days unless days=False: the copies of a few leads'
    facts, or of the leads of a few days and groups, need these alone. At ten million leads each column copied from
    every lead costs about 20 ms."""
    key = (version, tuple(rollups), days)
    if key not in _rollup_columns:
        text = " ".join(r[0] for r in cur.execute(
            "select macro_definition from duckdb_functions() where list_contains($names, function_name)",
            {"names": [f"{t}_of" for t in rollups]}).fetchall())
        _rollup_columns[key] = ", ".join(
            c for c, *_ in cur.execute("describe lead_facts").fetchall()
            if re.search(rf"\b{c}\b", text) or days and c in LOCAL_DAYS.values())
    return _rollup_columns[key]


def refresh_deals_touched(cur, revenue_before: str | None) -> None:
    """deal_facts of the deals of refreshed_deals and of the refreshed leads, and revenue_daily of the days those deals
    booked revenue on, and of the days of the revenue rows the write replaced or removed (the table revenue_before)."""
    cur.execute(
        """
        insert into refreshed_deals
        select opportunity_id from opportunities where lead_id in (select lead_id from refreshed_leads)
        union select opportunity_id from deal_facts where lead_id in (select lead_id from refreshed_leads)
        """)
    deals = [r[0] for r in cur.execute("select distinct opportunity_id from refreshed_deals").fetchall()]
    days = [r[0] for r in cur.execute(
        "select distinct booked_date from revenue where opportunity_id in (select opportunity_id from refreshed_deals)"
        + (f" union select booked_date from {revenue_before}" if revenue_before else "")).fetchall()]
    if len(deals) > LISTED_IDS or len(days) > LISTED_IDS:
        for table in ("deal_facts", "revenue_daily"):
            rebuild(cur, table)
        return
    # lists of values reach inside the views (a deal's own row; a day's bookings before they are grouped)
    if deals:
        listed = ", ".join("?" * len(deals))
        cur.execute(f"delete from deal_facts where opportunity_id in ({listed})", deals)
        cur.execute(f"insert into deal_facts select * from deal_facts_live where opportunity_id in ({listed})", deals)
    if days:  # booked_date is never null
        listed = ", ".join("?" * len(days))
        cur.execute(f"delete from revenue_daily where booked_date in ({listed})", days)
        cur.execute(f"insert into revenue_daily select * from revenue_daily_live where booked_date in ({listed})", days)


_writing = threading.RLock()  # re-entered when a lake is followed inside a write (lake.follow)
writes_made = 0  # write transactions this process has ended: what was read before one may be out of date

# the table a write statement changes: insert into T, insert or replace into T, update T, delete from T,
# create [or replace] table T, drop table T, copy T from ...
WRITES = re.compile(r"^(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from|create\s+(?:or\s+replace\s+)?table"
                    r"(?:\s+if\s+not\s+exists)?|drop\s+table(?:\s+if\s+exists)?|truncate(?:\s+table)?|copy)"
                    r"\s+(?:main\.)?\"?([a-z_][a-z0-9_]*)", re.I)
READS = re.compile(r"^(?:select|with|from|describe|show|explain|pragma|begin|commit|rollback|set|create\s+(?:or\s+"
                   r"replace\s+)?temp(?:orary)?\s|drop\s+(?:view|macro)|values|summarize)", re.I)


def written_table(statement: str) -> str | None:
    """The table a statement writes, "*" when it may write but we cannot tell which, None when it only reads."""
    text = re.sub(r"^(?:\s|--[^\n]*\n?|/\*.*?\*/)*", "", statement, flags=re.S)
    found = WRITES.match(text)
    if found:
        return found.group(1).lower()
    return None if READS.match(text) else "*"


class Recording:
    """A write transaction's cursor that notes the tables its statements write, so the transaction can bump
    exactly their versions. Everything else is the DuckDB cursor's own."""

    def __init__(self, cur):
        self._cur = cur
        self.written: set[str] = set()

    def execute(self, statement, parameters=None):
        self._note(statement)
        self._cur.execute(statement, parameters) if parameters is not None else self._cur.execute(statement)
        return self

    def executemany(self, statement, parameters=None):
        self._note(statement)
        self._cur.executemany(statement, parameters)
        return self

    def _note(self, statement):
        table = written_table(statement)
        if table:
            self.written.add(table)

    def __getattr__(self, name):
        return getattr(self._cur, name)


def stored_tables(cur, names: set[str]) -> set[str]:
    """The names among `names` that are the warehouse's own tables (a temporary table dies with its write)."""
    if "*" in names:
        return {"*"}
    known = {row[0] for row in cur.execute(
        "select table_name from duckdb_tables() where not temporary and schema_name = 'main'").fetchall()}
    return {n for n in names if n in known}


@contextmanager
def transaction(con, by: access.Person, doing: str):
    """A cursor for one write by a person whose role allows `doing` (access.NEEDS): all or nothing, one
    writer at a time in this process (two DuckDB transactions that both bump the data version conflict),
    and the versions of the tables it wrote bumped on success. Every write passes here, so this is where roles
    are enforced."""
    access.require(by, doing)
    from handshake import lake  # lake reads this module
    lake.refuse_write(con, doing)
    with all_or_nothing(con) as cur:
        recording = Recording(cur)
        yield recording
        bump_data_version(cur, stored_tables(cur, recording.written))


@contextmanager
def all_or_nothing(con):
    """A cursor in one transaction, committed when the block ends and rolled back when it raises; one writer at a
    time in this process (two DuckDB transactions that both bump the data version conflict)."""
    with _writing:
        cur = con.cursor()
        try:
            cur.execute("begin transaction")
            yield cur
            cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise
        finally:
            cur.close()
            global writes_made
            writes_made += 1
            _versions_read.clear()  # this process's next reading sees its own write


def write(con, name: str, rows: list[dict], by: access.Person, doing: str) -> None:
    """Run the named write statement once per row, all or nothing, and mark the data as changed."""
    with transaction(con, by, doing) as cur:
        for row in rows:
            cur.execute(queries.sql(name), queries.bind(name, row))
