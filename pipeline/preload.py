"""Imported by the worker processes' forkserver (see `pipeline.workers`), and by nothing else.

Building the gazetteer and spaCy pipeline here, once, lets every worker forked from the
forkserver start warm: the second worker and every replacement of a killed one start in
milliseconds instead of seconds. Building at import time is this module's only purpose.
"""

from __future__ import annotations

from pipeline.batch import process_resources

try:
    process_resources()
except Exception:  # noqa: BLE001 - each worker then builds them itself and reports what fails
    pass
