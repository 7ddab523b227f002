"""Shared pytest options and fixtures: the `--regen-golden` flag and the rendered fixture PDFs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from tests.fixtures.bad_inputs import write_bad_inputs
from tests.fixtures.generate import render_all

# Tests assert behaviour, never speed: no per-example deadline (the default fails examples over
# 200 ms, which a busy machine reaches).
settings.register_profile("parlq", deadline=None)
settings.load_profile("parlq")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="rewrite golden files (e.g. the sample in sources/) instead of comparing against them",
    )


@dataclass(frozen=True)
class FixtureSet:
    root: Path
    rendered: dict[str, Path]  # "<doc>__<variant>.pdf" -> path, all in root/"pdfs"
    bad: dict[str, Path]  # bad input file name -> path, all in root/"bad"
    bad_errors: dict[str, str]  # bad input file name -> expected failure `error` kind


@pytest.fixture(scope="session")
def regen_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was started with --regen-golden."""
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(scope="session")
def fixture_set(tmp_path_factory: pytest.TempPathFactory) -> FixtureSet:
    """Every doc in every variant plus the bad inputs, rendered once per session."""
    root = tmp_path_factory.mktemp("fixture_pdfs")
    rendered = render_all(root / "pdfs")
    bad_errors = write_bad_inputs(root / "bad")
    bad = {name: root / "bad" / name for name in bad_errors}
    return FixtureSet(root=root, rendered=rendered, bad=bad, bad_errors=bad_errors)


@pytest.fixture(scope="session")
def fixture_pdfs(fixture_set: FixtureSet) -> dict[str, Path]:
    """File name -> path of every rendered fixture PDF and every bad input (names never collide)."""
    return {**fixture_set.rendered, **fixture_set.bad}


@pytest.fixture(scope="session")
def bad_input_errors(fixture_set: FixtureSet) -> dict[str, str]:
    """Bad input file name -> the `error` kind the pipeline must report for it."""
    return dict(fixture_set.bad_errors)


@pytest.fixture(scope="session")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PREFECT_HOME for the session's runs: its database is migrated once, not per module."""
    home = tmp_path_factory.getbasetemp() / "prefect-home"
    home.mkdir(exist_ok=True)
    return home
