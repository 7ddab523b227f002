"""Storage: local paths and fsspec URLs; discovery and publication under a URL; a run on a real S3 server.

The S3 server is moto's, started here on 127.0.0.1 (no network); `memory://` URLs (fsspec's
in-process filesystem) cover the URL code paths where no server is needed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import storage
from pipeline.dataset.provenance import code_version
from pipeline.dataset.snapshot import LATEST, MANIFEST, SNAPSHOTS, compute_snapshot_id, validate_snapshot
from pipeline.dataset.write import SnapshotError, publish_snapshot
from pipeline.discover.sources import discover_sources, input_files
from pipeline.storage import hash_file, is_url, join_location, list_files, read_bytes, write_bytes
from schemas import load_schema
from tests.builders import make_failed, make_result, source_of
from tests.fixtures.generate import render_synthetic

REPO = Path(__file__).resolve().parents[1]
SCHEMA = load_schema()
RESULTS = (make_result("a", 3), make_result("b", 5), make_failed("c"))
BUCKET = "parlq"
_SEGMENT = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,11}", fullmatch=True)


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("s3://bucket/prefix", True),
        ("memory://x", True),
        ("file:///tmp/x", True),
        ("/tmp/x", False),
        ("relative/x.pdf", False),
        ("C:/data/x.pdf", False),
        (Path("/tmp/x"), False),
    ],
)
def test_is_url(location: str | Path, expected: bool) -> None:
    assert is_url(location) is expected


@pytest.mark.parametrize(
    ("base", "parts", "expected"),
    [
        ("s3://b/p", ("snapshots", "id"), "s3://b/p/snapshots/id"),
        ("s3://b/p/", ("LATEST",), "s3://b/p/LATEST"),
        ("/out", ("logs", "prefect.log"), "/out/logs/prefect.log"),
    ],
)
def test_join_location_keeps_urls_whole(base: str, parts: tuple[str, ...], expected: str) -> None:
    assert join_location(base, *parts) == expected


def test_local_paths_do_not_import_fsspec(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    code = (
        "import sys; from pipeline import storage; "
        f"storage.write_bytes({str(tmp_path / 'b.pdf')!r}, storage.read_bytes({str(tmp_path / 'a.pdf')!r})); "
        f"storage.hash_file({str(tmp_path / 'b.pdf')!r}); "
        "assert 'fsspec' not in sys.modules, 'fsspec imported on the local path'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


@settings(max_examples=40, deadline=None)
@given(parts=st.lists(_SEGMENT, min_size=1, max_size=3), data=st.binary(max_size=3000))
def test_url_round_trip(parts: list[str], data: bytes) -> None:
    location = join_location(f"memory://roundtrip-{uuid.uuid4().hex}", *parts[:-1], parts[-1] + ".pdf")
    write_bytes(location, data)
    assert read_bytes(location) == data
    assert hash_file(location) == (hashlib.sha256(data).hexdigest(), len(data))


def test_list_files_sorted_by_suffix_without_excluded() -> None:
    root = f"memory://list-{uuid.uuid4().hex}"
    for name in ("b/2.pdf", "a.PDF", "b/1.pdf", "notes.txt", "out/old.pdf"):
        write_bytes(join_location(root, name), name.encode())
    found = list_files(root, ".pdf", exclude=(join_location(root, "out"),))
    assert [f.path for f in found] == ["a.PDF", "b/1.pdf", "b/2.pdf"]
    assert [f.location for f in found] == [join_location(root, f.path) for f in found]
    assert [f.size for f in found] == [len(f.path) for f in found]


def test_reading_a_missing_url_raises_oserror() -> None:
    with pytest.raises(OSError):
        read_bytes(f"memory://missing-{uuid.uuid4().hex}/x.pdf")


def test_publish_to_url_writes_the_local_bytes_latest_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local = _publish(tmp_path / "local")
    written: list[str] = []
    real_write = storage.write_bytes

    def record(location: str, data: bytes) -> None:
        written.append(location.rsplit("/", 1)[-1])
        real_write(location, data)

    monkeypatch.setattr(storage, "write_bytes", record)
    monkeypatch.setattr("pipeline.dataset.write.write_bytes", record)
    root = f"memory://publish-{uuid.uuid4().hex}"
    remote = _publish(root)
    assert (remote.snapshot_id, remote.published, remote.row_counts) == (local.snapshot_id, True, local.row_counts)
    assert remote.path == join_location(root, SNAPSHOTS, remote.snapshot_id)
    assert written[-2:] == [MANIFEST, LATEST]  # the manifest after every table, LATEST after all
    assert read_bytes(join_location(root, LATEST)) == f"{local.snapshot_id}\n".encode()
    for file in Path(local.path).iterdir():
        assert read_bytes(join_location(remote.path, file.name)) == file.read_bytes()

    written.clear()
    again = _publish(root)
    assert (again.snapshot_id, again.published, written) == (local.snapshot_id, False, [])

@pytest.mark.parametrize("before", ["", "moved"])
def test_publish_to_url_never_moves_a_latest_another_run_moved(before: str) -> None:
    root = f"memory://race-{uuid.uuid4().hex}"
    if before:
        before = _publish(root, RESULTS[:1]).snapshot_id  # what this run found when it began
    theirs = _publish(root)  # another run published meanwhile
    with pytest.raises(SnapshotError, match="another run published snapshot") as caught:
        _publish(root, RESULTS[1:], latest_at_start=before)
    assert read_bytes(join_location(root, LATEST)) == f"{theirs.snapshot_id}\n".encode()  # theirs stays
    ours = str(caught.value).split("this run's snapshot ")[1].split()[0]
    assert read_bytes(join_location(root, SNAPSHOTS, ours, MANIFEST))  # ours is stored, nothing is lost
    assert _publish(root, RESULTS[1:], latest_at_start=theirs.snapshot_id).published  # a new run publishes


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, str]]:
    """A moto S3 server on 127.0.0.1 with one bucket; yields the environment that points at it."""
    import boto3
    import s3fs
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ACCESS_KEY_ID": "parlq-test",
        "AWS_SECRET_ACCESS_KEY": "parlq-test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",  # botocore's own setting: s3fs needs no options
    }
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            s3fs.S3FileSystem.clear_instance_cache()  # clients are cached per configuration
            boto3.client("s3").create_bucket(Bucket=BUCKET)
            yield env
    finally:
        s3fs.S3FileSystem.clear_instance_cache()
        server.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("s3_corpus")
    render_synthetic(folder / "docs", count=4, seed=11)
    (folder / "docs" / "sub").mkdir()
    shutil.copy(next((folder / "docs").glob("*.pdf")), folder / "docs" / "sub" / "copy.pdf")  # a duplicate
    return folder / "docs"


@pytest.mark.slow  # moto's S3 server
def test_discovery_under_s3_matches_the_local_folder(s3: dict[str, str], corpus: Path) -> None:
    sources = _upload(corpus, "discover") + "/sources"
    write_bytes(f"{sources}/out/snapshots/x/old.pdf", b"%PDF output, not an input")
    remote = discover_sources(sources, exclude=(f"{sources}/out",))
    local = discover_sources(corpus)
    assert [(s.path, s.sha256, s.size) for s in remote.sources] == [(s.path, s.sha256, s.size) for s in local.sources]
    assert [(p.source_file, p.error) for p in remote.problems] == [(p.source_file, p.error) for p in local.problems]
    assert [p.error for p in remote.problems] == ["duplicate"]
    assert all(s.location == f"{sources}/{s.path}" for s in remote.sources)


@pytest.mark.slow  # moto's S3 server and `parlq run` end to end, with its temporary Prefect server
def test_run_from_s3_to_s3_gives_the_local_snapshot_id(
    s3: dict[str, str], corpus: Path, prefect_home: Path, tmp_path: Path
) -> None:
    prefix = _upload(corpus, "run")
    env = {**os.environ, **s3, "PREFECT_HOME": str(prefect_home), "PYTHONPATH": str(REPO)}
    env.pop("PREFECT_API_URL", None)  # the run starts its own temporary API
    run = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", f"{prefix}/sources", "--out", f"{prefix}/out", "--quiet",
         "--workers", "2"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    expected = compute_snapshot_id(input_files(discover_sources(corpus)), code_version(), SCHEMA.version)
    assert read_bytes(f"{prefix}/out/{LATEST}") == f"{expected}\n".encode()
    remote = f"{prefix}/out/{SNAPSHOTS}/{expected}"
    assert remote in run.stdout
    snapshot = tmp_path / expected  # a local copy, for the validator
    snapshot.mkdir()
    manifest = read_bytes(f"{remote}/{MANIFEST}")
    for name in json.loads(manifest)["tables"]:
        (snapshot / f"{name}.parquet").write_bytes(read_bytes(f"{remote}/{name}.parquet"))
    (snapshot / MANIFEST).write_bytes(manifest)
    assert validate_snapshot(snapshot, SCHEMA) == []
    read_bytes(f"{prefix}/out/logs/parlq.log")  # the run's log, kept locally during the run, copied at the end


def _publish(out: Path | str, results: tuple = RESULTS, latest_at_start: str | None = None):
    return publish_snapshot(
        results,
        [source_of(r) for r in results],
        out,
        schema=SCHEMA,
        code_version="0.1.0+test",
        library_versions={"pyarrow": pa.__version__},
        engine="pdfplumber",
        latest_at_start=latest_at_start,
    )


def _upload(folder: Path, name: str) -> str:
    """Copy `folder` to s3://parlq/<name>/sources/; returns s3://parlq/<name>."""
    prefix = f"s3://{BUCKET}/{name}"
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            write_bytes(f"{prefix}/sources/{path.relative_to(folder).as_posix()}", path.read_bytes())
    return prefix
