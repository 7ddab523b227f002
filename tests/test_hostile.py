"""Hostile inputs and output faults, end to end: through the pipeline functions and through `parlq run`.

Each hostile file ends where the rules say (a row, or the failure its attack calls for: a timeout
stops what loops), the good documents of the same batch are published, and a run that cannot write
leaves the previous snapshot and LATEST intact. CLI runs start Prefect's temporary server (6-15 s
each), so there are only three of them. How fast it all goes is bench/'s business, not these tests'.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import select
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.dataset.snapshot import SNAPSHOTS, read_latest, validate_snapshot
from pipeline.dataset.write import publish_snapshot
from pipeline.discover.sources import discover_sources, input_files
from pipeline.runtime.batch import BatchConfig, process_sources
from pipeline.runtime.limits import MIB, Limits
from pipeline.runtime.lock import LOCK_NAME
from pipeline.runtime.process import ProcessConfig
from pipeline.runtime.report import AccountingError, check_accounting, problem_results
from pipeline.validate.checks import build_validation_context, validate_results
from schemas import load_schema
from tests.fixtures.hostile import write_hostile_corpus

REPO = Path(__file__).parents[1]
LIMITS = Limits(timeout_s=10.0, memory_bytes=1024 * MIB)
CLI_LIMITS = ("--timeout", "10", "--memory-mb", "1024")
GOOD = ("buurtsport_subsidies__official.pdf", "seed_wijkverbeteringscontracten__plain.pdf",
        "veerkrachtige_wijken_aanvragen__compact.pdf")  # fmt: skip
# Only so that a run that never ends (a timeout that never fires) fails the test instead of hanging it.
SAFETY_NET_S = 600.0


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, fixture_set) -> tuple[Path, dict[str, frozenset]]:
    source = tmp_path_factory.mktemp("hostile") / "src"
    expected = write_hostile_corpus(source, [fixture_set.rendered[name] for name in GOOD])
    return source, expected


@pytest.fixture(scope="module")
def parlq(tmp_path_factory: pytest.TempPathFactory):
    """Start `parlq run ARGS...` as a process, with a Prefect home of its own for this module."""
    env = {**os.environ, "PREFECT_HOME": str(tmp_path_factory.mktemp("prefect_home")), "PYTHONPATH": str(REPO)}

    def start(*args: object, **popen: object) -> subprocess.Popen:
        command = [sys.executable, "-m", "flows.cli", "run", *map(str, args)]
        return subprocess.Popen(command, cwd=REPO, env=env, text=True, **popen)

    return start


def _finish(run: subprocess.Popen) -> tuple[str, str]:
    """The run's stdout and stderr once it has ended; one past the safety net is killed and fails the test."""
    try:
        return run.communicate(timeout=SAFETY_NET_S)
    except subprocess.TimeoutExpired:
        run.kill()
        _, stderr = run.communicate()
        pytest.fail(f"`parlq run` still ran after {SAFETY_NET_S:g} s (a safety net, not a speed limit):\n{stderr}")


def _stderr_until(run: subprocess.Popen, pattern: str) -> str:
    """What the run writes to stderr, up to the moment it matches `pattern`; fails when the run ends first.

    Reads the pipe below its text wrapper, which stays empty for `communicate` to read the rest.
    """
    seen, pipe = b"", run.stderr.fileno()
    while not re.search(pattern, seen.decode(errors="replace")):
        ready, _, _ = select.select([pipe], [], [], SAFETY_NET_S)
        assert ready, f"the run said nothing for {SAFETY_NET_S:g} s:\n{seen.decode(errors='replace')}"
        chunk = os.read(pipe, 1 << 16)
        assert chunk, f"the run ended before {pattern!r}:\n{seen.decode(errors='replace')}"
        seen += chunk
    return seen.decode(errors="replace")


def _outcomes(out_dir: Path) -> dict[str, str | None]:
    """source file -> None for a document row, else its failure kind, from the published snapshot."""
    folder = out_dir / SNAPSHOTS / read_latest(out_dir)
    documents = pq.read_table(folder / "documents.parquet")
    outcome: dict[str, str | None] = {p: None for p in documents["source_file"].to_pylist()}
    failures = pq.read_table(folder / "failures.parquet").to_pylist()
    outcome.update({row["source_file"]: row["error"] for row in failures if row["source_file"] not in outcome})
    return outcome


def _assert_ends_as_expected(outcome: dict[str, str | None], expected: dict[str, frozenset]) -> None:
    assert set(outcome) == set(expected)
    wrong = {name: kind for name, kind in outcome.items() if kind not in expected[name]}
    assert not wrong, wrong


@pytest.mark.slow  # the attacks that loop run into the 10 s timeout
def test_hostile_corpus_through_the_pipeline(hostile, tmp_path: Path) -> None:
    source, expected = hostile
    out = tmp_path / "out"
    found = discover_sources(source, exclude=(out,), limits=LIMITS)
    outcome = process_sources(found.sources, ProcessConfig(), BatchConfig(workers=2, limits=LIMITS, isolate=True))
    results = validate_results(outcome.results + problem_results(found), build_validation_context(dt.date.today()))
    assert check_accounting(input_files(found), results) == (3, 6, 1)
    info = publish_snapshot(results, input_files(found), out, schema=load_schema(), code_version="test",
                            library_versions={}, engine="pdfplumber")  # fmt: skip
    assert validate_snapshot(out) == [] and read_latest(out) == info.snapshot_id
    _assert_ends_as_expected(_outcomes(out), expected)


@pytest.mark.slow  # `parlq run` end to end, with its temporary Prefect server
def test_hostile_corpus_through_the_cli(hostile, parlq, tmp_path: Path) -> None:
    source, expected = hostile
    out = tmp_path / "out"
    run = parlq(source, "--out", out, "--workers", 2, "--quiet", *CLI_LIMITS,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    stdout, stderr = _finish(run)
    assert run.returncode == 1, stderr
    assert "10 files = 3 documents + 6 failed + 1 duplicates" in stdout
    failure_lines = [line for line in stdout.splitlines() if re.search(r": \[(read|parse)/", line)]
    assert len(failure_lines) == 7  # each failure on a line of its own
    assert validate_snapshot(out) == []
    _assert_ends_as_expected(_outcomes(out), expected)
    assert not (out / LOCK_NAME).exists()


@pytest.mark.slow  # two `parlq run`s end to end, with their temporary Prefect servers
def test_two_runs_on_one_out_dir(parlq, fixture_set, tmp_path: Path) -> None:
    source, out = tmp_path / "src", tmp_path / "out"
    source.mkdir()
    for name in GOOD[:2]:
        (source / name).write_bytes(fixture_set.rendered[name].read_bytes())
    runs = [parlq(source, "--out", out, "--workers", 1, "--quiet", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)]  # fmt: skip
    finished = []
    for run in runs:
        out_text, err_text = _finish(run)
        finished.append((run.returncode, out_text, err_text))
    codes = sorted(code for code, _, _ in finished)
    assert codes == [0, 2], finished
    loser = next(err for code, _, err in finished if code == 2)
    assert "another parlq run is using" in loser and "--wait-lock" in loser
    assert validate_snapshot(out) == []
    assert [p.name for p in (out / SNAPSHOTS).iterdir()] == [read_latest(out)]  # one snapshot, no leftovers
    assert not (out / LOCK_NAME).exists()


def _freeze(path: Path) -> None:
    """Refuse new entries in `path`, also for root: chmod does not stop root, the immutable attribute does."""
    if os.geteuid() != 0:
        path.chmod(0o555)
    elif subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("running as root on a file system without chattr +i: cannot make a folder read-only")


def _thaw(path: Path) -> None:
    if os.geteuid() != 0:
        path.chmod(0o755)
    else:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)


def _previous_snapshot(fixture_set, source: Path, out: Path) -> str:
    from pipeline.dataset.provenance import code_version, library_versions

    source.mkdir()
    (source / GOOD[0]).write_bytes(fixture_set.rendered[GOOD[0]].read_bytes())
    found = discover_sources(source)
    results = process_sources(found.sources, ProcessConfig(), BatchConfig()).results
    info = publish_snapshot(results, input_files(found), out, schema=load_schema(), code_version=code_version(),
                            library_versions=library_versions(), engine="pdfplumber")  # fmt: skip
    return info.snapshot_id


@pytest.mark.slow  # `parlq run` end to end, with its temporary Prefect server
def test_out_dir_made_read_only_mid_run(parlq, fixture_set, tmp_path: Path) -> None:
    out = tmp_path / "out"
    previous = _previous_snapshot(fixture_set, tmp_path / "old", out)
    before = {p.name: p.read_bytes() for p in (out / SNAPSHOTS / previous).iterdir()}
    source = tmp_path / "src"
    source.mkdir()
    for name, path in sorted(fixture_set.rendered.items())[:12]:
        (source / name).write_bytes(path.read_bytes())
    # not --quiet: the progress bar on stderr says when the first document is done
    run = parlq(source, "--out", out, "--workers", 1, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    snapshots = out / SNAPSHOTS
    try:
        progress = _stderr_until(run, r"documents +[1-9]\d*/\d+ ")  # a document is done: mid-run
        _freeze(snapshots)  # no new snapshot folder can be made, not even by root
        stdout, stderr = _finish(run)
        stderr = progress + stderr
    finally:
        run.kill()
        _thaw(snapshots)
    assert run.returncode == 2, stdout + stderr
    assert "Nothing new was published" in stderr and str(snapshots) in stderr
    assert read_latest(out) == previous
    assert [p.name for p in snapshots.iterdir()] == [previous]
    assert {p.name: p.read_bytes() for p in (snapshots / previous).iterdir()} == before
    assert validate_snapshot(out) == []


def test_unwritable_out_dir_fails_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from flows.cli import main

    (tmp_path / "src").mkdir()
    out = tmp_path / "out"
    out.mkdir()
    _freeze(out)
    try:
        code = main(["run", str(tmp_path / "src"), "--out", str(out)])
    finally:
        _thaw(out)
    assert code == 2 and "is not writable" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "/out/snapshots/.tmp-x/documents.parquet"),
         "No space left on device"),
        (AccountingError(["a.pdf has no result"]), "a.pdf has no result"),
    ],
)  # fmt: skip
@pytest.mark.slow  # about 3.5 s each: the whole CLI in this process, only the run itself left out
@pytest.mark.parametrize("as_flow", [False, True], ids=["in-process", "flow"])
def test_fatal_run_errors_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys, error, shown, as_flow: bool
) -> None:
    import flows.batch
    import pipeline.runtime.run
    from flows import cli, settings

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    if as_flow:
        monkeypatch.setattr(flows.batch, "batch_flow", fail)
        monkeypatch.setattr(settings, "apply_defaults", lambda: None)
    else:
        monkeypatch.setattr(pipeline.runtime.run, "run_batch", fail)
    monkeypatch.setattr(settings, "route_logs", lambda path: None)
    (tmp_path / "src").mkdir()
    flag = ["--prefect"] if as_flow else []
    code = cli.main(["run", str(tmp_path / "src"), "--out", str(tmp_path / "out"), "--quiet", *flag])
    err = capsys.readouterr().err
    assert code == 2 and shown in err and "LATEST still names the last complete snapshot" in err
    assert not (tmp_path / "out" / LOCK_NAME).exists()


def test_disk_full_while_publishing_keeps_the_previous_snapshot(
    monkeypatch: pytest.MonkeyPatch, fixture_set, tmp_path: Path
) -> None:
    import pipeline.dataset.write

    out = tmp_path / "out"
    previous = _previous_snapshot(fixture_set, tmp_path / "old", out)
    source = tmp_path / "src"
    source.mkdir()
    (source / GOOD[1]).write_bytes(fixture_set.rendered[GOOD[1]].read_bytes())
    found = discover_sources(source)
    results = process_sources(found.sources, ProcessConfig(), BatchConfig()).results

    def full(table, where, **options: object) -> None:
        Path(where).write_bytes(b"PAR1 half a file")
        raise OSError(errno.ENOSPC, "No space left on device", str(where))

    monkeypatch.setattr(pipeline.dataset.write.pq, "write_table", full)
    with pytest.raises(OSError, match="No space left"):
        publish_snapshot(results, input_files(found), out, schema=load_schema(), code_version="x",
                         library_versions={}, engine="pdfplumber")  # fmt: skip
    monkeypatch.undo()
    assert read_latest(out) == previous and validate_snapshot(out) == []
    pipeline.dataset.write.clean_stale(out)  # what the next run does first: the half-written folder goes
    assert [p.name for p in (out / SNAPSHOTS).iterdir()] == [previous]
