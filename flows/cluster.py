"""Dask task runners for `parlq run --dask ADDRESS`: an existing cluster, or `local` (a LocalCluster).

Task runs on Dask workers report to the flow's Prefect API: prefect-dask sends the flow's
settings with every task, and parlq puts the API's URL in the environment the local cluster's
workers start with, so no worker starts a Prefect server of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from distributed.diagnostics.plugin import WorkerPlugin

if TYPE_CHECKING:
    from prefect_dask import DaskTaskRunner

LOCAL = "local"
LOCAL_WORKERS = 2
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def dask_runner(address: str, log_file: Path | None = None) -> DaskTaskRunner:
    """A runner on the scheduler at `address`, or on a new LocalCluster of 2 processes for `local`.

    The local cluster's workers log to `log_file` (when given), like the rest of the run.
    """
    from prefect_dask import DaskTaskRunner  # imports prefect: only once a run is under way
    if address != LOCAL:
        return DaskTaskRunner(address=address)
    cluster = {
        "n_workers": LOCAL_WORKERS,
        "threads_per_worker": 1,  # parsing holds the GIL: processes, not threads, run in parallel
        "processes": True,
        "dashboard_address": None,
    }
    if log_file is not None:
        cluster["plugins"] = {RouteLogs(str(log_file))}
    return DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs=cluster)


def is_remote(address: str) -> bool:
    """True for a scheduler on another machine: its workers cannot reach an API on 127.0.0.1."""
    if address == LOCAL:
        return False
    host = urlsplit(address if "://" in address else f"tcp://{address}").hostname
    return host not in _LOOPBACK


class RouteLogs(WorkerPlugin):
    """Sends a local worker's log records to the run's log file instead of the terminal."""

    def __init__(self, log_file: str) -> None:
        self.log_file = log_file

    def setup(self, worker: object) -> None:
        import prefect  # noqa: F401 - configures Prefect's logging, which route_logs then redirects

        from flows.settings import route_logs

        route_logs(Path(self.log_file))
