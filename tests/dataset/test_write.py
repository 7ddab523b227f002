"""Write: reproducible ids and bytes, atomic publication, snapshot validation, DuckDB access."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import select
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.dataset.current import CURRENT, HEAD, read_current
from pipeline.dataset.snapshot import LATEST, SNAPSHOTS, compute_snapshot_id, read_latest, validate_snapshot
from pipeline.dataset.write import PROGRESS_STEPS, clean_stale, publish_snapshot
from pipeline.validate.checks import ValidationContext, validate_results
from schemas import load_schema
from tests.builders import (
    CODE,
    INPUTS,
    RESULTS,
    THEMES,
    TODAY,
    VERSIONS,
    is_valid_code,
    make_application,
    make_failed,
    make_result,
    province_of,
    publish,
    source_of,
)

REPO = Path(__file__).resolve().parents[2]
SCHEMA = load_schema()
# The README's example query: applications per province and theme (one row per application theme).
APPLICATIONS_PER_PROVINCE_AND_THEME = """
SELECT province, theme, count(*) AS applications
FROM (
    SELECT province, unnest(themes) AS theme
    FROM read_parquet('{applications}')
)
GROUP BY province, theme
ORDER BY province NULLS LAST, theme
"""


def file_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_results_same_id_and_bytes(tmp_path: Path) -> None:
    first = publish(RESULTS, tmp_path / "one")
    second = publish(tuple(reversed(RESULTS)), tmp_path / "two", engine="pypdfium2")
    assert first.snapshot_id == second.snapshot_id
    assert first.published and second.published
    one, two = file_hashes(Path(first.path)), file_hashes(Path(second.path))
    assert sorted(one) == sorted([f"{t}.parquet" for t in SCHEMA.tables] + ["manifest.json"])
    assert {k: v for k, v in one.items() if k != "manifest.json"} == {
        k: v for k, v in two.items() if k != "manifest.json"
    }
    again = publish(RESULTS, tmp_path / "three")
    assert file_hashes(Path(again.path)) == one  # same engine too: even the manifest is identical


def test_the_manifest_lists_the_documents_warnings_only_when_there_are_any(tmp_path: Path) -> None:
    plain = json.loads((Path(publish(RESULTS, tmp_path / "plain").path) / "manifest.json").read_text())
    assert "warnings" not in plain  # a snapshot without warnings keeps the manifest it always had
    said = (replace(RESULTS[1], warnings=("two", "one")), replace(RESULTS[0], warnings=("first",)), RESULTS[2])
    manifest = json.loads((Path(publish(said, tmp_path / "said").path) / "manifest.json").read_text())
    assert manifest["warnings"] == [["a.pdf", "first"], ["b.pdf", "two"], ["b.pdf", "one"]]  # a document's in order
    assert manifest["snapshot_id"] == plain["snapshot_id"]  # they are no part of the id


def test_republish_is_a_no_op(tmp_path: Path) -> None:
    info = publish(RESULTS, tmp_path)
    before = {p: p.stat().st_mtime_ns for p in Path(info.path).iterdir()}
    again = publish(RESULTS, tmp_path, run_info={"started": "2024-06-01T10:00:00Z"})
    assert (again.snapshot_id, again.published) == (info.snapshot_id, False)
    assert {p: p.stat().st_mtime_ns for p in Path(info.path).iterdir()} == before
    assert json.loads((tmp_path / "runs" / f"{info.snapshot_id}.json").read_text())["published"] is False
    assert (
        again.row_counts
        == info.row_counts
        == (
            ("documents", 2),
            ("sections", 4),
            ("applications", 8),
            ("application_themes", 16),
            ("application_municipalities", 8),
            ("failures", 1),
        )
    )


def test_manifest(tmp_path: Path) -> None:
    info = publish(RESULTS, tmp_path)
    manifest = json.loads((Path(info.path) / "manifest.json").read_text())
    assert manifest["snapshot_id"] == info.snapshot_id == read_latest(tmp_path)
    assert [i["path"] for i in manifest["inputs"]] == ["a.pdf", "b.pdf", "c.pdf"]
    assert [i["pages"] for i in manifest["inputs"]] == [4, 4, 0]
    assert (manifest["engine"], manifest["schema_version"], manifest["library_versions"]) == (
        "pdfplumber",
        SCHEMA.version,
        VERSIONS,
    )
    assert manifest["tables"]["applications"]["rows"] == 8
    assert "time" not in json.dumps(manifest)


@pytest.mark.parametrize("error", ["timeout", "too_many_pages", "out_of_memory", "worker_crashed", "unreadable"])
def test_a_retried_file_that_now_succeeds_is_published(error: str, tmp_path: Path) -> None:
    # The same inputs and code, but the first run's outcome for c depended on the run: the run
    # that retries it with success must not be taken for the one that holds the failure.
    first = publish((*RESULTS[:2], make_failed("c", error=error)), tmp_path)
    manifest = json.loads((Path(first.path) / "manifest.json").read_text())
    assert [row[:3] for row in manifest["run_outcomes"]] == [["c.pdf", "read", error]]
    assert not validate_snapshot(Path(first.path), SCHEMA)
    retried = publish((*RESULTS[:2], make_result("c", 2)), tmp_path)
    assert retried.published and retried.snapshot_id != first.snapshot_id == compute_snapshot_id(
        INPUTS, CODE, SCHEMA.version, manifest["run_outcomes"])
    assert retried.snapshot_id == compute_snapshot_id(INPUTS, CODE, SCHEMA.version) == read_latest(tmp_path)
    assert dict(retried.row_counts)["documents"] == 3 and "run_outcomes" not in (
        json.loads((Path(retried.path) / "manifest.json").read_text()))
    again = publish((*RESULTS[:2], make_failed("c", error=error)), tmp_path)
    assert (again.snapshot_id, again.published) == (first.snapshot_id, True)  # the same outcome: the same id
    assert not publish((*RESULTS[:2], make_failed("c", error=error)), tmp_path).published


def test_results_must_belong_to_inputs(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not inputs"):
        publish_snapshot(
            RESULTS,
            [source_of(RESULTS[0])],
            tmp_path,
            schema=SCHEMA,
            code_version="x",
            library_versions={},
            engine="e",
        )


def test_stale_temporary_folders_are_cleaned(tmp_path: Path) -> None:
    dead = tmp_path / SNAPSHOTS / ".tmp-0123456789abcdef-999999999"
    dead.mkdir(parents=True)
    (tmp_path / "LATEST.tmp-999999999").write_text("x")
    mine = tmp_path / SNAPSHOTS / f".tmp-0123456789abcdef-{os.getppid()}"  # a live process: left alone
    mine.mkdir()
    assert sorted(p.name for p in clean_stale(tmp_path)) == [
        ".tmp-0123456789abcdef-999999999",
        "LATEST.tmp-999999999",
    ]
    assert mine.exists() and not dead.exists()


CHILD = """
import os, pickle, sys
from pathlib import Path
import pyarrow.parquet as pq
from pipeline.dataset.write import publish_snapshot
from schemas import load_schema

job = pickle.loads(Path(sys.argv[1]).read_bytes())

def pause(step):
    if step == job["stop_at"]:
        print("paused at", step, flush=True)  # the test's cue to kill this process
        sys.stdin.read()  # until the kill; should the test itself be gone, its pipe closes:
        os._exit(1)  # leave without publishing

if job["stop_at"] == "parquet_half_written":
    write = pq.write_table
    def half_write(table, where, **options):
        write(table, where, **options)
        Path(where).write_bytes(Path(where).read_bytes()[:100])
        pause("parquet_half_written")
    pq.write_table = half_write

publish_snapshot(job["results"], job["inputs"], Path(job["out"]), schema=load_schema(),
                 code_version="0.1.0+test", library_versions={}, engine="pdfplumber", progress=pause)
"""


@pytest.mark.parametrize("stop_at", ["parquet_half_written", *PROGRESS_STEPS[:-1]])
def test_sigkill_during_publication_keeps_previous_snapshot(tmp_path: Path, stop_at: str) -> None:
    out = tmp_path / "out"
    old = publish(RESULTS, out)
    new_results = RESULTS + (make_result("d", 2),)
    job = tmp_path / "job.pickle"
    job.write_bytes(
        pickle.dumps(
            {
                "results": new_results,
                "inputs": [source_of(r) for r in new_results],
                "out": str(out),
                "stop_at": stop_at,
            }
        )
    )
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(job)], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) as child:  # fmt: skip
        try:
            said = _next_line(child, 60)
            assert said == f"paused at {stop_at}\n", f"the publishing process did not pause, it said {said!r}"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.kill()
    assert read_latest(out) == old.snapshot_id
    assert validate_snapshot(out) == []
    # LATEST and current/ switch in one rename: whenever the kill fell, they agree
    assert read_current(out) == read_latest(out) == old.snapshot_id
    assert validate_snapshot((out / CURRENT).resolve()) == []
    new_id = compute_snapshot_id([source_of(r) for r in new_results], "0.1.0+test", SCHEMA.version)
    new = publish(new_results, out)
    assert new.published and read_latest(out) == new.snapshot_id == new_id != old.snapshot_id
    assert read_current(out) == new_id and (out / CURRENT).resolve() == (out / SNAPSHOTS / new_id).resolve()
    assert validate_snapshot(out) == [] and validate_snapshot(Path(old.path)) == []
    assert [p.name for p in (out / SNAPSHOTS).iterdir() if p.name.startswith(".")] == []
    assert [p.name for p in out.iterdir() if p.name.startswith((f"{LATEST}.", f"{HEAD}."))] == []


def _next_line(child: subprocess.Popen, safety_net_s: float) -> str:
    """The child's next line of output, "" once it has ended; fails when nothing comes within the safety net."""
    ready, _, _ = select.select([child.stdout], [], [], safety_net_s)
    assert ready, f"the child said nothing for {safety_net_s:g} s"
    return child.stdout.readline()


def test_invalid_rows_become_failures_and_valid_rows_are_written(tmp_path: Path) -> None:
    result = make_result("a", 6)
    apps = list(result.applications)
    apps[0] = replace(apps[0], nis_code="99999")
    apps[1] = replace(apps[1], themes=("wonen", "sport"))
    apps[2] = replace(apps[2], budget_eur=2_000_000.0)
    apps[4] = replace(apps[4], item_number=4)
    future = make_result("f", 2, date=TODAY.replace(year=TODAY.year + 1))
    bad_sha = make_result("s", 1)
    bad_sha = replace(bad_sha, document=replace(bad_sha.document, sha256="XYZ"))
    context = ValidationContext(is_valid_code, province_of, THEMES, TODAY)
    validated = validate_results([replace(result, applications=tuple(apps)), future, bad_sha], context)
    info = publish(validated, tmp_path)
    folder = Path(info.path)
    written = pq.read_table(folder / "applications.parquet").to_pylist()
    assert [(r["doc_id"], r["item_number"]) for r in written] == [(result.document.doc_id, 6)]
    failures = pq.read_table(folder / "failures.parquet").to_pylist()
    assert sorted((f["source_file"], f["error"]) for f in failures) == [
        ("a.pdf", "budget_max"),
        ("a.pdf", "nis_code_known"),
        ("a.pdf", "theme_vocabulary"),
        ("a.pdf", "unique"),
        ("f.pdf", "question_date_not_future"),
        ("s.pdf", "pattern"),
    ]
    assert all(f["stage"] == "validate" for f in failures)
    documents = pq.read_table(folder / "documents.parquet").to_pylist()
    assert [d["source_file"] for d in documents] == ["a.pdf"]
    assert documents[0]["application_count"] == 6  # the rows found, not the rows kept


def test_duckdb_reads_latest_applications(tmp_path: Path) -> None:
    result = make_result("a", 4)
    result = replace(
        result,
        applications=result.applications
        + (make_application(result.document.doc_id, 5, themes=("armoede", "wonen"), theme_terms=()),),
    )
    result = replace(
        result, document=replace(result.document, application_count=5, declared_application_count=5)
    )
    publish((result,), tmp_path)
    applications = tmp_path / SNAPSHOTS / read_latest(tmp_path) / "applications.parquet"
    rows = duckdb.sql(
        APPLICATIONS_PER_PROVINCE_AND_THEME.format(applications=applications.as_posix())
    ).fetchall()
    assert rows == [
        ("Antwerpen", "veiligheid", 1),
        ("Antwerpen", "wonen", 1),
        ("Oost-Vlaanderen", "veiligheid", 1),
        ("Oost-Vlaanderen", "wonen", 1),
        ("West-Vlaanderen", "armoede", 1),
        ("West-Vlaanderen", "veiligheid", 1),
        ("West-Vlaanderen", "wonen", 2),
        (None, "veiligheid", 1),
        (None, "wonen", 1),  # Brussels has no province
    ]
