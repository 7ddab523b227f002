"""Whole-process timings: a user's command from start to exit, parlq beside the naive script, in one run.

What a user waits for includes start-up: the interpreter, imports, worker processes, a Prefect
server. Each command runs in a fresh process with a fresh OUT_DIR, the commands in turns (A B C
A B C ...) so that a drift in the machine's speed falls on all of them; the median counts.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAIVE = ROOT / "bench" / "naive.py"
TRIVIAL_FLOW = ROOT / "bench" / "trivial_flow.py"


def measure_whole_runs(one: Path, many: Path, work: Path, repeat: int) -> dict[str, float]:
    """Median wall seconds of each command (label -> seconds), `repeat` runs each, in turns."""
    from flows.server import ApiServer

    plain = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    server = ApiServer(work / "server.log", home=work / "prefect-home")
    try:
        api = server.wait_ready()
        commands: dict[str, Callable[[int], float]] = {
            "naive script, 1 document": lambda n: _timed([sys.executable, str(NAIVE), str(one)], plain),
            "parlq run, 1 document": lambda n: _parlq(one, work / f"one-{n}", plain),
            "parlq run, 1 document, running Prefect server": lambda n: _parlq(
                one, work / f"one-api-{n}", {**plain, "PREFECT_API_URL": api}),
            "trivial Prefect flow (one task that does nothing), running Prefect server": lambda n: _timed(
                [sys.executable, str(TRIVIAL_FLOW)], {**plain, "PREFECT_API_URL": api}),
            "naive script, many documents": lambda n: _timed([sys.executable, str(NAIVE), str(many)], plain),
            "parlq run, many documents, 1 worker": lambda n: _parlq(many, work / f"many1-{n}", plain, "1"),
            "parlq run, many documents, 2 workers": lambda n: _parlq(many, work / f"many2-{n}", plain, "2"),
        }
        _parlq(one, work / "warm", plain)  # the first run pays for the disk cache of the libraries
        seconds: dict[str, list[float]] = {label: [] for label in commands}
        for n in range(repeat):
            for label, run in commands.items():
                seconds[label].append(run(n))
    finally:
        server.stop()
    return {label: statistics.median(values) for label, values in seconds.items()}


def render_whole_runs(medians: dict[str, float], docs: int, pages: int, repeat: int) -> str:
    """The section of the results file: medians, the ratios, and the targets."""
    naive1, naive_many = medians["naive script, 1 document"], medians["naive script, many documents"]
    one, api = medians["parlq run, 1 document"], medians["parlq run, 1 document, running Prefect server"]
    trivial = medians["trivial Prefect flow (one task that does nothing), running Prefect server"]
    w1, w2 = medians["parlq run, many documents, 1 worker"], medians["parlq run, many documents, 2 workers"]
    lines = [
        "## Whole process (from start to exit, fresh OUT_DIR)", "",
        f"Median of {repeat} runs each, the commands in turns; many documents = {docs} documents, {pages} pages.",
        "", "| command | seconds |", "|---|---:|",
        *(f"| {label} | {value:.2f} |" for label, value in medians.items()),
        "", "Targets:",
        _target(f"1 document: `parlq run` / naive script = {one / naive1:.2f}x", one / naive1 <= 4, "at most 4x"),
        _target(f"1 document against a running Prefect server: {api - naive1:.2f} s more than the naive script",
                api - naive1 <= 1.5, "at most 1.5 s more"),
        f"  - for scale: a trivial flow of one task that does nothing costs {trivial - naive1:.2f} s more than the"
        f" naive script; parlq's flow run costs {api - trivial:.2f} s more than the trivial flow",
        _target(f"many documents, 1 worker: {naive_many / w1:.2f}x as fast as the naive script", naive_many / w1 >= 8,
                "at least 8x"),
        _target(f"many documents, 2 workers: {w1 / w2:.2f}x as fast as 1 worker", w1 / w2 >= 1.5, "at least 1.5x"),
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def _target(text: str, met: bool, goal: str) -> str:
    return f"- {text} ({goal}): {'met' if met else 'NOT met'}"


def _parlq(source: Path, out: Path, env: dict[str, str], workers: str = "1") -> float:
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "flows.cli", "run", str(source), "--out", str(out), "--workers", workers,
               "--quiet"]  # fmt: skip
    return _timed(command, env, ok=(0, 1))


def _timed(command: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in ok:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return seconds
