"""A run without Prefect: the declared run steps in order, under OUT_DIR's lock, only new work."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.dataset.snapshot import SNAPSHOTS, read_latest, validate_snapshot
from pipeline.runtime.lock import LockHeld, hold_lock
from pipeline.runtime.run import PLAIN_STEPS, RunConfig, RunSteps, run_batch
from pipeline.steps import RUN_STEPS

DOCS = ("seed_wijkverbeteringscontracten__plain.pdf", "buurtsport_subsidies__official.pdf")


@pytest.fixture
def sources(fixture_set, tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    for name in DOCS:
        shutil.copy(fixture_set.rendered[name], folder / name)
    return folder


def test_a_run_goes_through_the_declared_steps_and_a_rerun_does_nothing(sources: Path, tmp_path: Path) -> None:
    config = RunConfig(str(sources), str(tmp_path / "out"), workers=1)
    ended: list[str] = []
    first = run_batch(config, PLAIN_STEPS, on_step=ended.append)
    assert ended == list(RUN_STEPS)
    assert first.published and first.parsed == len(DOCS) and validate_snapshot(tmp_path / "out") == []
    ended.clear()
    again = run_batch(config, PLAIN_STEPS, on_step=ended.append)
    assert ended == ["discover", "plan"]  # LATEST holds these inputs: nothing more to do
    assert not again.published and again.snapshot_id == first.snapshot_id


def test_a_run_respects_the_lock_and_nothing_is_written(sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with hold_lock(out), pytest.raises(LockHeld, match="another parlq run is using"):
        run_batch(RunConfig(str(sources), str(out)), PLAIN_STEPS)
    assert read_latest(out) is None and not (out / SNAPSHOTS).exists()


def test_clearing_the_cache_happens_under_the_lock(sources: Path, tmp_path: Path) -> None:
    cleared: list[Path] = []
    steps = replace(PLAIN_STEPS, clear_cache=lambda folder: cleared.append(folder) or 0)
    run_batch(RunConfig(str(sources), str(tmp_path / "out"), workers=1), steps, clear=True)
    assert cleared == [tmp_path / "out" / "cache"]


def test_steps_are_the_callers_choice(sources: Path, tmp_path: Path) -> None:
    # what the flow does: the same functions, each wrapped (here: counted)
    calls: list[str] = []

    def counted(name: str, step):
        def call(*args):
            calls.append(name)
            return step(*args)

        return call

    wrapped = RunSteps(**{name: counted(name, getattr(PLAIN_STEPS, name)) for name in RunSteps.__dataclass_fields__})
    summary = run_batch(RunConfig(str(sources), str(tmp_path / "out"), workers=1), wrapped)
    assert summary.published
    assert calls == ["discover", "find_unchanged", "plan_carry", "prepare_validation", "process", "validate",
                     "publish", "report"]  # fmt: skip


def test_the_run_writes_its_report_last_and_a_report_that_fails_is_only_a_warning(
    sources: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out"
    summary = run_batch(RunConfig(str(sources), str(out), workers=1), PLAIN_STEPS)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert summary.snapshot_id in report and f'href="{os.path.relpath(sources, out)}/' in report
    assert (out / "current").resolve() == (out / SNAPSHOTS / summary.snapshot_id).resolve()

    def broken(out_dir: str, linked: str | None) -> None:
        raise OSError(28, "No space left on device")

    again = run_batch(RunConfig(str(sources), str(tmp_path / "other"), workers=1, link_sources=False),
                      replace(PLAIN_STEPS, report=broken))  # fmt: skip
    assert again.published and "the report could not be written" in caplog.text
