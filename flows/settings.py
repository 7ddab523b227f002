"""Prefect settings parlq needs, applied before prefect is imported (set here, never by hand).

Only defaults: a user's own PREFECT_* environment wins.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

DEFAULTS = {
    # telemetry from the temporary server raced on SQLite ("database is locked" tracebacks)
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # a fresh home migrates the database first; 20 s is not always enough on 2 cores
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "true",
    "PREFECT_UI_ENABLED": "false",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
}


def apply_defaults() -> None:
    """Set parlq's Prefect defaults in this process's environment (inherited by its children)."""
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)


def route_logs(log_file: Path) -> None:
    """Send Prefect's (and its server's) log records to `log_file` instead of the terminal."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s - %(message)s"))
    for name in ("prefect", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "docket", "distributed"):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            if isinstance(old, logging.StreamHandler) and not isinstance(old, logging.FileHandler):
                logger.removeHandler(old)
        logger.addHandler(handler)
        logger.propagate = False
