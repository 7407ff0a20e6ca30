"""The joint agreement's versions, worked out by hand from tests/seed.sql (v1 from 1 Jan 2026: score 50,
24 h SLA, 3 attempts, 31 MQLs and €31,000 a month, no recycle term; v2 from 16 Mar: 50, 4 h, 3, 62 and
€62,000), the agreement files imported beside them, and the Definitions page that records them, run by
Streamlit's AppTest."""

import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest
from streamlit.testing.v1 import AppTest

from handshake import agreement_file, agreements, importer, queries, warehouse
from conftest import APP, TESTS, as_read
from test_app import assert_clean
from handshake.access import Person

PAGE = "pages/definitions.py"
AT = datetime(2026, 3, 30, 9, 15)
V2 = {"mql_score_threshold": 50, "first_touch_sla_hours": 4.0, "min_attempts": 3, "monthly_mql_target": 62,
      "monthly_revenue_target_eur": 62000.0}


def versions(con) -> list[tuple]:
    """The stored versions' terms and record (who takes the MQLs without an owner: tests/test_breach_alerts.py)."""
    return con.execute("select * exclude (unowned_leads_to) from agreements order by effective_date").fetchall()


# ---- the module

def test_a_valid_version_is_written_with_who_and_when(seed_con):
    before = warehouse.data_version(seed_con)
    changed = agreements.add_version(seed_con, date(2026, 4, 1), dict(V2, first_touch_sla_hours=8.0),
                                     Person(" Mara Market ", "admin"), "Sales asked for a working day", AT)
    assert changed == ["first-touch SLA 4 h → 8 h"]
    assert versions(seed_con)[-1] == (date(2026, 4, 1), 50, 8.0, 3, 62, 62000, "Mara Market", AT,
                                      "Sales asked for a working day", None)  # recycle_days not agreed
    assert warehouse.data_version(seed_con) == before + 1
    in_force = queries.run(seed_con, "agreement_in_force", {"day": date(2026, 4, 2)})
    assert in_force["first_touch_sla_hours"].tolist() == [8.0]


def test_a_term_left_out_or_empty_is_stored_as_not_agreed(seed_con):
    changed = agreements.add_version(seed_con, date(2026, 4, 1), dict(V2, monthly_revenue_target_eur=None),
                                     Person("Heads", "admin"), None, AT)
    assert changed == ["monthly revenue target €62,000 → not agreed"]
    agreements.add_version(seed_con, date(2026, 5, 1), {"mql_score_threshold": 55}, Person("Heads", "admin"), "  ", AT)
    assert versions(seed_con)[-1] == (date(2026, 5, 1), 55, None, None, None, None, "Heads", AT, None, None)


def test_the_first_version_may_take_any_date(empty_warehouse):
    con = warehouse.open_warehouse(empty_warehouse)
    try:
        assert agreements.add_version(con, date(2020, 1, 1), V2, Person("Heads", "admin"), None, AT) == []
        assert [row[0] for row in versions(con)] == [date(2020, 1, 1)]
    finally:
        con.close()


@pytest.mark.parametrize("effective", [date(2026, 3, 16), date(2026, 2, 1)])
def test_a_version_not_after_the_latest_is_refused(seed_con, effective):
    with pytest.raises(agreements.AgreementError, match="must take effect after 16 Mar 2026"):
        agreements.add_version(seed_con, effective, V2, Person("Heads", "admin"), None, AT)


@pytest.mark.parametrize("term, value, says", [
    ("mql_score_threshold", 101, "whole number from 0 to 100"),
    ("mql_score_threshold", -1, "whole number from 0 to 100"),
    ("mql_score_threshold", 55.5, "whole number from 0 to 100"),
    ("first_touch_sla_hours", 0, "above 0 and at most 720"),
    ("first_touch_sla_hours", 720.5, "above 0 and at most 720"),
    ("first_touch_sla_hours", float("nan"), "above 0 and at most 720"),
    ("min_attempts", 0, "whole number from 1 to 20"),
    ("min_attempts", 21, "whole number from 1 to 20"),
    ("monthly_mql_target", -1, "0 or more"),
    ("monthly_mql_target", 10.5, "whole number of MQLs"),
    ("monthly_revenue_target_eur", -0.01, "0 or more"),
    ("recycle_days", 6, "whole number of days from 7 to 730"),
    ("recycle_days", 731, "whole number of days from 7 to 730"),
    ("recycle_days", 90.5, "whole number of days from 7 to 730"),
])
def test_a_term_out_of_range_is_refused_with_what_to_do(term, value, says):
    with pytest.raises(agreements.AgreementError, match=says):
        agreements.check(date(2026, 4, 1), dict(V2, **{term: value}), "Heads", date(2026, 3, 16))


@pytest.mark.parametrize("terms", [
    {"mql_score_threshold": 0, "first_touch_sla_hours": 720, "min_attempts": 1, "monthly_mql_target": 0,
     "monthly_revenue_target_eur": 0, "recycle_days": 7},
    {"mql_score_threshold": 100, "first_touch_sla_hours": 0.5, "min_attempts": 20, "recycle_days": 730},
    dict.fromkeys(agreements.TERMS),
])
def test_terms_at_their_limits_or_not_agreed_are_accepted(terms):
    agreements.check(date(2026, 4, 1), terms, "Heads", date(2026, 3, 16))


@pytest.mark.parametrize("by", ["", "   ", None])
def test_a_version_needs_the_name_of_who_records_it(by):
    with pytest.raises(agreements.AgreementError, match="Type your name"):
        agreements.check(date(2026, 4, 1), V2, by, date(2026, 3, 16))


@pytest.mark.parametrize("since, expected", [
    (date(2026, 3, 10), 5),  # L4 (10 Mar 09:00), L5 (12 Mar), L6 (20 Mar), L7 (25 Mar), L10 (31 Mar 22:00)
    (date(2026, 3, 20), 3),  # L6 (20 Mar 09:00), L7, L10; L8 of 31 Mar never became an MQL
    (date(2026, 4, 1), 0),   # the newest MQL is L10, 31 Mar 22:00
])
def test_the_mqls_a_backdated_version_judges_are_counted(run_query, since, expected):
    assert run_query("mqls_since", since=since)["mql_count"].tolist() == [expected]


def test_the_counted_mqls_are_the_ones_the_new_version_judges(seed_con):
    counted = queries.run(seed_con, "mqls_since", {"since": date(2026, 3, 20)})["mql_count"].iloc[0]
    agreements.add_version(seed_con, date(2026, 3, 20), dict(V2, first_touch_sla_hours=8.0), Person("Heads", "admin"), None, AT)
    judged = seed_con.execute(
        "select list(lead_id order by lead_id) from lead_facts where agreement_effective_date = '2026-03-20'"
    ).fetchone()[0]
    assert judged == [6, 7, 10]  # 3 leads, as counted
    assert counted == len(judged)


def test_a_refused_version_leaves_the_table_unchanged(seed_con):
    before, version = versions(seed_con), warehouse.data_version(seed_con)
    with pytest.raises(agreements.AgreementError):
        agreements.add_version(seed_con, date(2026, 4, 1), dict(V2, min_attempts=0), Person("Heads", "admin"), None, AT)
    assert (versions(seed_con), warehouse.data_version(seed_con)) == (before, version)


def test_a_write_that_fails_after_inserting_leaves_the_table_unchanged(seed_con, monkeypatch):
    before, version = versions(seed_con), warehouse.data_version(seed_con)

    def fail(cur, tables=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(warehouse, "bump_data_version", fail)  # runs after the insert, in the same transaction
    with pytest.raises(RuntimeError):
        agreements.add_version(seed_con, date(2026, 4, 1), V2, Person("Heads", "admin"), None, AT)
    assert (versions(seed_con), warehouse.data_version(seed_con)) == (before, version)


# ---- the recycle term

def test_the_recycle_term_reads_as_a_sentence():
    said = agreements.summary(dict(V2, recycle_days=90))
    assert "An MQL with no progress for **90 days** is recycled: closed, neither won nor in play." in said
    assert "**No recycle term** is agreed: an MQL without progress stays in play." in agreements.summary(V2)


@pytest.mark.parametrize("days_without_progress, outcome", [(91, "recycled"), (89, "open")])
def test_an_mql_without_progress_for_longer_than_the_recycle_term_is_recycled(
        seed_con, tmp_path, days_without_progress, outcome):
    # L12 became an MQL on 2 Apr 2026, was last touched on 10 Apr 09:00 and never decided; L13, an inquiry that
    # arrived days_without_progress days after that touch, is the warehouse's newest moment
    newest = datetime(2026, 4, 10, 9) + timedelta(days=days_without_progress)
    seed_con.execute("""
        insert into leads (lead_id, created_at, source, sourced_by, segment, region, lead_score, mql_at, status)
        values (12, '2026-04-02 08:00', 'webinar', 'marketing', 'SMB', 'DACH', 70, '2026-04-02 09:00', 'mql'),
               (13, $newest, 'webinar', 'marketing', 'SMB', 'DACH', 20, null, 'inquiry')
    """, {"newest": newest})
    seed_con.execute("insert into follow_ups values (1201, 12, 2, '2026-04-10 09:00', 'call', 'no_answer')")
    # the 90-day term from 1 Apr, as a team writes it down
    agreement_file.load(seed_con, user_file(tmp_path, "agreement.csv", (
        "effective_date,mql_score_threshold,first_touch_sla_hours,min_attempts,monthly_mql_target,"
        "monthly_revenue_target,recycle_days,note\n"
        "2026-04-01,50,4,3,62,62000,90,Recycle after 90 days without progress\n")), HEADS, AT)
    recycle_at, stage_outcome = seed_con.execute(
        "select recycle_at, stage_outcome from lead_facts where lead_id = 12").fetchone()
    assert recycle_at == datetime(2026, 4, 10, 9) + timedelta(days=90)  # 9 Jul 2026 09:00
    assert seed_con.execute("select as_of from data_as_of").fetchone()[0] == newest  # 10 Jul (91) or 8 Jul (89)
    assert stage_outcome == outcome


# ---- agreement files, as a team writes them in a spreadsheet

HEADS = Person("Heads", "admin")
# Excel's "CSV UTF-8": a byte-order mark, CRLF line ends, quotes around text holding a comma; the first two rows
# repeat the stored v1 and v2
EXCEL_CSV = (
    "\ufeffeffective_date,mql_score_threshold,first_touch_sla_hours,min_attempts,monthly_mql_target,"
    "monthly_revenue_target,recycle_days,note,changed_by\r\n"
    "2026-01-01,50,24,3,31,31000,,v1,Heads\r\n"
    "2026-03-16,50,4,3,62,62000,,v2,Heads\r\n"
    '2026-03-20,50,8,3,62,"€62,000",90,"SLA back to a working day, recycle after 90 days",Mara Market\r\n'
)


def user_file(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_an_agreement_file_adds_its_new_versions_and_rejudges_their_mqls(seed_con, tmp_path):
    before = warehouse.data_version(seed_con)
    outcome = agreement_file.load(seed_con, user_file(tmp_path, "agreement.csv", EXCEL_CSV), HEADS, AT)
    assert (outcome.rows_read, outcome.already_stored, outcome.written) == (3, 2, True)  # v1 and v2 skipped
    assert outcome.added == [(date(2026, 3, 20), ["first-touch SLA 4 h → 8 h", "recycle term not agreed → 90 days"])]
    assert versions(seed_con)[-1] == (date(2026, 3, 20), 50, 8.0, 3, 62, 62000, "Mara Market", AT,
                                      "SLA back to a working day, recycle after 90 days", 90)
    assert len(versions(seed_con)) == 3
    assert warehouse.data_version(seed_con) == before + 1  # one transaction
    # L6, L7 and L10 became MQLs on or after 20 Mar: judged by the new version, as the Definitions page does
    assert seed_con.execute("select list(lead_id order by lead_id) from lead_facts "
                            "where agreement_effective_date = '2026-03-20'").fetchone()[0] == [6, 7, 10]


def test_the_same_file_imported_again_changes_nothing_and_says_so(seed_con, tmp_path):
    path = user_file(tmp_path, "agreement.csv", EXCEL_CSV)
    agreement_file.load(seed_con, path, HEADS, AT)
    stored, version = versions(seed_con), warehouse.data_version(seed_con)
    again = agreement_file.load(seed_con, path, Person("Someone else", "admin"), datetime(2026, 3, 31, 8))
    assert (again.added, again.already_stored, again.written) == ([], 3, False)
    assert agreement_file.summary(again, dry_run=False) == (
        "agreement.csv: every version in the file is already stored (3 rows): nothing changed.")
    assert (versions(seed_con), warehouse.data_version(seed_con)) == (stored, version)


def test_a_day_first_file_with_semicolons_and_decimal_commas(seed_con, tmp_path):
    # Excel in much of Europe: ';' between columns, days first, a comma before decimals; the revenue column
    # under the name it is stored by
    path = user_file(tmp_path, "afspraak.csv", (
        "effective_date;mql_score_threshold;first_touch_sla_hours;min_attempts;monthly_revenue_target_eur;"
        "recycle_days;note\n"
        "15/04/2026;55;1,5;4;70000;120;Nieuwe afspraken\n"
        "01/05/2026;55;1,5;4;80000;120;\n"))
    outcome = agreement_file.load(seed_con, path, HEADS, AT)
    assert [day for day, _ in outcome.added] == [date(2026, 4, 15), date(2026, 5, 1)]  # 15/04 is day first only
    assert outcome.added[1][1] == ["monthly revenue target €70,000 → €80,000"]
    assert versions(seed_con)[-2:] == [
        (date(2026, 4, 15), 55, 1.5, 4, None, 70000, "Heads", AT, "Nieuwe afspraken", 120),
        (date(2026, 5, 1), 55, 1.5, 4, None, 80000, "Heads", AT, None, 120),
    ]


def test_an_xlsx_file_with_date_cells(seed_con, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Effective date", "MQL score threshold", "First-touch SLA hours", "Min attempts",
                  "Monthly MQL target", "Monthly revenue target", "Recycle days", "Note"])
    sheet.append([datetime(2026, 4, 1), 60, 24, 3, 80, 75000.5, 180, "New fiscal year"])
    sheet.append([None] * 8)  # a row left empty at the end of the sheet
    path = tmp_path / "agreement.xlsx"
    book.save(path)
    agreement_file.load(seed_con, path, HEADS, AT)
    assert versions(seed_con)[-1] == (date(2026, 4, 1), 60, 24.0, 3, 80, 75000.5, "Heads", AT, "New fiscal year", 180)


def test_dates_that_read_both_ways_are_refused_until_the_order_is_given(seed_con, tmp_path):
    path = user_file(tmp_path, "agreement.csv", "effective_date,mql_score_threshold\n03/04/2026,55\n")
    with pytest.raises(agreement_file.AgreementFileRefused, match=r"every date reads both ways \(for example "
                                                                  r"'03/04/2026'\): say whether the day or the month"):
        agreement_file.load(seed_con, path, HEADS, AT)
    assert agreement_file.load(seed_con, path, HEADS, AT, dates="dmy").added[0][0] == date(2026, 4, 3)


def test_a_dry_run_checks_and_writes_nothing(seed_con, tmp_path):
    stored, version = versions(seed_con), warehouse.data_version(seed_con)
    outcome = agreement_file.load(seed_con, user_file(tmp_path, "agreement.csv", EXCEL_CSV), HEADS, AT, dry_run=True)
    assert ([day for day, _ in outcome.added], outcome.written) == ([date(2026, 3, 20)], False)
    assert (versions(seed_con), warehouse.data_version(seed_con)) == (stored, version)


HEADER = "effective_date,mql_score_threshold,first_touch_sla_hours,min_attempts,note\n"


@pytest.mark.parametrize("text, message", [
    ("effective_date,mql_score_threshold,sla_hours\n2026-04-01,50,8\n",
     "agreement.csv, row 1 (the header), column sla_hours: not a term of the agreement. The columns are "
     "effective_date, region, segment, mql_score_threshold, first_touch_sla_hours, min_attempts, monthly_mql_target, "
     "monthly_revenue_target, recycle_days, note, changed_by"),
    ("mql_score_threshold,first_touch_sla_hours\n50,8\n",
     "agreement.csv, row 1 (the header): no column effective_date, the day each version takes effect"),
    (HEADER + "2026-04-01,50,8,3,fine\n2100-04-01,50,8,3,typo\n",  # AT + two years is 2028
     "agreement.csv, row 3, column effective_date ('2100-04-01'): outside the years 1990 to 2028"),
    (HEADER + "2026-04-01,50,0,3,\n",
     "agreement.csv, row 2, column first_touch_sla_hours ('0'): The first-touch SLA is a number of hours above 0"),
    (HEADER + "2026-04-01,50,8,three,\n",
     "agreement.csv, row 2, column min_attempts ('three'): The minimum number of attempts is a whole number"),
    (HEADER + "2026-04-01,50,8,3,fine\n,50,8,3,no date\n",
     "agreement.csv, row 3, column effective_date: the cell is empty"),
    (HEADER + "2026-03-01,50,8,3,\n",
     "agreement.csv, row 2, column effective_date ('2026-03-01'): not after 16 Mar 2026, when the latest stored "
     "version took effect"),
    (HEADER + "2026-03-16,50,8,3,v2\n",
     "agreement.csv, row 2, column effective_date ('2026-03-16'): a version from 16 Mar 2026 is already stored, and "
     "this row differs from it (first-touch SLA 4 h → 8 h; monthly MQL target 62 → not agreed; monthly revenue "
     "target €62,000 → not agreed)"),
    (HEADER + "2026-04-01,50,8,3,\n2026-04-01,50,24,3,\n",
     "agreement.csv, row 3, column effective_date ('2026-04-01'): row 2 takes effect on 1 Apr 2026 too"),
])
def test_bad_input_is_refused_with_file_row_and_column_and_nothing_written(seed_con, tmp_path, text, message):
    stored, version = versions(seed_con), warehouse.data_version(seed_con)
    with pytest.raises(agreement_file.AgreementFileRefused) as refused:
        agreement_file.load(seed_con, user_file(tmp_path, "agreement.csv", text), HEADS, AT)
    assert str(refused.value).startswith(message)
    assert (versions(seed_con), warehouse.data_version(seed_con)) == (stored, version)


def test_every_row_is_checked_before_the_file_is_refused(seed_con, tmp_path):
    text = HEADER + "2026-04-01,50,8,3,fine\n2026-02-01,50,8,3,too early\n2026-05-01,150,8,3,\n"
    with pytest.raises(agreement_file.AgreementFileRefused) as refused:
        agreement_file.load(seed_con, user_file(tmp_path, "agreement.csv", text), HEADS, AT)
    assert [(p["row"], p["column"]) for p in refused.value.problems] == [
        (3, "effective_date"), (4, "mql_score_threshold")]
    assert len(versions(seed_con)) == 2  # row 2 was fine, but nothing is written


def test_an_agreement_file_that_fails_while_writing_leaves_the_warehouse_unchanged(seed_con, tmp_path, monkeypatch):
    stored, version = versions(seed_con), warehouse.data_version(seed_con)

    def fail(cur, tables=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(warehouse, "bump_data_version", fail)  # runs after the inserts, in the same transaction
    with pytest.raises(RuntimeError):
        agreement_file.load(seed_con, user_file(tmp_path, "agreement.csv", EXCEL_CSV), HEADS, AT)
    assert (versions(seed_con), warehouse.data_version(seed_con)) == (stored, version)


# ---- targets for regions and segments in the file (schema 13)

REGIONAL_CSV = (
    "effective_date,region,segment,mql_score_threshold,first_touch_sla_hours,min_attempts,monthly_mql_target,"
    "monthly_revenue_target,note,changed_by\r\n"
    "2026-04-01,,,50,4,3,62,62000,Targets by region,Heads\r\n"
    "2026-04-01,DACH,,,,,40,\"€40,000\",,\r\n"
    "2026-04-01,Nordics,SMB,,,,12,,,\r\n"
)


def targets(con) -> list[tuple]:
    return con.execute("select effective_date, region, segment, monthly_mql_target, "
                       "monthly_revenue_target_eur::double from agreement_targets order by all").fetchall()


def test_an_agreement_file_stores_the_targets_of_regions_and_segments(seed_con, tmp_path):
    path = user_file(tmp_path, "agreement.csv", REGIONAL_CSV)
    outcome = agreement_file.load(seed_con, path, HEADS, AT)
    # the version repeats v2's terms; only the two targets are new
    assert outcome.added == [(date(2026, 4, 1), [
        "monthly MQL target for region DACH not agreed → 40",
        "monthly revenue target for region DACH not agreed → €40,000",
        "monthly MQL target for segment SMB in region Nordics not agreed → 12"])]
    assert targets(seed_con) == [(date(2026, 4, 1), "DACH", None, 40, 40000.0),
                                 (date(2026, 4, 1), "Nordics", "SMB", 12, None)]
    again = agreement_file.load(seed_con, path, HEADS, AT)
    assert (again.added, again.already_stored) == ([], 1)  # the version and its targets are stored: nothing new
    assert len(targets(seed_con)) == 2


@pytest.mark.parametrize("extra, message", [
    ("2026-04-01,DACH,,55,,,40,,,\r\n",
     "agreement.csv, row 5, column mql_score_threshold ('55'): holds for the whole organisation, so it goes on the "
     "version's own row: a row for region DACH holds only its monthly MQL and revenue targets."),
    ("2026-05-01,UK & Ireland,,,,,30,,,\r\n",
     "agreement.csv, row 5, column effective_date ('2026-05-01'): no row of the file sets the version that takes "
     "effect on 1 May 2026"),
    ("2026-04-01,DACH,,,,,45,,,\r\n",
     "agreement.csv, row 5, column effective_date ('2026-04-01'): row 3 sets the targets for region DACH from "
     "1 Apr 2026 too: one row each."),
    ("2026-04-01,,Enterprise,,,,,,,\r\n",
     "agreement.csv, row 5: a row for segment Enterprise agrees no target"),
])
def test_a_bad_target_row_is_refused_with_row_and_column_and_nothing_written(seed_con, tmp_path, extra, message):
    with pytest.raises(agreement_file.AgreementFileRefused) as refused:
        agreement_file.load(seed_con, user_file(tmp_path, "agreement.csv", REGIONAL_CSV + extra), HEADS, AT)
    assert str(refused.value).startswith(message)
    assert (len(versions(seed_con)), targets(seed_con)) == (2, [])


def test_a_stored_version_with_other_targets_is_not_rewritten(seed_con, tmp_path):
    agreement_file.load(seed_con, user_file(tmp_path, "agreement.csv", REGIONAL_CSV), HEADS, AT)
    changed = REGIONAL_CSV.replace("2026-04-01,DACH,,,,,40,", "2026-04-01,DACH,,,,,50,")
    with pytest.raises(agreement_file.AgreementFileRefused, match=(
            r"row 2, column effective_date \('2026-04-01'\): a version from 1 Apr 2026 is already stored, and this "
            r"row differs from it \(monthly MQL target for region DACH 40 → 50\)")):
        agreement_file.load(seed_con, user_file(tmp_path, "changed.csv", changed), HEADS, AT)


# ---- python -m handshake import --kind agreements, as a user runs it

def handshake(*args):
    return subprocess.run([sys.executable, "-m", "handshake", *map(str, args)], cwd=TESTS.parent,
                          capture_output=True, text=True, timeout=300)


def test_the_command_line_imports_an_agreement_file_once(seed_warehouse, tmp_path):
    path = user_file(tmp_path, "agreement.csv", EXCEL_CSV)
    dry = handshake("import", path, "--kind", "agreements", "--warehouse", seed_warehouse, "--dry-run",
                    "--format", "json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout) == [{
        "file": "agreement.csv", "kind": "agreements", "rows_read": 3, "already_stored": 2, "written": False,
        "added": [{"effective_date": "2026-03-20",
                   "changes": ["first-touch SLA 4 h → 8 h", "recycle term not agreed → 90 days"]}]}]
    first = handshake("import", path, "--kind", "agreements", "--warehouse", seed_warehouse, "--by", "Mara")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "agreement.csv: imported as agreements: 3 rows; 1 new version added; 2 already stored, skipped.",
        "  from 20 Mar 2026: first-touch SLA 4 h → 8 h; recycle term not agreed → 90 days",
    ]
    again = handshake("import", path, "--kind", "agreements", "--warehouse", seed_warehouse)
    assert again.returncode == 0
    assert again.stdout.strip() == "agreement.csv: every version in the file is already stored (3 rows): nothing changed."


def test_a_dry_run_on_a_warehouse_not_made_yet_creates_none(tmp_path):
    path = user_file(tmp_path, "agreement.csv", HEADER + "2026-01-01,50,24,3,First written agreement\n")
    result = handshake("import", path, "--kind", "agreements", "--warehouse", tmp_path / "new.duckdb", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "agreement.csv: checked (nothing written) as agreements: 1 row; 1 new version would be added.",
        "  from 1 Jan 2026: the first version"]
    assert not (tmp_path / "new.duckdb").exists()


def test_the_command_line_refuses_a_bad_agreement_file_in_one_line(seed_warehouse, tmp_path):
    path = user_file(tmp_path, "agreement.csv", HEADER + "2100-01-01,50,8,3,\n")
    result = handshake("import", path, "--kind", "agreements", "--warehouse", seed_warehouse)
    assert result.returncode == 1
    two_years_ahead = (datetime.now(timezone.utc) + timedelta(days=importer.FUTURE_DAYS)).year
    assert result.stderr.strip() == ("error: agreement.csv, row 2, column effective_date ('2100-01-01'): outside the "
                                     f"years 1990 to {two_years_ahead}: a placeholder or a typing error?")
    con = warehouse.open_warehouse(seed_warehouse)
    try:
        assert len(versions(con)) == 2
    finally:
        con.close()


# ---- the page

def open_definitions(monkeypatch, path):
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    return at


def history(at):
    return at.dataframe[0].value


def test_the_page_shows_the_agreement_in_force_and_its_history(monkeypatch, seed_warehouse):
    at = open_definitions(monkeypatch, seed_warehouse)
    assert_clean(at)
    summary = next(m.value for m in at.markdown if m.value.startswith("- "))
    assert "within **4 hours** of the hand-off and make at least **3 attempts**" in summary  # v2 holds today
    assert "**62 MQLs a month**" in summary and "**€62,000 revenue a month**" in summary
    assert "**No recycle term** is agreed: an MQL without progress stays in play." in summary
    assert history(at)["note"].tolist() == ["v2", "v1"]
    # the form starts from v2
    assert at.number_input(key="def_sla_hours").value == 4.0
    assert at.number_input(key="def_mql_target").value == 62
    assert not at.checkbox  # the default date is in the future: nothing to confirm


def test_an_empty_warehouse_invites_the_first_version(monkeypatch, empty_warehouse):
    at = open_definitions(monkeypatch, empty_warehouse)
    assert_clean(at)
    assert "first step from the Undefined to the Defined stage" in at.info[0].value
    assert at.number_input(key="def_threshold").value is None
    at.number_input(key="def_threshold").set_value(60)
    at.number_input(key="def_sla_hours").set_value(24.0)
    at.text_input(key="def_by").input("Heads")
    at.button(key="def_save").click().run()
    assert_clean(at)
    assert at.success[0].value.startswith("Saved the first version of the joint agreement")
    assert history(at)["mql_score_threshold"].tolist() == [60]


def test_a_version_added_on_the_page_is_in_the_history(monkeypatch, seed_warehouse):
    at = open_definitions(monkeypatch, seed_warehouse)
    effective = at.date_input(key="def_effective").value  # the default: tomorrow
    at.number_input(key="def_mql_target").set_value(70)
    at.number_input(key="def_recycle_days").set_value(120)
    at.text_input(key="def_by").input("Mara Market")
    at.text_input(key="def_note").input("More webinars planned")
    at.button(key="def_save").click().run()
    assert_clean(at)
    assert at.success[0].value == (f"Saved the version that takes effect on {effective.day} {effective:%b %Y}. "
                                   "Compared with the version before: monthly MQL target 62 → 70; "
                                   "recycle term not agreed → 120 days.")
    newest = history(at).iloc[0]
    assert (newest["effective_date"].date(), newest["monthly_mql_target"], newest["recycle_days"],
            newest["changed_by"], newest["note"]) == (effective, 70, 120, "Mara Market", "More webinars planned")
    assert at.text_input(key="def_by").value == ""  # the form starts again from the new version


def test_a_backdated_version_needs_the_confirmation(monkeypatch, seed_warehouse):
    at = open_definitions(monkeypatch, seed_warehouse)
    at.date_input(key="def_effective").set_value(date(2026, 3, 20)).run()
    # L6, L7 and L10 became MQLs on or after 20 Mar
    assert "the 3 MQLs since 20 Mar 2026 will be judged by this version" in at.checkbox(key="def_confirm").label
    at.number_input(key="def_sla_hours").set_value(8.0)
    at.text_input(key="def_by").input("Mara Market")
    at.button(key="def_save").click().run()
    assert "tick the box above to confirm" in at.error[0].value
    assert len(history(at)) == 2
    at.checkbox(key="def_confirm").check()
    at.button(key="def_save").click().run()
    assert_clean(at)
    assert "first-touch SLA 4 h → 8 h" in at.success[0].value
    assert history(at)["effective_date"].dt.date.tolist() == [date(2026, 3, 20), date(2026, 3, 16), date(2026, 1, 1)]


@pytest.mark.parametrize("key, value, says", [
    ("def_threshold", 150, "The MQL score threshold is a whole number from 0 to 100"),
    ("def_recycle_days", 5, "The recycle term is a whole number of days from 7 to 730"),
])
def test_a_term_out_of_range_is_refused_on_the_page(monkeypatch, seed_warehouse, key, value, says):
    at = open_definitions(monkeypatch, seed_warehouse)
    at.number_input(key=key).set_value(value)
    at.text_input(key="def_by").input("Mara Market")
    at.button(key="def_save").click().run()
    assert at.error[0].value.startswith(says)
    assert len(history(at)) == 2


def test_versions_from_a_file_are_checked_then_added_on_the_page(monkeypatch, seed_warehouse, tmp_path):
    at = open_definitions(monkeypatch, seed_warehouse)
    at.session_state["def_file_path"] = str(user_file(tmp_path, "agreement.csv", EXCEL_CSV))
    at.run()
    assert_clean(at)
    checked = next(m.value for m in at.markdown if as_read(m.value).startswith("agreement.csv"))
    assert as_read(checked) == ("agreement.csv: checked (nothing written) as agreements: 3 rows; 1 new version would "
                                "be added; 2 already stored, skipped.\n- from 20 Mar 2026: first-touch SLA 4 h → 8 h; "
                                "recycle term not agreed → 90 days")
    # L6, L7 and L10 became MQLs on or after 20 Mar
    assert "The 3 MQLs since 20 Mar 2026 will be judged by these versions." in [c.value for c in at.caption]
    at.text_input(key="def_by").input("Mara Market")
    at.button(key="def_file_save").click().run()
    assert_clean(at)
    assert at.success[0].value == ("agreement.csv: imported as agreements: 3 rows; 1 new version added; "
                                   "2 already stored, skipped.")
    assert history(at)["recycle_days"].tolist()[0] == 90
    assert len(history(at)) == 3


def test_a_bad_versions_file_is_refused_on_the_page(monkeypatch, seed_warehouse, tmp_path):
    at = open_definitions(monkeypatch, seed_warehouse)
    at.session_state["def_file_path"] = str(user_file(tmp_path, "agreement.csv", HEADER + "2026-03-01,50,8,3,\n"))
    at.run()
    assert_clean(at)
    assert as_read(at.error[0].value).startswith(
        "Nothing was added. agreement.csv, row 2, column effective_date ('2026-03-01'): not after 16 Mar 2026")
    assert "def_file_save" not in [b.key for b in at.button]  # nothing to add
    assert len(history(at)) == 2


def test_targets_for_regions_from_a_file_show_on_the_page_and_start_the_next_version(monkeypatch, seed_warehouse,
                                                                                     tmp_path):
    at = open_definitions(monkeypatch, seed_warehouse)
    at.session_state["def_file_path"] = str(user_file(tmp_path, "agreement.csv", REGIONAL_CSV))
    at.run()
    at.text_input(key="def_by").input("Mara Market")
    at.button(key="def_file_save").click().run()
    assert_clean(at)
    # the version of 1 Apr 2026 is in force today, with its two targets read out
    summary = next(m.value for m in at.markdown if m.value.startswith("- "))
    assert "For region DACH: **40 MQLs** and **€40,000 revenue** a month." in summary
    assert "For segment SMB in region Nordics: **12 MQLs** a month." in summary
    shown = at.dataframe[1].value  # the targets, version by version
    assert shown[["region", "monthly_mql_target"]].values.tolist() == [["DACH", 40], ["Nordics", 12]]


def test_a_target_for_a_region_added_on_the_page_is_saved_with_the_version(monkeypatch, seed_warehouse):
    at = open_definitions(monkeypatch, seed_warehouse)
    effective = at.date_input(key="def_effective").value  # the default: tomorrow
    # a row typed into the targets' table, as the data editor keeps it
    at.session_state["def_targets_0"] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
        {"region": "DACH", "monthly_mql_target": 40, "monthly_revenue_target_eur": 25000}]}
    at.text_input(key="def_by").input("Mara Market")
    at.button(key="def_save").click().run()
    assert_clean(at)
    assert at.success[0].value == (
        f"Saved the version that takes effect on {effective.day} {effective:%b %Y}. Compared with the version before: "
        "monthly MQL target for region DACH not agreed → 40; monthly revenue target for region DACH not agreed → "
        "€25,000.")
    shown = at.dataframe[1].value  # the targets, version by version
    assert shown[["region", "monthly_mql_target", "monthly_revenue_target_eur"]].values.tolist() == [
        ["DACH", 40, 25000.0]]


def test_a_target_row_naming_no_region_or_segment_is_refused_on_the_page(monkeypatch, seed_warehouse):
    at = open_definitions(monkeypatch, seed_warehouse)
    at.session_state["def_targets_0"] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
        {"monthly_mql_target": 40}]}
    at.text_input(key="def_by").input("Mara Market")
    at.button(key="def_save").click().run()
    assert at.error[0].value.startswith("A target for part of the organisation names a region, a segment or both")
    assert len(history(at)) == 2  # nothing written


def test_the_page_names_who_takes_the_mqls_without_an_owner_and_keeps_it_in_the_next_version(monkeypatch,
                                                                                            seed_warehouse):
    at = open_definitions(monkeypatch, seed_warehouse)
    at.text_input(key="def_unowned_to").input("not an address")
    at.text_input(key="def_by").input("Mara Market")
    at.button(key="def_save").click().run()
    assert at.error[0].value.startswith("'not an address' is not an email address")
    at.text_input(key="def_unowned_to").input("lead-desk@example.com")
    at.button(key="def_save").click().run()
    assert_clean(at)
    assert at.success[0].value.endswith("MQLs without an owner to nobody named → lead-desk@example.com.")
    assert at.text_input(key="def_unowned_to").value == "lead-desk@example.com"  # the form starts from it again
    con = warehouse.shared_connection(seed_warehouse).cursor()
    assert con.execute("select unowned_leads_to from agreements order by effective_date desc limit 1").fetchone() == (
        "lead-desk@example.com",)
