"""`parlq serve` against a real `prefect server start`: one triggered run, read back from the server's API."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from flows.batch import FAILURES_KEY, SUMMARY_KEY
from pipeline.dataset.snapshot import LATEST

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sources" / "schriftelijke-vraag-12-2021-10-01.pdf"
CRON = "0 6 * * 1-5"
DEPLOYMENT = "parlq-test"


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """This session's PREFECT_HOME (migrated once) and nothing else of Prefect's."""
    home = tmp_path_factory.getbasetemp() / "prefect-home"
    home.mkdir(exist_ok=True)
    own = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return {
        **own,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PYTHONPATH": str(REPO),
    }


@pytest.fixture(scope="module")
def server(environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`prefect server start` on a free port of 127.0.0.1; yields its API URL; stopped by PID, also on failure."""
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    api = f"http://127.0.0.1:{port}/api"
    try:
        _wait(lambda: process.poll() is not None or _answers(f"{api}/health"), 180, "the Prefect server to start")
        assert process.poll() is None, log.read_text(errors="replace")
        yield api
    finally:
        _stop(process)


@pytest.mark.slow  # `prefect server start` and `parlq serve`, then a flow run
def test_served_deployment_runs_and_leaves_artifacts(
    server: str, environment: dict[str, str], tmp_path: Path
) -> None:
    source, out = tmp_path / "sources", tmp_path / "out"
    source.mkdir()
    shutil.copy(SAMPLE, source / SAMPLE.name)
    serve_log = tmp_path / "serve.log"
    with open(serve_log, "wb") as output:
        serving = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "serve", str(source), "--out", str(out), "--cron", CRON,
             "--name", DEPLOYMENT, "--workers", "1"],
            cwd=REPO, env={**environment, "PREFECT_API_URL": server}, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deployment_url = f"{server}/deployments/name/parlq-batch/{DEPLOYMENT}"
        _wait(lambda: serving.poll() is not None or _answers(deployment_url), 120, "the deployment")
        assert serving.poll() is None, serve_log.read_text(errors="replace")
        deployment = httpx.get(deployment_url).json()
        assert [s["schedule"]["cron"] for s in deployment["schedules"]] == [CRON]
        assert deployment["parameters"]["source_dir"] == str(source)

        created = httpx.post(f"{server}/deployments/{deployment['id']}/create_flow_run", json={})
        assert created.status_code == 201, f"{created.status_code}: {created.text[:2000]}"  # say why, if it fails
        flow_run = created.json()["id"]
        state = {}

        def finished() -> bool:
            state.update(httpx.get(f"{server}/flow_runs/{flow_run}").json()["state"])
            return state["type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}

        _wait(finished, 300, "the flow run")
        assert state["type"] == "COMPLETED", serve_log.read_text(errors="replace")
    finally:
        _stop(serving)

    snapshot_id = (out / LATEST).read_text().strip()
    found = httpx.post(f"{server}/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [flow_run]}}}).json()
    artifacts = {a["key"]: a for a in found}
    assert set(artifacts) == {SUMMARY_KEY, FAILURES_KEY}
    summary = artifacts[SUMMARY_KEY]["data"]
    assert snapshot_id in summary and "| documents processed (new) | 1 |" in summary
    assert "| applications | 20 |" in summary
    assert artifacts[FAILURES_KEY]["type"] == "table"


def test_serve_without_a_server_is_a_usage_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    run = subprocess.run(
        [sys.executable, "-m", "flows.cli", "serve", str(tmp_path), "--out", str(tmp_path / "out")],
        cwd=REPO, env={**env, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 2 and "PREFECT_API_URL" in run.stderr and "parlq server" in run.stderr


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _wait(done: Callable[[], bool], safety_net_s: float, what: str) -> None:
    """Poll `done` until it holds: the server, the deployment and the flow run say so only when asked.

    The deadline is a safety net so that the test cannot hang, not a speed limit.
    """
    deadline = time.monotonic() + safety_net_s
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {safety_net_s:g} s for {what}")
        time.sleep(0.5)  # the pause between two polls


def _stop(process: subprocess.Popen) -> None:
    """Stop a process we started, by its PID: SIGTERM, then SIGKILL after a grace period."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
