"""Snapshot folders: the id (inputs, versions, outcomes of the run) and the checks of a folder."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.dataset.snapshot import compute_snapshot_id, is_published, list_run_outcomes, validate_snapshot
from pipeline.model.records import DocumentResult, Failure
from pipeline.runtime.limits import RUN_OUTCOMES
from schemas import load_schema
from tests.builders import CODE, INPUTS, RESULTS, make_failed, make_result, publish, sha

SCHEMA = load_schema()


@pytest.mark.parametrize(
    ("inputs", "code_version", "schema_version", "same"),
    [
        (INPUTS[::-1], CODE, SCHEMA.version, True),
        ([replace(INPUTS[0], location="/elsewhere/a.pdf", size=1), *INPUTS[1:]], CODE, SCHEMA.version, True),
        (INPUTS[:2], CODE, SCHEMA.version, False),
        ([replace(INPUTS[0], sha256=sha("changed")), *INPUTS[1:]], CODE, SCHEMA.version, False),
        ([replace(INPUTS[0], path="moved/a.pdf"), *INPUTS[1:]], CODE, SCHEMA.version, False),
        (INPUTS, "0.1.0+other", SCHEMA.version, False),
        (INPUTS, CODE, "9.9.9", False),
        ([replace(INPUTS[0], meta_sha256=sha("sidecar")), *INPUTS[1:]], CODE, SCHEMA.version, False),
    ],
)
def test_snapshot_id_depends_on_inputs_and_versions(
    inputs: list, code_version: str, schema_version: str, same: bool
) -> None:
    base = compute_snapshot_id(INPUTS, CODE, SCHEMA.version)
    assert (compute_snapshot_id(inputs, code_version, schema_version) == base) is same


@pytest.mark.parametrize("error", sorted(RUN_OUTCOMES))
def test_an_outcome_of_the_run_changes_the_id(error: str) -> None:
    results = (*RESULTS[:2], make_failed("c", error=error))
    outcomes = list_run_outcomes(results)
    assert outcomes == [["c.pdf", "read", error, "c.pdf is encrypted; remove the password."]]
    with_outcomes = compute_snapshot_id(INPUTS, CODE, SCHEMA.version, outcomes)
    assert with_outcomes != compute_snapshot_id(INPUTS, CODE, SCHEMA.version)


def test_outcomes_of_the_run_are_listed_in_one_order() -> None:
    late = Failure("b.pdf", sha("b"), "read", "timeout", "stopped")
    beside = DocumentResult("a.pdf", sha("a"), 1, None, failures=(
        Failure("a.pdf", sha("a"), "extract", "x", "m"),
        Failure("a.pdf", sha("a"), "read", "unreadable", "m"),
    ))
    results = (DocumentResult("b.pdf", sha("b"), 0, None, failures=(late,)), beside, make_result("d"))
    assert list_run_outcomes(results) == [
        ["a.pdf", "read", "unreadable", "m"],
        ["b.pdf", "read", "timeout", "stopped"],
    ]
    assert list_run_outcomes(results[::-1]) == list_run_outcomes(results)


def test_a_file_failing_for_its_content_keeps_the_plain_id(tmp_path: Path) -> None:
    info = publish(RESULTS, tmp_path)  # c.pdf is encrypted: a fact of the file, tried again by no run
    assert info.snapshot_id == compute_snapshot_id(INPUTS, CODE, SCHEMA.version)
    assert "run_outcomes" not in json.loads((Path(info.path) / "manifest.json").read_text())


def test_duplicate_input_paths_are_refused() -> None:
    with pytest.raises(ValueError, match="same path"):
        compute_snapshot_id(INPUTS + INPUTS[:1], CODE, SCHEMA.version)


def test_validate_snapshot_finds_problems(tmp_path: Path) -> None:
    info = publish(RESULTS, tmp_path)
    folder = Path(info.path)
    assert validate_snapshot(tmp_path) == [] and validate_snapshot(folder) == []
    assert is_published(tmp_path, info.snapshot_id)
    with open(folder / "sections.parquet", "ab") as handle:
        handle.write(b"x")
    (folder / "failures.parquet").unlink()
    pq.write_table(pa.table({"doc_id": ["x"]}), folder / "documents.parquet")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["tables"]["documents"]["sha256"] = hashlib.sha256(
        (folder / "documents.parquet").read_bytes()
    ).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "notes.txt").write_text("hi")
    problems = "\n".join(validate_snapshot(tmp_path))
    for expected in (
        "sections.parquet: sha256 differs",
        "failures.parquet: missing",
        "documents.parquet: Arrow schema differs",
        "documents.parquet: row count differs",
        "notes.txt: not part of the snapshot",
    ):
        assert expected in problems
    assert not is_published(tmp_path, info.snapshot_id)
    repaired = publish(RESULTS, tmp_path)  # a broken folder with the current id is rebuilt
    assert repaired.published and validate_snapshot(tmp_path) == []
