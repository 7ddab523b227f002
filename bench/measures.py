"""The measurements `bench/run.py` runs, each in a fresh process (`run.py --measure <mode>`).

Each takes the parsed options (source, out, engine, workers, code version) and returns a JSON
object with at least seconds, docs and pages.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def measure_naive(args: argparse.Namespace) -> dict:
    """(a) pdfplumber `extract_text` per page and a regex split of numbered items; nothing written."""
    import re

    import pdfplumber

    numbered = re.compile(r"\n(?=\d{1,3}\.\s)")
    paths, pages, items = _pdfs(args.source), 0, 0
    start = time.perf_counter()
    for path in paths:
        with pdfplumber.open(path) as pdf:
            text = "\n".join(page.extract_text() or "" for page in pdf.pages)
            pages += len(pdf.pages)
        items += len(numbered.split(text))
    return {"seconds": time.perf_counter() - start, "docs": len(paths), "pages": pages, "items": items}


def measure_floor(args: argparse.Namespace) -> dict:
    """(b) pypdfium2 text extraction alone."""
    import pypdfium2

    paths, pages, chars = _pdfs(args.source), 0, 0
    start = time.perf_counter()
    for path in paths:
        document = pypdfium2.PdfDocument(path)
        for page in document:
            textpage = page.get_textpage()
            chars += len(textpage.get_text_range())
            textpage.close()
            page.close()
            pages += 1
        document.close()
    return {"seconds": time.perf_counter() - start, "docs": len(paths), "pages": pages, "chars": chars}


def measure_parlq(args: argparse.Namespace) -> dict:
    """A run as `parlq run` does it, without Prefect: `pipeline.runtime.run.run_batch` with the plain steps.

    The worker processes' forkserver is started and warmed (gazetteer and spaCy built) before the
    clock starts, as a one-off start cost of the run reported apart ("warm_up_s"): the throughput
    is that of the processing, from discovery to the snapshot published, timed by step (PHASES).
    """
    from pipeline.runtime.run import PLAIN_STEPS, RunConfig, run_batch

    warm_up_s = warm_workers()
    config = RunConfig(args.source, args.out, args.engine, args.workers, code_version=args.code_version or "")
    start = time.perf_counter()
    ends: dict[str, float] = {}
    summary = run_batch(config, PLAIN_STEPS, on_step=lambda name: ends.setdefault(name, time.perf_counter()))
    seconds = time.perf_counter() - start
    pages = _snapshot_pages(Path(summary.snapshot_path))
    begins = [start, *ends.values()]
    phases = {name: end - begin for (name, end), begin in zip(ends.items(), begins, strict=False)}  # nothing new: 2
    return {"seconds": seconds, "docs": summary.inputs, "pages": pages, "parsed": summary.parsed,
            "cached": summary.cached, "applications": summary.applications, "failed": summary.failed,
            "warm_up_s": warm_up_s, "phases": phases}


def warm_workers() -> float:
    """Start the worker processes' forkserver with the pipeline's preload, as run_in_workers would; seconds."""
    import multiprocessing

    started = time.perf_counter()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", "pipeline.runtime.preload"])
    probe = context.Process(target=time.sleep, args=(0,))
    probe.start()  # returns once the forkserver has imported the preload, i.e. built the resources
    probe.join()
    return time.perf_counter() - started


def _pdfs(source: str) -> list[Path]:
    return sorted(Path(source).rglob("*.pdf"))


def _snapshot_pages(folder: Path) -> int:
    """Pages of the snapshot's inputs, from its manifest (a skipped or carried input has no result)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return sum(entry.get("pages") or 0 for entry in manifest["inputs"])


MEASURES = {"naive": measure_naive, "floor": measure_floor, "parlq": measure_parlq}
