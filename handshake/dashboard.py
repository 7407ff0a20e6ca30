"""What the pages share: the warehouse, the cached query runner, the sidebar filters, colours and number formats."""

import dis
import functools
import hashlib
import io
import os
import pickle
import re
import sys
import threading
import types
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from handshake import access, demo, evidence, formats, kpis, meeting, periods, queries, warehouse
from handshake.formats import fmt, readable

MARKETING_COLOUR = "#0F7B8A"
SALES_COLOUR = "#E0702B"
NEUTRAL_COLOUR = "#8C8C8C"
# revenue by where its deal came from: the column, its label in a chart, its colour
REVENUE_SOURCES = (("marketing_sourced_revenue_eur", "Marketing-sourced", MARKETING_COLOUR),
                   ("sales_sourced_revenue_eur", "Sales-sourced", SALES_COLOUR),
                   ("untraced_revenue_eur", "No lead (untraced)", NEUTRAL_COLOUR))

_creating = threading.Lock()


def secrets_section(name: str) -> dict:
    """A section of .streamlit/secrets.toml, empty when there is none. A secrets file that exists but cannot be
    read stops the app: falling back to local mode would let anyone who can reach it do everything."""
    if not st.secrets.load_if_toml_exists():
        unreadable = [f for f in st.get_option("secrets.files") if os.path.isfile(f)]
        if unreadable:
            st.error(f"`{unreadable[0]}` cannot be read as TOML, so Handshake cannot tell who may sign in. "
                     "Fix the file (the server's log names the line) and reload this page.")
            stop_before_pages()
        return {}
    section = st.secrets.get(name)
    return section.to_dict() if hasattr(section, "to_dict") else dict(section or {})


def sign_in() -> access.Person:
    """Who is using this session, kept in session_state["person"] for the pages.

    With an [auth] section in secrets, everyone signs in through st.login and gets the role [handshake.roles]
    gives their address; an address it gives none is turned away. Without one, Handshake runs for one person
    at one machine, who may do everything, and says so."""
    auth = secrets_section("auth")
    if not auth:
        st.session_state["person"] = access.LOCAL
        with st.sidebar:
            st.caption(":material/person: **Single-user local mode**: no sign-in is set up, so whoever opens this "
                       "address may do everything and nothing records who did it. The README's *Sign-in and "
                       "roles* says how to turn sign-in on.")
        return access.LOCAL
    settings = secrets_section("handshake")
    roles = settings.get("roles") or {}
    problems = access.check_roles(roles)
    if problems:
        st.error("The [handshake.roles] setting in secrets.toml is wrong: " + "; ".join(problems) + ".")
        stop_before_pages()
    if not st.user.is_logged_in:
        st.title("Handshake")
        st.write("Sign in to see the numbers sales and marketing share.")
        providers = [name for name, value in auth.items() if isinstance(value, dict)]
        for provider in providers or [None]:
            label = f"Sign in with {provider.capitalize()}" if provider else "Sign in"
            st.button(label, key=f"sign_in_{provider}", type="primary", icon=":material/login:",
                      on_click=st.login, args=(provider,) if provider else ())
        stop_before_pages()
    email = st.user.get("email")
    role = access.role_for(email, roles)
    if role is None:
        st.title("Handshake")
        st.warning(f"You are signed in as {formats.md(email or 'an account without an e-mail address')}, which has "
                   "no role in Handshake. Ask an admin to add your address, or your domain, to [handshake.roles].",
                   icon=":material/block:")
        st.button("Sign out", on_click=st.logout, icon=":material/logout:")
        stop_before_pages()
    person = access.Person(st.user.get("name") or email, role, email, signed_in=True)
    st.session_state["person"] = person
    with st.sidebar:
        st.caption(f":material/person: Signed in as **{formats.md(person.name)}** ({person.role})")
        st.button("Sign out", key="sign_out", on_click=st.logout, icon=":material/logout:")
    return person


def person() -> access.Person:
    """The person using this session (see sign_in)."""
    ensure_app_ran()
    return st.session_state["person"]


def sees_rep_level() -> bool:
    return access.sees_rep_level(person(), secrets_section("handshake").get("rep_level_roles"))


def cannot(doing: str) -> bool:
    """True, with a note saying which role it takes, when this session's person may not do `doing`; the write
    itself refuses too (warehouse.transaction), this only spares them a form they cannot send."""
    who = person()
    if who.can(doing):
        return False
    needed, said = access.NEEDS[doing]
    st.info(f"To {said} takes the {needed} role; you are signed in as a {who.role}. An admin can change that "
            "in the [handshake.roles] setting.", icon=":material/lock:")
    return True


def _nothing() -> None:
    pass


def stop_before_pages() -> None:
    """Stop app.py before it lists the pages (not signed in, or no warehouse to read). Without a call to
    st.navigation Streamlit would list the files of pages/ in the sidebar instead."""
    st.navigation([st.Page(_nothing, title="Handshake", default=True)], position="hidden")
    st.stop()


_reached: set = set()  # the owners' warehouses this process has reached


def ensure_warehouse():
    """Create the embedded demo on first run; stop the page with what to do when the warehouse cannot be used."""
    path = warehouse.configured_path()
    if warehouse.owner_url():  # served: the owner process holds the file and built the demo before it started
        if path in _reached:  # once a process: each asking is a round trip, and every run would ask
            return path
        try:
            warehouse.schema_version(warehouse.shared_connection(path))
            _reached.add(path)
        except warehouse.WarehouseError as e:
            st.error(f"This dashboard process cannot reach the warehouse: {e}. Restart `python -m handshake serve`.")
            stop_before_pages()
        return path
    if not path.exists() and not warehouse.configured_lake():  # a lake's app file is made from the lake
        if os.environ.get("HANDSHAKE_WAREHOUSE"):
            st.error(
                f"No warehouse at `{path}` (set by HANDSHAKE_WAREHOUSE). Create one with "
                f"`python -m handshake demo --warehouse {path}`, or unset HANDSHAKE_WAREHOUSE to use the demo."
            )
            stop_before_pages()
        with _creating:  # two first visitors must not both build it
            if not path.exists():
                bar = st.progress(0.0, text="First run: building the demo organisation")
                demo.generate(path, progress=lambda share, label: bar.progress(share, text=f"First run: {label}"))
                bar.empty()
    try:
        warehouse.shared_connection(path)
    except warehouse.WarehouseLocked as e:
        who = f"process {e.pid}" if e.pid else "another process"
        st.error(f"`{path}` is open in another program ({who}): another Handshake dashboard, or an import from the "
                 "command line. DuckDB lets one program at a time use a warehouse file, so this dashboard cannot "
                 "open it. Use the dashboard that is already running, or wait for the import to finish (or stop "
                 "that program) and reload this page. Nothing was changed.", icon=":material/lock:")
        stop_before_pages()
    except warehouse.WarehouseError as e:
        st.error(str(e))
        stop_before_pages()
    return path


def query(name: str, params: dict | None = None):
    """A named query's rows, cached until one of the tables it reads is written."""
    key, bound = _key(name, params)
    frame = _kept(key)
    return _shared_copy(frame if frame is not None else _compute(key, name, bound))


def query_many(calls: list[tuple[str, dict]]) -> list:
    """Several named queries' rows, each through query()'s cache, those not cached run at once: a page's
    independent queries then take about as long as the slowest of them (see queries.run_many)."""
    asked = [(*_key(name, params), name) for name, params in calls]  # (key, bound, name)
    frames = [_kept(key) for key, _, _ in asked]
    missing = [i for i, frame in enumerate(frames) if frame is None]

    def compute(i: int):
        key, bound, name = asked[i]
        return _compute(key, name, bound)

    if len(missing) < 2:
        for i in missing:
            frames[i] = compute(i)
    else:
        # the threads only run queries: they draw nothing on the page, so they need no script context
        with ThreadPoolExecutor(max_workers=min(len(missing), queries.AT_ONCE)) as pool:
            for i, frame in zip(missing, pool.map(compute, missing)):
                frames[i] = frame
    return [_shared_copy(frame) for frame in frames]


_reads: dict[tuple[str, str], frozenset[str] | None] = {}


def version_of(name: str) -> int:
    """The version of the data a named query reads (warehouse.versions_key): a write to a table the query does not
    read leaves its cached results in place."""
    path = warehouse.configured_path()
    con = warehouse.shared_connection(path)
    key = (str(path), queries.sql(name))
    if key not in _reads:
        _reads[key] = warehouse.tables_read(con, key[1])
    return warehouse.versions_key(_known_versions(path, con), _reads[key])


def _known_versions(path, con) -> dict[str, int]:
    # read once a run (a page asks for every query it runs), and again after a write this process made
    return once_per_run(f"versions {path} {warehouse.writes_made}", lambda: warehouse.versions(con))


# Every session's query results, one frame per query text, parameters, warehouse and version of the tables it
# reads (so an edited query, another warehouse or newly written data never reads a stale result), the least
# recently used let go past RESULTS_KEPT.
RESULTS_KEPT = 1000
_results: OrderedDict = OrderedDict()
_running: dict[tuple, Future] = {}
_results_lock = threading.Lock()


def _key(name: str, params: dict | None) -> tuple[tuple, dict]:
    path = warehouse.configured_path()
    bound = queries.bind(name, params or {})
    return (queries.sql(name), name, repr(sorted(bound.items())), str(path), version_of(name)), bound


def _kept(key: tuple):
    with _results_lock:
        frame = _results.get(key)
        if frame is not None:
            _results.move_to_end(key)
        return frame


def _compute(key: tuple, name: str, bound: dict):
    """Run a query that is not kept, once, however many sessions ask for it at the same moment (after a write,
    everyone's next page misses the same results): the first runs it, the others wait for its rows."""
    with _results_lock:
        if key in _results:
            return _results[key]
        running, first = _running.get(key), False
        if running is None:
            running, first = _running.setdefault(key, Future()), True
    if not first:
        return running.result()
    try:
        frame = queries.run(warehouse.shared_connection(Path(key[3])), name, bound)
    except BaseException as e:
        with _results_lock:
            _running.pop(key, None)
        running.set_exception(e)
        raise
    with _results_lock:
        _results[key] = frame
        _running.pop(key, None)
        while len(_results) > RESULTS_KEPT:
            _results.popitem(last=False)
    running.set_result(frame)
    return frame


def _shared_copy(frame):
    # one frame for every session, handed out as a shallow copy: pandas copies on write, so a page that adds or
    # changes a column changes its own copy, and nobody pays for pickling the rows in and out of a cache
    return frame.copy(deep=False)


def clear_caches() -> None:
    """Forget every cached query result, figure and shared value (the benchmark's cache misses, tests)."""
    with _results_lock:
        _results.clear()
    _metas.clear()
    _reached.clear()
    st.cache_data.clear()
    st.cache_resource.clear()


def left_on_table(end: date, values: dict, tz: str) -> tuple[dict | None, date, date]:
    """The Evidence page's headline for a period ending on `end` (inclusive) and these filters, for the pages
    that point to it: what the MQLs not worked on time would likely have added (evidence.left_on_table's
    'all'; None when the warehouse lacks its inputs), and the evidence window's first and last day."""
    first, last = evidence.window(end)
    if kpis.missing_inputs(kpis.BY_NAME["extra_won"], present_inputs()):
        return None, first, last
    strata = query("evidence_strata", kpis.query_params(first, last, values, tz=tz))
    return shared(evidence.left_on_table, strata)["all"], first, last


_this_run = threading.local()  # per script thread: the run its memo belongs to, and the memo


def once_per_run(key: str, compute):
    """compute()'s value, computed once in a script run and kept for the rest of that run only (the next run,
    a fragment's included, computes it again). Outside a script run (query_many's threads, the command line)
    every call computes it. For what is read many times a page and written only where forget_this_run follows."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return compute()
    # Streamlit gives every run (a fragment's too) a new `cursors` dict: holding it tells this run from the last
    if getattr(_this_run, "cursors", None) is not ctx.cursors:
        _this_run.cursors, _this_run.memo = ctx.cursors, {}
    if key not in _this_run.memo:
        _this_run.memo[key] = compute()
    return _this_run.memo[key]


def forget_this_run() -> None:
    """Forget what once_per_run kept in this run: call it after a write to what it keeps."""
    _this_run.memo = {}


def about_warehouse() -> dict:
    """The warehouse's settings and facts (warehouse.meta): every amount on a page asks for the currency. Kept by
    the process until the table is written (its version, as for a query's rows), and looked up once a run."""
    return dict(once_per_run("about_warehouse", _kept_meta))


_metas: dict = {}


def _kept_meta() -> dict:
    path = warehouse.configured_path()
    con = warehouse.shared_connection(path)
    key = (str(path), warehouse.versions_key(_known_versions(path, con), frozenset({"meta"})))
    if key not in _metas:
        cur = con.cursor()
        try:
            _metas[key] = warehouse.meta(cur)
        finally:
            cur.close()
    return _metas[key]


def currency() -> str:
    """The organisation's currency (an ISO 4217 code), which every amount on the pages is in."""
    return warehouse.organisation_currency(about_warehouse())


def money_column(label: str, code: str | None = None, **number_column_args):
    """A table column of amounts in the organisation's currency: "Revenue" becomes "Revenue (R$)", and the cells
    are whole units, R$1,234 (a table is where a reader looks for the exact amount; sentences and cards round it
    to R$1.2K with formats.money)."""
    code = code or currency()
    return st.column_config.NumberColumn(f"{label} ({formats.symbol(code)})",
                                         format=f"{formats.prefix(code)}%,.0f", **number_column_args)


def rate_column(label: str, **number_column_args):
    """A table column of shares (0 to 1) written as percentages with one decimal, 34.1%, as fmt writes a rate."""
    return st.column_config.NumberColumn(label, format="percent", **{"step": 0.001, **number_column_args})


# Columns that hold codes from the warehouse's own lists: tables and lists show them as words (formats.words),
# and a CSV keeps the code beside the words in a column of its own (source_code), for a spreadsheet to match on.
CODED_COLUMNS = ("source", "rejection_reason", "reason", "channel", "outcome", "status", "stage", "stage_outcome",
                 "sourced_by", "function", "role", "owner_function", "step", "disposition", "last_outcome")


def worded(frame, keep_codes: bool = False):
    """The frame with its coded columns in words; with keep_codes, each followed by its code (column_code)."""
    frame = frame.copy()
    for column in [c for c in CODED_COLUMNS if c in frame.columns]:
        if pd.api.types.is_numeric_dtype(frame[column]):
            continue
        if keep_codes:
            frame.insert(frame.columns.get_loc(column) + 1, f"{column}_code", frame[column])
        frame[column] = frame[column].map(formats.words)
    return frame


@dataclass
class Filters:
    start: date
    end: date  # inclusive
    values: dict = field(default_factory=dict)  # segment, region, source: None means all
    tz: str = "UTC"  # the organisation's time zone, where its days start

    def params(self, grain: str = "total") -> dict:
        return kpis.query_params(self.start, self.end, self.values, grain, self.tz)

    def describe(self) -> str:
        chosen = [formats.md(v) for v in self.values.values() if v]
        return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}" + (f" · {', '.join(chosen)}" if chosen else "")


ALL = "All"


def ensure_app_ran() -> None:
    """Every page calls this first (filters() does it for them).

    On a freshly started server, a link straight to a page can arrive before app.py has ever called
    st.navigation; Streamlit then runs pages/ as old-style pages, without app.py. Clearing the flag
    st.navigation itself clears and rerunning serves the same page through app.py."""
    if "filters" not in st.session_state:
        PagesManager.uses_pages_directory = False
        st.rerun()


def filters() -> "Filters":
    """The shared filters app.py set for this run."""
    ensure_app_ran()
    return st.session_state["filters"]


def sidebar_filters() -> Filters:
    """The filters every page shares; they live in the URL, so a view can be sent as a link."""
    span = query("data_range").iloc[0]
    first = kpis.clean(span["first_lead_date"])
    last = kpis.clean(span["last_lead_date"])
    default_start, default_end = kpis.default_period(last.date() if last is not None else None)
    options = query("filter_options")
    # A period nobody chose follows the data: without this, a session that imported its first leads kept the
    # period it had on the empty warehouse (the 90 days to today) and could show nothing of what it imported.
    # (Setting the widget's state, not deleting it, is what reaches the browser's copy of the field.)
    default = (default_start, default_end)
    before = st.session_state.get("period_default", default)
    if before != default and tuple(st.session_state.get("period", ())) == before:
        st.session_state["period"] = default
    st.session_state["period_default"] = default
    with st.sidebar:
        st.header("Filters")
        periods.preset_picker(default_end)
        period = st.date_input(
            "Period", value=(default_start, default_end), key="period", bind="query-params",
            help="Counts MQLs by the day they became MQLs, revenue by the day it was booked.",
        )
        if not isinstance(period, (tuple, list)):
            period = (period,)
        start = period[0] if period else default_start
        end = period[1] if len(period) > 1 else start
        values = {}
        for name, label in (("segment", "Segment"), ("region", "Region"), ("source", "Source")):
            choices = [ALL] + options.loc[options["filter"] == name, "value"].tolist()
            picked = st.selectbox(label, choices, key=name, bind="query-params", format_func=readable)
            values[name] = None if picked == ALL else picked
        about = about_warehouse()
        if about.get("is_demo") == "true":
            st.info(
                f"**Demo data**: a generated company (profile *{about['demo_profile']}*, "
                f"{int(about['demo_leads']):,} leads, seed {about['demo_seed']}). "
                "See the README to point Handshake at your own warehouse.",
                icon=":material/science:",
            )
        if first is not None:
            st.caption(f"Leads from {first:%d %b %Y} to {last:%d %b %Y}.")
    return Filters(start, end, values, warehouse.organisation_timezone(about))


def require_leads() -> None:
    """Stop a page on a warehouse with no leads, saying what to do."""
    if not query("data_range").iloc[0]["lead_count"]:
        held = query("warehouse_tables").query("row_count > 0 and table_name != 'reference_bands'")
        if held.empty:
            st.info(
                "This warehouse holds no leads yet, so there is nothing to measure. Import your CRM's exports on "
                "the Import data page; or, to see Handshake at work, stop the dashboard, fill the file with a "
                f"demo organisation (`python -m handshake demo --replace --warehouse {warehouse.configured_path()}`) "
                "and start it again.",
                icon=":material/inbox:",
            )
        else:
            holds = ", ".join(f"{row.row_count:,} rows of {row.table_name.replace('_', ' ')}" for row in held.itertuples())
            st.info(
                f"This warehouse holds {holds}, but no leads. Handshake measures the hand-off from lead to deal, so "
                "this page needs leads: import a leads file on the Import data page.",
                icon=":material/inbox:",
            )
        st.page_link("pages/import_data.py", label="Import data", icon=":material/upload_file:")
        st.stop()


def present_inputs() -> set[str]:
    """The inputs KPIs may need (kpis.INPUTS) that this warehouse holds."""
    return kpis.present_inputs(query("data_inputs").iloc[0].to_dict())


def kpi_metric(name: str, value, delta: str | None = None, note: str | None = None, **metric_args) -> None:
    """One KPI in a bordered card: its value with unit, the glossary entry as help, a note below.

    When the warehouse lacks an input the KPI needs, the card shows a dash and says what to import
    instead of a number that would mislead (no follow-ups at all is not 0% followed up)."""
    kpi = kpis.BY_NAME[name]
    missing = kpis.missing_inputs(kpi, present_inputs())
    if missing:
        with st.container(border=True):
            st.metric(kpi.label, fmt(None, kpi.unit), help=kpis.help_text(name))
            st.caption(kpis.missing_note(kpi, missing))
        return
    with st.container(border=True):
        description = metric_args.pop("delta_description", None) or (
            "vs an older period" if kpi.matures else "vs previous period")
        st.metric(kpi.label, fmt(value, kpi.unit, currency()), delta=delta, help=kpis.help_text(name),
                  delta_description=description if delta else None, **metric_args)
        if note:
            st.caption(note)


# A table of more columns than a phone shows (390 px) is written there as one line per row instead: CSS in app.py
# shows a container keyed wide_... only on a wider screen and one keyed phone_... only on a phone.
LAYOUT_CSS = """<style>
@media (max-width: 640px) { [class*="st-key-wide_"] { display: none; } }
@media (min-width: 641px) { [class*="st-key-phone_"] { display: none; } }
</style>"""


def cell_text(value, setting, code: str) -> str:
    """A table cell as the table shows it, by its column's format (money in currency `code`): for a row written
    out as a line on a phone."""
    value = kpis.clean(value)
    if value is None:
        return "–"
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return formats.md(formats.words(value))
    number_format = ((setting or {}).get("type_config") or {}).get("format") if isinstance(setting, dict) else None
    if number_format == "percent":
        return fmt(value, "rate")
    if isinstance(number_format, str) and number_format.startswith(formats.prefix(code)):
        return fmt(value, "money", code)
    if number_format == "%.1f":
        return f"{value:,.1f}"
    return fmt(value, "count")


def phone_lines(frame, column_config: dict) -> str:
    """Each row as one markdown line, its first column in bold, every other column labelled: all of a table's
    columns on a phone, where a table would show three of them."""
    def label(column):
        setting = column_config.get(column, column)
        return setting.get("label") or column if isinstance(setting, dict) else setting
    shown = [c for c in frame.columns if column_config.get(c, c) is not None]
    code = currency()  # once: it reads the warehouse's settings
    lines = []
    for row in frame[shown].to_dict("records"):
        first, *rest = shown
        lines.append(f"- **{cell_text(row[first], column_config.get(first), code)}** · "
                     + " · ".join(f"{label(c)}: {cell_text(row[c], column_config.get(c), code)}" for c in rest))
    return "\n".join(lines)


def data_table(frame, file_name: str, column_config: dict | None = None,
               label: str = "The numbers behind the chart", expanded: bool = False, phone: bool = False) -> None:
    """The rows behind a chart, one click away, with the same rows as a CSV download; a money column's name says
    the organisation's currency in both (revenue_brl)."""
    code = currency()
    named = {c: formats.in_currency(c, code) for c in frame.columns if isinstance(c, str)}
    config = {named.get(c, c): setting for c, setting in (column_config or {}).items()}
    frame = frame.rename(columns=named)
    with st.expander(label, expanded=expanded):
        if phone:  # phone=True: every column readable at 390 px, as lines there and as a table on a wider screen
            with st.container(key=f"phone_{file_name}"):
                st.markdown(phone_lines(frame, config))
            with st.container(key=f"wide_{file_name}"):
                st.dataframe(worded(frame), hide_index=True, placeholder="–", column_config=config)
        else:
            st.dataframe(worded(frame), hide_index=True, placeholder="–", column_config=config)
        st.download_button("Download as CSV", _csv_on_download(frame, code), file_name=file_name,
                           mime="text/csv", on_click="ignore", key=f"download_{file_name}",
                           icon=":material/download:")


def _csv_on_download(frame, code: str):
    """The rows as CSV, made only when someone downloads them: written out on every view, a table's CSV cost
    more than drawing the table (python -m handshake.profile)."""
    return lambda: formats.csv_text(worded(frame, keep_codes=True), code)


LIST_ROWS = 200  # a list's rows on screen; its download holds every row
LIST_COUNTS = ["listed_count", "overdue_count", "short_of_attempts_count"]  # of the whole list, on every row


def list_table(frame, name: str, params: dict, file_name: str, label: str, column_config: dict,
               order: str = "newest first") -> None:
    """A list query's first rows on screen, saying "showing N of M" when they are not all of it, and every row
    as a CSV download. The query takes $limit (null = the whole list) and counts the whole list in listed_count."""
    listed = int(frame["listed_count"].iloc[0])
    frame = formats.without_empty(frame, "record_url")
    part = "" if len(frame) == listed else f" · showing {len(frame):,} of {listed:,}, {order}"
    with st.expander(label + part, expanded=True):
        st.dataframe(worded(frame.drop(columns=[c for c in LIST_COUNTS if c in frame])), hide_index=True,
                     placeholder="–", column_config=column_config)
        st.download_button(f"Download all {listed:,} as CSV", _whole_list_csv(name, params), file_name=file_name,
                           mime="text/csv", on_click="ignore", key=f"download_{file_name}",
                           icon=":material/download:")


def _whole_list_csv(name: str, params: dict):
    """The whole list as CSV, made only when someone downloads it (on a thread of its own, outside the page run)."""
    path, bound, code = warehouse.configured_path(), dict(params, limit=None), currency()

    def csv() -> str:
        rows = queries.run(warehouse.shared_connection(path), name, bound)
        rows = formats.without_empty(rows, "record_url")  # as on screen
        return formats.csv_text(worded(rows.drop(columns=[c for c in LIST_COUNTS if c in rows]), keep_codes=True),
                                code)
    return csv


def accountability_list(accountable, start: date, end: date, tz: str) -> None:
    """The accountability list as the Follow-up page and the weekly meeting show it: each owner's count, those
    without an owner first, then the leads owner by owner. accountable: queries/accountability_list.sql drawn up
    whole (limit null), so the counts add up to the list; its headline is meeting.accountability_headline."""
    owners, rows = shared(_accountability_tables, accountable, tz)
    st.dataframe(owners, hide_index=True, column_config={
        name: st.column_config.NumberColumn(format="%d") for name in meeting.OWNER_COLUMNS[1:4]
    })
    data_table(rows, "handshake-accountability-list.csv",
               label=f"The {formats.plural(len(rows), 'lead')}, owner by owner, those without an owner first "
                     f"(showing all {len(rows):,})", column_config={
                   "Record": st.column_config.LinkColumn(display_text="Open in CRM"),
                   "Assigned": st.column_config.DatetimeColumn("Assigned (SLA clock)", format="D MMM YYYY, HH:mm"),
                   "Attempts": st.column_config.NumberColumn(format="%d"),
                   "Minimum": st.column_config.NumberColumn(format="%d", help="The attempts agreed before a decision."),
                   "Score": st.column_config.NumberColumn(format="%d"),
               })


def _accountability_tables(accountable, tz: str):
    """The list's owners and rows (meeting.accountability_owners, accountability_rows), drawn up once for every
    viewer of the same list: a row at a time, they cost more than the rest of the page."""
    owners = meeting.accountability_owners(accountable)
    return owners, meeting.accountability_rows(accountable, tz, owners)


def chart(figure, key: str, **plotly_chart_args):
    """A Plotly chart whose title and subtitle are page text above it, not pixels inside it: text wraps
    on a phone, where a long Plotly title is cut, and screen readers read the finding."""
    return _draw(figure, *_finish(figure), key, plotly_chart_args)


def cached_chart(build, *args, key: str, **plotly_chart_args):
    """chart(build(*args)), the figure built once for every viewer of the same arguments and shared, never
    copied: building a Plotly figure costs more than drawing it. `build` must read nothing but its arguments,
    numbers, functions and our modules' constants (checked, see shared)."""
    content = _content_key(build, args)
    if content is None:  # an argument that cannot be pickled: nothing to know the figure by
        return chart(build(*args), key, **plotly_chart_args)
    return _draw(*_shared("chart " + content, lambda: _finished(build(*args))), key, plotly_chart_args)


def shared(build, *args):
    """build(*args), worked out once for every viewer of the same arguments and shared, never copied: whoever
    gets it must not change it. The arguments are told apart by content (their pickled bytes: Streamlit's own
    hashing of a small frame took 5 to 10 ms, pickling it a fifth of one). `build` must read nothing but its
    arguments, numbers, functions and our modules' constants: a page's variable would be no part of the key,
    and one viewer would see what was worked out for another (checked, and refused)."""
    content = _content_key(build, args)
    return build(*args) if content is None else _shared(content, lambda: build(*args))


@st.cache_resource(show_spinner=False, max_entries=500)
def _shared(key: str, _work):
    # the key names the function (its file, name and code) and its arguments' content; the result is shared
    # by every session, and nothing changes it after this (st.plotly_chart only reads a figure)
    return _work()


def _content_key(build, args: tuple) -> str | None:
    _check_pure(build)
    code = build.__code__
    written = io.BytesIO()
    pickler = pickle.Pickler(written, protocol=5)
    pickler.fast = True  # no memo: equal values pickle alike whether or not they are one object in memory
    try:
        pickler.dump(_as_values(args))
    except (pickle.PicklingError, TypeError, AttributeError, ValueError):
        return None
    content = hashlib.blake2b(written.getvalue(), digest_size=20).hexdigest()
    return f"{code.co_filename}:{build.__qualname__}:{hashlib.md5(code.co_code).hexdigest()}:{content}"


def _as_values(value):
    """A frame or series as its labels, types and values alone: the same rows pickle alike whether they came
    from DuckDB or from the query cache (whose copies pandas lays out differently in memory)."""
    if isinstance(value, pd.DataFrame):
        return ("frame", list(value.columns), [str(t) for t in value.dtypes], _as_values(value.index),
                [value[c].to_numpy() for c in value.columns] if value.columns.is_unique else value.to_numpy())
    if isinstance(value, pd.Series):
        return ("series", value.name, str(value.dtype), _as_values(value.index), value.to_numpy())
    if isinstance(value, pd.Index):
        return ("index", value.name, str(value.dtype), value.to_numpy())
    if isinstance(value, (list, tuple)):
        return type(value)(_as_values(v) for v in value)
    if isinstance(value, dict):
        return {k: _as_values(v) for k, v in value.items()}
    return value


def _finished(figure):
    return (figure, *_finish(figure))


def _finish(figure) -> tuple[str | None, str | None]:
    """The figure made ready to draw, and its title and subtitle as plain text (for the page, not the figure)."""
    title = figure.layout.title
    text = plain(title.text)
    subtitle = plain(title.subtitle.text) if title.subtitle else None
    if text or subtitle:
        figure.update_layout(title=None, margin=dict(t=20))
    for trace in figure.data:  # Plotly draws <b>, <a href> and the like in its labels: names show as written
        for attribute in ("x", "y", "labels", "text", "customdata"):
            if attribute in trace and trace[attribute] is not None:
                trace[attribute] = _as_drawn_text(trace[attribute])
    return text, subtitle


def _draw(figure, text: str | None, subtitle: str | None, key: str, plotly_chart_args: dict):
    if text:  # a title names campaigns, teams and sources as the data spells them: shown as written
        st.markdown(f"**{formats.md(text)}**")
    if subtitle:
        st.caption(formats.md(subtitle))
    return st.plotly_chart(figure, key=key, **plotly_chart_args)


def _handshake_modules() -> list:
    return [m for n, m in list(sys.modules.items()) if n.startswith("handshake.") and m is not None]


@functools.lru_cache(maxsize=500)
def _global_names(code: types.CodeType) -> frozenset[str]:
    """The globals a function's code reads, its inner functions' and comprehensions' included (a page's code
    is compiled once, so this is worked out once per builder)."""
    names, codes = set(), [code]
    while codes:
        code = codes.pop()
        names |= {i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return frozenset(names)


def _check_pure(build, seen: set | None = None) -> None:
    """Refuse a figure builder that reads a global other than a module, a function, a class or a number, or that
    calls a function of its page's that does: its figure would not depend on its arguments alone."""
    seen = set() if seen is None else seen
    if build in seen:
        return
    seen.add(build)
    for name in _global_names(build.__code__) & build.__globals__.keys():
        value = build.__globals__[name]
        if isinstance(value, (types.ModuleType, type, bool, int, float, types.BuiltinFunctionType)) or value is None:
            continue
        if isinstance(value, types.FunctionType):
            if value.__globals__ is build.__globals__:  # the page's own helper: it must be pure too
                _check_pure(value, seen)
            continue
        if any(getattr(module, name, None) is value for module in _handshake_modules()):
            continue  # a constant imported from a module of ours (a colour): the same for every viewer
        raise TypeError(f"{build.__qualname__} reads {name}, which is not one of its arguments: pass it in, "
                        "or the cached figure would be one viewer's for every viewer")


def _as_drawn_text(values):
    """Values with Plotly's markup characters written as entities, which it draws as the characters."""
    def escape(value):
        if isinstance(value, str) and any(c in value for c in "<>&"):
            return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return value
    if isinstance(values, str):
        return escape(values)
    if any(isinstance(v, str) and any(c in v for c in "<>&") for v in np.asarray(values, dtype=object).flat):
        return np.vectorize(escape, otypes=[object])(np.asarray(values, dtype=object))
    return values


def plain(text: str | None) -> str | None:
    """Plotly title markup as plain text: line breaks become spaces, tags go."""
    if not text:
        return None
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", " ", text))).strip()


def grid(count: int, per_row: int):
    """Columns for `count` cards, a fresh row of `per_row` at a time, so that on a phone, where
    columns stack, the cards keep the order they read in on a wide screen."""
    for start in range(0, count, per_row):
        yield from st.columns(per_row)[: min(per_row, count - start)]
