"""Throughput of the batch flow with 1 and 2 worker processes (and on a local Dask cluster).

    python bench/workers.py --docs 200 [--dask] [--repeat 3]

Renders a synthetic corpus (tests/fixtures: render_synthetic) into a temporary folder, starts one
temporary Prefect API, then runs the flow exactly as `parlq run --no-cache --workers N` does, once
per setting, into a fresh OUT_DIR. Throughput is measured over the processing phase (from the end
of discovery to the last document's result, as the progress display sees it), so the fixed start
of a run (imports, the API, Python) does not dilute it; the whole flow's time is shown beside it.
With --repeat, the settings take turns and each keeps its fastest run: on a shared machine the
other load comes and goes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Timing:
    """A progress display that only notes times and pages."""

    started: float = 0.0
    finished: float = 0.0
    documents: int = 0
    pages: int = 0

    def begin(self, total: int) -> None:
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return self.finished - self.started

    def advance(self, result) -> None:
        self.finished = time.perf_counter()
        self.documents += 1
        self.pages += result.n_pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/workers.py", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200, help="documents in the corpus (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic corpus")
    parser.add_argument("--engine", default="pdfplumber", choices=("pdfplumber", "pdfium"))
    parser.add_argument("--dask", action="store_true", help="also measure --dask local (2 worker processes)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per setting, the fastest counts (default 1)")
    args = parser.parse_args(argv)
    # bench/ (this script's folder) must not shadow the standard library in worker processes,
    # which inherit sys.path: a bench/profile.py would stand in for `profile`.
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

    from flows import settings

    settings.apply_defaults()
    from flows.batch import batch_flow
    from flows.server import ApiServer
    from tests.fixtures.generate import render_synthetic

    with tempfile.TemporaryDirectory(prefix="parlq-bench-") as scratch:
        work = Path(scratch)
        render_synthetic(work / "corpus", args.docs, args.seed)
        log = work / "prefect.log"
        server = ApiServer(log)
        try:
            settings.route_logs(log)
            settings_ = [("1 worker", batch_flow, 1), ("2 workers", batch_flow, 2)]
            if args.dask:
                from flows.cluster import dask_runner

                settings_.append(("dask local (2)", batch_flow.with_options(task_runner=dask_runner("local", log)), 2))
            best: dict[str, tuple[Timing, float]] = {}
            with settings.run_settings(server.wait_ready()):
                for attempt in range(args.repeat):
                    for label, flow, workers in settings_:
                        timing = Timing()
                        started = time.perf_counter()
                        flow(source_dir=str(work / "corpus"), out_dir=str(work / f"{label}-{attempt}"),
                             engine=args.engine, workers=workers, use_cache=False, progress=timing)  # fmt: skip
                        total = time.perf_counter() - started
                        if label not in best or timing.seconds < best[label][0].seconds:
                            best[label] = (timing, total)
            rows = [(label, *best[label]) for label, _, _ in settings_]
        finally:
            server.stop()
    _report(rows, args)
    return 0


def _report(rows: list[tuple[str, Timing, float]], args: argparse.Namespace) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"corpus: {args.docs} synthetic documents (seed {args.seed}), engine {args.engine}, "
          f"{os.cpu_count()} cores, load average {load}, fastest of {args.repeat}")  # fmt: skip
    print(f"{'setting':<16}{'documents':>10}{'pages':>8}{'processing s':>14}{'docs/s':>9}{'pages/s':>9}{'flow s':>9}")
    base = None
    for label, timing, total in rows:
        seconds = timing.seconds
        docs_per_s = timing.documents / seconds
        base = base or docs_per_s
        print(f"{label:<16}{timing.documents:>10}{timing.pages:>8}{seconds:>14.1f}{docs_per_s:>9.2f}"
              f"{timing.pages / seconds:>9.1f}{total:>9.1f}   x{docs_per_s / base:.2f}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
