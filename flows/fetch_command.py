"""`parlq fetch`: written questions and their files from the Flemish Parliament's open data into SOURCES_DIR.

The edge of the fetch: reads the environment (PARLQ_API_BASE), builds the FetchConfig once, and
reports the summary (one line, or one JSON object with --json) and the exit status.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from flows.terminal import EXIT_FAILURES, EXIT_OK, print_json, report_fatal, say
from pipeline.sources.vlpar.config import DEFAULT_API_BASE, MIB, FetchConfig

if TYPE_CHECKING:
    from pipeline.sources.vlpar.fetch import FetchSummary

API_BASE_VARIABLE = "PARLQ_API_BASE"
CONTACT_VARIABLE = "PARLQ_CONTACT"


def fetch_sources(args: argparse.Namespace) -> int:
    """Fetch the window the arguments (or the last fetch's state) name; exit 0, 1 (failures) or 2."""
    # the HTTP client (requests) only for this command: every other command starts without it
    from pipeline.sources.vlpar.fetch import MissingSince, fetch_window, plan_window
    from pipeline.sources.vlpar.files import FetchLocked

    started = time.perf_counter()
    try:
        config = FetchConfig(
            sources_dir=Path(args.sources_dir),
            api_base=args.api_base or os.environ.get(API_BASE_VARIABLE) or DEFAULT_API_BASE,
            version=parlq_version(),
            contact=args.contact or os.environ.get(CONTACT_VARIABLE, ""),
            connections=args.connections,
            pause_s=args.pause,
            max_bytes=max(1, int(args.max_mb * MIB)),
        )
        window = plan_window(config, args.since, args.until, args.overlap, dt.date.today())
        say(logging.INFO, f"fetching written questions published {window.since}..{window.until} from {config.api_base}")
        summary = fetch_window(config, window)
    except (MissingSince, FetchLocked, ValueError, OSError) as exc:
        return report_fatal(str(exc), as_json=args.json)
    return report_fetch(summary, time.perf_counter() - started, args.json)


def report_fetch(summary: FetchSummary, seconds: float, as_json: bool) -> int:
    """The summary on stdout, each failure on stderr; the exit status."""
    code = EXIT_FAILURES if summary.failures else EXIT_OK
    for failure in summary.failures:
        say(logging.WARNING, f"{failure.item}: {failure.kind} - {failure.message}")
    if as_json:
        record = asdict(summary)
        record["window"] = {"since": summary.window.since.isoformat(), "until": summary.window.until.isoformat()}
        print_json({**record, "exit_code": code, "seconds": round(seconds, 3)})
    else:
        print(
            f"fetched {summary.window.since}..{summary.window.until}: {summary.found} written questions found, "
            f"{summary.questions} complete, {summary.downloaded} files downloaded, {summary.unchanged} unchanged, "
            f"{len(summary.failures)} failures",
            flush=True,
        )
    return code


def parse_date(text: str) -> dt.date:
    """A YYYY-MM-DD argument."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def parlq_version() -> str:
    """parlq's installed version, for the User-Agent."""
    from importlib import metadata

    try:
        return metadata.version("parlq")
    except metadata.PackageNotFoundError:
        return "0+unknown"
