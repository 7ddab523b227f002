"""`parlq run --dry-run`: what a run would do with each input, decided by the pipeline's own steps, writing nothing.

The run's first steps (`pipeline.runtime.run`: discover, find-unchanged, plan-carry), called
directly: no Prefect, no lock, no cache, and OUT_DIR is only read (not even created).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from pipeline.dataset.snapshot import MANIFEST, latest_snapshot
from pipeline.runtime.limits import Limits
from pipeline.runtime.run import RunConfig, carry_step, discover_step, unchanged_step


class Action(StrEnum):
    """What a run would do with an input."""

    PROCESS = "process"
    CARRY = "carry"  # its rows are kept from the previous snapshot
    SKIP = "skip"  # a failure row, without reading it


PROCESS, CARRY, SKIP = Action


@dataclass(frozen=True)
class PlannedFile:
    path: str  # as in the dataset's source_file: relative to SOURCE_DIR
    action: Action
    reason: str


@dataclass(frozen=True)
class DryRun:
    files: tuple[PlannedFile, ...]  # sorted by path
    previous: str | None  # the snapshot LATEST names (carried rows come from it)
    unchanged: bool  # LATEST already holds exactly these inputs: the run would publish nothing new


def plan_dry_run(source_dir: str, out_dir: str, limits: Limits, use_cache: bool) -> DryRun:
    """Each input below `source_dir` with what a run into `out_dir` would do with it, and why."""
    config = RunConfig(source_dir, out_dir, use_cache=use_cache, limits=limits)
    found = discover_step(config)
    # as in a run: no incremental run on an object store or without the cache
    previous = latest_snapshot(Path(out_dir)) if config.incremental and Path(out_dir).is_dir() else None
    unchanged = previous is not None and unchanged_step(found, config) is not None
    plan = carry_step(found, config) if previous is not None else None
    carried = plan.paths if plan is not None else frozenset()
    before = _previous_inputs(previous)
    files = [PlannedFile(f.source_file, SKIP, f"{f.error}: {f.message}") for f in found.problems]
    for source in found.sources:
        if source.path in carried:
            files.append(PlannedFile(source.path, CARRY, f"unchanged since snapshot {previous.name}"))
        elif not use_cache:
            files.append(PlannedFile(source.path, PROCESS, "full refresh"))
        elif source.path not in before:
            files.append(PlannedFile(source.path, PROCESS, "new"))
        elif before[source.path] != source.sha256:
            files.append(PlannedFile(source.path, PROCESS, "changed"))
        else:
            files.append(PlannedFile(source.path, PROCESS, "again: other code, or its outcome depended on the run"))
    return DryRun(
        files=tuple(sorted(files, key=lambda f: f.path)),
        previous=previous.name if previous is not None else None,
        unchanged=unchanged,
    )


def dry_run_record(plan: DryRun) -> dict[str, object]:
    """The plan as plain data, for `--json`."""
    counts = Counter(f.action for f in plan.files)
    return {
        "dry_run": True,
        "previous_snapshot": plan.previous,
        "unchanged": plan.unchanged,
        "files": [asdict(f) for f in plan.files],
        "counts": {"files": len(plan.files), **{action: counts[action] for action in (PROCESS, CARRY, SKIP)}},
    }


def format_dry_run(plan: DryRun) -> str:
    """One line per input (`process  a.pdf  (new)`), then the counts."""
    lines = [_printable(f"{f.action:<8} {f.path}  ({f.reason})") for f in plan.files]
    counts = Counter(f.action for f in plan.files)
    source = f" from snapshot {plan.previous}" if plan.previous else ""
    lines.append(
        f"dry run: {len(plan.files)} inputs: {counts[PROCESS]} to process, {counts[CARRY]} carried over{source}, "
        f"{counts[SKIP]} failures without reading; nothing was written"
    )
    if plan.unchanged:
        lines.append(f"LATEST ({plan.previous}) already holds these inputs: a run would publish nothing new")
    return "\n".join(lines)


def _previous_inputs(previous: Path | None) -> dict[str, str]:
    """Path -> sha256 of the inputs of the previous snapshot (its manifest was validated by latest_snapshot)."""
    if previous is None:
        return {}
    manifest = json.loads((previous / MANIFEST).read_text(encoding="utf-8"))
    return {entry["path"]: entry["sha256"] for entry in manifest["inputs"]}


def _printable(text: str) -> str:
    # a file name may hold a newline or other control characters: one input, one terminal line
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
