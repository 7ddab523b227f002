"""`parlq`: the command line. Parses arguments, starts the flow, prints progress and the summary.

Exit status (dataset contract): 0 all documents processed, 1 finished with failures, 2 usage or fatal.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.server import ApiServer
    from pipeline.runtime.limits import Limits

EXIT_OK, EXIT_FAILURES, EXIT_FATAL = 0, 1, 2
LOG_FILE = ("logs", "prefect.log")  # under OUT_DIR


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `parlq` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    # SIGTERM (a service manager's stop) ends parlq as Ctrl-C does: through the `finally` blocks
    # that stop the Prefect server and the worker processes it started.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("parlq: interrupted; the previous snapshot and LATEST are unchanged.", file=sys.stderr)
        return EXIT_FATAL


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parlq", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="process every PDF below SOURCE_DIR into a snapshot")
    _add_batch_options(run)
    run.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786), "
        "or on a new local cluster of 2 worker processes with 'local'; --workers is then ignored",
    )
    run.add_argument("--clear-cache", action="store_true", help="empty OUT_DIR/cache before the run")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_wait_lock(run, 0.0, "instead of exiting with status 2 at once")
    run.set_defaults(handler=_run)

    serve = sub.add_parser("serve", help="serve the run as a deployment on the Prefect server at PREFECT_API_URL")
    _add_batch_options(serve)
    serve.add_argument("--cron", metavar="SCHEDULE", help='when to run, e.g. "0 6 * * 1-5" (none: only on request)')
    serve.add_argument("--name", default="parlq", help="deployment name (default: parlq)")
    _add_wait_lock(serve, None, "(default: as long as it takes); the flow run fails when the wait runs out")
    serve.set_defaults(handler=_serve)

    server = sub.add_parser("server", help="start a local Prefect server (SQLite in PREFECT_HOME) for `parlq serve`")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=4200)
    server.set_defaults(handler=_server)

    check = sub.add_parser("validate", help="re-check a published snapshot against its schema and manifest")
    check.add_argument("target", type=Path, metavar="OUT_DIR_OR_SNAPSHOT")
    check.set_defaults(handler=_validate)

    diff = sub.add_parser("diff", help="what changed between two snapshots")
    diff.add_argument("old", metavar="OLD")
    diff.add_argument("new", metavar="NEW")
    diff.add_argument("--out", type=Path, default=Path("output"), metavar="OUT_DIR", help="where snapshot ids live")
    diff.set_defaults(handler=_diff)
    return parser


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
    """What `run` and `serve` share: where from, where to, and how each document is processed."""
    command.add_argument("source_dir", metavar="SOURCE_DIR", help="a folder, or a URL such as s3://bucket/prefix")
    command.add_argument("--out", default="output", metavar="OUT_DIR", help="a folder or a URL (default: output)")
    command.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: cores)")
    command.add_argument(
        "--engine",
        choices=("pdfium", "pdfplumber"),
        default="pdfium",
        help="text engine: pdfium (default, fast) or pdfplumber (the reference); both give the same dataset",
    )
    command.add_argument("--no-cache", action="store_true", help="process every document, ignore the cache")
    limits = command.add_argument_group("limits per document (a file over a limit becomes a failure row)")
    limits.add_argument("--max-file-mb", type=float, default=100.0, metavar="MB", help="file size (default: 100)")
    limits.add_argument("--max-pages", type=int, default=2000, metavar="N", help="pages (default: 2000)")
    limits.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS", help="wall clock (default: 300)")
    limits.add_argument(
        "--memory-mb", type=int, default=2048, metavar="MB", help="address space per worker, 0: none (default: 2048)"
    )


def _run(args: argparse.Namespace) -> int:
    from pipeline.storage import is_url

    try:
        source, limits = _batch_inputs(args)
        if args.dask and not os.environ.get("PREFECT_API_URL"):
            _check_cluster(args.dask)
    except _UsageError as exc:
        print(f"parlq: {exc}.", file=sys.stderr)
        return EXIT_FATAL
    if is_url(args.out):
        # No lock on an object store (it cannot create a file exclusively); the log is kept
        # locally during the run and copied next to the snapshots at the end.
        with tempfile.TemporaryDirectory(prefix="parlq-") as scratch:
            log_file = Path(scratch) / LOG_FILE[-1]
            try:
                return _run_flow(args, source, args.out, limits, log_file)
            finally:
                _copy_log(log_file, args.out)
    out_dir = Path(args.out).resolve()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"parlq: cannot create OUT_DIR {out_dir}: {exc.strerror or exc}.", file=sys.stderr)
        return EXIT_FATAL
    if not os.access(out_dir, os.W_OK):
        print(f"parlq: OUT_DIR {out_dir} is not writable.", file=sys.stderr)
        return EXIT_FATAL
    # The flow takes OUT_DIR's lock itself, as every run does, however it is started.
    return _run_flow(args, source, str(out_dir), limits, out_dir.joinpath(*LOG_FILE))


def _run_flow(args: argparse.Namespace, source: str, out: str, limits: Limits, log_file: Path) -> int:
    """The flow on a temporary local Prefect API (or PREFECT_API_URL's), then the summary."""
    from flows import settings
    from flows.server import ApiServer

    settings.apply_defaults()
    started = time.perf_counter()
    # a configured server (PREFECT_API_URL) is used as it is; otherwise one lives for this run,
    # started first so that it boots while this process imports prefect and the pipeline
    server = None if os.environ.get("PREFECT_API_URL") else ApiServer(log_file)
    try:
        return _run_and_report(args, source, out, limits, log_file, server, started)
    finally:
        if server is not None:
            server.stop()


def _run_and_report(
    args: argparse.Namespace,
    source: str,
    out: str,
    limits: Limits,
    log_file: Path,
    server: ApiServer | None,
    started: float,
) -> int:
    from flows import settings
    from flows.batch import batch_flow  # imports prefect: after the defaults are in place
    from flows.progress import ProgressBar
    from flows.server import ServerStartError
    from pipeline.runtime.batch import WorkerStartError
    from pipeline.runtime.lock import LockHeld
    from pipeline.runtime.report import AccountingError, format_failures, format_summary
    from pipeline.dataset.write import SnapshotError

    flow = batch_flow
    if args.dask:
        from flows.cluster import dask_runner

        flow = batch_flow.with_options(task_runner=dask_runner(args.dask, log_file))
    settings.route_logs(log_file)  # after the imports above, which install terminal handlers
    progress = ProgressBar(enabled=not args.quiet)
    try:
        try:
            with settings.run_settings(server.wait_ready() if server else None):
                summary = flow(
                    source_dir=source,
                    out_dir=out,
                    engine=args.engine,
                    workers=args.workers,
                    use_cache=not args.no_cache,
                    limits=limits,
                    progress=progress,
                    wait_lock=args.wait_lock,
                    clear_cache=args.clear_cache,
                )
        finally:
            progress.close()  # whatever is printed next starts on a line of its own
    except LockHeld as exc:
        print(f"parlq: {exc}", file=sys.stderr)
        return EXIT_FATAL
    except (OSError, SnapshotError, AccountingError, WorkerStartError, ServerStartError) as exc:
        reason = f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) and exc.strerror else str(exc)
        hint = " (raise --memory-mb)" if isinstance(exc, WorkerStartError) else ""
        print(
            f"parlq: the run stopped: {reason}{hint}. Nothing new was published; "
            f"LATEST still names the last complete snapshot. Details: {log_file}",
            file=sys.stderr,
        )
        return EXIT_FATAL
    print(format_summary(summary))
    print(f"time         {time.perf_counter() - started:.1f} s")
    if summary.failures:
        print("failures:")
        print(format_failures(summary.failure_rows))
        return EXIT_FAILURES
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from pipeline.storage import is_url

    try:
        source, limits = _batch_inputs(args)
        if not os.environ.get("PREFECT_API_URL"):
            raise _UsageError("parlq serve needs a Prefect server: set PREFECT_API_URL (`parlq server` starts one)")
    except _UsageError as exc:
        print(f"parlq: {exc}.", file=sys.stderr)
        return EXIT_FATAL
    from flows import settings

    settings.apply_defaults()
    from flows.deploy import serve_batch

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
    )
    return EXIT_OK


def _server(args: argparse.Namespace) -> int:
    from flows.server import run_server

    return run_server(args.host, args.port)


class _UsageError(ValueError):
    """Arguments that cannot work: exit status 2 with this message, before anything runs."""


def _batch_inputs(args: argparse.Namespace) -> tuple[str, Limits]:
    """SOURCE_DIR as an absolute path or a URL, and the per-document limits the options ask for."""
    from pipeline.runtime.limits import MIB, Limits
    from pipeline.storage import is_url

    if args.workers < 1:
        raise _UsageError("--workers must be at least 1")
    try:
        limits = Limits(
            max_file_bytes=int(args.max_file_mb * MIB),
            max_pages=args.max_pages,
            timeout_s=args.timeout,
            memory_bytes=args.memory_mb * MIB if args.memory_mb else None,
        )
    except ValueError as exc:
        raise _UsageError(str(exc)) from None
    if is_url(args.source_dir):
        return args.source_dir, limits
    if not Path(args.source_dir).is_dir():
        raise _UsageError(f"SOURCE_DIR {args.source_dir} is not a folder")
    return str(Path(args.source_dir).resolve()), limits


def _check_cluster(address: str) -> None:
    """Workers on other machines cannot reach a temporary API on this machine's 127.0.0.1."""
    from flows.cluster import is_remote

    if is_remote(address):
        raise _UsageError(
            f"the workers of {address} cannot reach a Prefect API on this machine's 127.0.0.1; set "
            "PREFECT_API_URL to a server they can reach (e.g. `parlq server --host 0.0.0.0` on this machine)"
        )


def _copy_log(log_file: Path, out: str) -> None:
    from pipeline.storage import join_location, write_bytes

    if not log_file.exists():
        return  # the run stopped before it logged anything
    try:
        write_bytes(join_location(out, *LOG_FILE), log_file.read_bytes())
    except OSError as exc:
        print(f"parlq: the log could not be copied to OUT_DIR: {exc}", file=sys.stderr)


def _validate(args: argparse.Namespace) -> int:
    from pipeline.dataset.snapshot import validate_snapshot

    problems = validate_snapshot(args.target)
    for problem in problems:
        print(problem)
    print("snapshot ok" if not problems else f"{len(problems)} problems")
    return EXIT_OK if not problems else EXIT_FAILURES


def _diff(args: argparse.Namespace) -> int:
    from pipeline.dataset.diff import diff_snapshots, format_diff, resolve_snapshot

    try:
        old = resolve_snapshot(args.old, args.out)
        new = resolve_snapshot(args.new, args.out)
    except (FileNotFoundError, ValueError) as exc:
        print(f"parlq: {exc}", file=sys.stderr)
        return EXIT_FATAL
    print(format_diff(diff_snapshots(old, new)), end="")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
