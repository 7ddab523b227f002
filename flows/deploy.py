"""`parlq serve`: the batch flow (and with --fetch the fetch-and-run flow) as deployments on a Prefect server.

They run on their schedules or on request until Ctrl-C; both take OUT_DIR's run lock, so their
runs, and any `parlq run` on the same OUT_DIR, never publish over each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from prefect import serve
from prefect.deployments.runner import EntrypointType

from flows.arguments import DAILY
from flows.batch import batch_flow
from flows.fetch_flow import deployment_parameters, fetch_and_run_flow
from pipeline.runtime.limits import Limits


@dataclass(frozen=True)
class FetchDeployment:
    """The fetch-and-run deployment: its schedule, where a first fetch starts, and the services' base."""

    cron: str = DAILY
    first_since: dt.date | None = None
    api_base: str | None = None  # None: PARLQ_API_BASE where the flow runs, else the Parliament's services


def serve_batch(
    source_dir: str,
    out_dir: str,
    *,
    name: str,
    cron: str | None,
    engine: str,
    workers: int,
    use_cache: bool,
    limits: Limits,
    wait_lock: float | None,
    fetch: FetchDeployment | None = None,
) -> None:
    """Register `parlq-batch/<name>` (and with `fetch`, `fetch-and-run/<name>`) and run their flow runs until Ctrl-C.

    Each run starts in its own process (Prefect's runner), found by module path, so the
    deployments work from any folder where parlq is installed.
    """
    run = {
        "engine": engine,
        "workers": workers,
        "use_cache": use_cache,
        "limits": asdict(limits),
        "wait_lock": wait_lock,
    }
    deployments = [
        batch_flow.to_deployment(
            name=name,
            cron=cron,
            parameters={"source_dir": source_dir, "out_dir": out_dir, **run},
            description=f"parlq: every PDF below {source_dir} into a snapshot under {out_dir}",
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
    ]
    if fetch is not None:
        deployments.append(
            fetch_and_run_flow.to_deployment(
                name=name,
                cron=fetch.cron,
                parameters=deployment_parameters(source_dir, out_dir, fetch.first_since, fetch.api_base, run),
                description=f"parlq: fetch the written questions published since the last fetch into {source_dir}, "
                f"then run on them into {out_dir}",
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        )
    serve(*deployments)
