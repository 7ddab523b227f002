"""The declared step chain: every input is there when its step runs, and the chain reads as the pipeline."""

from __future__ import annotations

import pytest

from pipeline.model.kinds import Stage
from pipeline.steps import DOCUMENT_STEPS, RUN_STEPS, replace_step

GIVEN = {"source", "data", "doc_id", "read_config", "layout_config", "resources"}  # what process_document provides


def test_each_step_takes_only_what_is_given_or_made_before_it() -> None:
    available = set(GIVEN)
    for step in DOCUMENT_STEPS:
        assert set(step.inputs) <= available, f"{step.name} needs {set(step.inputs) - available}"
        assert step.output not in available, f"{step.name} overwrites {step.output}"
        available.add(step.output)
    assert DOCUMENT_STEPS[-1].output == "result"


def test_the_chain_is_the_documented_one() -> None:
    assert [s.name for s in DOCUMENT_STEPS] == ["read", "clean", "parse", "segment", "extract", "assemble", "join"]
    stages = [s.stage for s in DOCUMENT_STEPS]
    assert stages == sorted(stages, key=list(Stage).index)  # failures are recorded at stages in schema order
    assert RUN_STEPS == ("discover", "plan", "process", "validate", "publish")


def test_replace_step_swaps_one_function() -> None:
    steps = replace_step(DOCUMENT_STEPS, "read", len)
    assert [s.func for s in steps if s.name == "read"] == [len]
    assert [s for s in steps if s.name != "read"] == [s for s in DOCUMENT_STEPS if s.name != "read"]
    with pytest.raises(ValueError, match="no step named"):
        replace_step(DOCUMENT_STEPS, "ocr", len)
