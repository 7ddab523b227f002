"""One process, no workers: `process_document` over the first documents of the benchmark corpus.

    python -m cProfile -o /tmp/parlq.prof bench/profile_pipeline.py --docs 60 --engine pdfium

Prints pages/s and the share of each pipeline step (read, clean+parse, extract, other) measured
with a wall clock around the step functions, so the profile can be read against it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.model.records import SourceFile  # noqa: E402
from pipeline.read.config import ReadConfig  # noqa: E402
from pipeline.runtime.batch import process_resources  # noqa: E402
from pipeline.runtime.process import ProcessConfig, process_document, sha256_of  # noqa: E402
from pipeline.steps import DOCUMENT_STEPS, replace_step  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/profile_pipeline.py", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--engine", choices=("pdfium", "pdfplumber"), default="pdfium")
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "corpus" / "seed-0")
    args = parser.parse_args(argv)
    paths = sorted(args.corpus.glob("*.pdf"))[: args.docs]
    if not paths:
        parser.error(f"no PDFs in {args.corpus}: run bench/run.py first")
    spent: dict[str, float] = defaultdict(float)
    steps = DOCUMENT_STEPS
    for step in DOCUMENT_STEPS:  # a wall clock around each declared step
        steps = replace_step(steps, step.name, _timed(step.func, step.name, spent))
    resources = process_resources()
    config = ProcessConfig(read=ReadConfig(engine=args.engine))
    start, pages = time.perf_counter(), 0
    for path in paths:
        data = path.read_bytes()
        source = SourceFile(path=path.name, location=str(path), sha256=sha256_of(data), size=len(data))
        pages += process_document(source, data, config, resources, steps).n_pages
    total = time.perf_counter() - start
    print(f"{len(paths)} documents, {pages} pages in {total:.2f} s: {pages / total:.1f} pages/s ({args.engine})")
    for step, seconds in spent.items():
        print(f"  {step:8} {seconds:7.2f} s  {100 * seconds / total:5.1f}%  {1000 * seconds / pages:6.2f} ms/page")
    return 0


def _timed(function, step: str, spent: dict[str, float]):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[step] += time.perf_counter() - start

    return wrapper


if __name__ == "__main__":
    sys.exit(main())
