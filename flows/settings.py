"""Prefect settings parlq needs, set in code (never by hand), and where Prefect's logs go.

`apply_defaults` runs before prefect is imported: only defaults, a user's own PREFECT_* environment
wins. `run_settings` holds for one `parlq run`: settings that can only be given as Python values.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULTS = {
    "PREFECT_LOGGING_LOG_PRINTS": "false",
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
    # Dask's own log lines (worker start and stop) stay out of the terminal
    "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "warning",
}


def apply_defaults() -> None:
    """Set parlq's Prefect defaults in this process's environment (inherited by its children)."""
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)


@contextmanager
def run_settings(api_url: str | None) -> Iterator[None]:
    """Prefect settings for one command-line run: its API, and no flow heartbeat.

    The heartbeat detects crashed runs for a server's workers; a run in this process has the
    terminal for that, and each heartbeat cost about a second of the run. `api_url` (None: keep
    the configured one) also goes to the environment, so every process the run starts (Dask
    workers) reports to the same API instead of starting a server of its own.
    """
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    updates: dict = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    saved = os.environ.get("PREFECT_API_URL")
    if api_url is not None:
        updates[PREFECT_API_URL] = api_url
        os.environ["PREFECT_API_URL"] = api_url
    try:
        with temporary_settings(updates=updates):
            try:
                yield
            finally:
                flush_to_api()  # a failed run's records too: its API is stopped right after
    finally:
        if api_url is not None:
            _restore("PREFECT_API_URL", saved)


def flush_to_api() -> None:
    """Send the log records and events Prefect still holds before its API goes away."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all()
    EventsWorker.drain_all()


def route_logs(log_file: Path) -> None:
    """Send every log record of this process (Prefect, its server, Dask, libraries) to `log_file`.

    The terminal keeps only parlq's own output: the progress bar, the summary, its messages.
    Call it after the libraries are imported: they install their terminal handlers on import.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    named = [logger for logger in root.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    for logger in [root, *named]:
        terminal = [h for h in logger.handlers if _is_terminal(h)]
        for old in terminal:
            logger.removeHandler(old)
        # A logger that does not pass records on to the root needs the file itself, through a
        # handler of its own: Dask sets the level of the handlers on its logger (silence_logs),
        # which must not silence everyone else's records.
        if logger is root or (terminal and not logger.propagate):
            logger.addHandler(_file_handler(log_file))


def _is_terminal(handler: logging.Handler) -> bool:
    return isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler)


def _file_handler(log_file: Path) -> logging.Handler:
    handler = logging.FileHandler(log_file, encoding="utf-8")  # appends: other processes write here too
    handler.setFormatter(_RunFormatter("%(asctime)s %(process)d %(levelname)s %(name)s%(run)s - %(message)s"))
    return handler


class _RunFormatter(logging.Formatter):
    """Names the flow or task run a record of Prefect's belongs to ("Finished" alone says little)."""

    def format(self, record: logging.LogRecord) -> str:
        run = getattr(record, "task_run_name", None) or getattr(record, "flow_run_name", None)
        record.run = f" [{run}]" if run else ""
        return super().format(record)


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
