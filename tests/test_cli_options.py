"""The command line's options: --version, -q/-v, --dry-run, --json, --full-refresh, PDF files as SOURCE, bad paths."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows import terminal
from flows.arguments import STAGING_PREFIX, UsageError, check_sources, open_source_dir, report_sources
from flows.cli import main
from pipeline.dataset.current import CURRENT
from pipeline.dataset.snapshot import LATEST, SNAPSHOTS
from tests.builders import RESULTS, publish

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sources" / "schriftelijke-vraag-12-2021-10-01.pdf"
OTHER = "buurtsport_subsidies__official.pdf"  # a rendered fixture: another document than the sample


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder with the sample, a second copy of it, a file over 50 KB and a file that is not a PDF."""
    source = tmp_path / "src"
    (source / "more").mkdir(parents=True)
    (source / "a.pdf").write_bytes(SAMPLE.read_bytes())
    (source / "more" / "copy.pdf").write_bytes(SAMPLE.read_bytes())
    (source / "big.pdf").write_bytes(SAMPLE.read_bytes() + b"\n%" + b"x" * 100_000)
    (source / "notes.txt").write_text("not a PDF", encoding="utf-8")
    return source


def test_version_names_the_distribution_and_the_code(capsys: pytest.CaptureFixture) -> None:
    assert main(["--version"]) == 0
    assert re.fullmatch(r"parlq \S+ \(code \S+\+[0-9a-f]{12}\)\n", capsys.readouterr().out)


@pytest.mark.parametrize(
    ("before", "after", "level"),
    [
        ([], [], logging.WARNING),
        (["-v"], [], logging.INFO),
        (["-v"], ["-v"], logging.DEBUG),  # before and after the command add up
        ([], ["--quiet"], logging.ERROR),  # `run --quiet` as before, now also global
        (["-q"], ["-vv"], logging.ERROR),  # -q wins
    ],
)
def test_verbosity_options_before_or_after_the_command(
    before: list[str], after: list[str], level: int, corpus: Path
) -> None:
    out = corpus.parent / "out"
    assert main([*before, "run", str(corpus), "--out", str(out), "--dry-run", *after]) == 0
    assert terminal.verbosity() == level
    assert not out.exists()


def test_dry_run_lists_each_input_and_writes_nothing(corpus: Path, capsys: pytest.CaptureFixture) -> None:
    out = corpus.parent / "out"
    assert main(["run", str(corpus), "--out", str(out), "--dry-run", "--max-file-mb", "0.05"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "process  a.pdf  (new)"
    assert lines[1].startswith("skip     big.pdf  (too_large: ")
    assert lines[2].startswith("skip     more/copy.pdf  (duplicate: ")
    assert lines[3].startswith("dry run: 3 inputs: 1 to process, 0 carried over, 2 failures")
    assert not out.exists()


def test_dry_run_json_is_one_object(corpus: Path, capsys: pytest.CaptureFixture) -> None:
    out = corpus.parent / "out"
    code = main(["run", str(corpus), "--out", str(out), "--dry-run", "--json", "--full-refresh"])
    stdout = capsys.readouterr().out
    assert code == 0 and stdout.count("\n") == 1
    plan = json.loads(stdout)
    assert plan["dry_run"] is True and plan["previous_snapshot"] is None
    assert [(f["path"], f["action"], f["reason"].split(":")[0]) for f in plan["files"]] == [
        ("a.pdf", "process", "full refresh"),
        ("big.pdf", "process", "full refresh"),
        ("more/copy.pdf", "skip", "duplicate"),
    ]
    assert plan["counts"] == {"files": 3, "process": 2, "carry": 0, "skip": 1}
    assert not out.exists()


def test_files_and_folders_as_sources_keep_their_names(corpus: Path, capsys: pytest.CaptureFixture) -> None:
    lone = corpus.parent / "lone.PDF"
    lone.write_bytes(b"%PDF-1.4 another document")
    arguments = [str(lone), str(corpus / "more"), str(lone), "--out", str(corpus.parent / "out")]
    assert main(["run", *arguments, "--dry-run", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [(f["path"], f["action"]) for f in plan["files"]] == [("lone.PDF", "process"), ("more/copy.pdf", "process")]


def test_staging_links_files_keeps_links_as_links_and_is_removed(corpus: Path) -> None:
    (corpus / "more" / "deeper").mkdir()
    (corpus / "more" / "deeper" / "d.pdf").write_bytes(b"%PDF d")
    (corpus / "more" / "inside.pdf").symlink_to("deeper/d.pdf")
    sources = check_sources([str(corpus / "a.pdf"), str(corpus / "more")])
    with open_source_dir(sources, str(corpus.parent / "out")) as staged:
        root = Path(staged)
        found = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.pdf"))
        assert found == ["a.pdf", "more/copy.pdf", "more/deeper/d.pdf", "more/inside.pdf"]
        assert (root / "a.pdf").stat().st_ino == (corpus / "a.pdf").stat().st_ino  # a hard link, not a copy
        assert os.readlink(root / "more" / "inside.pdf") == "deeper/d.pdf"
    assert not root.exists()


def test_staging_skips_out_dir_and_keeps_the_name_of_a_linked_file(corpus: Path) -> None:
    (corpus / "out").mkdir()
    (corpus / "out" / "written.pdf").write_bytes(b"%PDF not an input")
    (corpus.parent / "latest.pdf").symlink_to(corpus / "a.pdf")
    sources = check_sources([str(corpus.parent / "latest.pdf"), str(corpus)])
    with open_source_dir(sources, str(corpus / "out")) as staged:
        found = sorted(p.relative_to(staged).as_posix() for p in Path(staged).rglob("*.pdf"))
    assert found == ["latest.pdf", "src/a.pdf", "src/big.pdf", "src/more/copy.pdf"]


def test_two_sources_with_one_name_are_refused(corpus: Path) -> None:
    (corpus / "more" / "a.pdf").write_bytes(b"%PDF other")
    with pytest.raises(UsageError, match="would both be a.pdf"):
        check_sources([str(corpus / "a.pdf"), str(corpus / "more" / "a.pdf")])


BAD_PATHS = [
    (["run", "{missing}"], "is not a folder or a PDF file (no such file or folder)"),
    (["run", "{txt}"], "is not a PDF file"),
    (["run", "{pdf}", "{txt}"], "is not a PDF file"),
    (["run", "{src}", "--out", "{pdf}"], "is a file, not a folder"),
    (["run", "s3://bucket/prefix", "{pdf}"], "a URL must be the only SOURCE"),
    (["serve", "{missing}"], "is not a folder"),
    (["serve", "{pdf}"], "is not a folder"),
    (["validate", "{missing}"], "does not exist"),
    (["validate", "{pdf}"], "is not a folder"),
    (["validate", "{src}"], "is neither a snapshot folder"),
    (["diff", "{missing}", "{missing}"], "does not exist"),
    (["diff", "{src}", "LATEST"], "is not a snapshot folder"),
    (["diff", "no/such/folder", "LATEST"], "does not exist"),
    (["diff", "abc", "LATEST", "--out", "{missing}"], "no snapshot 'abc'"),
    (["report", "{missing}"], "does not exist"),
    (["report", "{pdf}"], "is not a folder"),
    (["report", "{src}"], "has no LATEST snapshot"),
    (["report", "{src}", "--snapshot", "abc"], "no snapshot 'abc'"),
    (["report", "{src}", "--sources", "{missing}"], "is not a folder (SOURCE_DIR)"),
]


@pytest.mark.parametrize(("arguments", "message"), BAD_PATHS)
def test_bad_paths_exit_2_with_one_line(
    arguments: list[str], message: str, corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # serve gets past its server check
    values = {"missing": corpus / "missing", "txt": corpus / "notes.txt", "pdf": corpus / "a.pdf", "src": corpus}
    code = main([a.format(**values) for a in arguments])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.startswith("parlq: ") and captured.err.count("\n") == 1, captured.err
    assert message in captured.err and "Traceback" not in captured.err


def test_report_writes_one_html_file_and_says_where(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out, sources = tmp_path / "out", tmp_path / "sources"
    sources.mkdir()
    first = publish(RESULTS[:1], out)
    latest = publish(RESULTS, out)
    assert main(["report", str(out)]) == 0
    assert capsys.readouterr().out == f"{out / 'report.html'}\n"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"parlq snapshot {latest.snapshot_id}" in html and f"Since snapshot <code>{first.snapshot_id}" in html
    target = tmp_path / "first.html"
    code = main(["report", str(out), "--snapshot", first.snapshot_id[:6], "-o", str(target), "--sources", str(sources)])
    assert code == 0 and capsys.readouterr().out == f"{target}\n"
    html = target.read_text(encoding="utf-8")
    assert f"parlq snapshot {first.snapshot_id}" in html and 'id="first-snapshot"' in html
    assert 'href="sources/a.pdf#page=1"' in html


def test_the_report_links_into_a_source_folder_that_outlives_the_run(tmp_path: Path) -> None:
    staged = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX))
    try:
        assert report_sources(str(staged)) is None  # `parlq run a.pdf b.pdf`: removed after the run
    finally:
        staged.rmdir()
    assert report_sources(str(tmp_path)) == str(tmp_path)
    assert report_sources("s3://bucket/questions") is None


def test_bad_path_with_json_prints_the_error_as_json(corpus: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["run", str(corpus / "notes.txt"), "--json", "--out", str(corpus.parent / "out")])
    captured = capsys.readouterr()
    answer = json.loads(captured.out)
    assert code == 2 and answer == {"error": answer["error"], "exit_code": 2}
    assert "notes.txt is not a PDF file" in answer["error"] and answer["error"] in captured.err
    assert not (corpus.parent / "out").exists()


@pytest.mark.slow  # `parlq run` end to end, with its temporary Prefect server
def test_run_on_two_files_prints_the_summary_as_json(
    prefect_home: Path, fixture_set, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    other, out = fixture_set.rendered[OTHER], tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}  # no server: an embedded run
    env.update(PREFECT_HOME=str(prefect_home), PYTHONPATH=str(REPO))
    command = ["run", str(SAMPLE), str(other), "--out", str(out), "--json", "--workers", "1"]
    run = subprocess.run([sys.executable, "-m", "flows.cli", *command],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("\n") == 1 and "Traceback" not in run.stderr
    summary = json.loads(run.stdout)
    assert summary["exit_code"] == 0 and summary["seconds"] > 0
    assert (summary["inputs"], summary["documents"], summary["parsed"], summary["failures"]) == (2, 2, 2, 0)
    assert summary["published"] is True and summary["failure_rows"] == []
    assert summary["snapshot_id"] == (out / LATEST).read_text().strip()
    assert Path(summary["snapshot_path"]) == out / SNAPSHOTS / summary["snapshot_id"]
    documents = pq.read_table(Path(summary["snapshot_path"]) / "documents.parquet", columns=["source_file"])
    assert sorted(documents.column("source_file").to_pylist()) == sorted([SAMPLE.name, OTHER])
    # the run's report and current/: staged files are gone after the run, so no links to them
    report = (out / "report.html").read_text(encoding="utf-8")
    assert summary["snapshot_id"] in report and f">{OTHER}<" in report and ".pdf#page=" not in report
    assert (out / CURRENT).resolve() == (out / SNAPSHOTS / summary["snapshot_id"]).resolve()

    # the same files again: the dry run says both would keep their rows
    assert main(["run", str(other), str(SAMPLE), "--out", str(out), "--dry-run", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [f["action"] for f in plan["files"]] == ["carry", "carry"] and plan["unchanged"] is True
