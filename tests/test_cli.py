"""`parlq run` on the command line: a quiet embedded run, usage errors, the progress bar."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from flows.cli import main
from flows.progress import WIDTH, ProgressBar
from pipeline.dataset.snapshot import LATEST
from tests.builders import make_failed, make_result

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sources" / "schriftelijke-vraag-12-2021-10-01.pdf"


@pytest.mark.slow  # `parlq run` end to end, with its temporary Prefect server
def test_healthy_run_prints_progress_and_summary_without_tracebacks_or_errors(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    home = tmp_path_factory.getbasetemp() / "prefect-home"  # shared by the session: migrated once
    home.mkdir(exist_ok=True)
    source, out = tmp_path / "sources", tmp_path / "out"
    source.mkdir()
    shutil.copy(SAMPLE, source / SAMPLE.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}  # no server: a temporary one
    env.update(PREFECT_HOME=str(home), PYTHONPATH=str(REPO))
    run = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", str(source), "--out", str(out), "--workers", "2", "--prefect"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    terminal = run.stdout + run.stderr
    assert run.returncode == 0, terminal
    assert "Traceback" not in terminal
    assert not [line for line in terminal.splitlines() if re.search(r"\bERROR\b", line)], terminal
    assert f"documents 1/1 [{'#' * WIDTH}] 100%" in run.stderr
    snapshot_id = (out / LATEST).read_text().strip()
    assert re.search(rf"^snapshot +{snapshot_id} published$", run.stdout, re.MULTILINE)
    log = (out / "logs" / "prefect.log").read_text(encoding="utf-8")
    assert "Finished in state Completed" in log
    # the temporary API is gone with the run
    port = re.findall(r"http://127\.0\.0\.1:(\d+)/runs/flow-run/", log)[-1]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/api/health")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["run", "{missing}"], "is not a folder"),
        (["run", "{source}", "--workers", "0"], "--workers must be at least 1"),
        (["run", "{source}", "--max-pages", "0"], "max_pages must be at least 1"),
        (["run", "{source}", "--dask", "tcp://10.20.30.40:8786"], "PREFECT_API_URL"),
        (["serve", "{source}", "--cron", "0 6 * * 1-5"], "parlq serve needs a Prefect server"),
    ],
)
def test_usage_errors_exit_2_before_any_work(
    arguments: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    (tmp_path / "src").mkdir()
    values = {"source": str(tmp_path / "src"), "missing": str(tmp_path / "missing")}
    code = main([a.format(**values) for a in arguments] + ["--out", str(tmp_path / "out")])
    assert code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_progress_bar_counts_against_the_total() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar.begin(4)
    assert bar.render() == f"documents 0/4 [{'.' * WIDTH}]   0%"
    for result in (make_result("a"), make_failed("b"), make_result("c"), make_result("d")):
        bar.advance(result)
    assert bar.render() == f"documents 4/4 [{'#' * WIDTH}] 100%  1 failed"
    bar.close()
    shown = stream.getvalue()
    assert shown.startswith("\r") and shown.endswith(f"{bar.render()}\n")


def test_quiet_progress_bar_prints_nothing() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=False)
    bar.begin(2)
    bar.advance(make_result("a"))
    bar.close()
    assert stream.getvalue() == ""


def test_run_settings_point_this_process_and_its_children_at_the_api(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import get_current_settings

    from flows.settings import run_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with run_settings("http://127.0.0.1:9/api"):
        assert os.environ["PREFECT_API_URL"] == "http://127.0.0.1:9/api"
        assert str(get_current_settings().api.url) == "http://127.0.0.1:9/api"
        assert get_current_settings().flows.heartbeat_frequency is None
    assert "PREFECT_API_URL" not in os.environ


def test_the_command_line_starts_without_the_heavy_libraries() -> None:
    # each command imports what it needs when it runs: `parlq run` starts its workers' forkserver
    # within a tenth of a second, and `parlq run` never loads the HTTP client of `parlq fetch`
    heavy = ("requests", "urllib3", "pandas", "pyarrow", "pandera", "spacy", "prefect", "pdfplumber", "jinja2")
    script = f"import sys, flows.cli; print(sorted(set({heavy!r}) & {{m.split('.')[0] for m in sys.modules}}))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
