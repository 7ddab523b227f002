"""Fetch, then run: the written questions published since the last fetch into SOURCES_DIR, then a run on it.

`fetch_and_run` holds the logic once, like `run_batch`: who carries out each step is the
caller's (`FetchSteps` and `RunSteps`: the pipeline functions, or a flow's tasks of them). The
run only does new work (the cache, rows carried over from LATEST, "nothing new"), so the
documents the fetch added or changed, and those whose sidecar changed, are what it processes.

OUT_DIR's run lock (`pipeline.runtime.lock`) is held from before the fetch until the run has
published: a `parlq run` or another deployment run on the same OUT_DIR never reads SOURCES_DIR
while the fetch is rewriting a document and its sidecar, and never publishes in between.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from pipeline.model.records import RunSummary
from pipeline.runtime.lock import hold_lock
from pipeline.runtime.run import RunConfig, RunSteps, run_batch
from pipeline.sources.vlpar.config import FetchConfig, Window
from pipeline.sources.vlpar.fetch import FetchSummary, fetch_window, plan_window
from pipeline.sources.vlpar.files import read_state
from pipeline.storage import is_url


@dataclass(frozen=True)
class FetchRequest:
    """Which window to fetch: `since` if given; else from the last fetch's end minus `overlap_days`.

    `first_since` is where a first fetch starts (no state yet), so a scheduled deployment does not
    fetch from that date again every day.
    """

    since: dt.date | None = None
    until: dt.date | None = None
    overlap_days: int = 45
    first_since: dt.date | None = None

    def __post_init__(self) -> None:
        if self.overlap_days < 0:
            raise ValueError("the overlap cannot be negative")


@dataclass(frozen=True)
class FetchSteps:
    """Who plans and fetches: the pipeline functions, or a flow's tasks of them."""

    plan: Callable[[FetchConfig, dt.date | None, dt.date | None, int, dt.date], Window]
    fetch: Callable[[FetchConfig, Window], FetchSummary]


PLAIN_FETCH_STEPS = FetchSteps(plan=plan_window, fetch=fetch_window)


@dataclass(frozen=True)
class FetchRunSummary:
    fetch: FetchSummary
    run: RunSummary


def fetch_and_run(
    fetch: FetchConfig,
    request: FetchRequest,
    run: RunConfig,
    steps: RunSteps,
    fetch_steps: FetchSteps = PLAIN_FETCH_STEPS,
    *,
    wait_lock: float | None = 0.0,
    today: dt.date | None = None,
) -> FetchRunSummary:
    """Fetch the window `request` names into `fetch.sources_dir`, then run on it, under OUT_DIR's lock.

    The run goes on after a fetch with failed items (they are in the fetch summary; what was
    fetched completely is processed). MissingSince, FetchLocked and LockHeld stop it before anything is written.
    """
    if Path(run.source_dir).resolve() != fetch.sources_dir.resolve():
        raise ValueError(f"the run reads {run.source_dir}, the fetch writes {fetch.sources_dir}: give one folder")
    since = request.since
    if since is None and read_state(fetch.vlpar_dir) is None:
        since = request.first_since  # a first fetch; afterwards, the state says where to go on
    local = not is_url(run.out_dir)
    if local:
        Path(run.out_dir).mkdir(parents=True, exist_ok=True)
    with hold_lock(Path(run.out_dir), wait_lock) if local else nullcontext():
        window = fetch_steps.plan(fetch, since, request.until, request.overlap_days, today or dt.date.today())
        fetched = fetch_steps.fetch(fetch, window)
        summary = run_batch(run, steps, locked=local)
    return FetchRunSummary(fetch=fetched, run=summary)
