"""The local imitation of the services, fixture documents to serve, and a config that records its waits."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.sources.vlpar.config import FetchConfig
from tests.fixtures.generate import SAMPLE_PATH, render_synthetic
from tests.fixtures.vlpar_server import VlparServer


@pytest.fixture(scope="session")
def pdf_bodies(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """The committed sample and two rendered documents, as bytes."""
    rendered = render_synthetic(tmp_path_factory.mktemp("vlpar_pdfs"), 2)
    return [SAMPLE_PATH.read_bytes(), *(path.read_bytes() for path in sorted(rendered.values()))]


@pytest.fixture(scope="session")
def docx_body() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture()
def vlpar() -> Iterator[VlparServer]:
    server = VlparServer().start()
    yield server
    server.stop()


@pytest.fixture()
def waits() -> list[float]:
    return []


@pytest.fixture()
def config(tmp_path: Path, vlpar: VlparServer, waits: list[float]) -> FetchConfig:
    return FetchConfig(
        sources_dir=tmp_path / "sources", api_base=vlpar.base, version="test", pause_s=0.0, sleep=waits.append,
        retries=3, jitter_s=0.0, timeout_s=10.0,
    )  # fmt: skip
