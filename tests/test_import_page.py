"""The Import data page run by Streamlit's AppTest on real warehouse files: check, then import, a file
written by the test; a refused file; the mapping the page builds. AppTest cannot drive st.file_uploader,
so the tests hand the page a file on disk through st.session_state["import_path"]."""

import tomllib
from datetime import datetime

from streamlit.testing.v1 import AppTest

from handshake import mappings, uploads, warehouse
from handshake.access import Person
from conftest import APP, as_read
from test_app import assert_clean

PAGE = "pages/import_data.py"
NONE = "— not in this file —"

LEADS = """lead_id,created_at,source,sourced_by,lead_score,mql_at
A1,2026-03-02 09:00,Google Ads,marketing,80,2026-03-02 10:00
A2,2026-03-03 09:00,webinar,marketing,70,
A3,not a date,webinar,marketing,70,
"""

DEALS = """opportunity_id,sales_agent,deal_stage,engage_date,close_date,close_value
D1,Moses Frase,Won,2016-10-20,2017-03-01,1054
D2,Darcel Schlecht,Lost,2016-10-25,2017-03-11,0
D3,Moses Frase,Engaging,2016-10-25,,
"""


def open_page(monkeypatch, warehouse_path, file=None, name=None):
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(warehouse_path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    if file is not None:
        at.session_state["import_path"] = str(file)
        if name:
            at.session_state["import_name"] = name
        at.run()
    return at


def shown(at) -> dict:
    return {m.label: m.value for m in at.metric}


def count(path, sql: str):
    return warehouse.shared_connection(path).execute(sql).fetchone()[0]


def test_the_page_without_a_file_says_what_to_do(monkeypatch, empty_warehouse):
    at = open_page(monkeypatch, empty_warehouse)
    assert_clean(at)
    assert at.info[0].value.startswith("Choose an export file above to begin")
    assert at.info[-1].value == "No file has been imported into this warehouse yet."
    assert at.selectbox(key="import_mapping").value == "canonical"


def test_a_canonical_leads_file_is_checked_then_imported(monkeypatch, empty_warehouse, tmp_path):
    csv = tmp_path / "leads.csv"
    csv.write_text(LEADS)
    at = open_page(monkeypatch, empty_warehouse)
    at.switch_page("pages/warehouse.py").run()  # caches the empty warehouse's row counts
    at.switch_page(PAGE).run()
    at.session_state["import_path"] = str(csv)
    at.run()
    assert_clean(at)
    assert at.selectbox(key="map_lead_id").value == "lead_id"
    assert at.selectbox(key="map_status").value == NONE  # the file has no status column
    assert at.button(key="import_run").disabled  # not checked yet
    at.button(key="import_check").click().run()
    assert_clean(at)
    # A1 and A2 pass; A3 (file row 4) has no readable created_at
    assert shown(at) == {"Read": "3 rows", "Accepted": "2 rows", "Rejected": "1 row", "Skipped": "0 rows"}
    problems = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert problems["row"].tolist() == [4]
    assert "'not a date' is not a date" in problems["reason"].iloc[0]
    assert count(empty_warehouse, "select count(*) from leads") == 0  # a check writes nothing
    run = at.button(key="import_run")
    assert run.label == "Import 2 accepted rows" and not run.disabled
    run.click().run()
    assert_clean(at)
    assert as_read(at.success[0].value).startswith("Imported leads.csv as import #1: 2 rows new, 0 rows updated, 0 rows unchanged")
    con = warehouse.shared_connection(empty_warehouse)
    assert con.execute("select source, status from leads order by created_at").fetchall() == [
        ("google_ads", "mql"), ("webinar", "inquiry")]
    history = next(d.value for d in at.dataframe if "file_name" in d.value.columns)
    assert history[["file_name", "rows_read", "accepted", "rejected", "inserted"]].values.tolist() == [
        ["leads.csv", 3, 2, 1, 2]]
    refused = next(d.value for d in at.dataframe if "raw_row" in d.value.columns)
    assert refused["row_number"].tolist() == [4]
    assert '"lead_id":"A3"' in refused["raw_row"].iloc[0]
    # the import bumped the data version, so another page's cached counts are not stale
    at.switch_page("pages/warehouse.py").run()
    tables = next(d.value for d in at.dataframe if "table_name" in d.value.columns)
    assert tables.set_index("table_name").at["leads", "row_count"] == 2


def test_the_same_file_imported_again_changes_nothing(monkeypatch, empty_warehouse, tmp_path):
    csv = tmp_path / "leads.csv"
    csv.write_text(LEADS)
    at = open_page(monkeypatch, empty_warehouse, csv)
    for _ in range(2):
        at.button(key="import_check").click().run()
        at.button(key="import_run").click().run()
    assert_clean(at)
    assert "0 rows new, 0 rows updated, 2 rows unchanged" in as_read(at.success[0].value)
    assert count(empty_warehouse, "select count(*) from leads") == 2
    assert count(empty_warehouse, "select count(*) from imports") == 2


def test_a_file_with_a_header_only_is_refused_and_nothing_is_written(monkeypatch, empty_warehouse, tmp_path):
    csv = tmp_path / "export.csv"
    csv.write_text("lead_id,created_at\n")
    before = warehouse.data_version(warehouse.shared_connection(empty_warehouse))
    at = open_page(monkeypatch, empty_warehouse, csv, name="My export.csv")
    assert_clean(at)
    assert as_read(at.error[0].value) == ("My export.csv: the file has a header (lead_id, created_at) but no rows: "
                                 "export it again with its rows.")
    assert not [b for b in at.button if b.key in ("import_check", "import_run")]
    con = warehouse.shared_connection(empty_warehouse)
    assert count(empty_warehouse, "select count(*) from leads") == 0
    assert count(empty_warehouse, "select count(*) from imports") == 0
    assert warehouse.data_version(con) == before


def test_a_changed_mapping_needs_a_new_check(monkeypatch, empty_warehouse, tmp_path):
    csv = tmp_path / "leads.csv"
    csv.write_text(LEADS)
    at = open_page(monkeypatch, empty_warehouse, csv)
    at.button(key="import_check").click().run()
    assert not at.button(key="import_run").disabled
    at.selectbox(key="map_source").set_value(NONE).run()
    assert_clean(at)
    assert at.info[0].value == "The file or the mapping changed since the last check: check again."
    assert at.button(key="import_run").disabled


def test_a_missing_required_column_says_which(monkeypatch, empty_warehouse, tmp_path):
    csv = tmp_path / "leads.csv"
    csv.write_text(LEADS)
    at = open_page(monkeypatch, empty_warehouse, csv)
    at.selectbox(key="map_created_at").set_value(NONE).run()
    at.button(key="import_check").click().run()
    assert not at.exception
    assert "created_at (when the lead came in) is required: map a column of the file to it." in as_read(at.error[0].value)
    assert at.button(key="import_run").disabled


def test_dates_that_read_both_ways_ask_for_the_order(monkeypatch, empty_warehouse, tmp_path):
    csv = tmp_path / "leads.csv"
    csv.write_text("lead_id,created_at\nB1,03/04/2026\nB2,05/06/2026\n")
    at = open_page(monkeypatch, empty_warehouse, csv)
    at.button(key="import_check").click().run()
    assert not at.exception
    assert "Dates are written" in at.warning[0].value
    assert at.button(key="import_run").disabled
    at.radio(key="import_dates").set_value("dmy").run()
    at.button(key="import_check").click().run()
    assert shown(at)["Accepted"] == "2 rows"
    at.button(key="import_run").click().run()
    assert count(empty_warehouse, "select min(created_at) from leads") == datetime(2026, 4, 3)  # day first


def test_columns_matched_by_hand_import_an_other_export(monkeypatch, empty_warehouse, tmp_path):
    csv = tmp_path / "sales_pipeline.csv"
    csv.write_text(DEALS)
    at = open_page(monkeypatch, empty_warehouse, csv)
    at.selectbox(key="import_kind").set_value("opportunities")
    at.selectbox(key="import_mapping").set_value("mine").run()
    assert at.selectbox(key="map_opportunity_id").value == "opportunity_id"  # guessed from the name
    for field, column in (("owner_rep_id", "sales_agent"), ("stage", "deal_stage"), ("created_date", "engage_date"),
                          ("closed_date", "close_date"), ("amount_eur", "close_value")):
        at.selectbox(key=f"map_{field}").set_value(column)
    at.run()
    assert at.multiselect(key="map_won_stages").options == ["Engaging", "Lost", "Won"]  # one deal each
    at.multiselect(key="map_won_stages").set_value(["Won"])
    at.multiselect(key="map_lost_stages").set_value(["Lost"])
    at.multiselect(key="map_open_stages").set_value(["Engaging"])
    at.run()
    assert_clean(at)
    caption = next(c.value for c in at.caption if "python -m handshake import" in c.value)
    assert (f"`python -m handshake import sales_pipeline.csv --kind opportunities --mapping mapping_opportunities.toml "
            f"--warehouse {empty_warehouse}`") in caption
    at.button(key="import_check").click().run()
    assert shown(at)["Accepted"] == "3 rows"
    at.button(key="import_run").click().run()
    assert_clean(at)
    con = warehouse.shared_connection(empty_warehouse)
    assert con.execute("select count(*), count(*) filter (where is_won) from opportunities").fetchone() == (3, 1)
    assert con.execute("select sum(amount_eur) from revenue").fetchone()[0] == 1054  # D1, the won deal
    assert con.execute("select count(*) from reps").fetchone()[0] == 2  # Moses Frase, Darcel Schlecht, by name
    history = next(d.value for d in at.dataframe if "file_name" in d.value.columns)
    assert history["mapping"].tolist() == ["matched on the Import data page"]


def test_a_demo_warehouse_warns_before_importing(monkeypatch, demo_warehouses, tmp_path):
    csv = tmp_path / "leads.csv"
    csv.write_text(LEADS)
    at = open_page(monkeypatch, demo_warehouses["defined"], csv)
    at.button(key="import_check").click().run()  # a check writes nothing, so the shared demo stays as it is
    assert_clean(at)
    warning = next(w.value for w in at.warning if "demo" in w.value)
    assert "HANDSHAKE_WAREHOUSE=data/ours.duckdb" in warning
    assert "--warehouse data/ours.duckdb" in warning


# ---- the mapping the page builds (uploads.py)

def test_the_page_maps_only_the_columns_the_file_has():
    base = mappings.canonical("leads")
    columns = uploads.default_columns(base, ["lead_id", "created_at"])
    mapping = uploads.build(base, columns)
    assert mapping.columns == {"lead_id": "lead_id", "created_at": "created_at"}
    assert mapping.name == "canonical" and mapping.won_stages == ()


def test_a_field_given_a_column_loses_the_presets_constant():
    base = mappings.Mapping(kind="reps", name="teams", columns={"rep_id": "sales_agent"},
                            constants={"function": "sales", "role": "account_executive"})
    mapping = uploads.build(base, {"rep_id": "sales_agent", "function": "dept"}, edited=True)
    assert mapping.columns == {"rep_id": "sales_agent", "function": "dept"}
    assert mapping.constants == {"role": "account_executive"}
    assert mapping.name == "teams"  # not a preset: the name stays


def test_a_downloaded_mapping_loads_as_the_same_mapping(tmp_path):
    base = uploads.base_mapping("mine", "opportunities", ["id", "stage"])
    mapping = uploads.build(base, {"opportunity_id": "id", "stage": "stage"},
                            stages={"won": ["Closed Won"], "lost": ["Closed Lost"], "open": ["Prospecting"]}, dates="dmy")
    path = tmp_path / "mapping_opportunities.toml"
    path.write_text(mapping.to_toml())
    loaded = mappings.load(str(path), "opportunities")
    assert (loaded.columns, loaded.won_stages, loaded.lost_stages, loaded.open_stages, loaded.dates) == (
        {"opportunity_id": "id", "stage": "stage"}, ("Closed Won",), ("Closed Lost",), ("Prospecting",), "dmy")
    assert tomllib.loads(path.read_text())["kind"] == "opportunities"


def test_file_values_map_onto_handshakes_choices():
    base = mappings.Mapping(kind="leads", values={"status": {"Customer": "won"}})
    values = ["customer", "MQL", "Open"]
    targets = uploads.default_targets(base, "status", values)
    assert targets == ["won", "mql", None]  # from the base's map (any case), already a status, unknown
    assert uploads.value_map(values, targets) == {"customer": "won"}  # 'MQL' needs no entry
    # a base map with "*" gives every other value its target, and an edited map keeps the "*"
    starred = mappings.Mapping(kind="leads", values={"status": {"Customer": "won", "*": "inquiry"}})
    # as the importer reads it: "*" is every value not listed, even one that is a status already
    assert uploads.default_targets(starred, "status", values) == ["won", "inquiry", "inquiry"]
    built = uploads.build(starred, {"lead_id": "Id", "status": "Stage"}, values={"status": {"Open": "mql"}})
    assert built.values["status"] == {"Open": "mql", "*": "inquiry"}


def test_stages_default_to_the_ones_the_base_lists_in_any_case():
    base = mappings.canonical("opportunities")
    assert uploads.default_stages(base, ["Won", "LOST", "open", "Negotiation"]) == {
        "won": ["Won"], "lost": ["LOST"], "open": ["open"]}


def test_the_command_line_quotes_what_a_shell_would_split():
    mapping = mappings.canonical("leads")
    assert uploads.command_line(mapping, "My leads (2026).csv", "/srv/w.duckdb", "\t") == (
        "python -m handshake import 'My leads (2026).csv' --kind leads --mapping mapping_leads.toml "
        "--warehouse /srv/w.duckdb --delimiter $'\\t'")
    assert uploads.parse_delimiter("tab") == "\t" and uploads.parse_delimiter("") is None


def test_a_summary_lists_the_few_values_of_a_column(tmp_path):
    csv = tmp_path / "deals.csv"
    csv.write_text(DEALS)
    summary = uploads.summarise(csv, name="deals.csv")
    assert summary.columns == ["opportunity_id", "sales_agent", "deal_stage", "engage_date", "close_date", "close_value"]
    assert summary.values["sales_agent"] == ["Moses Frase", "Darcel Schlecht"]  # most frequent first
    assert summary.head["Row"].tolist() == [2, 3, 4]


def test_a_preset_reading_a_column_the_file_lacks_says_so_and_imports_the_rest(monkeypatch, empty_warehouse, tmp_path):
    preset = mappings.load("salesforce_leads")
    present = {f: preset.alternatives(f)[0] for f in preset.columns if f not in ("region", "opportunity_at")}
    header = list(present.values())
    row = {"lead_id": "00Q1", "created_at": "2026-03-02 09:00", "source": "Web", "owner_rep_id": "Ana Ortiz",
           "segment": "Retail", "status": "Open - Not Contacted"}
    csv = tmp_path / "report.csv"
    csv.write_text(",".join(header) + "\n" + ",".join(row.get(f, "") for f in present) + "\n")
    at = open_page(monkeypatch, empty_warehouse, csv)
    at.selectbox(key="import_mapping").set_value("salesforce_leads").run()
    assert_clean(at)
    lacking = next(w.value for w in at.warning if "does not have" in w.value)
    assert "region from " + " or ".join(f"'{c}'" for c in preset.alternatives("region")) in lacking
    assert at.selectbox(key="map_region").value == NONE
    at.button(key="import_check").click().run()
    assert shown(at)["Accepted"] == "1 row"
    at.button(key="import_run").click().run()
    con = warehouse.shared_connection(empty_warehouse)
    assert con.execute("select status, sourced_by from leads").fetchall() == [("mql", "marketing")]  # the preset's maps
    assert con.execute("select mapping from imports").fetchone()[0] == "salesforce_leads"


def test_the_check_names_the_zone_times_were_read_in_and_the_columns_left_unread(monkeypatch, empty_warehouse, tmp_path):
    con = warehouse.open_warehouse(empty_warehouse)
    warehouse.set_timezone(con, "America/Sao_Paulo", Person("Test admin", "admin"))
    con.close()
    # a HubSpot contacts export with a column the preset does not read
    csv = tmp_path / "hubspot-contacts.csv"
    csv.write_text("Record ID,Create Date,Associated Deal IDs\n101,2026-03-02 09:00,9001\n")
    at = open_page(monkeypatch, empty_warehouse, csv)
    at.selectbox(key="import_mapping").set_value("hubspot_contacts").run()
    at.button(key="import_check").click().run()
    assert_clean(at)
    captions = " ".join(as_read(c.value) for c in at.caption)
    assert "times without an offset read in America/Sao_Paulo (the organisation's time zone), stored in UTC" in captions
    assert "Columns of the file no field reads (map one in step 3 if it matters): Associated Deal IDs." in captions


def test_the_date_order_question_points_at_the_page_s_own_control(monkeypatch, empty_warehouse, tmp_path):
    csv = tmp_path / "leads.csv"
    csv.write_text("lead_id,created_at\nB1,03-04-2026\nB2,05-06-2026 10:00\n")
    at = open_page(monkeypatch, empty_warehouse, csv)
    at.button(key="import_check").click().run()
    asked = as_read(at.warning[0].value)
    assert "reads both day first and month first (for example '03-04-2026')" in asked
    assert "Choose day first or month first under 'Dates are written' above" in asked
    assert "--dates" not in asked  # a command-line option means nothing on the page
