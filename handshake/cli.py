"""The command line: python -m handshake {demo,kpis,stage} ..."""

import argparse
import csv
import json
import sys
import time
from datetime import date, datetime

import duckdb

from handshake import demo, kpis, maturity, queries, warehouse


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

    s = commands.add_parser("stage", help="print the self-assessed and the evidenced maturity stage, criterion by criterion")
    s.add_argument("--warehouse", default=str(warehouse.configured_path()), help="warehouse file to read")
    s.add_argument("--end", type=date.fromisoformat,
                   help=f"last day of the evidence window (default: the newest lead's day; the window is "
                        f"{maturity.window_days()} days)")
    s.add_argument("--format", choices=("json",), default="json")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"demo": run_demo, "kpis": run_kpis, "stage": run_stage}[args.command](args)
    except (demo.DemoError, warehouse.WarehouseError) as e:
        print(f"error: {e}", file=sys.stderr)
    except duckdb.Error as e:
        print(f"error: {args.warehouse}: {warehouse.first_line(e)}", file=sys.stderr)
    except OSError as e:
        print(f"error: {e.filename or args.warehouse}: {e.strerror}", file=sys.stderr)
    except KeyboardInterrupt:
        print("error: interrupted; the warehouse was left as it was", file=sys.stderr)
    return 1


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


def run_kpis(args) -> int:
    con = warehouse.open_warehouse(args.warehouse, create=False)
    try:
        first_last = queries.run(con, "data_range").iloc[0]
        last = kpis.clean(first_last["last_lead_date"])
        default_start, default_end = kpis.default_period(last.date() if last is not None else None)
        end = args.end or default_end
        start = args.start or (end - (default_end - default_start))
        if start > end:
            print(f"error: --start {start} is after --end {end}", file=sys.stderr)
            return 1
        tz = warehouse.organisation_timezone(warehouse.meta(con))
        params = kpis.query_params(start, end, {"now": args.now}, tz=tz)
        values = kpis.headline(lambda name, p: queries.run(con, name, p), params)
    finally:
        con.close()
    record = {"period_start": start.isoformat(), "period_end": end.isoformat(), **values}
    if args.format == "json":
        print(json.dumps(record, indent=2))
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(record))
        writer.writeheader()
        writer.writerow(record)
    return 0


def run_stage(args) -> int:
    con = warehouse.open_warehouse(args.warehouse, create=False)
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
