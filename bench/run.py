"""Throughput benchmark of parlq against a naive peer and the native floor, on one generated corpus.

    python bench/run.py --docs 500

Renders (once, cached in bench/corpus/) a synthetic corpus with the project's fixture generator,
then measures, each in a fresh process whose whole process tree is sampled for peak RSS:
(a) the naive peer: pdfplumber extract_text and a regex split of numbered items, nothing written;
(b) the native floor: pypdfium2 text extraction alone;
(c) parlq end to end (discover, read, clean, segment, extract, validate, write) per engine with
    1 and 2 workers, through the pipeline's functions as the flow calls them (no Prefect), timed
    from discovery to the snapshot published once the workers' forkserver is warm;
    a one-document `parlq run` for the start cost, and the bare import time of the stack;
(d) a rerun with nothing new (LATEST already holds it) and one with 1% new documents (the others
    carried over from the previous snapshot);
(e) whole processes, as a user waits for them (bench/whole.py): the naive script and `parlq run`
    on one document and on --many documents (1 and 2 workers), and one document against a running
    Prefect server beside Prefect's own floor there (bench/trivial_flow.py: one task that does
    nothing). `--whole-only` measures this part alone.
Prints a table and writes bench/results/<date>.md with the machine's description.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
CORPUS = BENCH / "corpus"
RESULTS = BENCH / "results"
STACK = ("pdfplumber", "pypdfium2", "spacy", "pandas", "pyarrow", "prefect")
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the repository is not
    sys.path.insert(0, str(ROOT))

from bench.report import DEFAULT_ENGINE, HEADER, Measure, render_report, row  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=500, help="documents in the corpus (default 500)")
    parser.add_argument("--small", type=int, default=50, help="documents of the small run for peak RSS (50)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic corpus")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest counts")
    parser.add_argument("--many", type=int, default=160, help="documents of the whole-process runs (160)")
    parser.add_argument("--whole-only", action="store_true",
                        help="only the whole-process runs (start to exit, beside the naive script)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one measurement in this process
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default=DEFAULT_ENGINE, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--code-version", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        # the repository, not bench/, on the path: worker processes inherit it
        sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != BENCH]
        from bench.measures import MEASURES

        print(json.dumps(MEASURES[args.measure](args)))
        return 0
    if args.whole_only:
        return run_whole(args.docs, args.small, args.seed, max(3, args.repeat), args.many)
    return run_benchmark(args.docs, args.small, args.seed, max(1, args.repeat), args.many)


def run_whole(docs: int, small: int, seed: int, repeat: int, many: int) -> int:
    """Only the whole-process section (bench/whole.py); written to bench/results/<date>-whole.md."""
    sources = prepare_sources(docs, small, seed, many)
    work = Path(tempfile.mkdtemp(prefix="parlq-bench-"))
    try:
        section = _whole_section(sources, work, repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{dt.date.today().isoformat()}-whole.md"
    path.write_text(f"# parlq whole-process benchmark, {dt.date.today().isoformat()}\n\n{section}", encoding="utf-8")
    print(section + f"\nwritten to {path.relative_to(ROOT)}")
    return 0


def _whole_section(sources: dict[str, Path], work: Path, repeat: int) -> str:
    from bench.whole import measure_whole_runs, render_whole_runs

    many = sorted(sources["many"].rglob("*.pdf"))
    pages = sum(_page_count(path) for path in many)
    medians = measure_whole_runs(sources["one"], sources["many"], work / "whole", repeat)
    return render_whole_runs(medians, len(many), pages, repeat)


def _page_count(path: Path) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        return len(document)
    finally:
        document.close()


def run_benchmark(docs: int, small: int, seed: int, repeat: int = 1, many: int = 160) -> int:
    sources = prepare_sources(docs, small, seed, many)
    from pipeline.dataset.provenance import code_version

    version = code_version()  # one for every measurement: the cache stays valid while the code is edited
    work = Path(tempfile.mkdtemp(prefix="parlq-bench-"))
    measures: list[Measure] = []
    ceiling: list[float] = []  # what the machine itself gives 2 processes, between the runs of the default engine

    def run(label: str, mode: str, source: str, out: str | None, n: int, **options) -> Measure:
        # a fresh OUT_DIR per repetition (else the cache answers)
        return measure(label, mode, sources[source], version, out=work / f"{out}-{n}" if out else None, **options)

    def record(label: str, runs: list[Measure]) -> None:
        # the fastest run counts; RSS: the highest
        fastest = min(runs, key=lambda m: m.seconds)
        measures.append(Measure(label, fastest.docs, fastest.pages, fastest.seconds, max(m.peak_mib for m in runs),
                                fastest.extra))
        print(row(measures[-1]), flush=True)

    def step(label: str, mode: str, source: str, out: str | None = None, **options) -> None:
        record(label, [run(label, mode, source, out, n, **options) for n in range(repeat)])

    def rerun(label: str, source: str, out: str, **options) -> None:
        # each repetition on its own copy of the first full 2-worker run's OUT_DIR (a rerun changes it)
        runs = []
        for n in range(repeat):
            shutil.copytree(work / f"{DEFAULT_ENGINE}-2-0", work / f"{out}-{n}")
            runs.append(run(label, "parlq", source, out, n, **options))
        record(label, runs)

    try:
        print(HEADER, flush=True)
        step("a naive peer (pdfplumber extract_text + regex)", "naive", "full")
        step("b native floor (pypdfium2 text only)", "floor", "full")
        for engine in ("pdfium", "pdfplumber"):
            # 1 and 2 workers in turns, so that a drift in the machine's speed (a shared host) falls on both
            labels = {workers: f"c parlq {engine}, {workers} worker{'s' * (workers > 1)}" for workers in (1, 2)}
            runs: dict[int, list[Measure]] = {1: [], 2: []}
            for n in range(repeat):
                for workers in (1, 2):
                    runs[workers].append(run(labels[workers], "parlq", "full", f"{engine}-{workers}", n,
                                             engine=engine, workers=workers))
                if engine == DEFAULT_ENGINE:
                    ceiling.append(parallel_ceiling())
            for workers in (1, 2):
                record(labels[workers], runs[workers])
        rerun("d rerun, nothing new", "full", "rerun-same", engine=DEFAULT_ENGINE, workers=2)
        rerun("d rerun, 1% new", "plus_new", "rerun-new", engine=DEFAULT_ENGINE, workers=2)
        for workers in (1, 2):
            label = f"e parlq {DEFAULT_ENGINE}, {workers} worker{'s' * (workers > 1)}, {small} docs"
            step(label, "parlq", "small", out=f"small-{workers}", engine=DEFAULT_ENGINE, workers=workers)
        starts = start_costs(sources["one"], work)
        warm = [m.extra["warm_up_s"] for m in measures if "warm_up_s" in m.extra]
        starts["worker warm-up before the first document (forkserver builds gazetteer + spaCy), median"] = (
            sorted(warm)[len(warm) // 2])
        steps = step_shares(min(docs, 150))
        whole = _whole_section(sources, work, max(3, repeat))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = render_report(measures, starts, docs, small, seed, repeat, steps, ceiling) + "\n" + whole
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{dt.date.today().isoformat()}.md"
    path.write_text(report, encoding="utf-8")
    print("\n" + report.split("## Targets", 1)[1].strip() if "## Targets" in report else "")
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return 0


# --- corpus -----------------------------------------------------------------------------------


def prepare_sources(docs: int, small: int, seed: int, many: int = 160) -> dict[str, Path]:
    """Folders of hard links into the rendered corpus: full, small, many, one document, full + 1% new."""
    sys.path.insert(0, str(ROOT))
    rendered = _rendered(CORPUS / f"seed-{seed}", max(docs, many), seed)
    new_count = max(1, math.ceil(docs * 0.01))
    fresh = _rendered(CORPUS / f"seed-{seed + 1}", new_count, seed + 1)
    runs = CORPUS / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    folders = {
        "full": {"": rendered[:docs]},
        "small": {"": rendered[:small]},
        "many": {"": rendered[:many]},
        "one": {"": rendered[:1]},
        "plus_new": {"": rendered[:docs], "new": fresh[:new_count]},
    }
    for name, parts in folders.items():
        for sub, files in parts.items():
            target = runs / name / sub
            target.mkdir(parents=True, exist_ok=True)
            for file in files:
                _link(file, target / file.name)
    return {name: runs / name for name in folders}


def _rendered(folder: Path, count: int, seed: int) -> list[Path]:
    from tests.fixtures.generate import render_synthetic

    pdfs = sorted(folder.glob("*.pdf"))
    if len(pdfs) < count:  # the same seed renders the same documents: a larger corpus extends a smaller
        print(f"rendering {count} synthetic documents into {folder.relative_to(ROOT)} ...", flush=True)
        shutil.rmtree(folder, ignore_errors=True)
        render_synthetic(folder, count, seed)
        pdfs = sorted(folder.glob("*.pdf"))
    return pdfs[:count]


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


# --- measuring --------------------------------------------------------------------------------


def measure(label: str, mode: str, source: Path, version: str, out: Path | None = None,
            engine: str = DEFAULT_ENGINE, workers: int = 1) -> Measure:
    """Run one measurement in a fresh process; sample the RSS of its whole process tree."""
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", mode, "--source", str(source),
               "--engine", engine, "--workers", str(workers), "--code-version", version]
    if out is not None:
        command += ["--out", str(out)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    peak = _watch(child.pid)
    stdout, stderr = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"{label} failed:\n{stderr[-3000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    return Measure(label, result.pop("docs"), result.pop("pages"), result.pop("seconds"), peak / 2**20, result)


def _watch(pid: int) -> int:
    """Peak of the summed RSS of a process and all its descendants, sampled every 50 ms."""
    peak = 0
    try:
        root = psutil.Process(pid)
        while root.is_running() and root.status() != psutil.STATUS_ZOMBIE:
            total = 0
            for process in [root, *root.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, total)
            time.sleep(0.05)
    except psutil.Error:
        pass
    return peak


def start_costs(one_doc: Path, work: Path) -> dict[str, float]:
    """Wall seconds of a one-document `parlq run` per engine, and of importing each library alone."""
    costs: dict[str, float] = {}
    for engine in ("pdfium", "pdfplumber"):
        out = work / f"one-{engine}"
        command = [sys.executable, "-m", "flows.cli", "run", str(one_doc), "--out", str(out), "--workers", "1",
                   "--engine", engine, "--quiet"]
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        costs[f"parlq run, 1 document, {engine}"] = time.perf_counter() - start
    base = min(_timed([sys.executable, "-c", "pass"]) for _ in range(3))
    for module in STACK:
        costs[f"import {module}"] = min(_timed([sys.executable, "-c", f"import {module}"]) for _ in range(2)) - base
    costs["import the whole stack"] = _timed([sys.executable, "-c", "import " + ", ".join(STACK)]) - base
    return costs


def parallel_ceiling(rounds: int = 2) -> float:
    """How much faster two processes of a pure-Python loop finish together than one alone (median of
    `rounds`): the most 2 workers can give on this machine at the moment (a virtual machine's two
    cores are not always two cores' worth)."""
    import multiprocessing

    ratios = []
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for _ in range(rounds):
            alone = _spin()
            started = time.perf_counter()
            pool.map(_spin, [None, None])
            ratios.append(2 * alone / (time.perf_counter() - started))
    return sorted(ratios)[len(ratios) // 2]


def _spin(_: object = None) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(8_000_000):
        total += i * i % 7
    return time.perf_counter() - started


def step_shares(docs: int) -> str:
    """The per-step wall clock of process_document in one process, per engine."""
    outputs = []
    for engine in ("pdfium", "pdfplumber"):
        command = [sys.executable, str(BENCH / "profile_pipeline.py"), "--docs", str(docs), "--engine", engine]
        outputs.append(subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    return "\n".join(outputs)


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
