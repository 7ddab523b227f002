"""What parlq shows on the terminal: its own messages at the chosen verbosity, JSON results, and exit statuses.

Results (the run summary, a dry run's plan, a diff) go to stdout; messages, the progress bar and
(with -v) log lines go to stderr, so that stdout can be piped: with `--json` it holds one JSON object.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

EXIT_OK, EXIT_FAILURES, EXIT_FATAL = 0, 1, 2
_state = {"level": logging.WARNING}  # parlq's messages at or above this level reach stderr


def set_verbosity(quiet: bool, verbose: int) -> int:
    """The level of parlq's messages from -q / -v / -vv (-q wins); also returned."""
    if quiet:
        level = logging.ERROR
    else:
        level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    _state["level"] = level
    return level


def verbosity() -> int:
    """The level set_verbosity chose (WARNING until then)."""
    return _state["level"]


def say(level: int, message: str) -> None:
    """One `parlq: ...` line on stderr, when the verbosity lets `level` through."""
    if level >= _state["level"]:
        print(f"parlq: {message}", file=sys.stderr, flush=True)


def print_json(record: Mapping[str, object]) -> None:
    """One JSON object on one line of stdout (ASCII: a file name that is not UTF-8 stays printable)."""
    print(json.dumps(record, ensure_ascii=True), flush=True)


def report_fatal(message: str, as_json: bool = False) -> int:
    """Exit status 2 with `message` on stderr, and with --json also `{"error", "exit_code"}` on stdout."""
    say(logging.CRITICAL, message)  # shown even with -q
    if as_json:
        print_json({"error": message, "exit_code": EXIT_FATAL})
    return EXIT_FATAL


def prefect_log_level() -> str | None:
    """PREFECT_LOGGING_LEVEL for the verbosity (None: Prefect's default, INFO); set before prefect is imported.

    Only -vv changes it: the run's log file keeps Prefect's INFO lines (the flow run's link among
    them) however quiet the terminal is.
    """
    return "DEBUG" if _state["level"] <= logging.DEBUG else None


def apply_prefect_log_level() -> None:
    """Prefect's own log level from the verbosity, unless the user's environment sets it."""
    level = prefect_log_level()
    if level is not None:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", level)


def copy_logs_to_terminal(log_file: Path) -> Callable[[], None]:
    """With -v/-vv, show on stderr the log records that go to `log_file` (Prefect's, parlq's), from INFO/DEBUG.

    `settings.route_logs` sent them to the file only; this adds a stderr handler beside each of
    its file handlers. Returns the function that removes them again.
    """
    if _state["level"] > logging.INFO:
        return lambda: None
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(_state["level"])
    handler.setFormatter(_RunFormatter())
    target = os.path.abspath(log_file)
    root = logging.getLogger()
    loggers = [root, *(x for x in root.manager.loggerDict.values() if isinstance(x, logging.Logger))]
    chosen = [x for x in loggers if any(getattr(h, "baseFilename", None) == target for h in x.handlers)]
    for logger in chosen:
        logger.addHandler(handler)

    def remove() -> None:
        for logger in chosen:
            logger.removeHandler(handler)

    return remove


class _RunFormatter(logging.Formatter):
    """`INFO prefect.task_runs [discover-0] - Finished ...`: which run a line of Prefect's is about."""

    def format(self, record: logging.LogRecord) -> str:
        run = getattr(record, "task_run_name", None) or getattr(record, "flow_run_name", None)
        return f"{record.levelname} {record.name}{f' [{run}]' if run else ''} - {super().format(record)}"
