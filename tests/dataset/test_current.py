"""current/: LATEST's tables at fixed paths; LATEST and current/ switched together, in one rename."""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
from pathlib import Path

import duckdb
import pytest

from pipeline.dataset.current import (
    CURRENT,
    HEAD,
    STATES,
    copy_current,
    point_head,
    read_current,
    remove_old_states,
    sync_current,
)
from pipeline.dataset.snapshot import LATEST, MANIFEST, SNAPSHOTS, read_latest
from pipeline.dataset.write import clean_stale
from pipeline.storage import join_location, read_bytes
from schemas import load_schema
from tests.builders import RESULTS, make_result, publish

SCHEMA = load_schema()
MORE = (*RESULTS, make_result("d", 2))


def test_publish_points_latest_and_current_through_one_relative_pointer(tmp_path: Path) -> None:
    info = publish(RESULTS, tmp_path)
    assert os.readlink(tmp_path / CURRENT) == f"{HEAD}/{CURRENT}"
    assert os.readlink(tmp_path / LATEST) == f"{HEAD}/{LATEST}"
    assert os.readlink(tmp_path / HEAD).startswith(f"{STATES}/{info.snapshot_id}.")
    assert read_current(tmp_path) == read_latest(tmp_path) == info.snapshot_id
    assert (tmp_path / LATEST).read_text() == info.snapshot_id + "\n"  # a text file to whoever reads it
    assert sorted(p.name for p in (tmp_path / CURRENT).iterdir()) == sorted(
        [*(f"{t}.parquet" for t in SCHEMA.tables), MANIFEST])
    moved = tmp_path.parent / f"{tmp_path.name}-moved"
    tmp_path.rename(moved)  # OUT_DIR can move: every link is relative
    assert read_current(moved) == read_latest(moved) == info.snapshot_id
    publish(MORE, moved)
    again = publish(RESULTS, moved)
    # replaced heads stay a while (a reader may have resolved one), then go; the head itself stays
    assert len(list((moved / STATES).iterdir())) == 3 and remove_old_states(moved) == []
    assert len(remove_old_states(moved, grace_seconds=0)) == 2
    assert [p.name.split(".")[0] for p in (moved / STATES).iterdir()] == [again.snapshot_id]
    assert read_current(moved) == read_latest(moved) == again.snapshot_id


def test_an_out_dir_copied_without_its_links_publishes_again(tmp_path: Path) -> None:
    publish(RESULTS, tmp_path / "out")
    copy = tmp_path / "copy"
    shutil.copytree(tmp_path / "out", copy)  # links followed: LATEST, current/ and .head are real now
    assert not (copy / HEAD).is_symlink() and read_current(copy) == read_latest(copy)
    newer = publish(MORE, copy)
    assert read_current(copy) == read_latest(copy) == newer.snapshot_id
    assert os.readlink(copy / HEAD).startswith(f"{STATES}/{newer.snapshot_id}.")
    assert [p.name for p in copy.iterdir() if p.name.startswith(f"{HEAD}.")] == []


def test_readers_use_fixed_paths_across_publishes(tmp_path: Path) -> None:
    publish(RESULTS, tmp_path)
    applications = (tmp_path / CURRENT / "applications.parquet").as_posix()
    count = f"SELECT count(*) FROM read_parquet('{applications}')"
    assert duckdb.sql(count).fetchall() == [(8,)]
    newer = publish(MORE, tmp_path)
    assert duckdb.sql(count).fetchall() == [(10,)]
    manifest = json.loads((tmp_path / CURRENT / MANIFEST).read_text())
    assert manifest["snapshot_id"] == newer.snapshot_id == read_latest(tmp_path)


def test_a_reader_always_finds_one_complete_snapshot_and_latest_agrees(tmp_path: Path) -> None:
    first, second = publish(RESULTS, tmp_path), publish(MORE, tmp_path)
    ids = {first.snapshot_id, second.snapshot_id}
    stop = threading.Event()
    seen: list[tuple[str, str]] = []

    def swap() -> None:
        for n in range(200):
            point_head(tmp_path, (first, second)[n % 2].snapshot_id)
        stop.set()

    swapper = threading.Thread(target=swap)
    swapper.start()
    while not stop.is_set():
        # one pointer resolved once: LATEST and current/'s manifest read through the same head
        head = (tmp_path / HEAD).resolve()
        latest = (head / LATEST).read_text().strip()
        seen.append((latest, json.loads((head / CURRENT / MANIFEST).read_text())["snapshot_id"]))
    swapper.join()
    assert seen and all(latest == shown and latest in ids for latest, shown in seen)


@pytest.mark.parametrize("state", ["plain_latest", "missing_current", "dangling_current", "current_folder"])
def test_an_out_dir_of_the_old_layout_moves_to_the_pointer_showing_the_same_snapshot(
    tmp_path: Path, state: str
) -> None:
    old = publish(RESULTS, tmp_path)
    for name in (LATEST, CURRENT, HEAD):
        (tmp_path / name).unlink()
    (tmp_path / LATEST).write_text(old.snapshot_id + "\n")  # what runs before current/ left
    current = tmp_path / CURRENT
    if state == "plain_latest":
        current.symlink_to(f"{SNAPSHOTS}/{old.snapshot_id}")
    elif state == "dangling_current":
        current.symlink_to(f"{SNAPSHOTS}/0123456789abcdef")
    elif state == "current_folder":  # a copy that did not keep the link
        current.mkdir()
        (current / MANIFEST).write_text(json.dumps({"snapshot_id": old.snapshot_id}))
    assert sync_current(tmp_path)
    assert read_current(tmp_path) == read_latest(tmp_path) == old.snapshot_id and current.is_symlink()
    assert not sync_current(tmp_path)  # in place: nothing to do
    new = publish(MORE, tmp_path)
    assert read_current(tmp_path) == read_latest(tmp_path) == new.snapshot_id
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(f"{HEAD}.")] == []


def test_sync_never_leads_latest(tmp_path: Path) -> None:
    assert not sync_current(tmp_path)  # no LATEST: no current/
    assert not (tmp_path / CURRENT).exists()
    publish(RESULTS, tmp_path)
    for name in (LATEST, CURRENT, HEAD):
        (tmp_path / name).unlink()
    (tmp_path / LATEST).write_text("0123456789abcdef\n")  # names no folder: left as it is
    assert not sync_current(tmp_path) and not (tmp_path / CURRENT).exists()


def test_a_publish_that_changes_nothing_repairs_current(tmp_path: Path) -> None:
    info = publish(RESULTS, tmp_path)
    (tmp_path / CURRENT).unlink()
    again = publish(RESULTS, tmp_path)
    assert not again.published and read_current(tmp_path) == info.snapshot_id


def test_a_dead_process_temporary_link_is_cleaned_not_its_target(tmp_path: Path) -> None:
    info = publish(RESULTS, tmp_path)
    dead = tmp_path / f"{HEAD}.tmp-999999999"
    dead.symlink_to(f"{STATES}/{info.snapshot_id}.1.1")
    assert clean_stale(tmp_path) == [dead]
    assert not dead.is_symlink() and (Path(info.path) / MANIFEST).is_file()


def test_url_current_is_a_copy_written_before_latest(monkeypatch: pytest.MonkeyPatch) -> None:
    root = f"memory://current-{uuid.uuid4().hex}"
    written: list[str] = []
    from pipeline import storage

    real_write = storage.write_bytes

    def record(location: str, data: bytes) -> None:
        written.append(location.removeprefix(root + "/"))
        real_write(location, data)

    monkeypatch.setattr(storage, "write_bytes", record)
    monkeypatch.setattr("pipeline.dataset.write.write_bytes", record)
    info = publish(RESULTS, root)
    current = [w for w in written if w.startswith(f"{CURRENT}/")]
    assert current[-1] == f"{CURRENT}/{MANIFEST}" and len(current) == len(SCHEMA.tables) + 1
    assert written.index(current[-1]) == len(written) - 2 and written[-1] == LATEST  # LATEST last
    for name in (MANIFEST, "applications.parquet"):
        assert read_bytes(join_location(root, CURRENT, name)) == read_bytes(join_location(info.path, name))
    written.clear()
    assert not publish(RESULTS, root).published and written == []  # nothing to copy again


def test_url_current_left_behind_is_repaired_by_the_next_publish(tmp_path: Path) -> None:
    root = f"memory://repair-{uuid.uuid4().hex}"
    info = publish(RESULTS, root)
    other = publish(MORE, tmp_path / "other")
    assert copy_current(Path(other.path), root)  # as a run killed before it moved LATEST leaves it
    assert not publish(RESULTS, root).published
    assert read_bytes(join_location(root, CURRENT, MANIFEST)) == read_bytes(join_location(info.path, MANIFEST))
