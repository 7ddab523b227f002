"""The measurements `bench/run.py` runs, each in a fresh process (`run.py --measure <mode>`).

Each takes the parsed options (source, out, engine, workers, code version) and returns a JSON
object with at least seconds, docs and pages.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from bench.report import PHASES


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
    """What flows/batch.py's flow does, without Prefect: discover, skip or carry, process (the validation
    context built meanwhile in a thread, as the flow submits it), validate, publish.

    The worker processes' forkserver is started and warmed (gazetteer and spaCy built) before the
    clock starts, as a one-off start cost of the run reported apart ("warm_up_s"): the throughput
    is that of the processing, from discovery to the snapshot published, timed by phase (PHASES).
    """
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.runtime.batch import BatchConfig, process_sources
    from pipeline.dataset.carry import plan_carry
    from pipeline.discover.sources import discover_sources, input_files
    from pipeline.runtime.limits import Limits
    from pipeline.read.config import ReadConfig
    from pipeline.runtime.process import ProcessConfig, build_validation_context
    from pipeline.dataset.provenance import code_version, library_versions
    from pipeline.runtime.report import check_accounting, problem_results, summarize_run
    from pipeline.dataset.snapshot import latest_snapshot
    from pipeline.dataset.unchanged import find_unchanged
    from pipeline.validate.checks import validate_results
    from pipeline.dataset.write import publish_snapshot
    from schemas import load_schema

    warm_up_s = warm_workers()
    start = time.perf_counter()
    marks = [start]  # the end of each phase: PHASES

    def mark() -> None:
        marks.append(time.perf_counter())

    limits, schema = Limits(), load_schema()
    version = args.code_version or code_version()
    found = discover_sources(args.source, exclude=(args.out,), limits=limits)
    mark()
    summary = find_unchanged(found, args.out, version, schema, limits)
    if summary is None:
        plan = plan_carry(found, latest_snapshot(Path(args.out)), version, schema, limits)
        todo = tuple(s for s in found.sources if plan is None or s.path not in plan.paths)
        batch = BatchConfig(workers=args.workers, cache_dir=Path(args.out) / "cache", code_version=version,
                            schema_version=schema.version, limits=limits, isolate=True)
        mark()
        with ThreadPoolExecutor(1) as pool:  # as the flow submits it: ready while the documents are processed
            checks = pool.submit(build_validation_context, dt.date.today())
            outcome = process_sources(todo, ProcessConfig(read=ReadConfig(engine=args.engine)), batch)
            mark()
            context = checks.result()
        results = validate_results(outcome.results + problem_results(found), context)
        check_accounting(input_files(found), results, plan)
        mark()
        info = publish_snapshot(results, input_files(found), args.out, schema=schema, code_version=version,
                                library_versions=library_versions(), engine=args.engine, carried=plan)
        summary = summarize_run(found, results, outcome.parsed, outcome.cached, info, plan)
    mark()
    seconds = marks[-1] - start
    pages = _snapshot_pages(Path(summary.snapshot_path))
    phases = {name: end - begin for name, begin, end in zip(PHASES, marks, marks[1:])}  # nothing new: 2 phases
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
