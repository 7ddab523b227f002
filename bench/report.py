"""The benchmark's report: its rows, the machine's description and which targets are met."""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import psutil

from pipeline.steps import RUN_STEPS

LIBRARIES = ("pdfplumber", "pdfminer.six", "pypdfium2", "spacy", "pandas", "pyarrow", "pandera", "prefect", "psutil")
DEFAULT_ENGINE = "pdfium"  # the engine the targets name "default": the fast one, same dataset


@dataclass(frozen=True)
class Measure:
    """One measurement: what was run, on how much, how long it took and its peak memory."""

    label: str
    docs: int
    pages: int
    seconds: float
    peak_mib: float
    extra: dict

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def docs_per_s(self) -> float:
        return self.docs / self.seconds if self.seconds else 0.0


PHASES = RUN_STEPS  # a run with something new goes through each step of pipeline/steps.py
HEADER = f"{'measurement':52} {'docs':>5} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'docs/s':>7} {'peak MiB':>9}"


def row(m: Measure) -> str:
    """One measurement as a line under HEADER."""
    return (f"{m.label:52} {m.docs:5d} {m.pages:6d} {m.seconds:8.2f} {m.pages_per_s:8.1f} {m.docs_per_s:7.2f} "
            f"{m.peak_mib:9.0f}")


def render_report(
    measures: list[Measure], starts: dict[str, float], docs: int, small: int, seed: int, repeat: int, steps: str,
    ceiling: Sequence[float] = (),
) -> str:
    """The results file: machine, results table with ratios, start costs, step shares and targets."""
    by = {m.label: m for m in measures}
    naive, floor = by["a naive peer (pdfplumber extract_text + regex)"], by["b native floor (pypdfium2 text only)"]
    shown = ", ".join(f"{c:.2f}x" for c in ceiling)
    scaling = [f"- two processes of a pure-Python loop ran this much faster at once than one alone (measured "
               f"between the {DEFAULT_ENGINE} runs): {shown}; the ceiling of a 2-worker ratio at that moment"
               ] if ceiling else []
    lines = [f"# parlq benchmark, {dt.date.today().isoformat()}", "", "## Machine", "", *_machine(), *scaling, "",
             f"## Results ({docs} synthetic documents, seed {seed}; 1% new = {math.ceil(docs * 0.01)} documents; "
             f"fastest of {repeat} run{'s' * (repeat > 1)} per measurement; 1 and 2 workers in turns)", "",
             "| measurement | docs | pages | seconds | pages/s | docs/s | peak RSS MiB | c/a | c/b |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for m in measures:
        ratios = ("", "")
        if m.label.startswith(("c ", "e ")):
            ratios = (f"{m.pages_per_s / naive.pages_per_s:.2f}", f"{m.pages_per_s / floor.pages_per_s:.3f}")
        lines.append(f"| {m.label} | {m.docs} | {m.pages} | {m.seconds:.2f} | {m.pages_per_s:.1f} | "
                     f"{m.docs_per_s:.2f} | {m.peak_mib:.0f} | {ratios[0]} | {ratios[1]} |")
    lines += ["", "c/a: pages/s against the naive peer's; c/b: against the native floor's.", "",
              "## Phases of each parlq run (wall seconds, the fastest run of each measurement)", "",
              "| measurement | " + " | ".join(PHASES) + " |", "|---|" + "---:|" * len(PHASES)]
    for m in measures:
        phases = m.extra.get("phases", {})
        if phases:
            cells = [f"{phases[name]:.3f}" if name in phases else "" for name in PHASES]
            lines.append(f"| {m.label} | " + " | ".join(cells) + " |")
    lines += ["", "plan: check whether LATEST holds the inputs already (then the run stops) and plan the carry; "
              "process: read, clean, segment and extract in the workers; validate: with the accounting check; "
              "publish: tabulate, merge the carried rows, write.", "",
              "## Start costs (wall seconds, fresh processes)", "", "| what | seconds |", "|---|---:|"]
    lines += [f"| {what} | {seconds:.2f} |" for what, seconds in starts.items()]
    lines += ["", "## Where a document's time goes (one process, no workers: bench/profile_pipeline.py)", "",
              "```", steps.strip(), "```"]
    lines += ["", "## Targets", "", *_targets(by, naive, floor, small, ceiling), ""]
    return "\n".join(lines)


def _targets(by: dict[str, Measure], naive: Measure, floor: Measure, small: int, ceiling: Sequence[float]) -> list[str]:
    def c(engine: str, workers: int) -> Measure:
        return by[f"c parlq {engine}, {workers} worker{'s' * (workers > 1)}"]

    default1, default2 = c(DEFAULT_ENGINE, 1), c(DEFAULT_ENGINE, 2)
    plumber1 = c("pdfplumber", 1)
    cached, fresh = by["d rerun, nothing new"], by["d rerun, 1% new"]
    small2 = by[f"e parlq {DEFAULT_ENGINE}, 2 workers, {small} docs"]
    checks = [
        (f"{DEFAULT_ENGINE}, 1 worker >= 5x the naive peer's pages/s",
         default1.pages_per_s >= 5 * naive.pages_per_s, f"{default1.pages_per_s / naive.pages_per_s:.2f}x"),
        (f"{DEFAULT_ENGINE}, 1 worker within 3x of the native floor",
         default1.pages_per_s * 3 >= floor.pages_per_s,
         f"the floor is {floor.pages_per_s / default1.pages_per_s:.1f}x faster"),
        ("pdfplumber engine, 1 worker within 1.3x of the naive peer's time",
         plumber1.seconds <= 1.3 * naive.seconds, f"{plumber1.seconds / naive.seconds:.2f}x the time"),
        (f"{DEFAULT_ENGINE}: 2 workers >= 1.7x 1 worker",
         default2.pages_per_s >= 1.7 * default1.pages_per_s, f"{default2.pages_per_s / default1.pages_per_s:.2f}x"
         + (f"; the machine's own, median: {sorted(ceiling)[len(ceiling) // 2]:.2f}x" if ceiling else "")),
        ("pdfplumber: 2 workers >= 1.7x 1 worker",
         c("pdfplumber", 2).pages_per_s >= 1.7 * plumber1.pages_per_s,
         f"{c('pdfplumber', 2).pages_per_s / plumber1.pages_per_s:.2f}x"),
        ("rerun with nothing new < 5% of the full run (2 workers)",
         cached.seconds < 0.05 * default2.seconds, f"{100 * cached.seconds / default2.seconds:.1f}%"),
        ("rerun with 1% new < 10% of the full run (2 workers)",
         fresh.seconds < 0.10 * default2.seconds, f"{100 * fresh.seconds / default2.seconds:.1f}%"),
        (f"peak RSS of {default2.docs} docs within 1.5x of {small} docs (2 workers)",
         default2.peak_mib <= 1.5 * small2.peak_mib, f"{default2.peak_mib / small2.peak_mib:.2f}x"),
    ]
    return [f"- {'met' if ok else 'NOT met'}: {what} ({detail})" for what, ok, detail in checks]


def _machine() -> list[str]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    memory = psutil.virtual_memory().total / 2**30
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return [f"- CPU: {model}; {os.cpu_count()} cores, {usable} usable; {memory:.1f} GiB RAM",
            f"- load average when the report was written (1, 5, 15 min): {load} (other work skews timings)",
            f"- {platform.platform()}; Python {platform.python_version()}",
            f"- {', '.join(versions)}"]
