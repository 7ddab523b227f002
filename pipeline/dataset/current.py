"""LATEST and current/ as one: the LATEST snapshot's id and files at fixed paths, switched together.

On a local OUT_DIR both are fixed links into one pointer, `.head`:

    LATEST  -> .head/LATEST          .head -> .state/<id>.<n>/     LATEST   (the id, a text file)
    current -> .head/current                                      current  -> ../../snapshots/<id>

Publishing (`point_head`) writes a new `.state/<id>.<n>/` and replaces `.head` with one rename:
LATEST and current/ change in the same instant, so a reader, or a run killed at any point, never
sees them disagree, and current/ is never a partial snapshot. An OUT_DIR from before current/
(a plain LATEST file) is moved to this layout first, showing the same snapshot throughout.

On a URL OUT_DIR there are no links: current/ is a copy of the snapshot's files, tables first and
the manifest last, written after the snapshot and before LATEST moves (`copy_current`); the next
publish repairs a copy that a killed run left ahead of LATEST.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.dataset.snapshot import LATEST, MANIFEST, SNAPSHOTS, read_latest
from pipeline.storage import fsync_path, join_location, read_bytes, upload_files

CURRENT = "current"
HEAD = ".head"
STATES = ".state"
HEAD_STEPS = ("head_written", "head_replaced")
TMP_GLOB = f"{HEAD}.tmp-*"  # a publishing process's temporary pointer
# How long a replaced head's folder stays: a reader resolves `.head` once and then reads through it,
# and may be slower than several publishes in a row (so "the one before" is not enough).
STATE_GRACE_SECONDS = 600.0


def point_head(out_dir: Path, snapshot_id: str, progress: Callable[[str], None] | None = None) -> None:
    """Make LATEST name `snapshot_id` and current/ show its folder (in place already), in one rename."""
    step = progress or (lambda name: None)
    out_dir = Path(out_dir)
    sync_current(out_dir)  # the fixed links first (an OUT_DIR of the old layout), still on the old head
    before = _head_target(out_dir)
    state = _write_state(out_dir, snapshot_id)
    step(HEAD_STEPS[0])
    _replace_head(out_dir, state, before)
    step(HEAD_STEPS[1])
    _link(out_dir / CURRENT, f"{HEAD}/{CURRENT}")  # a new OUT_DIR: current/ first, LATEST, the commit, last
    _link(out_dir / LATEST, f"{HEAD}/{LATEST}")
    remove_old_states(out_dir)


def read_current(out_dir: Path) -> str | None:
    """The id of the snapshot OUT_DIR/current shows, or None when there is none (or it is dangling)."""
    current = Path(out_dir) / CURRENT
    try:
        target = current.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if current.is_symlink() and target.parent == (Path(out_dir) / SNAPSHOTS).resolve():
        return target.name if (target / MANIFEST).is_file() else None
    try:
        return str(json.loads((current / MANIFEST).read_text(encoding="utf-8"))["snapshot_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def sync_current(out_dir: Path) -> bool:
    """Make LATEST and current/ the fixed links into `.head`, on the snapshot LATEST names; True when
    anything changed. An OUT_DIR with a plain LATEST file (or none) keeps showing what LATEST names."""
    out_dir = Path(out_dir)
    head = out_dir / HEAD
    if _links_in_place(out_dir) and head.is_symlink() and read_current(out_dir) == read_latest(out_dir):
        return False
    latest = read_latest(out_dir)
    if latest is None or not (out_dir / SNAPSHOTS / latest / MANIFEST).is_file():
        return False  # nothing to show: current/ follows LATEST, never leads it
    before = _head_target(out_dir)
    if not (head.is_symlink() and read_latest(head) == latest):
        # the head takes what LATEST names; LATEST itself is not touched yet
        _replace_head(out_dir, _write_state(out_dir, latest), before)
    _link(out_dir / CURRENT, f"{HEAD}/{CURRENT}")
    _link(out_dir / LATEST, f"{HEAD}/{LATEST}")
    fsync_path(out_dir)
    remove_old_states(out_dir)
    return True


def remove_old_states(out_dir: Path, grace_seconds: float = STATE_GRACE_SECONDS) -> list[Path]:
    """Remove the `.state/` folders of earlier publishes and killed runs: all but the head's and those
    retired less than `grace_seconds` ago (a reader that resolved one a moment ago still finds it)."""
    states = Path(out_dir) / STATES
    if not states.is_dir():
        return []
    head, oldest = _head_target(Path(out_dir)), time.time() - grace_seconds
    removed = []
    for folder in states.iterdir():
        if os.path.join(STATES, folder.name) == head:
            continue
        try:
            if folder.lstat().st_mtime >= oldest:
                continue
        except OSError:
            continue  # another publish removed it
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def copy_current(folder: Path, target: str) -> bool:
    """Copy a local snapshot folder to the URL `target`/current, tables first and the manifest last.

    Skipped when current/'s manifest there is this one already; True when something was copied.
    """
    remote = join_location(target, CURRENT)
    manifest = (Path(folder) / MANIFEST).read_bytes()
    try:
        if read_bytes(join_location(remote, MANIFEST)) == manifest:
            return False
    except OSError:
        pass  # no current/ yet
    tables = sorted(p.name for p in Path(folder).iterdir() if p.name != MANIFEST)
    upload_files(Path(folder), remote, [*tables, MANIFEST])
    return True


def _write_state(out_dir: Path, snapshot_id: str) -> Path:
    """A new, synced `.state/<id>.<n>/` holding LATEST's text and current/'s link (never reused: a
    hand-edited LATEST seen through the links must not leak into a later publish)."""
    states = out_dir / STATES
    states.mkdir(exist_ok=True)
    state = states / f"{snapshot_id}.{os.getpid()}.{time.monotonic_ns()}"
    state.mkdir()
    with open(state / LATEST, "w", encoding="ascii", newline="\n") as handle:
        handle.write(snapshot_id + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.symlink(os.path.join("..", "..", SNAPSHOTS, snapshot_id), state / CURRENT, target_is_directory=True)
    fsync_path(state)
    fsync_path(states)
    return state


def _replace_head(out_dir: Path, state: Path, before: str | None) -> None:
    """Point `.head` at `state` in one rename; the head it replaces is marked retired now."""
    head = out_dir / HEAD
    tmp = out_dir / f"{HEAD}.tmp-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    os.symlink(os.path.join(STATES, state.name), tmp, target_is_directory=True)
    if head.is_dir() and not head.is_symlink():
        # a copy of OUT_DIR that did not keep the links: a rename cannot replace a real folder, so it
        # goes among the states first (LATEST and current/ are real files then too, and still readable)
        copied = state.parent / f"copied.{os.getpid()}.{time.monotonic_ns()}"
        os.replace(head, copied)
        before = os.path.join(STATES, copied.name)
    os.replace(tmp, head)
    fsync_path(out_dir)
    if before is not None:
        try:
            os.utime(out_dir / before, follow_symlinks=False)  # retired now: its grace starts here
        except OSError:
            pass  # removed by hand or by another run: nothing to keep


def _link(path: Path, target: str) -> None:
    """`path` as a link to `target`, replaced in one rename unless it is that link already."""
    if path.is_symlink() and os.readlink(path) == target:
        return
    tmp = path.with_name(f"{HEAD}.tmp-{path.name}-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    if path.is_dir() and not path.is_symlink():
        # a real folder (a copy that did not keep the link) cannot be replaced by a rename
        shutil.rmtree(path, ignore_errors=True)
    os.replace(tmp, path)


def _head_target(out_dir: Path) -> str | None:
    head = Path(out_dir) / HEAD
    return os.readlink(head) if head.is_symlink() else None


def _links_in_place(out_dir: Path) -> bool:
    return all(
        (out_dir / name).is_symlink() and os.readlink(out_dir / name) == f"{HEAD}/{name}" for name in (CURRENT, LATEST)
    )
