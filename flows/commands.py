"""The commands besides `run`: `serve`, `server`, `validate`, `diff` and `report`. Each returns its exit status."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from flows.arguments import UsageError, build_limits, check_out_dir, check_source_dir
from flows.terminal import EXIT_FAILURES, EXIT_OK, report_fatal


def serve_deployment(args: argparse.Namespace) -> int:
    """`parlq serve`: the batch flow (with --fetch also fetch-and-run) as deployments on the Prefect server at
    PREFECT_API_URL, until Ctrl-C."""
    from pipeline.storage import is_url

    try:
        limits = build_limits(args)
        check_out_dir(args.out)
        source = check_source_dir(args.source_dir)
        if not os.environ.get("PREFECT_API_URL"):
            raise UsageError("parlq serve needs a Prefect server: set PREFECT_API_URL (`parlq server` starts one)")
        if args.fetch and is_url(source):
            raise UsageError("--fetch writes into a local folder: SOURCE_DIR cannot be a URL")
    except UsageError as exc:
        return report_fatal(f"{exc}.")
    from flows import settings, terminal

    terminal.apply_prefect_log_level()  # Prefect logs to the terminal here: -q and -vv set its level
    settings.apply_defaults()
    from flows.deploy import FetchDeployment, serve_batch

    fetch = FetchDeployment(args.fetch_cron, args.since, args.api_base) if args.fetch else None

    serve_batch(
        source_dir=source,
        out_dir=args.out if is_url(args.out) else str(Path(args.out).resolve()),
        name=args.name,
        cron=args.cron,
        engine=args.engine,
        workers=args.workers,
        use_cache=not args.no_cache,
        limits=limits,
        wait_lock=args.wait_lock,
        fetch=fetch,
    )
    return EXIT_OK


def start_server(args: argparse.Namespace) -> int:
    """`parlq server`: a local Prefect server until Ctrl-C."""
    from flows.server import run_server

    return run_server(args.host, args.port)


def check_snapshot(args: argparse.Namespace) -> int:
    """`parlq validate`: 0 when the snapshot (or OUT_DIR's LATEST) is intact, 1 with its problems listed."""
    from pipeline.dataset.snapshot import LATEST, MANIFEST, validate_snapshot

    target: Path = args.target
    if not target.is_dir():
        state = "is not a folder" if target.exists() else "does not exist"
        return report_fatal(f"{target} {state}; give a snapshot folder or an OUT_DIR.")
    if not (target / MANIFEST).exists() and not (target / LATEST).exists():
        return report_fatal(f"{target} is neither a snapshot folder (no {MANIFEST}) nor an OUT_DIR (no {LATEST}).")
    problems = validate_snapshot(target)
    for problem in problems:
        print(problem)
    print("snapshot ok" if not problems else f"{len(problems)} problems")
    return EXIT_OK if not problems else EXIT_FAILURES


def show_diff(args: argparse.Namespace) -> int:
    """`parlq diff OLD NEW`: what changed between two snapshots (paths, ids under OUT_DIR, or LATEST)."""
    from pipeline.dataset.diff import diff_snapshots, format_diff, resolve_snapshot

    try:
        old = resolve_snapshot(args.old, args.out)
        new = resolve_snapshot(args.new, args.out)
        changes = diff_snapshots(old, new)
    except (OSError, ValueError) as exc:  # ValueError: an ambiguous id, or a Parquet file pyarrow cannot read
        return report_fatal(f"{exc}")
    print(format_diff(changes), end="")
    return EXIT_OK


def make_report(args: argparse.Namespace) -> int:
    """`parlq report OUT_DIR`: a snapshot's report as one self-contained HTML file; prints where it is."""
    from pipeline.report.html import write_report

    try:
        written = write_report(args.out_dir, args.snapshot, sources=args.sources, target=args.output)
    except OSError as exc:
        return report_fatal(f"{exc.strerror}: {exc.filename}" if exc.strerror and exc.filename else f"{exc}")
    except ValueError as exc:  # an ambiguous id, or a Parquet file pyarrow cannot read
        return report_fatal(f"{exc}")
    print(written)
    return EXIT_OK
