"""The organisation's settings: its currency on every page, download and command, its CRM record link, and a
change of time zone that says which imported times it leaves wrong before it is made."""

import json
import subprocess
import sys

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from handshake import access, formats, importer, mappings, warehouse
from conftest import APP, TESTS, as_read

ADMIN = access.Person("Test admin", "admin")
ROOT = TESTS.parent

# A HubSpot contacts export as HubSpot writes it: times without an offset, in the portal's own zone.
HUBSPOT_CONTACTS = (
    '"Record ID","First Name","Create Date","Original Source","Lifecycle Stage",'
    '"Became a Marketing Qualified Lead Date"\n'
    '"101","Ana","2026-03-14 09:30","Organic Search","marketingqualifiedlead","2026-03-14 10:00"\n'
    '"102","Bruno","2026-03-14 20:00","Paid Search","marketingqualifiedlead","2026-03-15 01:30"\n'
    '"103","Carla","2026-03-31 18:00","Direct Traffic","marketingqualifiedlead","2026-04-01 02:00"\n'
)


def handshake(*args):
    return subprocess.run([sys.executable, "-m", "handshake", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def import_contacts(path, tmp_path, text=HUBSPOT_CONTACTS, mapping=None):
    file = tmp_path / "hubspot-contacts.csv"
    file.write_text(text)
    con = warehouse.open_warehouse(path)
    try:
        return importer.run(con, file, mapping or mappings.load("hubspot_contacts", None), by=ADMIN)
    finally:
        con.close()


# ---- money as people read it

@pytest.mark.parametrize(("currency", "shown"), [
    ("EUR", "€1.2K"), ("USD", "$1.2K"), ("GBP", "£1.2K"), ("BRL", "R$1.2K"), ("JPY", "¥1.2K"),
    ("CHF", "CHF 1.2K"), ("INR", "₹1.2K"), ("AUD", "A$1.2K"), ("CAD", "C$1.2K"), ("SEK", "SEK 1.2K"),
])
def test_an_amount_starts_with_the_currencys_symbol_or_its_code(currency, shown):
    assert formats.fmt(1234.5, "money", currency) == shown


def test_an_unknown_unit_is_refused_rather_than_shown_as_a_count():
    with pytest.raises(ValueError, match="unknown unit 'eur'"):
        formats.fmt(1234.5, "eur")


@pytest.mark.parametrize(("name", "currency", "said"), [
    ("revenue_eur", "BRL", "revenue_brl"),
    ("open_pipeline_eur", "GBP", "open_pipeline_gbp"),
    ("revenue_eur", "EUR", "revenue_eur"),
    ("mql_count", "BRL", "mql_count"),
    ("europe_share", "BRL", "europe_share"),
])
def test_a_money_name_says_the_organisations_currency(name, currency, said):
    assert formats.in_currency(name, currency) == said


def test_a_csv_download_names_money_columns_in_the_currency():
    frame = pd.DataFrame({"channel": ["=webinar"], "revenue_eur": [1200.5], "mql_count": [3]})
    header, row = formats.csv_text(frame, "BRL").strip().splitlines()
    assert header == "channel,revenue_brl,mql_count"
    assert row == "'=webinar,1200.5,3"  # the formula guard still holds


# ---- storing and checking the settings

def test_a_new_warehouse_is_in_euros_in_utc_without_record_links(empty_warehouse):
    con = warehouse.open_warehouse(empty_warehouse)
    assert warehouse.settings(warehouse.meta(con)) == {"timezone": "UTC", "currency": "EUR", "record_link": None}


def test_settings_are_stored_in_the_warehouse(empty_warehouse):
    con = warehouse.open_warehouse(empty_warehouse)
    warehouse.set_currency(con, " brl ", ADMIN)
    warehouse.set_record_link(con, "https://app.hubspot.com/contacts/123/record/0-1/{id}", ADMIN)
    assert warehouse.settings(warehouse.meta(con)) == {
        "timezone": "UTC", "currency": "BRL", "record_link": "https://app.hubspot.com/contacts/123/record/0-1/{id}"}
    warehouse.set_record_link(con, "", ADMIN)  # empty removes it
    assert warehouse.record_link(warehouse.meta(con)) is None


@pytest.mark.parametrize(("change", "message"), [
    ({"currency": "XYZ"}, "Unknown currency 'XYZ': use an ISO 4217 code such as EUR, USD, GBP or BRL."),
    ({"currency": "euro"}, "Unknown currency 'euro'"),
    ({"timezone": "Mars/Olympus"}, "Unknown time zone 'Mars/Olympus'"),
    ({"record_link": "javascript:alert(1)//{id}"}, "is not a web address: it must start with http:// or https://"),
    ({"record_link": "ftp://crm.example.com/{id}"}, "is not a web address"),
    ({"record_link": "https://crm.example.com/leads/"}, "has no {id}: put {id} where the record's id goes"),
])
def test_a_bad_setting_is_refused_with_one_message_and_nothing_written(empty_warehouse, change, message):
    con = warehouse.open_warehouse(empty_warehouse)
    before = warehouse.meta(con)
    with pytest.raises(warehouse.WarehouseError, match=message.replace("{", r"\{").replace("(", r"\(")):
        warehouse.change_settings(con, ADMIN, **{"currency": "BRL", **change})
    assert warehouse.meta(con) == before  # the good currency beside it was not written either


def test_only_an_admin_changes_the_settings(empty_warehouse):
    con = warehouse.open_warehouse(empty_warehouse)
    with pytest.raises(access.Refused):
        warehouse.set_currency(con, "BRL", access.Person("Mia", "member"))
    assert warehouse.organisation_currency(warehouse.meta(con)) == "EUR"


# ---- a change of time zone after imports

def test_a_change_of_zone_says_which_imported_days_it_moves(empty_warehouse, tmp_path):
    import_contacts(empty_warehouse, tmp_path)
    con = warehouse.open_warehouse(empty_warehouse)
    # read in UTC; in Sao Paulo (UTC-3) 15 Mar 01:30 is 14 Mar 22:30 and 1 Apr 02:00 is 31 Mar 23:00; 10:00 stays
    assert warehouse.timezone_shift(con, "America/Sao_Paulo") == (
        "1 import read its times without an offset in UTC; in America/Sao_Paulo those leads' days move: "
        "2 MQLs change day, 1 changes month. Import the files again to read their times in the new zone.")
    # eastwards to Tokyo (UTC+9) the three MQL times, 10:00, 01:30 and 02:00 UTC, stay on their days
    assert "0 MQLs change day, 0 change month" in warehouse.timezone_shift(con, "Asia/Tokyo")
    warehouse.set_timezone(con, "America/Sao_Paulo", ADMIN)
    assert warehouse.timezone_shift(con, "UTC") is None  # back to the zone the file was read in: right again


def test_times_with_an_offset_or_a_zone_of_their_own_move_nothing(empty_warehouse, tmp_path):
    with_offsets = HUBSPOT_CONTACTS.replace(':30"', ':30Z"').replace(':00"', ':00-03:00"')
    import_contacts(empty_warehouse, tmp_path, with_offsets)
    own_zone = mappings.load("hubspot_contacts", None)
    own_zone.timezone = "America/Sao_Paulo"
    import_contacts(empty_warehouse, tmp_path, HUBSPOT_CONTACTS.replace('"10', '"20'), own_zone)
    con = warehouse.open_warehouse(empty_warehouse)
    assert con.execute("select count(*), count(naive_times_zone) from imports").fetchall() == [(2, 0)]
    assert warehouse.timezone_shift(con, "America/Sao_Paulo") is None


# ---- the command line

def test_settings_creates_a_missing_warehouse_and_prints_its_settings(tmp_path):
    path = tmp_path / "new.duckdb"
    result = handshake("settings", "--warehouse", path, "--timezone", "America/Sao_Paulo", "--currency", "brl",
                       "--record-link", "https://acme.lightning.force.com/lightning/r/Lead/{id}/view",
                       "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"timezone": "America/Sao_Paulo", "currency": "BRL",
                                         "record_link": "https://acme.lightning.force.com/lightning/r/Lead/{id}/view"}
    shown = handshake("settings", "--warehouse", path, "--record-link", "")
    assert shown.stdout.splitlines() == ["timezone: America/Sao_Paulo", "currency: BRL", "record_link: "]


def test_settings_refuses_an_unknown_currency_in_one_line(tmp_path):
    result = handshake("settings", "--warehouse", tmp_path / "new.duckdb", "--currency", "XYZ")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: Unknown currency 'XYZ': use an ISO 4217 code such as EUR, USD, GBP or BRL."


def test_settings_says_what_a_change_of_zone_moves(empty_warehouse, tmp_path):
    import_contacts(empty_warehouse, tmp_path)
    result = handshake("settings", "--warehouse", empty_warehouse, "--timezone", "America/Sao_Paulo")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == (
        "warning: 1 import read its times without an offset in UTC; in America/Sao_Paulo those leads' days move: "
        "2 MQLs change day, 1 changes month. Import the files again to read their times in the new zone.")
    assert "timezone: America/Sao_Paulo" in result.stdout


def test_settings_refuses_a_warehouse_another_process_holds(seed_warehouse):
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(seed_warehouse)!r}); "
                               "print('open', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        result = handshake("settings", "--warehouse", seed_warehouse, "--currency", "BRL")
        assert result.returncode == 1
        assert "another process holds this warehouse" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    finally:
        holder.kill()
        holder.wait()
    con = duckdb.connect(str(seed_warehouse), read_only=True)
    assert warehouse.organisation_currency(warehouse.meta(con)) == "EUR"


def test_kpis_names_its_money_in_the_currency(seed_warehouse):
    con = warehouse.open_warehouse(seed_warehouse)
    warehouse.set_currency(con, "BRL", ADMIN)
    con.close()
    shown = handshake("kpis", "--warehouse", seed_warehouse, "--start", "2026-03-01", "--end", "2026-03-31",
                      "--now", "2026-04-01T00:00", "--format", "json")
    record = json.loads(shown.stdout)
    assert record["currency"] == "BRL"
    assert record["revenue_brl"] == 18000  # 10,000 + 5,000 + 3,000 booked in March, as test_kpis works out
    assert {"open_pipeline_brl", "revenue_target_brl"} <= record.keys()
    assert not [key for key in record if key.endswith("_eur")]


# ---- the pages

@pytest.fixture(scope="module")
def brl_warehouse(tmp_path_factory):
    """A demo organisation whose amounts are in Brazilian reais."""
    from conftest import DEMO_AS_OF
    from handshake import demo
    path = demo.generate(tmp_path_factory.mktemp("brl") / "brl.duckdb", leads=3000, as_of=DEMO_AS_OF)
    con = warehouse.open_warehouse(path)
    warehouse.set_currency(con, "BRL", ADMIN)
    con.close()
    return path


def open_page(monkeypatch, path, page):
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(path))
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def everything_shown(at) -> str:
    parts = [m.value for m in at.metric] + [m.label for m in at.metric]
    for kind in ("markdown", "caption", "info", "warning", "subheader"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [str(chart.proto.spec) for chart in at.get("plotly_chart")]
    return "\n".join(parts)


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/campaigns.py", "pages/weekly_meeting.py"])
def test_a_brl_organisation_sees_reais_and_no_euro(monkeypatch, brl_warehouse, page):
    shown = everything_shown(open_page(monkeypatch, brl_warehouse, page))
    assert "R$" in shown
    assert "€" not in shown and "Euro" not in shown


def test_the_tables_behind_the_charts_name_money_in_the_currency(monkeypatch, brl_warehouse):
    at = open_page(monkeypatch, brl_warehouse, "pages/overview.py")
    columns = [c for frame in at.dataframe for c in frame.value.columns]
    assert "revenue_brl" in columns and "marketing_sourced_revenue_brl" in columns
    assert not [c for c in columns if c.endswith("_eur")]


def test_the_glossary_says_money_is_in_the_organisations_currency(monkeypatch, brl_warehouse):
    at = open_page(monkeypatch, brl_warehouse, "pages/glossary.py")
    units = [m.value for m in at.markdown if m.value.startswith("**Revenue**")]
    assert units == ["**Revenue** · owner: shared · unit: in the organisation's currency (BRL)"]


def test_the_warehouse_page_says_what_a_change_of_zone_moves_before_it_is_made(monkeypatch, empty_warehouse, tmp_path):
    import_contacts(empty_warehouse, tmp_path)
    at = open_page(monkeypatch, empty_warehouse, "pages/warehouse.py")
    at.selectbox(key="timezone").set_value("America/Sao_Paulo").run()
    assert [w.value for w in at.warning] == [
        "1 import read its times without an offset in UTC; in America/Sao_Paulo those leads' days move: "
        "2 MQLs change day, 1 changes month. Import the files again to read their times in the new zone."]
    assert warehouse.organisation_timezone(warehouse.meta(warehouse.shared_connection(empty_warehouse))) == "UTC"
    at.button(key="save_timezone").click().run()
    assert at.success[0].value.startswith("Days now start at midnight America/Sao_Paulo")


def test_the_warehouse_page_sets_the_currency_and_checks_the_record_link(monkeypatch, empty_warehouse):
    at = open_page(monkeypatch, empty_warehouse, "pages/warehouse.py")
    at.selectbox(key="currency").set_value("GBP")
    at.button(key="save_currency").click().run()
    assert at.success[0].value == "Amounts are now shown in GBP, on every page."
    at.text_input(key="record_link").set_value("https://crm.example.com/leads/")
    at.button(key="save_record_link").click().run()
    assert "has no {id}" in as_read(at.error[0].value)
    at.text_input(key="record_link").set_value("https://crm.example.com/leads/{id}")
    at.button(key="save_record_link").click().run()
    about = warehouse.meta(warehouse.shared_connection(empty_warehouse))
    assert warehouse.settings(about) == {"timezone": "UTC", "currency": "GBP",
                                         "record_link": "https://crm.example.com/leads/{id}"}
