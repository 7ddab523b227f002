"""300 seeded random corruptions of the fixture PDFs through the pipeline: each one becomes a
document row or a failure row; none raises, none runs into the timeout, none crashes a worker."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from pipeline.discover.sources import discover_sources, input_files
from pipeline.runtime.batch import BatchConfig, process_sources
from pipeline.runtime.limits import MIB, RUN_DEPENDENT_ERRORS, Limits
from pipeline.runtime.process import ProcessConfig
from pipeline.runtime.report import check_accounting, problem_results
from tests.fixtures.hostile import MUTATIONS, mutate_pdf

SEED = 20240601
COUNT = 300
LIMITS = Limits(timeout_s=15.0, memory_bytes=1024 * MIB)


@pytest.fixture(scope="module")
def mutants(tmp_path_factory: pytest.TempPathFactory, fixture_set) -> tuple[Path, dict[str, str]]:
    """COUNT corrupted copies, named after their original and the kind of corruption."""
    root = tmp_path_factory.mktemp("mutants")
    originals = sorted(fixture_set.rendered.items())
    rng = random.Random(SEED)
    kinds = {}
    for index in range(COUNT):
        name, path = originals[index % len(originals)]
        kind, data = mutate_pdf(path.read_bytes(), rng)
        file = f"{index:03d}-{kind}-{name}"
        (root / file).write_bytes(data)
        kinds[file] = kind
    return root, kinds


def test_mutations_are_seeded(fixture_set) -> None:
    data = next(iter(fixture_set.rendered.values())).read_bytes()
    first = [mutate_pdf(data, random.Random(3)) for _ in range(2)]
    assert first[0] == first[1] and first[0][1] != data
    assert {mutate_pdf(data, random.Random(seed))[0] for seed in range(40)} == set(MUTATIONS)


@pytest.mark.slow  # 300 PDFs through two worker processes
def test_every_mutant_becomes_a_row(mutants) -> None:
    root, kinds = mutants
    found = discover_sources(root)
    outcome = process_sources(found.sources, ProcessConfig(), BatchConfig(workers=2, limits=LIMITS, isolate=True))
    results = outcome.results + problem_results(found)
    documents, failed, duplicates = check_accounting(input_files(found), results)
    assert documents + failed + duplicates == COUNT
    errors = Counter(f.error for r in results if r.document is None for f in r.failures)
    assert errors["internal_error"] == 0, _examples(results, "internal_error")
    assert not RUN_DEPENDENT_ERRORS & set(errors), errors  # no timeout, no memory blow-up, no crash
    print(f"\n{documents} documents, {failed} failed, {duplicates} duplicates; failures: {dict(errors)}")


def _examples(results, error: str) -> list[str]:
    return [f"{f.source_file}: {f.message}" for r in results for f in r.failures if f.error == error][:5]
