"""Hostile input: text from a CRM export or typed on a page stays text, in a spreadsheet and on a page, and no
filter value can change what a query means."""

import csv
import io
import re
import shutil
import zipfile
from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handshake import actions, formats, importer, kpis, mappings, pack, queries, readers, warehouse
from handshake.access import LOCAL, Person

ADMIN = Person("Test admin", "admin")


@pytest.mark.parametrize(("cell", "written"), [
    ('=HYPERLINK("http://evil.example","Click")', '\'=HYPERLINK("http://evil.example","Click")'),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1", "'\t=1"),
    ("-1.6%", "-1.6%"),  # a signed number, as the scorecard's changes are: read as a number, runs nothing
    ("+6.4 pts", "+6.4 pts"),
    ("-3 h", "-3 h"),
    ("Webinar = leads", "Webinar = leads"),  # only the first character matters
    ("", ""),
    (None, None),
    (42, 42),
])
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell, written):
    assert formats.spreadsheet_safe(cell) == written


@given(st.text())
def test_no_text_cell_leaves_a_download_as_a_formula(text):
    safe = formats.spreadsheet_safe(text)
    assert safe in (text, "'" + text)  # nothing lost: only an apostrophe in front
    if safe.startswith(formats.FORMULA_STARTS):
        assert formats.SIGNED_NUMBER.fullmatch(safe)


def test_the_downloads_write_typed_and_imported_text_as_text(seed_con, tmp_path):
    """An action typed as a formula, and an owner imported as one, reach the meeting pack's CSV as text; numbers
    and times stay numbers and times."""
    now = datetime(2026, 11, 16, 9)
    action_id = actions.create(seed_con, "=HYPERLINK(\"http://evil.example\")", "@Mallory", "joint",
                               date(2026, 11, 30), LOCAL, now)
    rows = queries.run(seed_con, "meeting_action", {"action_id": action_id})
    written = pd.read_csv(io.StringIO(formats.csv_text(rows, "EUR")), keep_default_na=False)
    assert written.at[0, "title"] == "'=HYPERLINK(\"http://evil.example\")"
    assert written.at[0, "owner"] == "'@Mallory"
    assert written.at[0, "action_id"] == action_id

    week = pack.Pack(title="t", subtitle="s", scorecard=pd.DataFrame(columns=pack.SCORECARD + ["good"]),
                     commitments=[], agenda=[("Actions due", "=1+1 is due")], tables={"Actions": rows},
                     file_stem="w")
    with zipfile.ZipFile(io.BytesIO(pack.csv_zip(week))) as archive:
        listed = pd.read_csv(archive.open("actions.csv"), keep_default_na=False)
        agenda = pd.read_csv(archive.open("agenda.csv"), keep_default_na=False)
    assert listed.at[0, "title"].startswith("'=") and listed.at[0, "owner"] == "'@Mallory"
    assert agenda.at[0, "sentence"] == "'=1+1 is due"


@given(st.text())
def test_markdown_from_the_data_is_shown_as_written(text):
    escaped = formats.md(text)
    # every character markdown (or Streamlit's :colour[...] and $...$) acts on is escaped...
    assert not re.search(r"(?<!\\)(\\\\)*[`*_\[\]()<>#!|~$:]", escaped.replace("\\" + "\\", ""))
    # ...and nothing else changes: the escapes removed give the text back
    assert re.sub(r"\\(.)", r"\1", escaped, flags=re.S) == text


# Every query the pages filter by segment, region and source, with what else it needs to run.
FILTERED = {
    name: extra for name, extra in {
        p.stem: {"limit": 5, "dimension": "source", "outcome": "open", "stage_rank": 2, "min_count": 3,
                 "spike_ratio": 2.0, "open_pipeline_eur": 1000.0, "current_end": date(2026, 6, 1)}
        for p in queries.QUERY_DIR.glob("*.sql")
    }.items() if "segment" in queries.parameters(name) and not name.endswith("_insert")  # a write's segment is data
}
HOSTILE = st.one_of(
    st.sampled_from(["' or 1=1 --", "'; drop table leads; --", "DACH' union select * from leads --", "%", "_",
                     "\\", "NULL", "null", "$segment", "\x00"]),
    st.text(min_size=1, max_size=30),
)


@pytest.fixture(scope="module")
def demo_con(demo_warehouses):
    con = warehouse.open_warehouse(demo_warehouses["defined"])
    yield con
    con.close()


def test_every_filtered_query_is_tried():
    assert len(FILTERED) >= 25, sorted(FILTERED)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=HOSTILE, which=st.sampled_from(["segment", "region", "source"]), name=st.sampled_from(sorted(FILTERED)),
       start=st.dates(date(2024, 1, 1), date(2026, 12, 31)), days=st.integers(0, 400),
       tz=st.sampled_from(["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"]))
def test_a_filter_value_is_only_ever_a_value(demo_con, value, which, name, start, days, tz):
    """Whatever a filter holds, a query reads it as a value: a value no lead has gives what any other unknown
    value gives (no rows, or zero counts), never an error or more rows."""
    end = date.fromordinal(start.toordinal() + days)
    unknown = dict(kpis.query_params(start, end, {which: "no such value"}, tz=tz), **FILTERED[name])
    asked = dict(unknown, **{which: value})
    cursor = demo_con.cursor()
    try:
        known_values = {row[0] for row in cursor.execute(f"select distinct {which} from leads").fetchall()}
    finally:
        cursor.close()
    if value in known_values:
        return
    got, expected = queries.run(demo_con, name, asked), queries.run(demo_con, name, unknown)
    pd.testing.assert_frame_equal(got, expected)


CELL = st.one_of(st.text(max_size=20), st.sampled_from(["=1+1", "@x", "<script>alert(1)</script>", "", " ", "NULL"]))
LEAD_ROW = st.fixed_dictionaries({
    "lead_id": st.one_of(st.integers(1, 30).map(str), CELL),
    "created_at": st.one_of(st.dates(date(1985, 1, 1), date(2030, 12, 31)).map(str), CELL),
    "source": CELL,
    "lead_score": st.one_of(st.integers(-10, 120).map(str), CELL),
    "mql_at": st.one_of(st.just(""), st.dates(date(2020, 1, 1), date(2026, 11, 1)).map(str), CELL),
})


@pytest.fixture(scope="module")
def empty_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "empty.duckdb"
    warehouse.open_warehouse(path).close()
    return path


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(LEAD_ROW, min_size=1, max_size=12))
def test_any_leads_file_goes_in_whole_row_by_row_or_not_at_all(empty_template, tmp_path_factory, rows):
    """Whatever the cells hold, every row is accepted, refused with its row, column and reason, or skipped as a
    repeat, and the warehouse holds exactly the accepted rows; a file refused whole leaves it as it was."""
    folder = tmp_path_factory.mktemp("import")
    path = folder / "w.duckdb"
    shutil.copyfile(empty_template, path)
    export = folder / "leads.csv"
    with open(export, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    con = warehouse.open_warehouse(path)
    try:
        try:
            report = importer.run(con, export, mappings.canonical("leads"), now=datetime(2026, 11, 16, 9), by=ADMIN)
        except (importer.ImportRefused, readers.FileRefused) as refused:
            assert str(refused)  # says why
            assert con.execute("select (select count(*) from leads) + (select count(*) from imports)").fetchone() == (0,)
            return
        assert report.rows_read == len(rows)
        assert report.accepted + report.rejected + report.skipped == len(rows)
        assert con.execute("select count(*) from leads").fetchone()[0] == report.inserted <= report.accepted
        problems = report.problems
        assert problems["row"].between(2, len(rows) + 1).all()  # the file's row, the header being row 1
        assert problems["column"].astype(bool).all() and problems["reason"].astype(bool).all()
        assert problems["row"].nunique() == report.rejected
        kept = con.execute("select count(distinct row_number) from import_rejects").fetchone()[0]
        assert kept == report.rejected  # refused rows are kept, with their reasons
    finally:
        con.close()
