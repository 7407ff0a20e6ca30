"""The importer on small files written by hand: what it accepts, what it refuses and why, and that a
refused file or an interrupted import leaves the warehouse exactly as it was."""

import json
import tomllib
from datetime import date, datetime
from pathlib import Path
from decimal import Decimal

import duckdb
import pytest

from handshake import importer, mappings, queries, readers, warehouse
from handshake.access import Person

ADMIN = Person("Test admin", "admin")

NOW = datetime(2026, 11, 22, 12)
LEADS = (
    "lead_id,created_at,source,sourced_by,segment,lead_score,mql_at,owner_rep_id\n"
    "A-1,2026-03-02 09:00,Google,marketing,smb,70,2026-03-02 10:00,Ann\n"
    "A-2,2026-03-03 09:00,google ,marketing,enterprise,30,,Ann\n"
    "A-3,2026-03-04 09:00,Trade Show,sales,smb,,,Bob\n"
)


def checksum(path) -> dict:
    """Row count and an order-free hash of every business table: equal means nothing changed."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return queries.run(con, "warehouse_checksum").to_dict("records")
    finally:
        con.close()


def write(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def run(path, file, kind="leads", mapping=None, **kwargs):
    con = warehouse.open_warehouse(path)
    try:
        return importer.run(con, file, mapping or mappings.canonical(kind), now=NOW, **kwargs, by=ADMIN)
    finally:
        con.close()


def rows(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_canonical_leads_go_in_and_a_second_import_changes_nothing(empty_warehouse, tmp_path):
    file = write(tmp_path, "leads.csv", LEADS)
    first = run(empty_warehouse, file)
    assert (first.rows_read, first.accepted, first.rejected, first.inserted) == (3, 3, 0, 3)
    stored = rows(empty_warehouse, "select source, sourced_by, lead_score, status from leads order by created_at")
    # 'Google' and 'google ' become one source; status follows the times: A-1 has an MQL time, the others none
    assert stored == [("google", "marketing", 70, "mql"), ("google", "marketing", 30, "inquiry"),
                      ("trade_show", "sales", None, "inquiry")]
    # Ann and Bob were named, not imported: added as reps by name
    assert rows(empty_warehouse, "select rep_name from reps order by 1") == [("Ann",), ("Bob",)]
    before = checksum(empty_warehouse)
    second = run(empty_warehouse, file)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 3)
    assert checksum(empty_warehouse) == before
    assert rows(empty_warehouse, "select count(*), sum(inserted), sum(unchanged) from imports") == [(2, 3, 3)]


def test_a_changed_row_is_updated_and_unmapped_columns_keep_their_values(empty_warehouse, tmp_path):
    run(empty_warehouse, write(tmp_path, "leads.csv", LEADS))
    # the second file holds fewer columns: segment and score must survive it
    again = write(tmp_path, "again.csv", "lead_id,created_at,source\nA-1,2026-03-02 09:00,Paid Social\n"
                                          "A-2,2026-03-03 09:00,Google\n")
    report = run(empty_warehouse, again)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    assert rows(empty_warehouse, "select source, segment, lead_score from leads order by created_at limit 1") == [
        ("paid_social", "smb", 70)]


def test_times_are_read_in_the_organisations_zone_unless_they_carry_an_offset(empty_warehouse, tmp_path):
    con = warehouse.open_warehouse(empty_warehouse)
    warehouse.set_timezone(con, "Europe/Berlin", by=ADMIN)
    con.close()
    file = write(tmp_path, "leads.csv", "lead_id,created_at\nT-1,2026-03-02 10:00\nT-2,2026-03-02T10:00:00Z\n"
                                        "T-3,2026-07-02 10:00\n")
    run(empty_warehouse, file)
    # Berlin is UTC+1 in March (10:00 -> 09:00) and UTC+2 in July (10:00 -> 08:00); Z is UTC already
    assert rows(empty_warehouse, "select created_at from leads order by lead_id") == [
        (datetime(2026, 3, 2, 9),), (datetime(2026, 3, 2, 10),), (datetime(2026, 7, 2, 8),)]


@pytest.mark.parametrize("encoding,delimiter,bom", [("utf-8", ",", False), ("utf-8", ";", True),
                                                    ("latin-1", ";", False), ("utf-8", "\t", False)])
def test_csv_encodings_and_delimiters(empty_warehouse, tmp_path, encoding, delimiter, bom):
    text = f"lead_id{delimiter}created_at{delimiter}segment\nE-1{delimiter}2026-03-02{delimiter}Café\n"
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)
    run(empty_warehouse, write(tmp_path, "leads.csv", data))
    assert rows(empty_warehouse, "select segment from leads") == [("Café",)]


def test_day_first_and_month_first_dates_are_told_apart_and_ambiguous_ones_asked(empty_warehouse, tmp_path):
    dmy = write(tmp_path, "dmy.csv", "lead_id,created_at\nD-1,13/02/2026\nD-2,01/03/2026\n")
    assert run(empty_warehouse, dmy).date_order == "dmy"  # 13 cannot be a month
    mdy = write(tmp_path, "mdy.csv", "lead_id,created_at\nM-1,02/13/2026\nM-2,3/1/2026 1:05 PM\n")
    assert run(empty_warehouse, mdy).date_order == "mdy"  # 13 cannot be a month
    assert rows(empty_warehouse, "select lead_id, created_at from leads order by lead_id") == [
        (1, datetime(2026, 2, 13)), (2, datetime(2026, 3, 1)), (3, datetime(2026, 2, 13)),
        (4, datetime(2026, 3, 1, 13, 5))]
    before = checksum(empty_warehouse)
    both = write(tmp_path, "both.csv", "lead_id,created_at\nB-1,01/02/2026\n")
    with pytest.raises(importer.DatesAmbiguous, match="01/02/2026"):
        run(empty_warehouse, both)
    assert checksum(empty_warehouse) == before
    mapping = mappings.canonical("leads")
    mapping.dates = "mdy"
    run(empty_warehouse, both, mapping=mapping)
    assert rows(empty_warehouse, "select created_at from leads where lead_id = 5") == [(datetime(2026, 1, 2),)]


def imported(path, kind: str, text: str, tmp_path, mapping=None):
    return run(path, write(tmp_path, f"{kind}.csv", text), kind=kind, mapping=mapping)


def test_follow_ups_need_a_known_lead_touched_after_it_came_in(empty_warehouse, tmp_path):
    imported(empty_warehouse, "leads", LEADS, tmp_path)
    report = imported(empty_warehouse, "follow_ups", (
        "lead_id,rep_id,touched_at,channel\n"
        "A-1,Ann,2026-03-02 11:00,Call\n"       # row 2: fine
        "Z-9,Ann,2026-03-02 11:00,call\n"       # row 3: no such lead
        "A-2,Ann,2026-03-01 08:00,email\n"      # row 4: a day before the lead came in
        "A-3,Bob,2026-03-05 09:00,carrier pigeon\n"  # row 5: no such channel
    ), tmp_path)
    assert (report.accepted, report.rejected) == (1, 3)
    reasons = {row: reason for row, reason in zip(report.problems["row"], report.problems["reason"])}
    assert "'Z-9' is no lead in the warehouse" in reasons[3]
    assert "before the lead was created" in reasons[4]
    assert "'carrier pigeon' is not a known channel" in reasons[5]
    assert rows(empty_warehouse, "select channel, rep_id is not null from follow_ups") == [("call", True)]
    kept = rows(empty_warehouse, "select row_number, column_name from import_rejects order by 1")
    assert kept == [(3, "lead_id"), (4, "touched_at"), (5, "channel")]


DEALS = ("opportunity_id,owner_rep_id,created_date,stage,amount_eur,closed_date\n"
         "O-1,Ann,2026-03-01,won,1000,2026-03-20\n"
         "O-2,Ann,2026-03-02,won,\"2,500.50\",2026-04-02\n"
         "O-3,Bob,2026-03-03,lost,0,2026-03-30\n"
         "O-4,Bob,2026-03-04,open,700,2026-12-31\n")


def test_deals_book_their_won_amounts_as_revenue_once(empty_warehouse, tmp_path):
    report = imported(empty_warehouse, "opportunities", DEALS, tmp_path)
    assert report.accepted == 4
    assert rows(empty_warehouse, "select count(*), sum(amount_eur) from revenue") == [(2, Decimal("3500.50"))]  # 1000 + 2500.50
    # the open deal's close date is an expectation, not a close
    assert rows(empty_warehouse, "select is_won, closed_date from opportunities where opportunity_id = 4") == [(None, None)]
    imported(empty_warehouse, "opportunities", DEALS, tmp_path)
    assert rows(empty_warehouse, "select count(*), sum(amount_eur) from revenue") == [(2, Decimal("3500.50"))]
    lost_now = DEALS.replace("O-2,Ann,2026-03-02,won", "O-2,Ann,2026-03-02,lost")
    imported(empty_warehouse, "opportunities", lost_now, tmp_path)
    assert rows(empty_warehouse, "select count(*), sum(amount_eur) from revenue") == [(1, Decimal("1000.00"))]


def test_amounts_are_read_as_each_locale_writes_them_and_never_converted(empty_warehouse, tmp_path):
    # a Brazilian export (R$ and dot thousands), a code before the amount, a sign after it with a no-break space
    deals = ("opportunity_id,stage,amount_eur,closed_date\n"
             "B-1,won,\"R$ 1.234,56\",2026-03-02\n"
             "B-2,won,BRL 1200,2026-03-03\n"
             "B-3,won,1\u00a0200 €,2026-03-04\n"
             "B-4,won,\"12,345.50\",2026-03-05\n")
    report = imported(empty_warehouse, "opportunities", deals, tmp_path)
    assert (report.accepted, report.rejected) == (4, 0)
    assert rows(empty_warehouse, "select opportunity_id, amount_eur from opportunities order by 1") == [
        (1, Decimal("1234.56")), (2, Decimal("1200.00")), (3, Decimal("1200.00")), (4, Decimal("12345.50"))]


def test_revenue_needs_a_known_deal(empty_warehouse, tmp_path):
    imported(empty_warehouse, "opportunities", DEALS, tmp_path)
    report = imported(empty_warehouse, "revenue", "opportunity_id,booked_date,amount_eur\nO-4,2026-05-01,300\n"
                                                  "O-9,2026-05-01,300\n", tmp_path)
    assert (report.accepted, report.rejected) == (1, 1)
    assert "'O-9' is no deal in the warehouse: import the opportunities file first" in report.problems["reason"][0]


def test_campaigns_and_reps_fill_in_what_other_files_named(empty_warehouse, tmp_path):
    imported(empty_warehouse, "leads", LEADS, tmp_path)
    imported(empty_warehouse, "reps", "rep_id,function,role,team\nAnn,Sales,SDR,North\n", tmp_path)
    assert rows(empty_warehouse, "select rep_name, function, role, team from reps where rep_name = 'Ann'") == [
        ("Ann", "sales", "sdr", "North")]
    report = imported(empty_warehouse, "campaigns", "campaign_id,campaign_name,channel,start_date,end_date,cost_eur,"
                      "has_sales_at_kickoff\nC-1,Spring webinar,Webinar,2026-03-01,2026-03-31,\"€1,200\",yes\n"
                      "C-2,Autumn,Events,2026-09-01,2026-08-01,100,maybe\n", tmp_path)
    reasons = " | ".join(report.problems["reason"])
    assert (report.accepted, report.rejected) == (1, 1)  # C-2 ends before it starts and says 'maybe'
    assert "before it starts" in reasons and "'maybe' is not yes or no" in reasons
    assert rows(empty_warehouse, "select campaign_name, channel, cost_eur, has_sales_at_kickoff from campaigns") == [
        ("Spring webinar", "webinar", Decimal("1200.00"), True)]


HOSTILE = {
    "empty.csv": (b"", "the file is empty"),
    "header_only.csv": (b"lead_id,created_at\n", r"has a header \(lead_id, created_at\) but no rows"),
    "garbage.csv": (bytes(range(256)) * 40, "not a text file"),
    "zipped.csv": (b"PK\x03\x04" + b"\x00" * 200, "a ZIP archive"),
    "blank_lines.csv": (b"\n\n\n", "holds no values"),
    "ragged.csv": (b"lead_id,created_at,source\nR-1,2026-03-02\nR-2,2026-03-02,web,extra,more\n",
                   "different numbers of columns"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_file_that_is_no_export_is_refused_whole_and_nothing_changes(seed_warehouse, tmp_path, name):
    content, message = HOSTILE[name]
    before = checksum(seed_warehouse)
    with pytest.raises(readers.FileRefused, match=message):
        run(seed_warehouse, write(tmp_path, name, content))
    assert checksum(seed_warehouse) == before
    assert rows(seed_warehouse, "select count(*) from imports") == [(0,)]


def test_a_forced_wrong_delimiter_says_which_one_the_file_uses(seed_warehouse, tmp_path):
    before = checksum(seed_warehouse)
    file = write(tmp_path, "semi.csv", "lead_id;created_at\nS-1;2026-03-02\n")
    with pytest.raises(readers.FileRefused, match="separated by semicolons"):
        run(seed_warehouse, file, delimiter=",")
    assert checksum(seed_warehouse) == before


def test_a_50_mb_file_without_line_breaks_is_refused(seed_warehouse, tmp_path):
    file = tmp_path / "big.csv"
    with open(file, "wb") as f:
        f.write(b"lead_id,created_at\n")
        for _ in range(50):
            f.write(b"x" * (1024 * 1024))
    before = checksum(seed_warehouse)
    with pytest.raises(readers.FileRefused, match="longer than"):
        run(seed_warehouse, file)
    assert checksum(seed_warehouse) == before


ROW_LEVEL = {
    # kind, file, the reason expected for its first row
    "formula": ("leads", "lead_id,created_at,segment\nF-1,2026-03-02,=HYPERLINK(\"http://x\")\n",
                "is a spreadsheet formula"),
    "duplicate ids": ("leads", "lead_id,created_at\nD-1,2026-03-02\nD-1,2026-03-05\n",
                      "is on rows 2, 3 with different values"),
    "negative amount": ("opportunities", "opportunity_id,created_date,stage,amount_eur\nN-1,2026-03-02,open,-50\n",
                        "is negative"),
    "1900": ("leads", "lead_id,created_at\nY-1,1900-01-01\n", "is outside the years 1990 to"),
    "2100": ("leads", "lead_id,created_at\nY-2,2100-01-01\n", "is outside the years 1990 to"),
    "future": ("leads", "lead_id,created_at\nY-3,2026-12-24\n", "is in the future"),
    "unknown stage": ("opportunities", "opportunity_id,created_date,stage\nU-1,2026-03-02,Negotiation\n",
                      "'Negotiation' is not listed as a won, lost or open stage"),
    "unknown status": ("leads", "lead_id,created_at,status\nU-2,2026-03-02,hot\n", "'hot' is not a known status"),
    "follow-up before its lead": ("follow_ups", "lead_id,touched_at,channel\nL-1,2026-01-01,call\n",
                                  "before the lead was created"),
}


@pytest.mark.parametrize("case", list(ROW_LEVEL))
def test_bad_rows_are_refused_with_row_column_and_reason_and_nothing_else_changes(seed_warehouse, tmp_path, case):
    kind, text, reason = ROW_LEVEL[case]
    if kind == "follow_ups":  # the lead it follows up came in on 2 March
        run(seed_warehouse, write(tmp_path, "lead.csv", "lead_id,created_at\nL-1,2026-03-02\n"))
    before = checksum(seed_warehouse)
    imports_before = rows(seed_warehouse, "select count(*) from imports")
    # every row refused: nothing is written, not even a record of the import; the refusal says why
    with pytest.raises(importer.NothingAccepted, match=r"bad\.csv: every row was refused, so nothing was written "
                                                       r"\(row 2, column ") as refused:
        run(seed_warehouse, write(tmp_path, "bad.csv", text), kind=kind)
    report = refused.value.report
    assert report.accepted == 0 and report.rejected == report.rows_read
    first = report.problems.iloc[0]
    assert first["row"] == 2 and first["column"] and reason in first["reason"]
    assert checksum(seed_warehouse) == before
    assert rows(seed_warehouse, "select count(*) from imports") == imports_before
    # beside an accepted row, the refused row is kept as it was in the file, with its reason
    header, *lines = text.splitlines()
    values = {"lead_id": "L-1" if kind == "follow_ups" else "G-1", "created_at": "2026-03-02", "segment": "smb",
              "status": "mql", "opportunity_id": "G-1", "created_date": "2026-03-02", "stage": "open",
              "amount_eur": "10", "touched_at": "2026-03-03", "channel": "call"}
    good = ",".join(values[c] for c in header.split(","))
    run(seed_warehouse, write(tmp_path, "mixed.csv", "\n".join([header, *lines, good]) + "\n"), kind=kind)
    kept = rows(seed_warehouse, "select row_number, reason, raw_row from import_rejects")
    assert kept[0][0] == 2 and reason in kept[0][1]
    assert json.loads(kept[0][2]) == dict(zip(*[line.split(",", 3) for line in text.splitlines()[:2]]))


def test_cells_that_are_no_dates_in_an_iso_file_say_so_in_iso_terms(empty_warehouse, tmp_path):
    report = imported(empty_warehouse, "leads", "lead_id,created_at\nQ-1,2026-03-02\nQ-2,soon\n", tmp_path)
    assert report.date_order == "iso"
    assert report.problems["reason"].tolist() == ["'soon' is not a date (YYYY-MM-DD)"]


def test_the_check_already_warns_of_reps_added_and_revenue_booked(empty_warehouse, tmp_path):
    con = warehouse.open_warehouse(empty_warehouse)
    try:
        report = importer.preview(con, write(tmp_path, "deals.csv", DEALS), mappings.canonical("opportunities"),
                                  now=NOW)
    finally:
        con.close()
    assert report.warnings == [
        "2 reps named in the file are new (Ann, Bob): added with their names only. Import a reps file to give "
        "their function and team.",
        # O-1 1,000 + O-2 2,500.50 = 3,500.50, shown to the euro
        "2 won deals count as €3,500 of revenue on their close dates (set revenue_from_won = false in the "
        "mapping if you import revenue separately).",
    ]
    assert checksum(empty_warehouse)[3]["row_count"] == 0  # opportunities: nothing written by a check


def test_an_exact_repeat_is_skipped_not_refused(empty_warehouse, tmp_path):
    report = imported(empty_warehouse, "leads", "lead_id,created_at\nR-1,2026-03-02\nR-1,2026-03-02\n", tmp_path)
    assert (report.accepted, report.rejected, report.skipped) == (1, 0, 1)


def test_an_interrupted_import_leaves_the_warehouse_as_it_was(seed_warehouse, tmp_path):
    before = checksum(seed_warehouse)

    def interrupt(share, label):
        if share >= 0.9:  # after the rows were written, before the import was recorded
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(seed_warehouse, write(tmp_path, "leads.csv", LEADS), progress=interrupt)
    assert checksum(seed_warehouse) == before
    assert rows(seed_warehouse, "select count(*) from imports") == [(0,)]


def test_a_dry_run_writes_nothing(seed_warehouse, tmp_path):
    before = checksum(seed_warehouse)
    con = warehouse.open_warehouse(seed_warehouse)
    report = importer.preview(con, write(tmp_path, "leads.csv", LEADS), mappings.canonical("leads"), now=NOW)
    con.close()
    assert (report.accepted, report.inserted) == (3, 0) and len(report.preview) == 3
    assert checksum(seed_warehouse) == before


def test_excel_and_parquet_files(empty_warehouse, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["lead_id", "created_at", "lead_score", "segment"])
    sheet.append(["X-1", datetime(2026, 3, 2, 9, 30), 55, "smb"])
    sheet.append(["X-2", "2026-03-03", 40, "=1+1"])
    book.save(tmp_path / "leads.xlsx")
    report = run(empty_warehouse, tmp_path / "leads.xlsx")
    # the formula row is refused, as in a CSV
    assert (report.accepted, report.rejected) == (1, 1)
    assert rows(empty_warehouse, "select created_at, lead_score from leads") == [(datetime(2026, 3, 2, 9, 30), 55)]
    duckdb.execute(f"copy (select 'P-1' as lead_id, timestamp '2026-03-04 08:00' as created_at, 90 as lead_score) "
                   f"to '{tmp_path / 'leads.parquet'}' (format parquet)")
    report = run(empty_warehouse, tmp_path / "leads.parquet")
    assert (report.accepted, report.problems.empty) == (1, True)


def test_the_presets_load_and_name_only_fields_that_exist():
    for name in mappings.presets():
        mapping = mappings.load(name)
        assert mapping.columns and set(mapping.columns) <= {f.name for f in mapping.fields()}


def test_a_mapping_file_with_an_unknown_field_says_which(tmp_path):
    file = write(tmp_path, "m.toml", 'kind = "leads"\n[columns]\nlead_idd = "Id"\n')
    with pytest.raises(mappings.MappingError, match="lead_idd"):
        mappings.load(str(file))


DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = mappings.MAPPING_DIR / "examples"
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def independent(sql: str):
    """A count worked out by DuckDB straight from the file, without the importer."""
    return duckdb.execute(sql).fetchall()[0]


@pytest.mark.parametrize("slice_name", ["maven_pipeline_slice.csv", "maven_pipeline_mdy_slice.csv"])
def test_maven_pipeline_slices_give_the_counts_of_the_file(empty_warehouse, slice_name):
    """200 rows of Maven's published pipeline, in its ISO and its M/D/YYYY form."""
    teams = run(empty_warehouse, DATA / "maven_teams.csv", mapping=mappings.load(str(EXAMPLES / "maven_teams.toml")))
    assert teams.accepted == 35
    report = run(empty_warehouse, DATA / slice_name, mapping=mappings.load(str(EXAMPLES / "maven_pipeline.toml")))
    file = DATA / "maven_pipeline_slice.csv"
    count, won, won_value = independent(
        f"select count(*), count(*) filter (where deal_stage = 'Won'), sum(close_value) filter (where deal_stage = 'Won') "
        f"from read_csv('{file}')")
    assert (count, won, won_value) == (200, 148, 324411)
    assert (report.accepted, report.rejected) == (count, 0)
    assert rows(empty_warehouse, "select count(*), count(*) filter (where is_won), "
                                 "sum(amount_eur) filter (where is_won) from opportunities") == [(count, won, won_value)]
    assert rows(empty_warehouse, "select sum(amount_eur) from revenue") == [(won_value,)]
    # every agent of the slice is one of the 35 in the teams file: no rep was added by name
    assert rows(empty_warehouse, "select count(*) from reps") == [(35,)]


def test_the_two_maven_date_forms_give_the_same_warehouse(empty_warehouse, tmp_path):
    mapping = mappings.load(str(EXAMPLES / "maven_pipeline.toml"))
    run(empty_warehouse, DATA / "maven_pipeline_slice.csv", mapping=mapping)
    before = checksum(empty_warehouse)
    report = run(empty_warehouse, DATA / "maven_pipeline_mdy_slice.csv", mapping=mapping)
    assert (report.date_order, report.unchanged) == ("mdy", 200)
    assert checksum(empty_warehouse) == before


def test_x_education_slice_merges_its_dirty_sources(empty_warehouse):
    file = DATA / "xeducation_leads_slice.csv"
    report = run(empty_warehouse, file, mapping=mappings.load(str(EXAMPLES / "xeducation_leads.toml")))
    count, google = independent(
        f"select count(*), count(*) filter (where lower(\"Lead Source\") = 'google') from read_csv('{file}')")
    assert (count, google) == (300, 91)  # 88 'Google' + 3 'google'
    assert (report.accepted, report.rejected) == (count, 0)
    assert rows(empty_warehouse, "select count(*) from leads where source = 'google'") == [(google,)]
    converted = independent(f"select count(*) filter (where Converted = 1) from read_csv('{file}')")[0]
    assert rows(empty_warehouse, "select count(*) from leads where status = 'won'") == [(converted,)]


@pytest.mark.skipif(not REALDATA.is_dir(), reason="the published exports live beside the project, not in it")
def test_the_whole_published_exports_when_they_are_at_hand(empty_warehouse):
    run(empty_warehouse, REALDATA / "maven_crm" / "sales_teams.csv",
        mapping=mappings.load(str(EXAMPLES / "maven_teams.toml")))
    mapping = mappings.load(str(EXAMPLES / "maven_pipeline.toml"))
    run(empty_warehouse, REALDATA / "maven_crm" / "sales_pipeline.csv", mapping=mapping)
    report = run(empty_warehouse, REALDATA / "maven_crm" / "variants" / "kisaraF_root_sales_pipeline_mdy_dates.csv",
                 mapping=mapping)
    assert report.unchanged == 8800
    assert rows(empty_warehouse, "select count(*), count(*) filter (where is_won), "
                                 "sum(amount_eur) filter (where is_won) from opportunities") == [
        (8800, 4238, Decimal("10005534"))]
    leads = run(empty_warehouse, REALDATA / "xeducation_leads" / "Leads.csv",
                mapping=mappings.load(str(EXAMPLES / "xeducation_leads.toml")))
    assert (leads.accepted, leads.rejected) == (9240, 0)
    assert rows(empty_warehouse, "select count(*) from leads where source = 'google'") == [(2868 + 5,)]


# ---- mapping extensions: alternative columns, "*" values, cells listing several leads; Salesforce conversions

def toml_mapping(text: str, name: str = "test mapping") -> mappings.Mapping:
    return mappings.from_dict(tomllib.loads(text), name=name, where=name)


SF_LEADS_MAPPING = """
kind = "leads"
dates = "dmy"
[columns]
lead_id = ["Lead ID", "Id"]
created_at = ["Created Date", "CreatedDate"]
source = ["Lead Source", "LeadSource"]
converted_opportunity_id = ["Converted Opportunity ID", "ConvertedOpportunityId"]
"""


def test_a_column_may_have_alternative_names_and_the_mapping_file_keeps_them(empty_warehouse, tmp_path):
    mapping = toml_mapping(SF_LEADS_MAPPING)
    # a Salesforce leads report (labels, day-first dates) and a data export (API names, ISO times) of the same org
    report = write(tmp_path, "report.csv", "Lead ID,Created Date,Lead Source,Converted Opportunity ID\n"
                                           "00Q5g00000AbCdE,14/03/2026 09:30,Web,\n")
    export = write(tmp_path, "export.csv", "Id,CreatedDate,LeadSource,ConvertedOpportunityId\n"
                                           "00Q5g00000XyZab,2026-03-15T10:00:00.000Z,Partner Referral,\n")
    assert run(empty_warehouse, report, mapping=mapping).accepted == 1
    assert run(empty_warehouse, export, mapping=mapping).accepted == 1
    assert rows(empty_warehouse, "select source, created_at from leads order by created_at") == [
        ("web", datetime(2026, 3, 14, 9, 30)), ("partner_referral", datetime(2026, 3, 15, 10))]
    again = toml_mapping(mapping.to_toml())
    assert again.columns == mapping.columns
    assert again.columns["lead_id"] == ("Lead ID", "Id")
    # a file with neither name says both
    neither = write(tmp_path, "neither.csv", "Lead,Created Date,Lead Source,Converted Opportunity ID\n"
                                             "X,14/03/2026,Web,\n")
    with pytest.raises(mappings.MappingError, match="no column 'Lead ID' or 'Id'"):
        run(empty_warehouse, neither, mapping=mapping)


def test_where_the_first_alternative_is_empty_the_next_one_the_file_has_is_read(empty_warehouse, tmp_path):
    mapping = toml_mapping("""
kind = "leads"
[columns]
lead_id = "Record ID"
created_at = "Create Date"
sourced_by = ["Original Source Drill-Down 1", "Original Source"]
[values.sourced_by]
CRM_UI = "sales"
"Offline Sources" = "sales"
"*" = "marketing"
""")
    contacts = write(tmp_path, "contacts.csv", "Record ID,Create Date,Original Source,Original Source Drill-Down 1\n"
                                               "1,2026-03-02 09:00,Offline Sources,CRM_UI\n"
                                               "2,2026-03-02 09:00,Offline Sources,IMPORT\n"
                                               "3,2026-03-02 09:00,Direct Traffic,\n"
                                               "4,2026-03-02 09:00,Offline Sources,\n"
                                               "5,2026-03-02 09:00,,\n")
    report = run(empty_warehouse, contacts, mapping=mapping)
    assert report.unread_columns == []  # both columns were read
    assert rows(empty_warehouse, "select k.source_key, l.sourced_by from leads l join source_keys k "
                                 "on k.kind = 'leads' and k.id = l.lead_id order by 1") == [
        ("1", "sales"),  # the drill-down: typed in by a rep
        ("2", "marketing"),  # the drill-down: an imported list
        ("3", "marketing"),  # no drill-down: the source, a web visit
        ("4", "sales"),  # no drill-down: the source, offline
        ("5", None),  # neither: not guessed
    ]


def test_a_star_maps_every_other_value_and_an_empty_target_empties_the_cell(empty_warehouse, tmp_path):
    mapping = toml_mapping("""
kind = "leads"
[columns]
lead_id = "Record ID"
created_at = "Create Date"
sourced_by = "Original Source Drill-Down 1"
segment = "Industry"
[values.sourced_by]
CRM_UI = "sales"
"*" = "marketing"
[values.segment]
"Other" = ""
""")
    # HubSpot contacts: a rep typed contact 101 in by hand (CRM_UI); 102 came from a form, 103 from an import
    file = write(tmp_path, "hubspot-contacts.csv", (
        "Record ID,Create Date,Original Source Drill-Down 1,Industry\n"
        "101,2026-03-02 09:00,CRM_UI,Other\n"
        "102,2026-03-02 10:00,Contact us form,COMPUTER_SOFTWARE\n"
        "103,2026-03-02 11:00,IMPORT,\n"
        "104,2026-03-02 12:00,,Other\n"))
    report = run(empty_warehouse, file, mapping=mapping)
    assert report.accepted == 4
    # every non-empty cell that is not CRM_UI is marketing's; the empty cell stays empty; "Other" empties segment
    assert rows(empty_warehouse, "select sourced_by, segment from leads order by created_at") == [
        ("sales", None), ("marketing", "COMPUTER_SOFTWARE"), ("marketing", None), (None, None)]
    assert toml_mapping(mapping.to_toml()).values == mapping.values


HUBSPOT_CONTACTS = ("Record ID,First Name,Last Name,Create Date,Lifecycle Stage\n"
                    "101,Ana,Lima,2026-03-02 09:00,Customer\n"
                    "102,Bruno,Reis,2026-03-02 10:00,Customer\n"
                    "103,Carla,Souza,2026-03-03 10:00,Lead\n")
HUBSPOT_CONTACTS_MAPPING = """
kind = "leads"
[columns]
lead_id = "Record ID"
created_at = "Create Date"
"""
HUBSPOT_DEALS = ("Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Deal owner,Associated Contact IDs\n"
                 "9001,Acme renewal,Closed Won,1200,2026-03-20 14:05,2026-03-05 10:00,Ana Lima,101;102\n"
                 "9002,Beta pilot,Closed Won,800,2026-03-21 09:00,2026-03-06 10:00,Ana Lima,999;103\n"
                 "9003,Gamma,Closed Won,500,2026-03-22 09:00,2026-03-07 10:00,Ana Lima,998\n")


def hubspot_deals_mapping(separated: bool = True) -> mappings.Mapping:
    mapping = mappings.load("hubspot_deals")
    mapping.columns["lead_id"] = "Associated Contact IDs"
    mapping.separators = {"lead_id": ";"} if separated else {}
    return mapping


def test_a_hubspot_deal_listing_several_contacts_is_the_first_listed_contact_s(empty_warehouse, tmp_path):
    run(empty_warehouse, write(tmp_path, "contacts.csv", HUBSPOT_CONTACTS), mapping=toml_mapping(HUBSPOT_CONTACTS_MAPPING))
    deals = write(tmp_path, "hubspot-deals.csv", HUBSPOT_DEALS)
    # without a separator, '101;102' reads as one id the warehouse lacks: no deal is refused (as they were), each
    # goes in without a lead, with a warning
    unseparated = run(empty_warehouse, deals, mapping=hubspot_deals_mapping(separated=False))
    assert unseparated.rejected == 0
    assert "3 deals name no lead that is in the warehouse (rows 2, 3, 4," in " ".join(unseparated.warnings)
    assert toml_mapping(hubspot_deals_mapping().to_toml()).separators == {"lead_id": ";"}
    report = run(empty_warehouse, deals, mapping=hubspot_deals_mapping())
    assert (report.accepted, report.rejected) == (3, 0)  # no deal refused for listing several leads
    deal_leads = """
        select d.source_key, c.source_key, ol.position
        from opportunity_leads ol
        join source_keys d on d.kind = 'opportunities' and d.id = ol.opportunity_id
        join source_keys c on c.kind = 'leads' and c.id = ol.lead_id
        order by 1, 3"""
    # 9001 lists 101 then 102: both kept, 101 is the deal's lead; 9002 lists 999 (unknown) then 103: 103 is its lead
    assert rows(empty_warehouse, deal_leads) == [("9001", "101", 1), ("9001", "102", 2), ("9002", "103", 1)]
    leads_of_deals = """
        select d.source_key, c.source_key from opportunities o
        join source_keys d on d.kind = 'opportunities' and d.id = o.opportunity_id
        left join source_keys c on c.kind = 'leads' and c.id = o.lead_id order by 1"""
    assert rows(empty_warehouse, leads_of_deals) == [("9001", "101"), ("9002", "103"), ("9003", None)]
    warned = " ".join(report.warnings)
    assert "1 deal names no lead that is in the warehouse (row 4, column 'Associated Contact IDs')" in warned
    assert "1 listed lead is not in the warehouse (such as '999', row 3" in warned
    # 9003's 500 is revenue in the totals though it traces to no lead: 1200 + 800 + 500
    assert rows(empty_warehouse, "select sum(amount_eur) from revenue") == [(Decimal("2500.00"),)]
    won = "select c.source_key from lead_facts f join source_keys c on c.kind = 'leads' and c.id = f.lead_id " \
          "where f.is_won order by 1"
    assert rows(empty_warehouse, won) == [("101",), ("103",)]  # the deal's lead is won; 102 is only associated
    # contact 998 comes in later; importing the deals again links 9003 to it and refreshes its facts
    run(empty_warehouse, write(tmp_path, "more.csv", "Record ID,Create Date\n998,2026-03-04 08:00\n"),
        mapping=toml_mapping(HUBSPOT_CONTACTS_MAPPING))
    again = run(empty_warehouse, deals, mapping=hubspot_deals_mapping())
    assert (again.updated, again.unchanged) == (1, 2)  # 9003 gained its lead
    assert rows(empty_warehouse, won) == [("101",), ("103",), ("998",)]
    assert ("9003", "998", 1) in rows(empty_warehouse, deal_leads)
    # the CRM now lists 9001's contacts the other way round: 102 is its lead and won, 101 no longer
    swapped = write(tmp_path, "swapped.csv", HUBSPOT_DEALS.replace("Ana Lima,101;102", "Ana Lima,102;101"))
    run(empty_warehouse, swapped, mapping=hubspot_deals_mapping())
    assert rows(empty_warehouse, won) == [("102",), ("103",), ("998",)]
    assert [r for r in rows(empty_warehouse, deal_leads) if r[0] == "9001"] == [("9001", "102", 1), ("9001", "101", 2)]


@pytest.mark.parametrize("text,message", [
    ('kind = "leads"\n[separators]\nsource = ";"\n', "[separators] source = ';': a separator is for a cell listing"),
    ('kind = "opportunities"\n[separators]\nlead_id = " "\n', "[separators] lead_id = ' '"),
    ('kind = "leads"\n[columns]\nlead_id = []\n', "[columns] lead_id = []: give a column name, or a list"),
    ('kind = "follow_ups"\n[separators]\nlead = ";"\n', "[separators] names lead, which follow_ups do not have"),
])
def test_a_mapping_file_misusing_the_new_tables_says_how(text, message):
    with pytest.raises(mappings.MappingError) as refused:
        toml_mapping(text)
    assert message in str(refused.value)


def test_a_follow_up_listing_several_contacts_touches_the_first_one_in_the_warehouse(empty_warehouse, tmp_path):
    run(empty_warehouse, write(tmp_path, "contacts.csv", HUBSPOT_CONTACTS), mapping=toml_mapping(HUBSPOT_CONTACTS_MAPPING))
    mapping = toml_mapping("""
kind = "follow_ups"
[columns]
follow_up_id = "Record ID"
lead_id = "Associated Contact IDs"
touched_at = "Activity date"
channel = "Activity type"
outcome = "Call outcome"
[separators]
lead_id = ";"
[values.channel]
"Call" = "call"
"Email" = "email"
[values.outcome]
"Connected" = "connected"
"No answer" = "not_reached"
"Left voicemail" = "not_reached"
"Busy" = "not_reached"
""")
    file = write(tmp_path, "hubspot-calls.csv", (
        "Record ID,Activity date,Activity type,Call outcome,Associated Contact IDs\n"
        "501,2026-03-04 09:00,Call,No answer,999;103\n"    # 999 unknown: a touch of 103
        "502,2026-03-04 15:00,Call,Connected,103;101\n"    # a touch of 103, not of 101
        "503,2026-03-05 09:00,Call,Connected,997;998\n"))  # none known: refused
    report = run(empty_warehouse, file, mapping=mapping)
    assert (report.accepted, report.rejected) == (2, 1)
    assert "none of the leads listed ('997;998') is in the warehouse" in report.problems["reason"][0]
    assert ("1 listed lead is not in the warehouse (such as '999', row 2, column 'Associated Contact IDs'): each "
            "follow-up keeps the listed leads that are, and the first of them is its lead.") in report.warnings
    touched = """select c.source_key, f.outcome from follow_ups f
                 join source_keys c on c.kind = 'leads' and c.id = f.lead_id order by f.touched_at"""
    assert rows(empty_warehouse, touched) == [("103", "not_reached"), ("103", "connected")]
    facts = """select c.source_key, f.touch_count, f.first_contact_at from lead_facts f
               join source_keys c on c.kind = 'leads' and c.id = f.lead_id order by 1"""
    # 103: two touches, reached at the second (15:00); 101 was not touched
    assert rows(empty_warehouse, facts) == [("101", 0, None), ("102", 0, None),
                                            ("103", 2, datetime(2026, 3, 4, 15))]


SF_OPPORTUNITIES = ("Opportunity ID,Opportunity Name,Stage,Amount,Close Date,Created Date,Opportunity Owner\n"
                    "0065g00000Opp01,Acme - 50 seats,Closed Won,\"12,000.00\",20/03/2026,05/03/2026,Rita Alves\n"
                    "0065g00000Opp02,Beta - pilot,Prospecting,3000,30/06/2026,06/03/2026,Rita Alves\n")
SF_LEADS = ("Lead ID,Created Date,Lead Source,Converted Opportunity ID\n"
            "00Q5g00000Lead1,02/03/2026 09:00,Web,0065g00000Opp01\n"
            "00Q5g00000Lead2,03/03/2026 09:00,Web,\n")


def sf_opportunities_mapping() -> mappings.Mapping:
    mapping = mappings.load("salesforce_opportunities")
    mapping.dates = "dmy"
    return mapping


@pytest.mark.parametrize("deals_first", [True, False], ids=["deals first", "leads first"])
def test_salesforce_links_a_deal_to_the_lead_converted_into_it(empty_warehouse, tmp_path, deals_first):
    deals = write(tmp_path, "opportunities.csv", SF_OPPORTUNITIES)
    leads = write(tmp_path, "leads.csv", SF_LEADS)
    steps = [(deals, sf_opportunities_mapping()), (leads, toml_mapping(SF_LEADS_MAPPING))]
    for file, mapping in steps if deals_first else reversed(steps):
        report = run(empty_warehouse, file, mapping=mapping)
        assert report.rejected == 0  # an unknown converted opportunity is never refused
    linked = """select d.source_key, c.source_key from opportunities o
                join source_keys d on d.kind = 'opportunities' and d.id = o.opportunity_id
                left join source_keys c on c.kind = 'leads' and c.id = o.lead_id order by 1"""
    assert rows(empty_warehouse, linked) == [("0065g00000Opp01", "00Q5g00000Lead1"), ("0065g00000Opp02", None)]
    assert rows(empty_warehouse, "select position from opportunity_leads") == [(1,)]
    assert rows(empty_warehouse, "select converted_opportunity_key from leads order by created_at") == [
        ("0065g00000Opp01",), (None,)]
    # the facts follow: Lead1 is won with the deal's 12,000 on 20 March, whichever file came first
    assert rows(empty_warehouse, "select is_won, won_date from lead_facts order by created_at") == [
        (True, date(2026, 3, 20)), (False, None)]


def test_a_deals_export_given_the_contacts_preset_is_refused_naming_the_right_preset(empty_warehouse, tmp_path):
    deals = write(tmp_path, "hubspot-deals.csv", HUBSPOT_DEALS)
    before = checksum(empty_warehouse)
    with pytest.raises(mappings.MappingError) as refused:
        run(empty_warehouse, deals, mapping=mappings.load("hubspot_contacts"))
    message = str(refused.value)
    assert message.startswith("hubspot-deals.csv: the mapping hubspot_contacts reads ")
    assert "It looks like the preset hubspot_deals" in message
    assert "Import it as opportunities with --mapping hubspot_deals" in message
    assert checksum(empty_warehouse) == before
    assert rows(empty_warehouse, "select count(*) from imports") == [(0,)]  # no record of an import either


def test_a_deal_won_before_its_lead_came_in_is_imported_with_a_warning(empty_warehouse, tmp_path):
    run(empty_warehouse, write(tmp_path, "contacts.csv", HUBSPOT_CONTACTS), mapping=toml_mapping(HUBSPOT_CONTACTS_MAPPING))
    # contact 103 was first called on 10 March
    run(empty_warehouse, write(tmp_path, "calls.csv", "lead_id,touched_at,channel\n103,2026-03-10 09:00,call\n"),
        kind="follow_ups")
    deals = write(tmp_path, "hubspot-deals.csv", (
        "Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Deal owner,Associated Contact IDs\n"
        "9101,Fine,Closed Won,100,2026-03-20 14:05,2026-03-05 10:00,Ana Lima,101\n"
        "9102,Before its lead,Closed Won,200,2026-03-01 09:00,2026-02-20 10:00,Ana Lima,102\n"   # 102 came in 2 March
        "9103,Before the first call,Closed Won,300,2026-03-09 09:00,2026-03-04 10:00,Ana Lima,103\n"
        "9104,Lost early,Closed Lost,0,2026-03-01 09:00,2026-02-20 10:00,Ana Lima,101\n"))  # lost: no warning
    report = run(empty_warehouse, deals, mapping=hubspot_deals_mapping())
    assert (report.accepted, report.rejected) == (4, 0)
    assert any(w.startswith("2 deals were won before their lead was created or first touched (rows 3, 4, column "
                            "'Close Date'): imported as they are") for w in report.warnings), report.warnings
    assert rows(empty_warehouse, "select sum(amount_eur) from revenue") == [(Decimal("600.00"),)]  # 100 + 200 + 300


def test_a_person_imported_again_in_another_function_is_named(empty_warehouse, tmp_path):
    mapping = toml_mapping("""
kind = "reps"
[columns]
rep_id = ["User ID", "Id"]
rep_name = ["Full Name", "Name"]
function = "Department"
role = "Role"
[values.role]
"Sales Development Rep" = "sdr"
"Marketing Manager" = "marketer"
"Account Executive" = "account_executive"
""")
    header = "User ID,Full Name,Department,Role,Email\n"
    # Ana was named as a lead's owner first: getting her function and role is no change of them
    run(empty_warehouse, write(tmp_path, "leads.csv", "lead_id,created_at,owner_rep_id\nL-1,2026-03-02,0055g00000Ana01\n"))
    first = write(tmp_path, "users.csv", header + "0055g00000Ana01,Ana Lima,Sales,Sales Development Rep,ana@x.com\n"
                                                  "0055g00000Bru01,Bruno Reis,Sales,Account Executive,bruno@x.com\n")
    assert run(empty_warehouse, first, mapping=mapping).warnings == []
    moved = write(tmp_path, "users-later.csv", header + "0055g00000Ana01,Ana Lima,Marketing,Marketing Manager,ana@x.com\n"
                                                        "0055g00000Bru01,Bruno Reis,Sales,Account Executive,bruno@x.com\n")
    report = run(empty_warehouse, moved, mapping=mapping)
    assert (report.updated, report.unchanged) == (1, 1)
    assert "1 person changes function/role: Ana Lima was sales/sdr, now marketing/marketer." in " ".join(report.warnings)
    assert report.unread_columns == ["Email"]


def test_an_offset_counts_only_after_a_time_of_day(empty_warehouse, tmp_path):
    mapping = mappings.canonical("leads")
    mapping.dates = "dmy"
    file = write(tmp_path, "leads.csv", "lead_id,created_at\nT-1,14-03-2026\nT-2,14-03-2026 09:30\n"
                                        "T-3,2026-03-14T09:30:00-03:00\nT-4,2026-03-14 09:30:00Z\n")
    report = run(empty_warehouse, file, mapping=mapping)
    assert (report.accepted, report.rejected) == (4, 0)
    assert rows(empty_warehouse, "select created_at from leads order by lead_id") == [
        (datetime(2026, 3, 14),), (datetime(2026, 3, 14, 9, 30),),
        (datetime(2026, 3, 14, 12, 30),),  # 09:30 at UTC-3 is 12:30 UTC
        (datetime(2026, 3, 14, 9, 30),)]
    assert report.times_read == "times without an offset read in UTC (the organisation's time zone)"


def test_a_crm_export_given_the_canonical_format_is_pointed_at_its_preset(empty_warehouse, tmp_path):
    # a Salesforce opportunities report, imported as if it were in Handshake's own format
    report = write(tmp_path, "opportunities.csv", SF_OPPORTUNITIES)
    with pytest.raises(mappings.MappingError) as refused:
        run(empty_warehouse, report, kind="opportunities")
    message = str(refused.value)
    assert message.startswith("opportunities.csv: no column 'opportunity_id', which the mapping reads opportunity_id from")
    assert "It looks like the preset salesforce_opportunities" in message
    assert "with --mapping salesforce_opportunities" in message
    assert rows(empty_warehouse, "select count(*) from imports") == [(0,)]
