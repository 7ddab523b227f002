"""The fetch-and-run flow: `pipeline.runtime.fetch_run.fetch_and_run` with each step a Prefect task.

Plan the window, fetch it into SOURCES_DIR (pipeline.sources.vlpar), then the batch flow's run on
SOURCES_DIR, all under OUT_DIR's run lock. Each task wraps one pipeline function; the order, the
lock and the choice of the window are the library's. `parlq serve --fetch` deploys it on a daily
schedule (flows/deploy.py).
"""

# No `from __future__ import annotations`: Prefect validates a deployment's parameters against
# the flow's annotations (see flows/batch.py).
import datetime as dt
import os
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.arguments import report_sources
from flows.batch import leave_artifacts, task_steps
from flows.fetch_command import API_BASE_VARIABLE, CONTACT_VARIABLE, parlq_version
from pipeline.runtime.fetch_run import FetchRequest, FetchRunSummary, FetchSteps, fetch_and_run
from pipeline.runtime.limits import Limits
from pipeline.runtime.run import RunConfig
from pipeline.sources.vlpar.config import DEFAULT_API_BASE, FetchConfig
from pipeline.sources.vlpar.fetch import FetchSummary, fetch_window, plan_window

FLOW_NAME = "fetch-and-run"
FETCH_SUMMARY_KEY = "parlq-fetch-summary"

plan = task(plan_window, name="plan-window", cache_policy=NO_CACHE)
fetch = task(fetch_window, name="fetch", cache_policy=NO_CACHE)  # no retries: the client retries each request


@flow(name=FLOW_NAME, log_prints=False)
def fetch_and_run_flow(
    sources_dir: str,
    out_dir: str,
    first_since: dt.date | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    overlap_days: int = 45,
    api_base: str | None = None,
    connections: int = 2,
    pause: float = 0.5,
    engine: str = "pdfium",
    workers: int | None = None,
    use_cache: bool = True,
    limits: Limits | None = None,
    wait_lock: float | None = None,
) -> FetchRunSummary:
    """Fetch what was published since the last fetch into `sources_dir`, then run on it into `out_dir`.

    `first_since`: where a first fetch starts (later ones go on from the last). `api_base`
    (default: PARLQ_API_BASE, else the Parliament's services). OUT_DIR's lock is held for both,
    waiting up to `wait_lock` seconds (None: as long as it takes). The fetch and run summaries,
    the failures and the report are left as artifacts.
    """
    config = FetchConfig(
        sources_dir=Path(sources_dir),
        api_base=api_base or os.environ.get(API_BASE_VARIABLE) or DEFAULT_API_BASE,
        version=parlq_version(),
        contact=os.environ.get(CONTACT_VARIABLE, ""),
        connections=connections,
        pause_s=pause,
    )
    run = RunConfig(sources_dir, out_dir, engine, workers or os.cpu_count() or 1, use_cache, limits or Limits(),
                    link_sources=report_sources(sources_dir) is not None)  # fmt: skip
    request = FetchRequest(since=since, until=until, overlap_days=overlap_days, first_since=first_since)
    summary = fetch_and_run(config, request, run, task_steps(), FetchSteps(plan=plan, fetch=fetch),
                            wait_lock=wait_lock)  # fmt: skip
    create_markdown_artifact(fetch_markdown(summary.fetch), key=FETCH_SUMMARY_KEY, description="parlq fetch summary")
    leave_artifacts(summary.run, out_dir)
    return summary


def fetch_markdown(summary: FetchSummary) -> str:
    """The fetch summary artifact: the window, what was found, downloaded and unchanged, and each failure."""
    rows = [
        ("written questions found", summary.found),
        ("complete", summary.questions),
        ("files downloaded", summary.downloaded),
        ("files unchanged", summary.unchanged),
        ("failures", len(summary.failures)),
    ]
    lines = [f"# parlq fetch: {summary.window.since}..{summary.window.until}", ""]
    lines += ["| | |", "|---|---:|", *(f"| {label} | {value} |" for label, value in rows)]
    if summary.failures:
        lines += ["", "| item | kind | message |", "|---|---|---|"]
        lines += [f"| {_cell(f.item)} | {f.kind} | {_cell(f.message)} |" for f in summary.failures]
    return "\n".join(lines) + "\n"


def deployment_parameters(
    sources_dir: str, out_dir: str, first_since: dt.date | None, api_base: str | None, run: dict[str, object]
) -> dict[str, object]:
    """The deployment's parameters: where from and to, where a first fetch starts, and the run's options."""
    return {
        "sources_dir": sources_dir,
        "out_dir": out_dir,
        "first_since": first_since.isoformat() if first_since else None,
        "api_base": api_base,
        **run,
    }


def _cell(text: str) -> str:
    # a message from the network must not break the table (or add markup to it)
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")

