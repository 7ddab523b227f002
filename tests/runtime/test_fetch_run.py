"""Fetch, then run: a tree fetched from the local imitation of the services becomes documents with the
Parliament's columns; conflicts, non-PDF files and sidecars that change or break; the run lock held throughout."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.discover.sources import discover_sources
from pipeline.runtime.fetch_run import FetchRequest, FetchSteps, fetch_and_run
from pipeline.runtime.lock import LockHeld, hold_lock
from pipeline.runtime.run import PLAIN_STEPS, RunConfig, run_batch
from pipeline.sources.vlpar.config import FetchConfig
from pipeline.sources.vlpar.fetch import fetch_window, plan_window
from tests.fixtures.generate import SAMPLE_PATH, render_synthetic
from tests.fixtures.vlpar_server import DOCX, Item, ServedFile, VlparServer

YEAR = "2021-2022"
SAMPLE, OTHER, WORD = 1593741, 1593742, 1593743
REQUEST = FetchRequest(since=dt.date(2021, 9, 1), until=dt.date(2021, 9, 30))


@pytest.fixture(scope="module")
def bodies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    rendered = sorted(render_synthetic(tmp_path_factory.mktemp("fetch_run_pdfs"), 2).values())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return {"sample": SAMPLE_PATH.read_bytes(), "other": rendered[0].read_bytes(),
            "by-hand": rendered[1].read_bytes(), "docx": buffer.getvalue()}  # fmt: skip


@pytest.fixture()
def vlpar(bodies: dict[str, bytes]) -> Iterator[VlparServer]:
    server = VlparServer().start()
    sample = ServedFile(1750001, bodies["sample"])
    server.add(Item(SAMPLE, dt.date(2021, 9, 3), YEAR, [sample], detail={
        "id": SAMPLE, "vraagnummer": 12, "zittingsjaar": YEAR, "thema": ["Binnenlands Bestuur", "Wonen"],
        "vraagsteller": {"id": 1, "naam": "JANSSENS", "voornaam": "Chris"},  # as the PDF, written otherwise
        "minister": {"id": 2, "naam": "Somers", "voornaam": "Bart"},
        "procedureverloop": [{"status": "Vraag gesteld aan de minister", "datum": "2021-10-01T00:00:00"},
                             {"status": "Tijdig beantwoord", "datum": "2021-10-28T00:00:00"}],
        "bestand-ordered": [{"URL": server.base + sample.path}],
    }))  # fmt: skip
    other = ServedFile(1750002, bodies["other"], old_form=True)
    server.add(Item(OTHER, dt.date(2021, 9, 8), YEAR, [other], detail={
        "id": OTHER, "zittingsjaar": YEAR, "thema": ["Onderwijs"],
        "vraagsteller": {"id": 3, "naam": "Nobody", "voornaam": "Quinten"},  # not who asked in the PDF
        "bestand-ordered": [{"URL": server.base + other.path}],
    }))  # fmt: skip
    server.add(Item(WORD, dt.date(2021, 9, 13), YEAR, [ServedFile(1750003, bodies["docx"], DOCX)]))
    yield server
    server.stop()


def _configs(tmp_path: Path, server: VlparServer) -> tuple[FetchConfig, RunConfig]:
    sources = tmp_path / "sources"
    fetch = FetchConfig(sources_dir=sources, api_base=server.base, version="test", pause_s=0.0, sleep=lambda s: None,
                        retries=1, jitter_s=0.0, timeout_s=10.0)  # fmt: skip
    return fetch, RunConfig(str(sources), str(tmp_path / "out"), workers=1, isolate=False)


def _documents(out: Path) -> dict[str, dict]:
    table = pq.read_table(out / "current" / "documents.parquet")
    return {row["source_file"]: row for row in table.to_pylist()}


def _sidecar(fetch: FetchConfig, question: int) -> Path:
    return fetch.vlpar_dir / YEAR / f"{question}.json"


@pytest.mark.slow  # three runs of the pipeline on three documents
def test_a_fetched_tree_runs_into_documents_with_the_parliament_columns(
    tmp_path: Path, vlpar: VlparServer, bodies: dict[str, bytes]
) -> None:
    fetch, run = _configs(tmp_path, vlpar)
    fetch.sources_dir.mkdir()
    (fetch.sources_dir / "by-hand.pdf").write_bytes(bodies["by-hand"])  # no sidecar: nulls
    first = fetch_and_run(fetch, REQUEST, run, PLAIN_STEPS)
    assert (first.fetch.found, first.fetch.downloaded, first.fetch.failures) == (3, 3, ())
    summary = first.run
    assert (summary.inputs, summary.documents, summary.failed, summary.warnings) == (4, 3, 1, ())

    docs = _documents(Path(run.out_dir))
    sample = docs[f"vlpar/{YEAR}/{SAMPLE}.pdf"]
    assert (sample["vlpar_id"], sample["zittingsjaar"], sample["parliament_themes"], sample["answer_date"]) == (
        str(SAMPLE), YEAR, ["Binnenlands Bestuur", "Wonen"], dt.date(2021, 10, 28))
    assert sample["source_url"] == vlpar.base + "/pfile?id=1750001"
    assert sample["questioner"] == "Chris Janssens"  # the PDF's own value
    other = docs[f"vlpar/{YEAR}/{OTHER}.pdf"]
    assert other["source_url"] == vlpar.base + "/files/pfile?id=1750002" and other["answer_date"] is None
    assert {docs["by-hand.pdf"][c] for c in ("vlpar_id", "zittingsjaar", "parliament_themes", "answer_date",
                                            "source_url")} == {None}  # fmt: skip

    (conflict,) = summary.conflicts  # only the real disagreement: "JANSSENS Chris" is the PDF's questioner
    assert (conflict.source_file, conflict.field, conflict.parliament) == (
        f"vlpar/{YEAR}/{OTHER}.pdf", "questioner", "Quinten Nobody")
    (failure,) = summary.failure_rows
    assert (failure.source_file, failure.error) == (f"vlpar/{YEAR}/{WORD}.docx", "not_pdf")
    assert "Word document (.docx)" in failure.message

    # a changed sidecar is joined again; the other documents stay as they were (carried over)
    record = json.loads(_sidecar(fetch, SAMPLE).read_text(encoding="utf-8"))
    record["detail"]["thema"] = ["Wonen"]
    record["written_at"] = "2030-01-01T00:00:00+00:00"
    _sidecar(fetch, SAMPLE).write_text(json.dumps(record), encoding="utf-8")
    record = json.loads(_sidecar(fetch, OTHER).read_text(encoding="utf-8"))
    record["written_at"] = "2030-01-01T00:00:00+00:00"  # times alone do not make a document new
    _sidecar(fetch, OTHER).write_text(json.dumps(record), encoding="utf-8")
    second = run_batch(run, PLAIN_STEPS)
    assert second.published and second.snapshot_id != summary.snapshot_id
    assert (second.parsed, second.cached) == (1, 2)
    assert _documents(Path(run.out_dir))[f"vlpar/{YEAR}/{SAMPLE}.pdf"]["parliament_themes"] == ["Wonen"]

    # a broken sidecar: nulls and a warning, never a crash
    _sidecar(fetch, OTHER).write_text("{broken", encoding="utf-8")
    third = run_batch(run, PLAIN_STEPS)
    (warning,) = third.warnings
    assert warning.startswith(f"vlpar/{YEAR}/{OTHER}.pdf: {OTHER}.json:") and third.conflicts == ()
    broken = _documents(Path(run.out_dir))[f"vlpar/{YEAR}/{OTHER}.pdf"]
    assert broken["vlpar_id"] is None and broken["parliament_themes"] is None

    same = run_batch(run, PLAIN_STEPS)  # nothing new: the warning is said again
    assert not same.published and same.warnings == third.warnings


def test_the_run_lock_is_held_before_the_fetch(tmp_path: Path, vlpar: VlparServer) -> None:
    fetch, run = _configs(tmp_path, vlpar)
    Path(run.out_dir).mkdir()
    with hold_lock(Path(run.out_dir)), pytest.raises(LockHeld):
        fetch_and_run(fetch, REQUEST, run, PLAIN_STEPS, wait_lock=0)
    assert vlpar.requests == [] and not fetch.vlpar_dir.exists()  # nothing was fetched


def test_a_first_fetch_starts_at_first_since_and_later_ones_go_on(tmp_path: Path, vlpar: VlparServer) -> None:
    fetch, run = _configs(tmp_path, vlpar)
    windows = []

    def plan(*args: object) -> None:
        windows.append(args[1:3])
        raise RuntimeError("planned")  # stop before fetching

    steps = FetchSteps(plan=plan, fetch=lambda config, window: None)  # type: ignore[arg-type, return-value]
    first = FetchRequest(first_since=dt.date(2021, 9, 1))
    for _ in range(2):
        with pytest.raises(RuntimeError, match="planned"):
            fetch_and_run(fetch, first, run, PLAIN_STEPS, steps)
        (fetch.vlpar_dir).mkdir(parents=True, exist_ok=True)
        (fetch.vlpar_dir / "state.json").write_text(json.dumps({"until": "2021-10-01"}), encoding="utf-8")
    assert windows == [(dt.date(2021, 9, 1), None), (None, None)]
    with pytest.raises(ValueError, match="give one folder"):
        fetch_and_run(fetch, first, replace(run, source_dir=str(tmp_path)), PLAIN_STEPS, steps)


def test_a_tree_copied_elsewhere_keeps_its_sidecars(tmp_path: Path, vlpar: VlparServer) -> None:
    """Discovery reads sidecars by name beside each file: a copied tree is the same input."""
    fetch, _ = _configs(tmp_path, vlpar)
    fetch_window(fetch, plan_window(fetch, REQUEST.since, REQUEST.until, 45, dt.date(2021, 10, 1)))
    copy = tmp_path / "copy"
    shutil.copytree(fetch.sources_dir, copy)
    first, second = discover_sources(fetch.sources_dir), discover_sources(copy)
    assert [s.meta_sha256 for s in first.sources] == [s.meta_sha256 for s in second.sources]
    assert all(s.meta_sha256 for s in first.sources)
