"""`parlq`: the command line. Parses arguments, starts the flow, prints progress and the summary.

Exit status (dataset contract): 0 all documents processed, 1 finished with failures, 2 usage or fatal.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.limits import Limits

EXIT_OK, EXIT_FAILURES, EXIT_FATAL = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `parlq` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("parlq: interrupted; the previous snapshot and LATEST are unchanged.", file=sys.stderr)
        return EXIT_FATAL


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parlq", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="process every PDF below SOURCE_DIR into a snapshot")
    run.add_argument("source_dir", type=Path, metavar="SOURCE_DIR")
    run.add_argument("--out", type=Path, default=Path("output"), metavar="OUT_DIR")
    run.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: cores)")
    run.add_argument("--engine", choices=("pdfplumber", "pdfium"), default="pdfplumber")
    run.add_argument("--no-cache", action="store_true", help="process every document, ignore the cache")
    run.add_argument("--clear-cache", action="store_true", help="empty OUT_DIR/cache before the run")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    limits = run.add_argument_group("limits per document (a file over a limit becomes a failure row)")
    limits.add_argument("--max-file-mb", type=float, default=100.0, metavar="MB", help="file size (default: 100)")
    limits.add_argument("--max-pages", type=int, default=2000, metavar="N", help="pages (default: 2000)")
    limits.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS", help="wall clock (default: 300)")
    limits.add_argument(
        "--memory-mb", type=int, default=2048, metavar="MB", help="address space per worker, 0: none (default: 2048)"
    )
    run.add_argument(
        "--wait-lock",
        type=float,
        nargs="?",
        const=float("inf"),
        default=0.0,
        metavar="SECONDS",
        help="when another run holds OUT_DIR, wait for it (without SECONDS: as long as it takes) "
        "instead of exiting with status 2 at once",
    )
    run.set_defaults(handler=_run)

    check = sub.add_parser("validate", help="re-check a published snapshot against its schema and manifest")
    check.add_argument("target", type=Path, metavar="OUT_DIR_OR_SNAPSHOT")
    check.set_defaults(handler=_validate)

    diff = sub.add_parser("diff", help="what changed between two snapshots")
    diff.add_argument("old", metavar="OLD")
    diff.add_argument("new", metavar="NEW")
    diff.add_argument("--out", type=Path, default=Path("output"), metavar="OUT_DIR", help="where snapshot ids live")
    diff.set_defaults(handler=_diff)
    return parser


def _run(args: argparse.Namespace) -> int:
    if not args.source_dir.is_dir():
        print(f"parlq: SOURCE_DIR {args.source_dir} is not a folder.", file=sys.stderr)
        return EXIT_FATAL
    if args.workers < 1:
        print("parlq: --workers must be at least 1.", file=sys.stderr)
        return EXIT_FATAL
    from pipeline.limits import MIB, Limits

    try:
        limits = Limits(
            max_file_bytes=int(args.max_file_mb * MIB),
            max_pages=args.max_pages,
            timeout_s=args.timeout,
            memory_bytes=args.memory_mb * MIB if args.memory_mb else None,
        )
    except ValueError as exc:
        print(f"parlq: {exc}.", file=sys.stderr)
        return EXIT_FATAL
    out_dir = args.out.resolve()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"parlq: cannot create OUT_DIR {out_dir}: {exc.strerror or exc}.", file=sys.stderr)
        return EXIT_FATAL
    from pipeline.lock import LockHeld, acquire_lock, release_lock

    try:
        lock = acquire_lock(out_dir, wait_s=args.wait_lock)
    except LockHeld as exc:
        print(f"parlq: {exc}", file=sys.stderr)
        return EXIT_FATAL
    except OSError as exc:
        print(f"parlq: OUT_DIR {out_dir} is not writable: {exc.strerror or exc}.", file=sys.stderr)
        return EXIT_FATAL
    if lock.took_over:
        print(f"parlq: took over the lock left by a run that has ended ({lock.took_over.describe()}).", file=sys.stderr)
    try:
        return _run_locked(args, out_dir, limits)
    finally:
        try:
            release_lock(lock)
        except OSError:
            pass  # OUT_DIR went read-only: the next run finds a stale lock and takes it over


def _run_locked(args: argparse.Namespace, out_dir: Path, limits: Limits) -> int:
    from flows import settings

    settings.apply_defaults()
    started = time.perf_counter()
    from flows.batch import batch_flow  # imports prefect: after the defaults are in place
    from pipeline.batch import WorkerStartError
    from pipeline.process import ProcessConfig, ReadSettings
    from pipeline.report import AccountingError, format_failures, format_summary
    from pipeline.write import SnapshotError

    settings.route_logs(out_dir / "logs" / "prefect.log")
    if args.clear_cache:
        from pipeline.cache import clear_cache

        clear_cache(out_dir / "cache")
    progress = _Progress(enabled=not args.quiet)
    try:
        summary = batch_flow(
            source_dir=args.source_dir.resolve(),
            out_dir=out_dir,
            config=ProcessConfig(read=ReadSettings(engine=args.engine)),
            workers=args.workers,
            use_cache=not args.no_cache,
            on_result=progress.update,
            limits=limits,
        )
    except (OSError, SnapshotError, AccountingError, WorkerStartError) as exc:
        progress.close()
        reason = f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) and exc.strerror else str(exc)
        hint = " (raise --memory-mb)" if isinstance(exc, WorkerStartError) else ""
        print(
            f"parlq: the run stopped: {reason}{hint}. Nothing new was published; "
            "LATEST still names the last complete snapshot.",
            file=sys.stderr,
        )
        return EXIT_FATAL
    progress.close()
    print(format_summary(summary))
    print(f"time         {time.perf_counter() - started:.1f} s")
    if summary.failures:
        print("failures:")
        print(format_failures(summary.failure_rows))
        return EXIT_FAILURES
    return EXIT_OK


class _Progress:
    """A one-line progress bar on stderr, redrawn as documents finish."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.done = 0
        self.failed = 0

    def update(self, result) -> None:
        self.done += 1
        self.failed += result.document is None
        if self.enabled:
            bar = "#" * min(30, self.done % 31)
            print(f"\rprocessing {self.done:>6} documents, {self.failed} failed {bar:<30}", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.enabled and self.done:
            print(file=sys.stderr)


def _validate(args: argparse.Namespace) -> int:
    from pipeline.write import validate_snapshot

    problems = validate_snapshot(args.target)
    for problem in problems:
        print(problem)
    print("snapshot ok" if not problems else f"{len(problems)} problems")
    return EXIT_OK if not problems else EXIT_FAILURES


def _diff(args: argparse.Namespace) -> int:
    from pipeline.diff import diff_snapshots, format_diff, resolve_snapshot

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
