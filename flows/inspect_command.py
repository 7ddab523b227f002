"""`parlq inspect PDF`: what parlq sees in one document, written nowhere (no snapshot, no OUT_DIR).

It runs the declared document steps and validation in this process (`pipeline.runtime.inspection`);
it imports no Prefect, so it starts as fast as the steps allow.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from flows.terminal import EXIT_FAILURES, EXIT_OK, print_json, report_fatal, say


def inspect_document(args: argparse.Namespace) -> int:
    """Print the document's metadata, sections, lists and items, failures and warnings; exit status 0, 1
    (a run would record failure rows for it: a broken PDF, a count that is off, a row left out) or 2 (usage)."""
    path: Path = args.pdf
    if not path.is_file():
        state = "is not a file" if path.exists() else "does not exist"
        return report_fatal(f"{path} {state}; give a PDF file.", as_json=args.json)
    from pipeline.runtime.inspection import format_inspection, inspect_pdf, inspection_record

    try:
        inspection = inspect_pdf(path, args.engine)
    except OSError as exc:
        return report_fatal(f"{path} cannot be read: {exc.strerror or exc}.", as_json=args.json)
    record = inspection_record(inspection)
    code = EXIT_FAILURES if inspection.failed else EXIT_OK
    if args.json:
        print_json({**record, "exit_code": code})
        return code
    if inspection.parsed is None:  # not read or not a written question: why, in one clear line, no traceback
        for failure in inspection.result.failures:
            say(logging.ERROR, f"{path}: [{failure.stage}/{failure.error}] {failure.message}")
        return code
    print(format_inspection(record), end="")
    return code
