"""`parlq fetch` as a user runs it: exit statuses, --json, the state between runs, and a kill -9 mid-download."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import main
from tests.fixtures.vlpar_server import Fault, FaultKind, Item, ServedFile, VlparServer

REPO = Path(__file__).resolve().parents[3]
YEAR = "2021-2022"


def _add(server: VlparServer, bodies: list[bytes], count: int) -> list[Item]:
    return [
        server.add(Item(1593740 + n, dt.date(2021, 9, 2 + n), YEAR, [ServedFile(1750120 + n, bodies[n % len(bodies)])]))
        for n in range(count)
    ]


def _args(sources: Path, server: VlparServer, *extra: str) -> list[str]:
    return ["fetch", str(sources), "--api-base", server.base, "--pause", "0", "--json", *extra]


def test_a_first_fetch_needs_since(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fetch", str(tmp_path), "--json"]) == 2
    assert "--since" in json.loads(capsys.readouterr().out)["error"]


def test_json_summary_failures_and_the_state(tmp_path: Path, vlpar, pdf_bodies, capsys, monkeypatch) -> None:
    items = _add(vlpar, pdf_bodies, 3)
    items[1].raw_detail = ("text/xml", b"<schv/>")
    assert main(_args(tmp_path, vlpar, "--since", "2021-09-01", "--until", "2021-09-30")) == 1
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert (summary["exit_code"], summary["found"], summary["questions"], summary["downloaded"]) == (1, 3, 2, 2)
    assert summary["failures"] == [
        {"item": str(items[1].id), "kind": "not_json", "message": summary["failures"][0]["message"]}
    ]
    assert f"{items[1].id}: not_json" in captured.err
    assert not (tmp_path / "vlpar" / "state.json").exists()  # only a complete fetch moves the state
    items[1].raw_detail = None
    monkeypatch.setenv("PARLQ_API_BASE", vlpar.base)
    assert main(["fetch", str(tmp_path), "--since", "2021-09-01", "--until", "2021-09-30", "--pause", "0"]) == 0
    assert "3 written questions found" in capsys.readouterr().out
    # without --since: from the state's end minus the overlap
    assert main(_args(tmp_path, vlpar, "--until", "2021-10-10", "--overlap", "5")) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["window"] == {"since": "2021-09-25", "until": "2021-10-10"} and again["found"] == 0


@pytest.mark.slow
def test_a_fetch_killed_mid_download_resumes_cleanly(tmp_path: Path, vlpar: VlparServer, pdf_bodies) -> None:
    items = _add(vlpar, pdf_bodies, 4)
    stalled = items[2].files[0]
    vlpar.fail(stalled.path, Fault(FaultKind.STALL))
    command = [sys.executable, "-m", "flows.cli", *_args(tmp_path, vlpar, "--since", "2021-09-01")]
    command += ["--until", "2021-09-30", "--connections", "1"]  # one at a time: items 0 and 1 finish first
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert vlpar.stalled.wait(120), process.communicate(timeout=5)
    finally:
        process.kill()  # SIGKILL, mid-body
        process.communicate()
    vlpar.release.set()
    folder = tmp_path / "vlpar" / YEAR
    assert not (folder / f"{items[2].id}.pdf").exists()  # never a partial file under a final name
    part = folder / f".{items[2].id}.part"  # there once the client has read into the body
    assert not part.exists() or len(part.read_bytes()) < len(stalled.body)
    done = {r.path for r in vlpar.file_requests(200) if r.complete}
    assert done == {items[0].files[0].path, items[1].files[0].path}
    vlpar.requests.clear()
    rerun = subprocess.run(command, cwd=REPO, capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr.decode()
    assert {r.path for r in vlpar.file_requests(200)} == {items[2].files[0].path, items[3].files[0].path}
    for item in items:
        assert (folder / f"{item.id}.pdf").read_bytes() == item.files[0].body
    assert not list((tmp_path / "vlpar").rglob("*.part"))
    assert json.loads(rerun.stdout)["downloaded"] == 2
