"""`parlq run`: check the arguments, stage file arguments, run the batch flow, report as text or JSON."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from flows.arguments import UsageError, build_limits, check_out_dir, check_sources, open_source_dir
from flows.terminal import EXIT_FAILURES, EXIT_OK, print_json, report_fatal, say, verbosity

if TYPE_CHECKING:
    from flows.server import ApiServer
    from pipeline.model.records import RunSummary
    from pipeline.runtime.limits import Limits

LOG_DIR = "logs"  # under OUT_DIR
PREFECT_LOG = "prefect.log"  # a flow run's log, Prefect's records included
RUN_LOG = "parlq.log"  # a run in this process


class RunStopped(RuntimeError):
    """The run could not finish: exit status 2 with this message; nothing was published."""


def run_batch(args: argparse.Namespace) -> int:
    """`parlq run`: 0 all inputs processed, 1 finished with failures, 2 usage error or fatal."""
    started = time.perf_counter()
    try:
        limits = build_limits(args)
        check_out_dir(args.out)
        sources = check_sources(args.sources)
        if args.dask and not args.dry_run and not os.environ.get("PREFECT_API_URL"):
            check_cluster(args.dask)
        with open_source_dir(sources, args.out) as source:
            say(logging.INFO, f"SOURCE_DIR {source}")
            if args.dry_run:
                return show_dry_run(args, source, limits)
            return run_into_out_dir(args, source, limits, started)
    except UsageError as exc:
        return report_fatal(f"{exc}.", as_json=args.json)
    except RunStopped as exc:
        return report_fatal(str(exc), as_json=args.json)


def show_dry_run(args: argparse.Namespace, source: str, limits: Limits) -> int:
    """What the run would do with each input; OUT_DIR is only read."""
    from pipeline.runtime.dry_run import dry_run_record, format_dry_run, plan_dry_run
    from pipeline.storage import is_url

    out = args.out if is_url(args.out) else str(Path(args.out).resolve())
    plan = plan_dry_run(source, out, limits, use_cache=not args.no_cache)
    if args.json:
        print_json(dry_run_record(plan))
    else:
        print(format_dry_run(plan))
    return EXIT_OK


def run_into_out_dir(args: argparse.Namespace, source: str, limits: Limits, started: float) -> int:
    """The run with its log file: under OUT_DIR, or next to the snapshots at the end when OUT_DIR is a URL.

    Without a Prefect server to report to (PREFECT_API_URL), the run's steps run in this process
    (`pipeline.runtime.run`): the same steps, snapshot, summary and exit codes, without the
    seconds a temporary Prefect server costs. `--prefect` (or `--dask`) makes it a flow run.
    """
    from pipeline.storage import is_url

    as_flow = bool(args.prefect or args.dask or os.environ.get("PREFECT_API_URL"))
    if not args.dask:  # a cluster's workers build their own
        from pipeline.runtime.workers import warm_up_workers

        warm_up_workers()  # the workers build spaCy while this process imports the rest (and Prefect)
    run = run_flow if as_flow else run_here
    log_name = PREFECT_LOG if as_flow else RUN_LOG
    if is_url(args.out):
        # the log is kept locally during the run and copied next to the snapshots at the end
        with tempfile.TemporaryDirectory(prefix="parlq-") as scratch:
            log_file = Path(scratch) / log_name
            try:
                return run(args, source, args.out, limits, log_file, started)
            finally:
                _copy_log(log_file, args.out)
    out_dir = Path(args.out).resolve()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunStopped(f"cannot create OUT_DIR {out_dir}: {exc.strerror or exc}.") from None
    if not os.access(out_dir, os.W_OK):
        raise RunStopped(f"OUT_DIR {out_dir} is not writable.")
    # The run takes OUT_DIR's lock itself (pipeline.runtime.run), as every run does.
    return run(args, source, str(out_dir), limits, out_dir / LOG_DIR / log_name, started)


def run_here(args: argparse.Namespace, source: str, out: str, limits: Limits, log_file: Path, started: float) -> int:
    """The run's steps in this process (`PLAIN_STEPS`), then the summary."""
    from flows import settings, terminal
    from flows.progress import ProgressBar
    from pipeline.runtime.run import PLAIN_STEPS, RunConfig, run_batch

    say(logging.INFO, f"the run's log: {log_file}")
    settings.route_logs(log_file)
    hide_logs = terminal.copy_logs_to_terminal(log_file)
    progress = ProgressBar(enabled=not args.json and verbosity() == logging.WARNING)
    from flows.arguments import report_sources

    config = RunConfig(source, out, args.engine, args.workers, not args.no_cache, limits,
                       link_sources=report_sources(source) is not None)  # fmt: skip
    try:
        with _stops(log_file), _stdout_for(args):
            summary = run_batch(config, PLAIN_STEPS, wait_lock=args.wait_lock, clear=args.clear_cache,
                                progress=progress)  # fmt: skip
    finally:
        progress.close()  # whatever is printed next starts on a line of its own
        hide_logs()
    return report_summary(summary, time.perf_counter() - started, args.json)


def run_flow(args: argparse.Namespace, source: str, out: str, limits: Limits, log_file: Path, started: float) -> int:
    """The flow on a temporary local Prefect API (or PREFECT_API_URL's), then the summary."""
    from flows import settings, terminal
    from flows.server import ApiServer

    terminal.apply_prefect_log_level()
    settings.apply_defaults()
    say(logging.INFO, f"the run's log: {log_file}")
    # a configured server (PREFECT_API_URL) is used as it is; otherwise one lives for this run,
    # started first so that it boots while this process imports prefect and the pipeline
    server = None if os.environ.get("PREFECT_API_URL") else ApiServer(log_file)
    try:
        summary = _call_flow(args, source, out, limits, log_file, server)
    finally:
        if server is not None:
            server.stop()
    return report_summary(summary, time.perf_counter() - started, args.json)


def _call_flow(
    args: argparse.Namespace, source: str, out: str, limits: Limits, log_file: Path, server: ApiServer | None
) -> RunSummary:
    from flows import settings, terminal
    from flows.batch import batch_flow  # imports prefect: after the defaults are in place
    from flows.progress import ProgressBar

    flow = batch_flow
    if args.dask:
        from flows.cluster import dask_runner

        flow = batch_flow.with_options(task_runner=dask_runner(args.dask, log_file))
    settings.route_logs(log_file)  # after the imports above, which install terminal handlers
    hide_logs = terminal.copy_logs_to_terminal(log_file)  # -v: log lines instead of the bar
    # the bar only at the default verbosity: -q wants silence, -v log lines that the bar would overwrite
    progress = ProgressBar(enabled=not args.json and verbosity() == logging.WARNING)
    try:
        with _stops(log_file), _stdout_for(args), settings.run_settings(server.wait_ready() if server else None):
            return flow(
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
        hide_logs()


@contextlib.contextmanager
def _stops(log_file: Path) -> Iterator[None]:
    """What stops a run (the lock, the disk, a worker that cannot start, ...) as RunStopped: exit 2."""
    from flows.server import ServerStartError
    from pipeline.dataset.write import SnapshotError
    from pipeline.runtime.batch import WorkerStartError
    from pipeline.runtime.lock import LockHeld
    from pipeline.runtime.report import AccountingError

    try:
        yield
    except LockHeld as exc:
        raise RunStopped(str(exc)) from None
    except (OSError, SnapshotError, AccountingError, WorkerStartError, ServerStartError) as exc:
        reason = f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) and exc.strerror else str(exc)
        hint = " (raise --memory-mb)" if isinstance(exc, WorkerStartError) else ""
        raise RunStopped(
            f"the run stopped: {reason}{hint}. Nothing new was published; "
            f"LATEST still names the last complete snapshot. Details: {log_file}"
        ) from None


def _stdout_for(args: argparse.Namespace) -> contextlib.AbstractContextManager:
    # with --json, stdout holds the result alone: whatever this process prints meanwhile goes to stderr
    return contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()


def report_summary(summary: RunSummary, seconds: float, as_json: bool) -> int:
    """The summary on stdout (text, or one JSON object); exit status 1 when anything failed."""
    from pipeline.runtime.report import format_conflicts, format_failures, format_summary, summary_record

    code = EXIT_FAILURES if summary.failures else EXIT_OK
    if as_json:
        print_json({**summary_record(summary), "exit_code": code, "seconds": round(seconds, 3)})
        return code
    print(format_summary(summary))
    print(f"time         {seconds:.1f} s")
    if summary.failures:
        print("failures:")
        print(format_failures(summary.failure_rows))
    if summary.conflicts:
        print("conflicts (the PDF and the Parliament's metadata disagree; the PDF's values are kept):")
        print(format_conflicts(summary.conflicts))
    # sidecars that could not be used, lists too ambiguous to take rows from, applicants without a municipality
    for warning in summary.warnings:
        say(logging.WARNING, warning)
    return code


def check_cluster(address: str) -> None:
    """Workers on other machines cannot reach a temporary API on this machine's 127.0.0.1."""
    from flows.cluster import is_remote

    if is_remote(address):
        raise UsageError(
            f"the workers of {address} cannot reach a Prefect API on this machine's 127.0.0.1; set "
            "PREFECT_API_URL to a server they can reach (e.g. `parlq server --host 0.0.0.0` on this machine)"
        )


def _copy_log(log_file: Path, out: str) -> None:
    from pipeline.storage import join_location, write_bytes

    if not log_file.exists():
        return  # the run stopped before it logged anything
    try:
        write_bytes(join_location(out, LOG_DIR, log_file.name), log_file.read_bytes())
    except OSError as exc:
        say(logging.WARNING, f"the log could not be copied to OUT_DIR: {exc}")
