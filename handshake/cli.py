"""The command line: python -m handshake {demo,kpis,stage,import,settings,export,bench,serve,owner,send,
subscriptions} ..."""

import argparse
import csv
import json
import os
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from handshake import (access, agreement_file, bench, deliver, demo, formats, importer, kpis, lake, mappings,
                       maturity, outbox, queries, readers, subscriptions, warehouse)
from handshake.formats import plural
from handshake.spark import SparkError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m handshake", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    d = commands.add_parser("demo", help="generate a demo organisation into a warehouse file")
    d.add_argument("--profile", default=demo.DEFAULT_PROFILE,
                   help=f"maturity stage to imitate: {', '.join(demo.PROFILES)} (default {demo.DEFAULT_PROFILE})")
    d.add_argument("--leads", type=int, default=demo.DEFAULT_LEADS,
                   help=f"number of leads, {demo.MIN_LEADS:,} to {demo.MAX_LEADS:,} (default {demo.DEFAULT_LEADS:,})")
    d.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="the same seed and --as-of give the same data")
    d.add_argument("--as-of", type=datetime.fromisoformat, default=None, metavar="TIMESTAMP",
                   help="the demo's 'now', where its two years end (default: this hour, UTC)")
    d.add_argument("--warehouse", default=str(warehouse.DEFAULT_PATH), help="warehouse file to write")
    d.add_argument("--replace", action="store_true", help="overwrite the warehouse file if it exists")

    k = commands.add_parser("kpis", help="print the shared KPIs for a period, as the dashboard shows them")
    k.add_argument("--warehouse", default=str(warehouse.configured_path()), help="warehouse file to read")
    k.add_argument("--start", type=date.fromisoformat, help="first day (default: 89 days before --end)")
    k.add_argument("--end", type=date.fromisoformat, help="last day, inclusive (default: the newest lead's day)")
    k.add_argument("--now", type=datetime.fromisoformat, metavar="TIMESTAMP",
                   help="when to judge leads still inside their SLA (default: now, UTC, to the quarter hour)")
    k.add_argument("--format", choices=("json", "csv"), default="json")
    add_lake_argument(k)
    k.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                   help="compute on DuckDB (default) or on Apache Spark from a lake (--lake), with the same SQL")
    add_spark_remote_argument(k)

    s = commands.add_parser("stage", help="print the self-assessed and the evidenced maturity stage, criterion by criterion")
    s.add_argument("--warehouse", default=str(warehouse.configured_path()), help="warehouse file to read")
    s.add_argument("--end", type=date.fromisoformat,
                   help=f"last day of the evidence window (default: the newest lead's day; the window is "
                        f"{maturity.window_days()} days)")
    s.add_argument("--format", choices=("json",), default="json")
    add_lake_argument(s)

    x = commands.add_parser(
        "export", help="write the warehouse as a lake: Parquet by day, with a manifest (docs/lake.md)",
        description="Write every table of the warehouse as Parquet files in the lake layout, the manifest last. The "
                    "lake is written beside DIR and renamed into place: an existing lake is replaced whole only by a "
                    "complete one, keeping its app.duckdb (the dashboard's own writes).")
    x.add_argument("--lake", required=True, metavar="DIR", help="the lake directory to write (replaced whole)")
    x.add_argument("--warehouse", default=str(warehouse.configured_path()), help="warehouse file to export")

    u = commands.add_parser(
        "build", help="build a lake's lead facts and rollups from its base tables on Apache Spark",
        description="Compute lead_facts and every rollup from the lake's base tables on Spark, with the warehouse's "
                    "own definitions, and swap them into the lake when all are built (docs/lake.md). Local mode "
                    "(local[2], Java 17 needed) by default; a cluster through Spark Connect with --spark-remote, "
                    "where the lake's path must be the same on every node.")
    u.add_argument("--engine", choices=("spark",), required=True, help="the engine to build on: spark")
    u.add_argument("--lake", required=True, metavar="DIR", help="the lake (python -m handshake export --lake DIR)")
    add_spark_remote_argument(u)

    i = commands.add_parser(
        "import", help="import CRM or marketing exports (CSV, .xlsx, Parquet), each file in one transaction",
        description="Import export files into a warehouse. Each file is checked row by row before anything is "
                    "written; refused rows are kept with their reasons; importing the same file again changes "
                    "nothing. The dashboard holds its warehouse while it runs: import there (page Import data), or "
                    "stop it first.")
    i.add_argument("files", nargs="+", metavar="FILE")
    i.add_argument("--kind", help=f"what the files hold: {', '.join(mappings.KINDS)} (or deals, activities), or "
                                  "agreements (versions of the joint agreement); optional when the mapping says")
    i.add_argument("--mapping", default=mappings.CANONICAL,
                   help=f"canonical (default), a preset ({', '.join(mappings.presets())}) or a mapping file (.toml)")
    i.add_argument("--warehouse", default=str(warehouse.configured_path()),
                   help="warehouse file to write (created, empty, when missing)")
    i.add_argument("--dates", choices=("auto", "iso", "dmy", "mdy"),
                   help="how dates such as 03/04/2026 are written: dmy (day first) or mdy (month first); "
                        "auto decides from the values and asks when both fit")
    i.add_argument("--timezone", metavar="ZONE",
                   help="the IANA time zone of times written without a UTC offset, such as America/Sao_Paulo "
                        "(default: the mapping's, else the organisation's)")
    i.add_argument("--delimiter", help="the CSV column separator, when detection gets it wrong")
    i.add_argument("--dry-run", action="store_true",
                   help="check the files and report, writing nothing (a missing warehouse is not created)")
    i.add_argument("--by", help="who imports, recorded with the import")
    i.add_argument("--format", choices=("json", "text"), default="text")

    t = commands.add_parser(
        "settings", help="show or change the organisation's time zone, currency and CRM record link",
        description="Print the organisation's settings after any change. The first step of a new warehouse: it is "
                    "created, empty, when missing. Set the time zone before importing: times without an offset are "
                    "read in the zone in force at import.")
    t.add_argument("--warehouse", default=str(warehouse.configured_path()),
                   help="warehouse file (created, empty, when missing)")
    t.add_argument("--timezone", metavar="ZONE", help="IANA time zone where the organisation's days start, "
                                                      "e.g. America/Sao_Paulo")
    t.add_argument("--currency", metavar="CODE", help="ISO 4217 code every amount is in, e.g. BRL; amounts are "
                                                      "never converted")
    t.add_argument("--record-link", metavar="URL_TEMPLATE",
                   help="address of one CRM record with {id} where its id goes; an empty value removes it")
    t.add_argument("--by", help="who changes them, recorded with the change")
    t.add_argument("--format", choices=("json", "text"), default="text")

    b = commands.add_parser(
        "bench", help="measure every page's queries at several sizes against the pandas way, and imports; "
                      "writes data/benchmark/results.md and .json")
    b.add_argument("--sizes", default=",".join(str(n) for n in bench.SIZES),
                   help="demo sizes in leads, comma-separated; built once under data/bench/ and reused "
                        "(default 100000,1000000,10000000); 0 to skip the pages")
    b.add_argument("--runs", type=int, default=5, help="runs per measurement; medians are reported (default 5)")
    b.add_argument("--import-rows", type=int, default=1_000_000,
                   help="rows of the generated leads CSV for the import benchmark (default 1,000,000; 0 skips it)")
    b.add_argument("--write-sizes", default="", metavar="SIZES",
                   help="demo sizes in leads, comma-separated, at which to measure only the write of 1,000 changed "
                        "leads (the pages section measures it too), e.g. 1000000,10000000")
    b.add_argument("--spark-sizes", default="", metavar="SIZES",
                   help="demo sizes in leads, comma-separated, at which to export a lake, build its derived tables "
                        "on DuckDB and on Spark local[2], and read its pages from the lake (Java needed), "
                        "e.g. 1000000,10000000")
    bench.add_load_arguments(b)

    v = commands.add_parser(
        "serve", help="serve the dashboard with several processes behind one address (a company at once)",
        description="Start the owner of the warehouse file, N dashboard processes and a proxy that keeps each "
                    "browser on one of them, at http://localhost:PORT. On a first start without --warehouse it "
                    "builds the demo, as the single-process dashboard does. Stop it with Ctrl-C or SIGTERM.")
    v.add_argument("--warehouse", help="warehouse file (default: HANDSHAKE_WAREHOUSE, else the embedded demo)")
    v.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                   help="dashboard processes (default: one per core)")
    v.add_argument("--port", type=int, default=8501, help="the port browsers connect to (default 8501)")
    v.add_argument("--address", default="127.0.0.1",
                   help="the address to listen on (default 127.0.0.1, this machine only)")
    v.add_argument("--owner", metavar="URL",
                   help="reach a warehouse held by an owner on another machine (python -m handshake owner) instead "
                        "of starting one; needs HANDSHAKE_OWNER_TOKEN")
    v.add_argument("streamlit_options", nargs=argparse.REMAINDER, metavar="-- STREAMLIT_OPTION ...",
                   help="options after -- go to every dashboard process's streamlit run, e.g. -- --secrets.files F")

    o = commands.add_parser(
        "owner", help="hold a warehouse file for dashboard processes (serve starts it; on its own for several "
                      "machines)")
    o.add_argument("--warehouse", default=str(warehouse.configured_path()), help="warehouse file to hold")
    o.add_argument("--port", type=int, default=8600, help="port (default 8600)")
    o.add_argument("--listen", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; another machine's dashboards need this machine's "
                        "private address, and every request carries HANDSHAKE_OWNER_TOKEN)")
    add_send_parsers(commands)
    return parser


def add_send_parsers(commands) -> None:
    n = commands.add_parser(
        "send", help="send the digests due now, by email and Slack (safe to run from cron every few minutes)",
        description="Record each message due in the outbox, send it, and mark it sent: a refusal for now or a "
                    "timeout is tried again by a later run, a permanent refusal is marked failed with its reason, and "
                    "nothing is sent twice for one week and recipient. Mail settings come from the [handshake.smtp] "
                    "section of the secrets file.")
    n.add_argument("--warehouse", default=str(warehouse.configured_path()), help="warehouse file")
    n.add_argument("--dry-run", metavar="DIR", type=Path,
                   help="write what would be sent into DIR (an email as .eml, a Slack message as .json); send and "
                        "record nothing")
    n.add_argument("--now", type=datetime.fromisoformat, metavar="TIMESTAMP",
                   help="the moment to send as of, UTC unless it says otherwise (default: now)")
    n.add_argument("--secrets", type=Path, default=Path(".streamlit/secrets.toml"),
                   help="the secrets file with [handshake.smtp] (default: .streamlit/secrets.toml, as the dashboard)")

    s = commands.add_parser("subscriptions", help="add, list or remove subscriptions to the digest and alerts")
    actions = s.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="subscribe email addresses or a Slack channel to the weekly digest, "
                                         "SLA-breach alerts or a KPI alert")
    add.add_argument("--kind", default="digest", choices=subscriptions.KINDS,
                     help="digest (default): the weekly meeting's pack; sla_breach: daily, each owner their own "
                          "leads on the accountability list, each head their team's summary, the leads without an "
                          "owner to --to; kpi_alert: when a rule on a KPI starts to hold")
    add.add_argument("--channel", required=True, help=f"{' or '.join(subscriptions.CHANNELS)}")
    add.add_argument("--to", action="append", required=True, metavar="RECIPIENT",
                     help="an email address, or a Slack incoming-webhook URL (https://hooks.slack.com/...); repeat it")
    add.add_argument("--weekday", default="monday", help="the day a digest goes out, in the organisation's time "
                                                          "zone (default monday)")
    add.add_argument("--hour", type=int, default=8, help="the hour a digest or SLA-breach alert goes out, 0-23 "
                                                         "(default 8)")
    add.add_argument("--person", action="append", default=[], metavar="'NAME=ADDRESS'",
                     help="sla_breach: a rep (their own leads) or head of team (the team's summary) by name as the "
                          "warehouse knows them, and their address; repeat it")
    add.add_argument("--kpi", help="kpi_alert: the KPI's name (python -m handshake kpis --list)")
    add.add_argument("--rule", help="kpi_alert: below, above, change_pct or change_points (against last week)")
    add.add_argument("--threshold", type=float, help="kpi_alert: the value, percentage or points (a rate in %%)")
    for name in ("segment", "region", "source"):
        add.add_argument(f"--{name}", help=f"kpi_alert: only this {name} (default: the whole organisation)")
    add.add_argument("--secrets", type=Path, default=Path(".streamlit/secrets.toml"),
                     help="the secrets file whose [handshake.roles] recipients are checked against when sign-in is "
                          "set up (default: .streamlit/secrets.toml)")
    add.add_argument("--by", help="who adds it, recorded with it")
    listing = actions.add_parser("list", help="print every subscription and what its outbox holds")
    listing.add_argument("--format", choices=("json", "text"), default="text")
    remove = actions.add_parser("remove", help="stop a subscription (what it was sent stays on record)")
    remove.add_argument("id", type=int)
    remove.add_argument("--by", help="who removes it")
    for sub in (add, listing, remove):
        sub.add_argument("--warehouse", default=str(warehouse.configured_path()), help="warehouse file")


def add_lake_argument(parser) -> None:
    parser.add_argument("--lake", metavar="DIR",
                        help="read a lake (python -m handshake export) instead of the warehouse; the lake's "
                             "app.duckdb is made on first read (docs/lake.md)")


def add_spark_remote_argument(parser) -> None:
    parser.add_argument("--spark-remote", metavar="sc://HOST:15002",
                        help="a Spark Connect server to compute on (default: Spark in this process, local[2])")


def open_to_read(args):
    """The warehouse a read command reads: the lake's app file with --lake, else the warehouse file."""
    return lake.open_lake(args.lake) if getattr(args, "lake", None) else warehouse.open_warehouse(args.warehouse,
                                                                                                  create=False)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"demo": run_demo, "kpis": run_kpis, "stage": run_stage, "import": run_import, "export": run_export,
                "build": run_build,
                "bench": run_bench, "settings": run_settings, "serve": run_serve, "owner": run_owner,
                "send": run_send, "subscriptions": run_subscriptions}[args.command](args)
    except (lake.LakeError, SparkError, subscriptions.SubscriptionError, deliver.SettingsError) as e:
        # a lake or Spark that cannot be used, a subscription or mail setting that is wrong: exit 2, nothing written
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (demo.DemoError, warehouse.WarehouseError, mappings.MappingError) as e:
        print(f"error: {e}", file=sys.stderr)
    except duckdb.Error as e:
        print(f"error: {getattr(args, 'warehouse', '')}: {warehouse.first_line(e)}", file=sys.stderr)
    except OSError as e:
        print(f"error: {e.filename or getattr(args, 'warehouse', '')}: {e.strerror}", file=sys.stderr)
    except KeyboardInterrupt:
        print("error: interrupted; the warehouse was left as it was", file=sys.stderr)
    return 1


def run_serve(args) -> int:
    from handshake import serve
    if args.workers < 1:
        print("error: --workers must be 1 or more", file=sys.stderr)
        return 1
    named = bool(args.warehouse or os.environ.get("HANDSHAKE_WAREHOUSE"))
    path = Path(args.warehouse).resolve() if args.warehouse else warehouse.configured_path()
    options = [o for o in args.streamlit_options if o != "--"]
    return serve.run(path, named, args.workers, args.address, args.port, args.owner, options)


def run_owner(args) -> int:
    from handshake import serve
    return serve.run_owner(Path(args.warehouse).resolve(), args.listen, args.port)


def run_demo(args) -> int:
    demo.check_arguments(args.profile, args.leads)
    started = time.perf_counter()

    def progress(share, label):
        print(f"\r{share:4.0%}  {label:<45}", end="", file=sys.stderr, flush=True)

    path = demo.generate(args.warehouse, profile=args.profile, leads=args.leads, seed=args.seed,
                         as_of=args.as_of, replace=args.replace, progress=progress)
    print(f"\rwrote {path}: {args.leads:,} leads, profile {args.profile}, seed {args.seed} "
          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def run_export(args) -> int:
    started = time.perf_counter()
    con = warehouse.open_warehouse(args.warehouse, create=False)
    try:
        manifest = lake.export(con, args.lake, progress=lambda line: print(line, file=sys.stderr, flush=True))
    finally:
        con.close()
    rows = sum(t["rows"] for t in manifest["tables"].values())
    print(f"wrote {Path(args.lake).absolute()}: {len(manifest['tables'])} tables, {rows:,} rows "
          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def run_kpis(args) -> int:
    if args.engine == "spark":
        if not args.lake:
            print("error: kpis --engine spark computes from a lake: add --lake DIR (python -m handshake export "
                  "--lake DIR writes one)", file=sys.stderr)
            return 2
        from handshake import spark_lake
        run_many, about = spark_lake.reader(args.lake, args.spark_remote)
        return print_kpis(args, run_many, about)
    con = open_to_read(args)
    try:
        return print_kpis(args, lambda calls: queries.run_many(con, calls), warehouse.meta(con))
    finally:
        con.close()


def print_kpis(args, run_many, about: dict) -> int:
    """The headline KPIs of the period, computed by run_many (on DuckDB or on Spark: the same query files)."""
    last = kpis.clean(run_many([("data_range", {})])[0].iloc[0]["last_lead_date"])
    default_start, default_end = kpis.default_period(last.date() if last is not None else None)
    end = args.end or default_end
    start = args.start or (end - (default_end - default_start))
    if start > end:
        print(f"error: --start {start} is after --end {end}", file=sys.stderr)
        return 1
    tz, currency = warehouse.organisation_timezone(about), warehouse.organisation_currency(about)
    params = kpis.query_params(start, end, {"now": args.now}, tz=tz)
    values = kpis.headline(run_many, params)
    record = {"period_start": start.isoformat(), "period_end": end.isoformat(), "currency": currency,
              **{formats.in_currency(key, currency): value for key, value in values.items()}}
    if args.format == "json":
        print(json.dumps(record, indent=2))
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(record))
        writer.writeheader()
        writer.writerow(record)
    return 0


def run_build(args) -> int:
    from handshake import spark_lake
    started = time.perf_counter()
    manifest = spark_lake.build(args.lake, args.spark_remote, progress=lambda line: print(line, file=sys.stderr,
                                                                                          flush=True))
    print(f"built {len(spark_lake.ORDER)} tables of {Path(args.lake).absolute()} on Spark "
          f"({manifest['build']['master']}) in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def run_stage(args) -> int:
    con = open_to_read(args)
    try:
        placed = maturity.placement(lambda name, p: queries.run(con, name, p), args.end)
    finally:
        con.close()
    found = placed["self_assessment"] or {}
    record = {
        "window_start": placed["window_start"].isoformat() if placed["window_start"] else None,
        "window_end": placed["window_end"].isoformat() if placed["window_end"] else None,
        "self_assessed_stage": placed["self_assessed_stage"],
        "self_assessed_score": kpis.clean(found.get("score")),
        "self_assessment_round": found.get("round_id"),
        "respondent_count": found.get("respondent_count", 0),
        "evidenced_stage": placed["evidenced_stage"],
        "criteria": [
            {key: r[key] for key in ("id", "stage", "label", "value", "threshold", "passed", "unit")}
            for r in placed["criteria"]
        ],
        "explanation": placed["explanation"],
    }
    print(json.dumps(record, indent=2))
    return 0


def run_settings(args) -> int:
    con = warehouse.open_warehouse(args.warehouse, create=True)
    try:
        shift = warehouse.timezone_shift(con, args.timezone) if args.timezone else None
        warehouse.change_settings(con, command_line_person(args.by), timezone=args.timezone, currency=args.currency,
                                  record_link=args.record_link)
        shown = warehouse.settings(warehouse.meta(con))
    finally:
        con.close()
    if shift:
        print(f"warning: {shift}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(shown, indent=2))
    else:
        print("\n".join(f"{key}: {'' if value is None else value}" for key, value in shown.items()))
    return 0


def run_import(args) -> int:
    """Exit 1 when any file was refused or had no row accepted. In text, each file's report goes to stdout and
    errors to stderr; in json, one list of reports (with an "error" for a refused file) to stdout."""
    if args.kind == "agreements":  # versions of the joint agreement, not a CRM export: their own columns and rules
        return agreement_file.command(args, command_line_person(args.by))
    mapping = mappings.load(args.mapping, args.kind)
    if args.dates:
        mapping.dates = args.dates
    try:
        for zone in (args.timezone, mapping.timezone):
            if zone:
                importer.check_zone(zone)
    except importer.ImportRefused as e:
        print(f"error: {'--timezone' if args.timezone else args.mapping}: {e}", file=sys.stderr)
        return 1
    con = checking_connection(args.warehouse) if args.dry_run else warehouse.open_warehouse(args.warehouse, create=True)
    results, failed = [], False
    try:
        for path in args.files:
            def progress(share, label, path=path):
                if args.format == "text" and sys.stderr.isatty():
                    print(f"\r{share:4.0%}  {path}: {label:<40}", end="", file=sys.stderr, flush=True)
            try:
                if args.dry_run:
                    report = importer.preview(con, path, mapping, delimiter=args.delimiter, timezone=args.timezone)
                else:
                    report = importer.run(con, path, mapping, by=command_line_person(args.by), delimiter=args.delimiter,
                                          progress=progress, timezone=args.timezone)
            except importer.NothingAccepted as e:
                failed = True
                results.append({**e.report.as_dict(), "error": str(e), "written": False})
                if args.format == "text":
                    more = e.report.rejected - 1
                    print(clear_line() + f"error: {e}"
                          + (f" {plural(more, 'other row was', 'other rows were')} refused too: run with --dry-run "
                             "to see each reason." if more > 0 else ""), file=sys.stderr)
                continue
            except importer.DatesAmbiguous as e:
                failed = True
                message = f"{path}: {e} Add --dates dmy (day first) or --dates mdy (month first)."
                results.append({"file": path, "error": message, "written": False})
                if args.format == "text":
                    print(clear_line() + f"error: {message}", file=sys.stderr)
                continue
            except (readers.FileRefused, mappings.MappingError, importer.ImportRefused, access.Refused) as e:
                failed = True
                results.append({"file": path, "error": str(e), "written": False})
                if args.format == "text":
                    print(clear_line() + f"error: {e}", file=sys.stderr)
                continue
            except OSError as e:
                failed = True
                results.append({"file": path, "error": f"{path}: {e.strerror}", "written": False})
                if args.format == "text":
                    print(clear_line() + f"error: {path}: {e.strerror}", file=sys.stderr)
                continue
            results.append(report.as_dict())
            if not report.accepted:
                failed = True  # a dry run that would import nothing
            if args.format == "text":
                print(clear_line(), end="", file=sys.stderr)
                print(describe_import(report, args.dry_run))
    finally:
        con.close()
    if args.format == "json":
        print(json.dumps(results, indent=2, default=str))
    return 1 if failed else 0


def checking_connection(path):
    """A connection a dry run checks against without writing a byte: the warehouse opened read-only, or an
    in-memory copy when its schema is older than this Handshake's (the upgrade would write), or an empty
    in-memory warehouse when there is none."""
    path = Path(path)
    if not path.exists():
        con = duckdb.connect(":memory:")
        warehouse.upgrade(con)
        return con
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as e:
        raise warehouse.WarehouseError(warehouse.describe_open_error(path, e)) from None
    if warehouse.schema_version(con) >= warehouse.LATEST_VERSION:
        return con
    con.close()
    con = duckdb.connect(":memory:")
    con.execute("attach $path as stored (read_only)", {"path": str(path)})
    con.execute("copy from database stored to memory")
    con.execute("detach stored")
    warehouse.upgrade(con)
    return con


def command_line_person(name: str | None) -> access.Person:
    """Whoever runs the command line can open the warehouse file itself, so roles cannot hold them back:
    they act as an admin, recorded under --by or their login name."""
    return access.Person(name or os.environ.get("USER") or os.environ.get("USERNAME") or "command line", "admin")


def clear_line() -> str:
    """Wipes the progress line on a terminal; nothing when the output goes to a file."""
    return "\r" + " " * 100 + "\r" if sys.stderr.isatty() else ""


DATE_ORDERS = {"iso": "as ISO dates (2026-12-31)", "dmy": "day first", "mdy": "month first"}


def describe_import(report, dry_run: bool) -> str:
    verb = "checked (nothing written)" if dry_run else "imported"
    lines = [f"{report.file}: {verb} as {report.kind} with mapping {report.mapping}: {report.rows_read:,} rows, "
             f"{report.accepted:,} accepted, {report.rejected:,} rejected"
             + (f", {report.skipped:,} repeats skipped" if report.skipped else "")
             + ("" if dry_run else f"; {report.inserted:,} new, {report.updated:,} updated, "
                                   f"{report.unchanged:,} unchanged in {report.seconds:.1f} s")]
    lines.append(f"  dates read {DATE_ORDERS[report.date_order]}; {report.times_read}, stored in UTC")
    if report.unread_columns:
        lines.append(f"  not read (no field is mapped to them): {', '.join(report.unread_columns)}")
    lines += [f"  warning: {w}" for w in report.warnings]
    for row in report.problems.head(10).itertuples():
        lines.append(f"  row {row.row}, column {row.column}: {row.reason}")
    if report.rejected > 10:
        lines.append(f"  … the rest are in the warehouse's import_rejects table (import {report.import_id})"
                     if report.import_id else "  …")
    return "\n".join(lines)


def sizes_of(text: str) -> list[int]:
    return [int(n) for n in text.split(",") if n.strip() and int(n)]


def run_bench(args) -> int:
    result = bench.run(sizes_of(args.sizes), args.runs, args.import_rows, progress=lambda line: print(line, file=sys.stderr),
                       load=bench.load_options(args),
                       write_sizes=sizes_of(args.write_sizes), spark_sizes=sizes_of(args.spark_sizes))
    print(bench.markdown(result))
    return 0


def utc(moment: datetime | None) -> datetime:
    """--now as naive UTC, the way the warehouse keeps time; now when not given."""
    if moment is None:
        return datetime.now(timezone.utc).replace(tzinfo=None)
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def sending_connection(path, dry_run: bool):
    """The warehouse as `send` reaches it: through the owner process when the dashboard is served and
    HANDSHAKE_OWNER names it (the dashboard holds the file, so cron cannot open it), else the file itself."""
    if warehouse.owner_url():
        from handshake import owner
        return owner.connect(warehouse.owner_url())
    if dry_run and not Path(path).exists():
        raise warehouse.WarehouseError(f"{path}: no warehouse here")
    try:
        return checking_connection(path) if dry_run else warehouse.open_warehouse(path, create=False)
    except warehouse.WarehouseError as e:
        if "another process holds" not in str(e):
            raise
        raise warehouse.WarehouseError(
            f"{path}: another process holds this warehouse (the dashboard, if it is running), and only one process "
            "may open a DuckDB file. To send while the dashboard runs, serve it with its own warehouse process and "
            "point send at that: README, 'Sending from cron'") from None


def run_send(args) -> int:
    """Exit 0 when everything due went out, 1 when a message waits for a retry or failed (each said on stderr)."""
    now = utc(args.now)
    try:
        smtp, no_smtp = deliver.smtp_settings(args.secrets), ""
    except deliver.SettingsError as e:  # only emails need it: Slack messages still go
        smtp, no_smtp = None, str(e)
    con = sending_connection(args.warehouse, dry_run=bool(args.dry_run))
    try:
        if args.dry_run:
            written = outbox.dry_run(con, now, args.dry_run, smtp)
            print(f"dry run: wrote {plural(len(written), 'message')} to {args.dry_run}; nothing sent or recorded")
            return 0
        counts, problems = outbox.send(con, now, smtp, no_smtp or "no mail server is set")
    finally:
        if not warehouse.owner_url():  # the owner's connection is the process's, not this command's
            con.close()
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    print(f"sent {counts['sent']}, waiting to be tried again {counts['waiting']}, failed {counts['failed']}")
    return 1 if problems else 0


def run_subscriptions(args) -> int:
    con = warehouse.open_warehouse(args.warehouse, create=False)
    try:
        if args.action == "add":
            roles, rep_level = subscriptions.roles_in(args.secrets)
            made = subscriptions.add(con, args.kind, args.channel, args.to, args.weekday, args.hour,
                                     command_line_person(args.by), utc(None),
                                     people=subscriptions.people_from(args.person),
                                     rule={name: getattr(args, name) for name in subscriptions.RULE_FIELDS},
                                     roles=roles, rep_level_roles=rep_level)
            print(f"subscription {made} added")
        elif args.action == "remove":
            subscriptions.deactivate(con, args.id, command_line_person(args.by))
            print(f"subscription {args.id} removed")
        else:
            print_subscriptions(subscriptions.listed(con), args.format)
    finally:
        con.close()
    return 0


def print_subscriptions(rows, form: str) -> None:
    records = [{k: kpis.clean(v) for k, v in dict(
        r, recipients=list(r["recipients"]), people=[dict(p) for p in r["people"]],
        weekday=None if kpis.clean(r["weekday"]) is None else subscriptions.WEEKDAYS[r["weekday"]],
        created_at=r["created_at"].isoformat()).items()} for r in rows.to_dict("records")]
    if form == "json":
        print(json.dumps(records, indent=2, default=int))
        return
    for r in records:
        print(f"{r['subscription_id']}: {subscriptions.describe(r)}{'' if r['active'] else ' (removed)'}; "
              f"sent {r['sent_count']}, waiting {r['queued_count']}, failed {r['failed_count']}")
