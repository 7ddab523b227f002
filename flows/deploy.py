"""`parlq serve`: the batch flow as a deployment on a Prefect server, run on a schedule or on request."""

from __future__ import annotations

from dataclasses import asdict

from prefect.deployments.runner import EntrypointType

from flows.batch import batch_flow
from pipeline.runtime.limits import Limits


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
) -> None:
    """Register the deployment `parlq-batch/<name>` with its parameters and run its flow runs until Ctrl-C.

    Each run starts in its own process (Prefect's runner), found by module path, so the
    deployment works from any folder where parlq is installed.
    """
    batch_flow.serve(
        name=name,
        cron=cron,
        parameters={
            "source_dir": source_dir,
            "out_dir": out_dir,
            "engine": engine,
            "workers": workers,
            "use_cache": use_cache,
            "limits": asdict(limits),
            "wait_lock": wait_lock,
        },
        description=f"parlq: every PDF below {source_dir} into a snapshot under {out_dir}",
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
