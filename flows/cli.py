"""`parlq`: the command line. Parses arguments and hands them to a command (flows.run_command, flows.commands).

Exit status (dataset contract): 0 all documents processed, 1 finished with failures, 2 usage or fatal.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from flows.arguments import DAILY
from flows.commands import check_snapshot, make_report, serve_deployment, show_diff, start_server
from flows.fetch_command import fetch_sources, parse_date
from flows.inspect_command import inspect_document
from flows.run_command import run_batch
from flows.terminal import EXIT_FATAL, report_fatal, set_verbosity

VERBOSITY_HELP = """\
verbosity (before or after the command):
  -q, --quiet    only errors on stderr, no progress bar (results such as the summary still go to stdout)
  (default)      warnings and the progress bar on stderr, the summary on stdout
  -v             also parlq's and Prefect's INFO log lines on stderr, instead of the progress bar
  -vv            DEBUG lines too; Prefect then logs at DEBUG to OUT_DIR/logs/prefect.log as well
The log of every run is in OUT_DIR/logs/prefect.log (Prefect, its server, the workers).

exit status: 0 every document processed, 1 finished with failures, 2 usage error or fatal"""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `parlq` console script."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error argparse reported
        return exc.code if isinstance(exc.code, int) else EXIT_FATAL
    set_verbosity(args.quiet or args.sub_quiet, args.verbose + args.sub_verbose)
    # SIGTERM (a service manager's stop) ends parlq as Ctrl-C does: through the `finally` blocks
    # that stop the Prefect server and the worker processes it started.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        message = "interrupted; the previous snapshot and LATEST are unchanged."
        return report_fatal(message, as_json=getattr(args, "json", False))


def console() -> NoReturn:
    """The `parlq` console script (and `python -m flows.cli`): `main`, then the exit."""
    code = main()
    # what the command built lives until the exit: frozen, it is out of the interpreter's last
    # collection over it, which took a tenth of a run of one document (pandas, pyarrow, pandera)
    gc.freeze()
    sys.exit(code)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class _Version(argparse.Action):
    """`--version`: the installed distribution's version and the code version snapshots record."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from importlib import metadata

        from pipeline.dataset.provenance import PACKAGE, code_version

        try:
            installed = metadata.version(PACKAGE)
        except metadata.PackageNotFoundError:
            installed = "(not installed)"
        print(f"parlq {installed} (code {code_version()})")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parlq",
        description="Flemish Parliament written questions (PDF) to a validated, reproducible Parquet dataset.",
        epilog=VERBOSITY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="print the version of parlq and of its code, and exit")
    _add_verbosity(parser, "")
    sub = parser.add_subparsers(dest="command", required=True)

    run = _command(sub, "run", "process PDF files, or every PDF below a folder or URL, into a snapshot")
    run.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="one folder or URL (s3://bucket/prefix) as SOURCE_DIR; or PDF files and folders, which are "
        "processed as one SOURCE_DIR holding <file name> and <folder name>/<path below it>",
    )
    _add_batch_options(run)
    run.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786), "
        "or on a new local cluster of 2 worker processes with 'local'; --workers is then ignored",
    )
    run.add_argument(
        "--prefect",
        action="store_true",
        help="run as a Prefect flow run, recorded on a temporary local Prefect server (with PREFECT_API_URL "
        "set, every run is a flow run on that server); without it the steps run in this process: the same "
        "snapshot, seconds sooner",
    )
    run.add_argument("--clear-cache", action="store_true", help="empty OUT_DIR/cache before the run")
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="list each input and whether it would be processed, carried over unchanged from LATEST, or "
        "be a failure (duplicate, unreadable, ...); writes nothing, not even OUT_DIR",
    )
    run.add_argument(
        "--json",
        action="store_true",
        help="print the result as one JSON object on stdout (the summary with exit_code and seconds, the "
        'dry run, or {"error", "exit_code": 2}); no progress bar, messages on stderr',
    )
    _add_wait_lock(run, 0.0, "instead of exiting with status 2 at once")
    run.set_defaults(handler=run_batch)

    serve = _command(sub, "serve", "serve the run as a deployment on the Prefect server at PREFECT_API_URL")
    serve.add_argument("source_dir", metavar="SOURCE_DIR", help="a folder, or a URL such as s3://bucket/prefix")
    _add_batch_options(serve)
    serve.add_argument("--cron", metavar="SCHEDULE", help='when to run, e.g. "0 6 * * 1-5" (none: only on request)')
    serve.add_argument("--name", default="parlq", help="deployment name (default: parlq)")
    _add_wait_lock(serve, None, "(default: as long as it takes); the flow run fails when the wait runs out")
    fetching = serve.add_argument_group("fetch, then run (the deployment fetch-and-run/NAME)")
    fetching.add_argument("--fetch", action="store_true", help="also deploy fetch-and-run: `parlq fetch SOURCE_DIR` "
                          "then a run, under OUT_DIR's lock, every day (see --fetch-cron)")
    fetching.add_argument("--fetch-cron", default=DAILY, metavar="SCHEDULE",
                          help=f'when to fetch and run (default: "{DAILY}", every day at 06:00)')
    fetching.add_argument("--since", type=parse_date, metavar="YYYY-MM-DD",
                          help="where the first fetch starts (later ones go on from the last)")
    fetching.add_argument("--api-base", metavar="URL", help="as for fetch (default: PARLQ_API_BASE, else the "
                          "Parliament's services)")
    serve.set_defaults(handler=serve_deployment)

    server = _command(sub, "server", "start a local Prefect server (SQLite in PREFECT_HOME) for `parlq serve`")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=4200)
    server.set_defaults(handler=start_server)

    check = _command(sub, "validate", "re-check a published snapshot against its schema and manifest")
    check.add_argument("target", type=Path, metavar="OUT_DIR_OR_SNAPSHOT")
    check.set_defaults(handler=check_snapshot)

    diff = _command(sub, "diff", "what changed between two snapshots")
    diff.add_argument("old", metavar="OLD", help="a snapshot folder, a snapshot id (or its prefix), or LATEST")
    diff.add_argument("new", metavar="NEW", help="as OLD")
    diff.add_argument(
        "--out", type=Path, default=Path("output"), metavar="OUT_DIR", help="where ids and LATEST are (default: output)"
    )
    diff.set_defaults(handler=show_diff)

    _add_fetch(sub)

    inspect = _command(sub, "inspect", "show what parlq sees in one PDF (metadata, sections, lists, items, "
                       "places, warnings); writes nothing")
    inspect.add_argument("pdf", type=Path, metavar="PDF")
    inspect.add_argument("--engine", choices=("pdfium", "pdfplumber"), default="pdfium",
                         help="text engine, as for run (default: pdfium)")
    inspect.add_argument("--json", action="store_true", help="print it as one JSON object on stdout")
    inspect.set_defaults(handler=inspect_document)

    report = _command(sub, "report", "write a snapshot's report: one HTML file that opens from disk, no network")
    report.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    report.add_argument("--snapshot", metavar="ID", help="a snapshot id or its prefix (default: LATEST)")
    report.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="where to write it (default: OUT_DIR/report.html)"
    )
    report.add_argument(
        "--sources",
        type=Path,
        metavar="SOURCE_DIR",
        help="the folder the snapshot was made from: each row then links to its PDF at its page",
    )
    report.set_defaults(handler=make_report)
    return parser


def _add_fetch(sub: argparse._SubParsersAction) -> None:
    fetch = _command(sub, "fetch", "fetch written questions and their files from the Flemish Parliament's open data")
    fetch.add_argument("sources_dir", type=Path, metavar="SOURCES_DIR", help="files go to SOURCES_DIR/vlpar/<year>/")
    fetch.add_argument("--since", type=parse_date, metavar="YYYY-MM-DD", help="first publication date (default: "
                       "where the last successful fetch ended, minus --overlap; required on a first fetch)")
    fetch.add_argument("--until", type=parse_date, metavar="YYYY-MM-DD", help="last publication date (default: today)")
    fetch.add_argument("--contact", metavar="URL", help="named in the User-Agent, so the service's operators can "
                       "reach whoever runs the fetch: a project page or an e-mail address (env PARLQ_CONTACT)")
    fetch.add_argument("--overlap", type=int, default=45, metavar="DAYS",
                       help="without --since, days before the last fetch's end scanned again (default: 45)")
    fetch.add_argument("--api-base", metavar="URL", help="base of the search and open data services "
                       "(default: $PARLQ_API_BASE, else https://ws.vlpar.be)")
    fetch.add_argument("--pause", type=float, default=0.5, metavar="SECONDS",
                       help="pause before each request (default: 0.5)")
    fetch.add_argument("--connections", type=int, default=2, choices=range(1, 5), metavar="N",
                       help="connections at once, 1 to 4 (default: 2)")
    fetch.add_argument("--max-mb", type=float, default=200.0, metavar="MB",
                       help="a larger download is cut off and recorded as a failure (default: 200)")
    fetch.add_argument("--json", action="store_true", help="print the summary as one JSON object on stdout")
    fetch.set_defaults(handler=fetch_sources)


def _command(sub: argparse._SubParsersAction, name: str, help_text: str) -> argparse.ArgumentParser:
    command = sub.add_parser(name, help=help_text, description=help_text)
    _add_verbosity(command, "sub_")
    return command


def _add_verbosity(parser: argparse.ArgumentParser, prefix: str) -> None:
    # Own destinations after the command: argparse would let a command's defaults overwrite the main
    # parser's values (`parlq -v run`), and `parlq -v run -v` must count two.
    parser.add_argument(
        "-q", "--quiet", dest=f"{prefix}quiet", action="store_true", help="only errors, no progress bar"
    )
    parser.add_argument(
        "-v",
        "--verbose",
        dest=f"{prefix}verbose",
        action="count",
        default=0,
        help="log lines on stderr: -v INFO, -vv DEBUG",
    )


def _add_wait_lock(command: argparse.ArgumentParser, default: float | None, otherwise: str) -> None:
    command.add_argument(
        "--wait-lock",
        type=float,
        nargs="?",
        const=None,  # no limit
        default=default,
        metavar="SECONDS",
        help=f"when another run holds OUT_DIR, wait for it (without SECONDS: as long as it takes) {otherwise}",
    )


def _add_batch_options(command: argparse.ArgumentParser) -> None:
    """What `run` and `serve` share: where to, and how each document is processed."""
    command.add_argument("--out", default="output", metavar="OUT_DIR", help="a folder or a URL (default: output)")
    command.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: cores)")
    command.add_argument(
        "--engine",
        choices=("pdfium", "pdfplumber"),
        default="pdfium",
        help="text engine: pdfium (default, fast) or pdfplumber (the reference); both give the same dataset",
    )
    command.add_argument(
        "--full-refresh",
        "--no-cache",
        dest="no_cache",
        action="store_true",
        help="process every document: ignore the cache and the previous snapshot's rows (--no-cache: the same)",
    )
    limits = command.add_argument_group("limits per document (a file over a limit becomes a failure row)")
    limits.add_argument("--max-file-mb", type=float, default=100.0, metavar="MB", help="file size (default: 100)")
    limits.add_argument("--max-pages", type=int, default=2000, metavar="N", help="pages (default: 2000)")
    limits.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS", help="wall clock (default: 300)")
    limits.add_argument(
        "--memory-mb", type=int, default=2048, metavar="MB", help="address space per worker, 0: none (default: 2048)"
    )


if __name__ == "__main__":
    console()
