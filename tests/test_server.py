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
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest

from flows.batch import FAILURES_KEY, REPORT_KEY, SUMMARY_KEY
from pipeline.dataset.snapshot import LATEST, SNAPSHOTS, read_latest, validate_snapshot
from pipeline.runtime.lock import LOCK_NAME, hold_lock

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
    source, out = _sources(tmp_path), tmp_path / "out"
    with _serving(source, out, DEPLOYMENT, server, environment, tmp_path / "serve.log") as deployment:
        assert [s["schedule"]["cron"] for s in deployment["schedules"]] == [CRON]
        assert deployment["parameters"]["source_dir"] == str(source)
        flow_run, state = _run_deployment(server, deployment)
        assert state["type"] == "COMPLETED", (tmp_path / "serve.log").read_text(errors="replace")

    snapshot_id = (out / LATEST).read_text().strip()
    found = httpx.post(f"{server}/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [flow_run]}}}).json()
    artifacts = {a["key"]: a for a in found}
    assert set(artifacts) == {SUMMARY_KEY, FAILURES_KEY, REPORT_KEY}
    assert (out / "report.html").as_uri() in artifacts[REPORT_KEY]["data"]
    summary = artifacts[SUMMARY_KEY]["data"]
    assert snapshot_id in summary and "| documents processed (new) | 1 |" in summary
    assert "| applications | 20 |" in summary
    assert artifacts[FAILURES_KEY]["type"] == "table"


@pytest.mark.slow  # a Prefect server, `parlq serve` and `parlq run` at once
def test_a_scheduled_run_and_a_cli_run_never_publish_over_each_other(
    server: str, environment: dict[str, str], tmp_path: Path
) -> None:
    source, out = _sources(tmp_path), tmp_path / "out"
    out.mkdir()
    env = {**environment, "PREFECT_API_URL": server}
    cli = [sys.executable, "-m", "flows.cli", "run", str(source), "--out", str(out), "--workers", "1", "--quiet"]
    with _serving(source, out, "parlq-lock", server, environment, tmp_path / "serve.log") as deployment:
        # Whoever holds OUT_DIR's lock, every way of starting a run respects it.
        with hold_lock(out):
            _, state = _run_deployment(server, deployment, {"wait_lock": 0})
            assert state["type"] == "FAILED" and "another parlq run is using" in state["message"], state
            refused = subprocess.run(cli, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
            assert refused.returncode == 2 and "another parlq run is using" in refused.stderr, refused.stderr
        assert not (out / LATEST).exists()  # neither of them wrote anything

        # Both at once, for real: one publishes, the other waits for the lock and finds it done.
        created = _create_flow_run(server, deployment, {})
        waiting = subprocess.Popen([*cli, "--wait-lock"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)  # fmt: skip
        printed, errors = waiting.communicate(timeout=300)
        state = _finished(server, created)
    assert waiting.returncode == 0, errors
    assert state["type"] == "COMPLETED", (tmp_path / "serve.log").read_text(errors="replace")
    assert validate_snapshot(out) == []
    assert [p.name for p in (out / SNAPSHOTS).iterdir()] == [read_latest(out)]  # one snapshot, no leftovers
    assert not (out / LOCK_NAME).exists()


@pytest.mark.slow  # a Prefect server, `parlq serve --fetch`, two flow runs of fetch-and-run
def test_served_fetch_and_run_fetches_daily_under_the_run_lock(
    server: str, environment: dict[str, str], tmp_path: Path
) -> None:
    import datetime as dt

    import pyarrow.parquet as pq

    from flows.arguments import DAILY
    from tests.fixtures.vlpar_server import Item, ServedFile, VlparServer

    imitation = VlparServer().start()
    imitation.add(Item(1593746, dt.date(2021, 9, 6), "2021-2022", [ServedFile(1750123, SAMPLE.read_bytes())]))
    source, out = tmp_path / "sources", tmp_path / "out"
    source.mkdir()
    out.mkdir()
    options = ("--fetch", "--since", "2021-09-01", "--api-base", imitation.base)
    try:
        with _serving(source, out, "parlq-fetch", server, environment, tmp_path / "serve.log", *options):
            url = f"{server}/deployments/name/fetch-and-run/parlq-fetch"
            _wait(lambda: _answers(url), 120, "the fetch-and-run deployment")  # served after parlq-batch's
            deployment = httpx.get(url).json()
            assert [s["schedule"]["cron"] for s in deployment["schedules"]] == [DAILY]
            assert deployment["parameters"]["first_since"] == "2021-09-01"
            with hold_lock(out):  # the fetch waits for the run lock too: nothing is fetched meanwhile
                _, state = _run_deployment(server, deployment, {"wait_lock": 0})
                assert state["type"] == "FAILED" and "another parlq run is using" in state["message"], state
            assert imitation.requests == []
            _, state = _run_deployment(server, deployment, {"until": "2021-09-30"})
            assert state["type"] == "COMPLETED", (tmp_path / "serve.log").read_text(errors="replace")
    finally:
        imitation.stop()
    assert validate_snapshot(out) == []
    (row,) = pq.read_table(out / "current" / "documents.parquet").to_pylist()
    assert (row["vlpar_id"], row["questioner"]) == ("1593746", "Chris Janssens")


@pytest.mark.slow  # starts a Prefect server
def test_parlq_server_stopped_by_sigterm_stops_the_server_it_started(environment: dict[str, str]) -> None:
    port = _free_port()
    parlq = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "server", "--port", str(port)], cwd=REPO, env=environment,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        health = f"http://127.0.0.1:{port}/api/health"
        _wait(lambda: parlq.poll() is not None or _answers(health), 180, "the Prefect server to start")
        started = psutil.Process(parlq.pid).children(recursive=True)
        assert started and parlq.poll() is None
        parlq.send_signal(signal.SIGTERM)  # as a service manager stops it
        parlq.wait(60)
        gone, alive = psutil.wait_procs(started, timeout=60)
        assert not alive, f"left running: {[p.cmdline() for p in alive]}"
        assert not _answers(health)
    finally:
        _stop(parlq)


def test_serve_without_a_server_is_a_usage_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    run = subprocess.run(
        [sys.executable, "-m", "flows.cli", "serve", str(tmp_path), "--out", str(tmp_path / "out")],
        cwd=REPO, env={**env, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 2 and "PREFECT_API_URL" in run.stderr and "parlq server" in run.stderr


def _sources(tmp_path: Path) -> Path:
    source = tmp_path / "sources"
    source.mkdir()
    shutil.copy(SAMPLE, source / SAMPLE.name)
    return source


@contextmanager
def _serving(
    source: Path, out: Path, name: str, server: str, environment: dict[str, str], log: Path, *options: str
) -> Iterator[dict]:
    """`parlq serve` for the deployment `name`, stopped on the way out; yields the deployment as the API has it."""
    with open(log, "wb") as output:
        serving = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "serve", str(source), "--out", str(out), "--cron", CRON,
             "--name", name, "--workers", "1", *options],
            cwd=REPO, env={**environment, "PREFECT_API_URL": server}, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        url = f"{server}/deployments/name/parlq-batch/{name}"
        _wait(lambda: serving.poll() is not None or _answers(url), 120, "the deployment")
        assert serving.poll() is None, log.read_text(errors="replace")
        yield httpx.get(url).json()
    finally:
        _stop(serving)


def _run_deployment(server: str, deployment: dict, parameters: dict | None = None) -> tuple[str, dict]:
    """Start a flow run of the deployment and wait until it has finished: its id and final state."""
    flow_run = _create_flow_run(server, deployment, parameters or {})
    return flow_run, _finished(server, flow_run)


def _create_flow_run(server: str, deployment: dict, parameters: dict) -> str:
    answers: list[httpx.Response] = []

    def created() -> bool:
        # A busy SQLite database answers 503 ("Service Unavailable"): Prefect's clients retry it, so do we.
        answers.append(httpx.post(f"{server}/deployments/{deployment['id']}/create_flow_run",
                                  json={"parameters": parameters}))  # fmt: skip
        return answers[-1].status_code != 503

    _wait(created, 60, "the server to accept a flow run")
    answer = answers[-1]
    assert answer.status_code == 201, f"{answer.status_code}: {answer.text[:2000]}"  # say why, if it fails
    return answer.json()["id"]


def _finished(server: str, flow_run: str) -> dict:
    state: dict = {}

    def finished() -> bool:
        state.update(httpx.get(f"{server}/flow_runs/{flow_run}").json()["state"])
        return state["type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}

    _wait(finished, 300, "the flow run")
    return state


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
