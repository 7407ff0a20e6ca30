"""Data: bring a team's own CRM and marketing exports into the warehouse, for whoever keeps it filled."""

from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import streamlit as st

from handshake import access, dashboard, importer, mappings, readers, uploads, warehouse
from handshake.formats import fmt, md

NONE = "— not in this file —"

dashboard.ensure_app_ran()
st.title("Import data")
path = warehouse.configured_path()
about = dashboard.about_warehouse()
st.markdown(
    "Bring in your own exports: leads, sales follow-ups, deals, revenue, campaigns and people. Every row is "
    "checked before anything is written; a file goes in whole, in one step, or not at all; the rows it refuses "
    "are kept with their reasons; importing the same file again changes nothing.")


def rows(count) -> str:
    return f"{fmt(count, 'count')} row" + ("" if count == 1 else "s")



def imports_so_far() -> None:
    """Every import into this warehouse, and the rows each refused."""
    st.subheader("Imports so far")
    history = dashboard.query("imports_recent")
    if history.empty:
        st.info("No file has been imported into this warehouse yet.", icon=":material/inbox:")
    else:
        count_column = lambda label: st.column_config.NumberColumn(label, format="localized", width="small")  # noqa: E731
        shown_history = history.drop(columns=["warnings"] + (["imported_by"] if history["imported_by"].isna().all() else []))
        st.dataframe(
            shown_history.assign(kind=history["kind"].map(uploads.SHORT_KIND_LABELS).fillna(history["kind"])),
            hide_index=True, placeholder="–", column_config={
                "import_id": st.column_config.NumberColumn("#", format="%d"),
                "imported_at": st.column_config.DatetimeColumn("When (UTC)", format="D MMM YYYY HH:mm"),
                "file_name": "File", "kind": "Holds", "mapping": "Mapping",
                "rows_read": count_column("Read"), "accepted": count_column("Accepted"),
                "rejected": count_column("Rejected"),
                "inserted": count_column("New"), "updated": count_column("Updated"),
                "unchanged": count_column("Unchanged"),
                "seconds": st.column_config.NumberColumn("Took", format="%.1f s", width="small"), "imported_by": "By",
            })
        st.caption("Counts are rows of the file. Read = accepted + rejected + exact repeats skipped; the accepted rows "
                   "are new, updated or unchanged in the warehouse.")
        ids = history["import_id"].tolist()
        if st.session_state.get("import_history_pick") not in ids:
            st.session_state["import_history_pick"] = ids[0]
        described = history.set_index("import_id")
        picked = st.selectbox(
            "Refused rows of import", ids, key="import_history_pick",
            format_func=lambda i: f"#{i} · {described.at[i, 'file_name']} · "
                                  f"{described.at[i, 'imported_at']:%d %b %Y %H:%M} UTC")
        if isinstance(described.at[picked, "warnings"], str):
            st.caption(f"Import #{picked} warned: " + " ".join(described.at[picked, "warnings"].splitlines()))
        refused = dashboard.query("import_rejects", {"import_id": int(picked)})
        if refused.empty:
            st.caption(f"Import #{picked} refused no rows.")
        else:
            dashboard.data_table(
                refused, f"import_{picked}_refused_rows.csv", expanded=True,
                label=f"{rows(refused['row_number'].nunique())} refused by import #{picked}, "
                      "with the row as it was in the file",
                column_config={"row_number": st.column_config.NumberColumn("Row in the file", format="%d"),
                               "column_name": "Column", "reason": "Reason", "raw_row": "The row (JSON)"})


if dashboard.cannot("import"):
    imports_so_far()
    st.stop()

# ---- 1. the file and what it holds
st.subheader("1. The file")
upload = st.file_uploader(
    "Export file (CSV, Excel .xlsx or Parquet)", type=["csv", "txt", "tsv", "xlsx", "parquet"], key="import_file",
    help="An export of one kind of record: one row per lead, touch, deal, booking, campaign or person, with a "
         "header row. Up to 1 GB; for more, split the export by year.")
kind_column, mapping_column = st.columns(2)
kind = kind_column.selectbox("What does the file hold?", mappings.KINDS, key="import_kind",
                             format_func=uploads.KIND_LABELS.get)
presets, broken = uploads.presets_for(kind)
mapping_labels = {"canonical": "Handshake canonical",
                  **{name: uploads.preset_label(m) for name, m in presets.items()},
                  "mine": "Match columns myself"}
if st.session_state.get("import_mapping") not in mapping_labels:
    st.session_state["import_mapping"] = "canonical"
choice = mapping_column.selectbox(
    "Mapping", list(mapping_labels), key="import_mapping", format_func=mapping_labels.get,
    help="How the file's columns become Handshake's fields. Handshake canonical: columns named as the fields "
         "(lead_id, created_at, …). A preset: a common CRM export as it comes. Match columns myself: start from "
         "the column names and choose the rest below. Whatever you start from, you can correct each field below.")
for name, problem in broken.items():
    st.warning(f"The preset {name} cannot be used: {problem}", icon=":material/warning:")
dates_column, delimiter_column = st.columns([3, 1])
dates = dates_column.radio(
    "Dates are written", list(uploads.DATE_ORDERS), key="import_dates", format_func=uploads.DATE_ORDERS.get,
    horizontal=True, help="Whether 03/04/2026 is 3 April or 4 March. Left to work it out, Handshake reads the "
                          "dates that only fit one way and asks when every date fits both.")
delimiter = uploads.parse_delimiter(delimiter_column.text_input(
    "Column delimiter", key="import_delimiter", placeholder="detected", max_chars=4,
    help="For CSV files only, when detection gets it wrong: for example ; or | (type tab for tabs)."))

if upload is not None:
    file_name, identity = upload.name, f"upload:{upload.file_id}:{upload.size}"
elif st.session_state.get("import_path"):  # a file already on the server (the tests use this)
    server_file = Path(st.session_state["import_path"])
    file_name = st.session_state.get("import_name") or server_file.name
    stat = server_file.stat() if server_file.exists() else None
    identity = f"path:{server_file}:{stat.st_mtime_ns if stat else 0}:{stat.st_size if stat else 0}"
else:
    file_name = identity = None


@contextmanager
def file_on_disk():
    """The chosen file as a path the importer reads; an upload is written to a temporary file and removed after."""
    if upload is not None:
        with uploads.saved(upload) as saved:
            yield saved
    else:
        yield Path(st.session_state["import_path"])


def preview_columns(kind: str) -> dict:
    """Column settings for the typed preview: dates as dates, times marked UTC, money in the organisation's currency."""
    config = {"row": st.column_config.NumberColumn("Row in the file", format="%d")}
    for f in mappings.FIELDS[kind]:
        if f.type == "timestamp":
            config[f.name] = st.column_config.DatetimeColumn(f"{f.name} (UTC)", format="D MMM YYYY HH:mm")
        elif f.type == "date":
            config[f.name] = st.column_config.DateColumn(f.name, format="D MMM YYYY")
        elif f.type == "money":
            config[f.name] = dashboard.money_column(f.name)
    return config


def show_report(report: importer.Report) -> None:
    """The result of a check: counts, warnings, the refused rows with reasons, the rows as they will be stored."""
    read, accepted, rejected, skipped = st.columns(4)
    read.metric("Read", rows(report.rows_read), help="Rows in the file, not counting the header.")
    accepted.metric("Accepted", rows(report.accepted), help="Rows that passed every check and will be written.")
    rejected.metric("Rejected", rows(report.rejected),
                    help="Rows refused for at least one reason below; they are kept, with the reasons, in the import's "
                         "refused rows, never written to the tables.")
    skipped.metric("Skipped", rows(report.skipped), help="Exact repeats of an earlier row of the file.")
    order = {"iso": "as ISO dates (2026-12-31)", "dmy": "day first", "mdy": "month first"}[report.date_order]
    st.caption(md(f"{report.file} checked with mapping {report.mapping} in {report.seconds:,.1f} s. Dates read "
                  f"{order}; {report.times_read}, stored in UTC."))
    if report.unread_columns:
        st.caption(md("Columns of the file no field reads (map one in step 3 if it matters): "
                      + ", ".join(report.unread_columns) + "."))
    for line in report.warnings:
        st.warning(md(line), icon=":material/warning:")
    if not report.problems.empty:
        capped = len(report.problems) >= 10_000
        dashboard.data_table(
            report.problems, "import_problems.csv", expanded=True,
            label=f"Why {rows(report.rejected)} would be refused"
                  + (" (the first 10,000 problems)" if capped else f" ({fmt(len(report.problems), 'count')} problems)"),
            column_config={"row": st.column_config.NumberColumn("Row in the file", format="%d"), "column": "Column",
                           "reason": "Reason", "value": "Value"})
    if not report.preview.empty:
        st.markdown(f"**The first {rows(len(report.preview))} as Handshake will store them**")
        st.dataframe(report.preview, hide_index=True, placeholder="–", column_config=preview_columns(report.kind))
        st.caption("Codes such as sources are stored in lower case with underscores, so 'Google Ads' and "
                   "'google ads' count as one; times are in UTC. Rows with a problem are listed too, and not written.")


def import_flow() -> None:
    """Steps 2 to 5 for the chosen file: its first rows, the mapping, the check and the import."""
    # ---- 2. what the file holds, read in a throwaway database
    summary_key = (identity, delimiter)
    held = st.session_state.get("import_summary")
    if not held or held[0] != summary_key:
        try:
            with st.spinner(f"Reading {file_name}"), file_on_disk() as on_disk:
                held = (summary_key, uploads.summarise(on_disk, name=file_name, delimiter=delimiter))
        except readers.FileRefused as e:
            held = (summary_key, str(e))
        except OSError as e:
            held = (summary_key, f"{file_name}: cannot be read ({e.strerror}). Upload it again.")
        except Exception as e:  # a file no reader expected: say so rather than show a traceback
            held = (summary_key, f"{file_name}: cannot be read ({warehouse.first_line(e)}). Export it again as "
                                 "CSV, .xlsx or Parquet.")
        st.session_state["import_summary"] = held
    summary = held[1]
    st.subheader("2. What the file holds")
    if isinstance(summary, str):
        st.error(md(summary), icon=":material/block:")
        st.caption("Nothing was written. Export the file again as the message says, or choose another file above."
                   + (" On this page the delimiter goes in 'Column delimiter' above." if "delimiter" in summary else ""))
        return
    info = summary.info
    detail = f", delimiter {'tab' if info.delimiter == chr(9) else repr(info.delimiter)}" if info.delimiter else ""
    st.caption(f"{md(file_name)}: {info.format.upper()}{', ' + info.encoding if info.encoding else ''}{detail}; "
               f"{rows(info.rows)} and {fmt(len(info.columns), 'count')} columns. The first "
               f"{rows(len(summary.head))} as the file has them:")
    st.dataframe(summary.head, hide_index=True, placeholder="–",
                 column_config={"Row": st.column_config.NumberColumn("Row", format="%d")})

    # ---- 3. the mapping, starting from the chosen one and correctable field by field
    st.subheader("3. Match its columns")
    try:
        base = uploads.base_mapping(choice, kind, info.columns)
    except mappings.MappingError as e:
        st.error(md(e), icon=":material/block:")
        return
    defaults = uploads.default_columns(base, info.columns)
    base_key = (summary_key, kind, choice)
    fields = mappings.FIELDS[kind]
    if st.session_state.get("import_base") != base_key or any(f"map_{f.name}" not in st.session_state for f in fields):
        st.session_state["import_base"] = base_key
        for f in fields:
            st.session_state[f"map_{f.name}"] = defaults[f.name] or NONE
    absent = uploads.absent_columns(base, info.columns)
    if absent:
        st.warning(
            f"The mapping {mapping_labels[choice]} reads columns this file does not have: "
            + "; ".join(f"{name} from {column}" for name, column in absent.items())
            + ". Choose the file's column for each below, or leave it out if the file has no such data.",
            icon=":material/help:")
    st.caption("One field of Handshake per box: choose the file's column that holds it. Required fields must "
               "have one; leave the others out when the file lacks them.")
    options = [NONE, *info.columns]
    chosen = {}
    for column, f in zip(dashboard.grid(len(fields), 3), fields):
        if st.session_state.get(f"map_{f.name}") not in options:
            st.session_state[f"map_{f.name}"] = NONE
        picked = column.selectbox(f"{f.name} (required)" if f.required else f.name, options, key=f"map_{f.name}",
                                  help=f.help or None)
        chosen[f.name] = None if picked == NONE else picked
    constants = {k: v for k, v in base.constants.items() if not chosen.get(k)}
    if constants:
        st.caption("Set for every row by the mapping: " + "; ".join(f"{k} = {v}" for k, v in constants.items()) + ".")

    stages, stage_defaults = None, None
    if kind == "opportunities" and chosen.get("stage"):
        stage_values = summary.values.get(chosen["stage"])
        if stage_values is None:
            st.warning(f"The column '{chosen['stage']}' has more than {uploads.MAX_VALUES} different values, too "
                       "many for deal stages: choose the column that holds the stage.", icon=":material/help:")
        else:
            stage_defaults = uploads.default_stages(base, stage_values)
            stage_key = (base_key, chosen["stage"])
            keys = {k: f"map_{k}_stages" for k in ("won", "lost", "open")}
            if st.session_state.get("import_stage_base") != stage_key or any(v not in st.session_state for v in keys.values()):
                st.session_state["import_stage_base"] = stage_key
                for k, key in keys.items():
                    st.session_state[key] = stage_defaults[k]
            st.markdown("**Which stages are won, lost or still open**")
            won, lost, still_open = st.columns(3)
            stages = {
                "won": won.multiselect("Won", stage_values, key=keys["won"], help="Deals in these stages were won."),
                "lost": lost.multiselect("Lost", stage_values, key=keys["lost"], help="Deals in these stages were lost."),
                "open": still_open.multiselect("Open", stage_values, key=keys["open"],
                                               help="Deals in these stages are still being worked."),
            }
            listed = [v for k in stages for v in stages[k]]
            twice = sorted({v for v in listed if listed.count(v) > 1})
            if twice:
                st.warning(f"Listed twice: {', '.join(twice)}. A stage is either won, lost or open; a stage listed "
                           "as won counts as won.", icon=":material/warning:")
            unlisted = [v for v in stage_values if v not in listed]
            if unlisted:
                st.caption(f"Not listed: {', '.join(unlisted)}. Rows in these stages will be refused until each is "
                           "listed as won, lost or open.")

    values, value_defaults = {}, {}
    value_field = uploads.VALUE_MAPS.get(kind)
    if value_field and chosen.get(value_field) and summary.values.get(chosen[value_field]):
        f = next(f for f in fields if f.name == value_field)
        file_values = summary.values[chosen[value_field]]
        targets = uploads.default_targets(base, value_field, file_values)
        value_defaults = {value_field: uploads.value_map(file_values, targets)}
        st.markdown(f"**The file's {value_field.replace('_', ' ')} values in Handshake's terms**")
        edited = st.data_editor(
            pd.DataFrame({"In the file": file_values, "In Handshake": targets}, dtype=object),
            key=f"map_values_{value_field}_{abs(hash((base_key, chosen[value_field])))}", hide_index=True,
            disabled=["In the file"],
            column_config={"In Handshake": st.column_config.SelectboxColumn("In Handshake", options=list(f.choices))})
        values = {value_field: uploads.value_map(edited["In the file"].tolist(), edited["In Handshake"].tolist())}
        if edited["In Handshake"].isna().any():
            st.caption(f"Rows whose {value_field} has no Handshake value will be refused: choose one for each.")

    is_edited = (chosen != defaults or (stages is not None and stages != stage_defaults)
                 or (values and values != value_defaults))
    mapping = uploads.build(base, chosen, stages=stages, values=values, dates=dates, edited=is_edited)
    if is_edited and choice == "canonical":
        mapping.description = f"Handshake canonical {kind}, edited on the Import data page"
    st.download_button("Download this mapping", mapping.to_toml(), file_name=f"mapping_{kind}.toml",
                       mime="application/toml", on_click="ignore", key="import_download_mapping",
                       icon=":material/download:")
    st.caption("To import the next export of the same kind from the command line, with this mapping: `"
               + uploads.command_line(mapping, file_name, path, delimiter) + "`")

    # ---- 4. check every row, writing nothing
    st.subheader("4. Check")
    signature = (info.sha256, file_name, delimiter, mapping.name, mapping.to_toml())
    if st.button("Check the file", key="import_check", icon=":material/fact_check:",
                 help="Reads every row and checks it against the mapping and the warehouse. Writes nothing."):
        con = warehouse.shared_connection(path)
        outcome = {"signature": signature}
        try:
            with st.spinner(f"Checking {rows(info.rows)}"), file_on_disk() as on_disk:
                outcome["report"] = importer.preview(con, on_disk, mapping, name=file_name, delimiter=delimiter)
        except importer.DatesAmbiguous as e:
            outcome["warning"] = f"{e} Choose day first or month first under 'Dates are written' above, then check again."
        except (mappings.MappingError, importer.ImportRefused, readers.FileRefused, access.Refused) as e:
            outcome["error"] = str(e)
        st.session_state["import_checked"] = outcome
    checked = st.session_state.get("import_checked")
    report = None
    if checked and checked["signature"] == signature:
        if "warning" in checked:
            st.warning(md(checked["warning"]), icon=":material/calendar_month:")
        elif "error" in checked:
            st.error(md(checked["error"]), icon=":material/block:")
            st.caption("Nothing was written. Correct the mapping above, then check again.")
        else:
            report = checked["report"]
            show_report(report)
    elif checked:
        st.info("The file or the mapping changed since the last check: check again.", icon=":material/refresh:")
    else:
        st.caption("Checks every row and shows what would be written and what refused, before anything is.")

    # ---- 5. import the accepted rows in one transaction
    st.subheader("5. Import")
    done = st.session_state.pop("import_notice", None)
    if done:
        st.success(md(done["message"]), icon=":material/check_circle:")
        for line in done["warnings"]:
            st.warning(md(line), icon=":material/warning:")
    if about.get("is_demo") == "true":
        st.warning(
            f"`{path}` holds the generated **demo** organisation: imported rows mix with its made-up leads, deals "
            "and people, and every page counts both. For a warehouse of your own, import into a new file from the "
            "command line, which creates it empty first (`python -m handshake import FILE --kind "
            f"{kind} --mapping mapping_{kind}.toml --warehouse data/ours.duckdb`), then start the dashboard on it "
            "with `HANDSHAKE_WAREHOUSE=data/ours.duckdb streamlit run app.py`. (Pointing HANDSHAKE_WAREHOUSE at a "
            "file that does not exist yet does not create one: the dashboard stops and says how to make a demo "
            "there.) The README's 'Bring your own data' has the steps.", icon=":material/science:")
    count = report.accepted if report else 0
    label = (f"Import {fmt(count, 'count')} accepted row{'' if count == 1 else 's'}" if report
             else "Import the accepted rows")
    if report is None and not done:
        st.caption("Check the file first: the import opens once this file, with this mapping, has been checked.")
    elif report is not None and count == 0:
        st.caption("No row was accepted, so there is nothing to import: correct the file or the mapping and check again.")
    if st.button(label, key="import_run", type="primary", disabled=not count, icon=":material/upload:"):
        bar = st.progress(0.0, text="Starting")
        con = warehouse.shared_connection(path)
        try:
            with file_on_disk() as on_disk:
                result = importer.run(con, on_disk, mapping, by=dashboard.person(), name=file_name, delimiter=delimiter,
                                      progress=lambda share, text: bar.progress(min(max(share, 0.0), 1.0), text=text))
        except importer.DatesAmbiguous as e:
            bar.empty()
            st.warning(md(f"{e} Choose the date order under 'Dates are written' above."), icon=":material/calendar_month:")
        except (mappings.MappingError, importer.ImportRefused, readers.FileRefused, access.Refused) as e:
            bar.empty()
            st.error(md(f"{e} Nothing was written."), icon=":material/block:")
        except Exception as e:  # the import is one transaction: whatever failed, it was rolled back
            bar.empty()
            st.error(md(f"The import failed and wrote nothing ({warehouse.first_line(e)}). Check the file again; if "
                        "it fails again, send this message and the file's header to whoever looks after Handshake."),
                     icon=":material/error:")
        else:
            st.session_state["import_notice"] = {
                "message": f"Imported {file_name} as import #{result.import_id}: {rows(result.inserted)} new, "
                           f"{rows(result.updated)} updated, {rows(result.unchanged)} unchanged"
                           + (f"; {rows(result.rejected)} refused, kept below with the reasons" if result.rejected
                              else "; none refused")
                           + (f", {rows(result.skipped)} skipped as repeats" if result.skipped else "")
                           + f". Took {result.seconds:,.1f} s. Every page now counts them.",
                "warnings": result.warnings,
            }
            st.session_state.pop("import_checked", None)
            st.session_state["import_history_pick"] = result.import_id
            st.rerun()  # the sidebar and every cached query read the new data version


if identity is None:
    st.info("Choose an export file above to begin: its first rows, the mapping and a check of every row follow "
            "here, before anything is written.", icon=":material/upload_file:")
else:
    import_flow()

imports_so_far()
