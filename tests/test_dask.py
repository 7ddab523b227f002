"""Dask task runners: which addresses need a shared API, and the local cluster parlq starts.

The runs themselves (`--dask local` gives the serial snapshot, its chunk tasks report to the
run's API) are in test_flows.py, beside the other runners.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flows.cluster import LOCAL, LOCAL_WORKERS, dask_runner, is_remote

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("address", "remote"),
    [
        (LOCAL, False),
        ("tcp://127.0.0.1:8786", False),
        ("tcp://localhost:8786", False),
        ("127.0.0.1:8786", False),
        ("tcp://[::1]:8786", False),
        ("tcp://10.0.0.5:8786", True),
        ("tls://scheduler.internal:8786", True),
        ("scheduler:8786", True),
    ],
)
def test_only_schedulers_on_this_machine_can_share_a_temporary_api(address: str, remote: bool) -> None:
    assert is_remote(address) is remote


def test_local_cluster_has_two_single_threaded_worker_processes_logging_to_the_run(tmp_path: Path) -> None:
    runner = dask_runner(LOCAL, tmp_path / "prefect.log")
    assert runner.cluster_class == "distributed.LocalCluster"
    options = runner.cluster_kwargs
    assert (options["n_workers"], options["threads_per_worker"], options["processes"]) == (LOCAL_WORKERS, 1, True)
    assert [p.log_file for p in options["plugins"]] == [str(tmp_path / "prefect.log")]


def test_an_existing_cluster_is_used_at_its_address() -> None:
    runner = dask_runner("tcp://10.0.0.5:8786")
    assert runner.address == "tcp://10.0.0.5:8786" and runner.cluster_class is None


def test_route_logs_plugin_sends_worker_records_to_the_file(tmp_path: Path) -> None:
    log = tmp_path / "prefect.log"
    code = (
        "import logging, sys; from flows.cluster import RouteLogs; "
        f"RouteLogs({str(log)!r}).setup(None); "
        "logging.getLogger('prefect.task_runs').warning('from a worker'); "
        "logging.getLogger('distributed.worker').warning('dask says')"
    )
    # in a process of its own: the plugin rewires the logging of the process it runs in
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                         check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    text = log.read_text(encoding="utf-8")
    assert "from a worker" in text and "dask says" in text
    assert "from a worker" not in run.stderr and "dask says" not in run.stderr  # not on the terminal
