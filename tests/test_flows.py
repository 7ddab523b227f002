"""The batch flow: the same snapshot whichever runner, artifacts on the API, no Prefect in pipeline workers.

`parlq run` runs as a subprocess against one temporary Prefect API for the module (PREFECT_API_URL),
so that each run costs its work and not a server start.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.batch import (
    FAILURES_KEY,
    MAX_CHUNK,
    REPORT_KEY,
    SUMMARY_KEY,
    chunk_sources,
    failure_table,
    retry_on_io_error,
    summary_markdown,
)
from flows.server import ApiServer
from pipeline.dataset.current import read_current
from pipeline.dataset.snapshot import LATEST, SNAPSHOTS, validate_snapshot
from pipeline.model.records import Failure, RunSummary, SourceFile
from tests.fixtures.generate import render_synthetic

REPO = Path(__file__).resolve().parents[1]
# Records, in every Python process of a run, which processes import prefect or a web server.
WATCH_IMPORTS = """
import os, sys

class _WatchImports:
    def find_spec(self, name, path=None, target=None):
        if name in ("prefect", "uvicorn"):
            with open(os.environ["PARLQ_TEST_IMPORTS"], "a") as log:
                log.write(f"{os.getpid()}\\t{name}\\t{' '.join(sys.orig_argv)}\\n")
        return None

sys.meta_path.insert(0, _WatchImports())
"""


def _source(index: int) -> SourceFile:
    return SourceFile(f"{index:04d}.pdf", f"/src/{index:04d}.pdf", f"{index:064x}", 100)


@settings(deadline=None)  # Hypothesis's default fails an example slower than 200 ms: behaviour only here
@given(count=st.integers(0, 500), slots=st.integers(1, 64))
def test_chunks_keep_every_source_in_order(count: int, slots: int) -> None:
    sources = [_source(i) for i in range(count)]
    chunks = chunk_sources(sources, slots)
    assert [s for chunk in chunks for s in chunk] == sources
    assert all(1 <= len(chunk) <= MAX_CHUNK for chunk in chunks)
    assert len({len(chunk) for chunk in chunks[:-1]}) <= 1  # equal chunks, the last one may be shorter
    if count >= 2 * slots and count <= 2 * slots * MAX_CHUNK:
        assert len(chunks) >= slots  # every worker slot gets work


@pytest.mark.parametrize(
    ("error", "retried"),
    [(OSError(5, "Input/output error"), True), (TimeoutError("read timed out"), True), (ValueError("bad"), False)],
)
def test_only_io_errors_are_retried(error: Exception, retried: bool) -> None:
    from prefect.states import Failed

    assert retry_on_io_error(None, None, Failed(data=error)) is retried


def test_summary_markdown_and_failure_table() -> None:
    failure = Failure("x.pdf", None, "read", "not_a_pdf", "x.pdf is not a PDF.")
    summary = RunSummary(
        inputs=5, documents=3, parsed=2, cached=2, failed=1, duplicates=1, sections=9, applications=42,
        failures=1, snapshot_id="0123456789abcdef", snapshot_path="/out/snapshots/0123456789abcdef",
        published=True, failure_rows=(failure,),
    )  # fmt: skip
    text = summary_markdown(summary)
    assert "snapshot `0123456789abcdef`" in text
    for label, value in [("processed (new)", 2), ("cache (skipped)", 2), ("files failed", 1), ("applications", 42)]:
        assert re.search(rf"\| [^|]*{re.escape(label)} \| {value} \|", text), label
    assert failure_table(summary) == [
        {"source_file": "x.pdf", "stage": "read", "error": "not_a_pdf", "message": "x.pdf is not a PDF."}
    ]


@pytest.fixture(scope="module")
def api(prefect_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A temporary Prefect API for this module's runs, stopped by PID at the end."""
    server = ApiServer(tmp_path_factory.mktemp("api") / "server.log", home=prefect_home)
    try:
        yield server.wait_ready()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def environment(api: str, prefect_home: Path) -> dict[str, str]:
    """The environment of a `parlq run` subprocess: this module's API and PREFECT_HOME, nothing else of Prefect's."""
    own = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PARLQ_TEST_"))}
    return {**own, "PREFECT_API_URL": api, "PREFECT_HOME": str(prefect_home), "PYTHONPATH": str(REPO)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 generated documents and a file that is not a PDF (one failure row, in every runner)."""
    folder = tmp_path_factory.mktemp("flow_corpus")
    render_synthetic(folder, count=8, seed=5)
    (folder / "broken.pdf").write_bytes(b"this is no PDF at all\n")
    return folder


@pytest.fixture(scope="module")
def serial(environment: dict[str, str], corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serial")
    run = _parlq(environment, corpus, out, "--workers", "1")
    assert run.returncode == 1, run.stdout + run.stderr  # finished, with the broken file as a failure
    return out


@pytest.mark.slow  # parlq run end to end, against a Prefect API; on Dask, a local cluster
@pytest.mark.parametrize("runner", [["--workers", "2"], ["--dask", "local"]], ids=["workers-2", "dask-local"])
def test_runners_give_the_serial_snapshot(
    api: str, environment: dict[str, str], corpus: Path, serial: Path, runner: list[str], tmp_path: Path
) -> None:
    imports = tmp_path / "imports.tsv"
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(WATCH_IMPORTS, encoding="utf-8")
    watched = {**environment, "PYTHONPATH": f"{site}:{REPO}", "PARLQ_TEST_IMPORTS": str(imports)}
    run = _parlq(watched, corpus, tmp_path / "out", *runner)
    terminal = run.stdout + run.stderr
    assert run.returncode == 1, terminal
    assert "Traceback" not in terminal and not re.search(r"\bERROR\b", terminal), terminal  # Dask's workers too
    snapshot_id = (serial / LATEST).read_text().strip()
    assert (tmp_path / "out" / LATEST).read_text().strip() == snapshot_id
    assert _files(tmp_path / "out" / SNAPSHOTS / snapshot_id) == _files(serial / SNAPSHOTS / snapshot_id)

    watched = [line.split("\t") for line in imports.read_text().splitlines()]
    prefect = {argv for _, name, argv in watched if name == "prefect"}
    servers = [argv for _, name, argv in watched if name == "uvicorn"]
    assert servers == []  # the run used the module's API: nobody started a Prefect server
    if runner[0] == "--workers":
        # only `parlq` itself: the forkserver and the pipeline workers never import prefect
        assert prefect and all("flows.cli" in argv for argv in prefect), prefect

    flow_run = _flow_run_id(tmp_path / "out")
    state = httpx.get(f"{api}/flow_runs/{flow_run}").json()["state"]["type"]
    assert state == "COMPLETED"
    tasks = httpx.post(f"{api}/task_runs/filter", json={"flow_runs": {"id": {"any_": [flow_run]}}}).json()
    processed = [t["name"] for t in tasks if t["name"].startswith("process-documents")]
    sources = sorted(corpus.glob("*.pdf"))
    # on Dask, each chunk is a task run reported to this API by a Dask worker
    assert len(processed) == (len(chunk_sources(sources, 2)) if runner[0] == "--dask" else 1)


@pytest.mark.slow  # parlq run end to end, twice
def test_without_a_prefect_server_the_run_is_the_flow_runs_without_prefect(
    environment: dict[str, str], corpus: Path, serial: Path, tmp_path: Path
) -> None:
    imports, site = tmp_path / "imports.tsv", tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(WATCH_IMPORTS, encoding="utf-8")
    plain = {k: v for k, v in environment.items() if k != "PREFECT_API_URL"}
    watched = {**plain, "PYTHONPATH": f"{site}:{REPO}", "PARLQ_TEST_IMPORTS": str(imports)}
    run = _parlq(watched, corpus, tmp_path / "out", "--workers", "2")
    terminal = run.stdout + run.stderr
    assert run.returncode == 1 and "Traceback" not in terminal, terminal  # the broken file, as in the flow run
    assert "broken.pdf: [read/not_a_pdf]" in run.stdout and "published" in run.stdout
    snapshot_id = (serial / LATEST).read_text().strip()
    assert (tmp_path / "out" / LATEST).read_text().strip() == snapshot_id
    assert _files(tmp_path / "out" / SNAPSHOTS / snapshot_id) == _files(serial / SNAPSHOTS / snapshot_id)
    assert not imports.exists() or imports.read_text() == ""  # no process imported prefect or a web server
    assert (tmp_path / "out" / "logs" / "parlq.log").exists()

    again = _parlq(watched, corpus, tmp_path / "out", "--workers", "2")  # nothing new: stops after discovery
    assert again.returncode == 1 and "unchanged" in again.stdout, again.stdout + again.stderr


@pytest.mark.slow  # parlq run end to end (the serial run), against a Prefect API
def test_each_run_leaves_its_summary_and_failures_as_artifacts(api: str, serial: Path) -> None:
    flow_run = _flow_run_id(serial)
    found = httpx.post(f"{api}/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [flow_run]}}}).json()
    artifacts = {a["key"]: a for a in found}
    assert set(artifacts) == {SUMMARY_KEY, FAILURES_KEY, REPORT_KEY}
    snapshot_id = (serial / LATEST).read_text().strip()
    assert artifacts[SUMMARY_KEY]["type"] == "markdown" and snapshot_id in artifacts[SUMMARY_KEY]["data"]
    assert artifacts[FAILURES_KEY]["type"] == "table" and "broken.pdf" in artifacts[FAILURES_KEY]["data"]
    report = (serial / "report.html").resolve()
    assert artifacts[REPORT_KEY]["type"] == "markdown" and f"({report.as_uri()})" in artifacts[REPORT_KEY]["data"]
    assert read_current(serial) == snapshot_id and snapshot_id in (serial / "report.html").read_text(encoding="utf-8")


def _parlq(environment: dict[str, str], source: Path, out: Path, *options: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "flows.cli", "run", str(source), "--out", str(out), "--quiet", *options]
    return subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=900, check=False)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _flow_run_id(out: Path) -> str:
    """The flow run of the run that wrote `out`, from the link in its log."""
    log = (out / "logs" / "prefect.log").read_text(encoding="utf-8")
    return re.findall(r"/runs/flow-run/([0-9a-f-]{36})", log)[-1]


@pytest.mark.slow  # two `parlq run`s end to end, against a Prefect API
def test_reruns_do_only_new_work(environment: dict[str, str], corpus: Path, serial: Path, tmp_path: Path) -> None:
    sources, out = tmp_path / "sources", tmp_path / "out"
    shutil.copytree(corpus, sources)
    shutil.copytree(serial, out)
    again = _parlq(environment, sources, out)
    assert again.returncode == 1, again.stdout + again.stderr  # the broken file is still a failure
    assert "8 (0 processed, 9 from cache)" in again.stdout and "unchanged" in again.stdout

    render_synthetic(tmp_path / "more", count=1, seed=6)
    shutil.copyfile(next((tmp_path / "more").glob("*.pdf")), sources / "new.pdf")
    more = _parlq(environment, sources, out)
    assert more.returncode == 1, more.stdout + more.stderr
    assert "9 (1 processed, 9 from cache)" in more.stdout and "published" in more.stdout
    assert validate_snapshot(out) == []


FETCH_AND_RUN = """
import json, sys
from flows.fetch_flow import fetch_and_run_flow
state = fetch_and_run_flow(sources_dir=sys.argv[1], out_dir=sys.argv[2], first_since="2021-09-01", until="2021-09-30",
                           api_base=sys.argv[3], pause=0.0, workers=1, wait_lock=0, return_state=True)
print(json.dumps({"flow_run": str(state.state_details.flow_run_id), "state": state.type.value}))
"""


@pytest.mark.slow  # a flow run against a Prefect API: fetch from the local imitation of the services, then run
def test_fetch_and_run_fetches_then_runs_on_what_is_new(api: str, environment: dict[str, str], tmp_path: Path) -> None:
    import datetime as dt
    import json

    from flows.fetch_flow import FETCH_SUMMARY_KEY
    from tests.fixtures.vlpar_server import Item, ServedFile, VlparServer

    server = VlparServer().start()
    try:
        body = (REPO / "sources" / "schriftelijke-vraag-12-2021-10-01.pdf").read_bytes()
        server.add(Item(1593746, dt.date(2021, 9, 6), "2021-2022", [ServedFile(1750123, body)]))
        sources, out = tmp_path / "sources", tmp_path / "out"
        command = [sys.executable, "-c", FETCH_AND_RUN, str(sources), str(out), server.base]
        done = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=900,
                              check=False)  # fmt: skip
    finally:
        server.stop()
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["state"] == "COMPLETED"
    assert (sources / "vlpar" / "2021-2022" / "1593746.pdf").read_bytes() == body
    assert validate_snapshot(out) == [] and not (out / ".parlq.lock").exists()  # published, the lock given back
    import pyarrow.parquet as pq

    (row,) = pq.read_table(out / "current" / "documents.parquet").to_pylist()
    assert row["vlpar_id"] == "1593746" and row["zittingsjaar"] == "2021-2022"

    flow_run = result["flow_run"]
    tasks = httpx.post(f"{api}/task_runs/filter", json={"flow_runs": {"id": {"any_": [flow_run]}}}).json()
    names = {t["name"].rsplit("-", 1)[0] for t in tasks}
    assert {"plan-window", "fetch", "discover", "process-documents", "publish"} <= names, names
    found = httpx.post(f"{api}/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [flow_run]}}}).json()
    artifacts = {a["key"]: a for a in found}
    assert {FETCH_SUMMARY_KEY, SUMMARY_KEY, FAILURES_KEY, REPORT_KEY} <= set(artifacts)
    assert "1 |" in artifacts[FETCH_SUMMARY_KEY]["data"]  # one question found, one file downloaded


def test_fetch_markdown_escapes_what_the_network_said() -> None:
    import datetime as dt

    from flows.fetch_flow import fetch_markdown
    from pipeline.sources.vlpar.config import FailureKind, Window
    from pipeline.sources.vlpar.fetch import FetchFailure, FetchSummary

    failure = FetchFailure("1593746", FailureKind.NOT_JSON, "answered <xml>|not json</xml>\nsecond line")
    text = fetch_markdown(FetchSummary(Window(dt.date(2021, 9, 1), dt.date(2021, 9, 30)), 2, 1, 1, 0, (failure,)))
    assert "# parlq fetch: 2021-09-01..2021-09-30" in text and "| written questions found | 2 |" in text
    assert "| 1593746 | not_json | answered &lt;xml>\\|not json&lt;/xml> second line |" in text
