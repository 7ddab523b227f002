"""The pipeline's steps, declared once: a document's chain and a run's chain.

`DOCUMENT_STEPS` is one document's chain, read → clean → parse → segment → extract → assemble →
join (the sidecar's metadata).
Each step is a function of named values: the document (`source`, `data`, `doc_id`), the run's
configs (`read_config`, `layout_config`), what a process builds once (`resources`), and the
outputs of the steps before it. `pipeline.runtime.process.process_document` runs them in order;
a failure is recorded at the step's `stage`. Adding a step is one line here plus its function.

`RUN_STEPS` names a run's chain; the flow's tasks and the benchmark's phases are these steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from pipeline.clean.layout import clean_document
from pipeline.dataset.join import join_metadata
from pipeline.dataset.rows import assemble_result
from pipeline.extract.applications import extract_document
from pipeline.model.kinds import Stage
from pipeline.parse.document import parse_document
from pipeline.read.document import read_document
from pipeline.segment.applications import segment_document


@dataclass(frozen=True)
class Step:
    """One step: `func(*values[inputs])` becomes `values[output]`; its failures are recorded at `stage`."""

    name: str
    stage: Stage
    func: Callable[..., object]
    inputs: tuple[str, ...]
    output: str


DOCUMENT_STEPS: tuple[Step, ...] = (
    Step("read", Stage.READ, read_document, ("data", "read_config"), "raw"),
    Step("clean", Stage.PARSE, clean_document, ("raw", "layout_config"), "clean"),
    Step("parse", Stage.PARSE, parse_document, ("clean",), "parsed"),
    Step("segment", Stage.EXTRACT, segment_document, ("parsed", "clean", "resources", "layout_config"), "segmentation"),
    Step("extract", Stage.EXTRACT, extract_document, ("segmentation", "parsed", "resources", "doc_id"), "applications"),
    Step("assemble", Stage.EXTRACT, assemble_result, ("source", "raw", "parsed", "segmentation", "applications"),
         "assembled"),  # fmt: skip
    # the Parliament's metadata from the sidecar `parlq fetch` wrote (carried in `source.meta`)
    Step("join", Stage.EXTRACT, join_metadata, ("assembled", "source"), "result"),
)

# A run: find the inputs, plan what is new (nothing new: stop; unchanged inputs: carry their
# rows over), process the new documents with DOCUMENT_STEPS, validate, publish the snapshot.
RUN_STEPS: tuple[str, ...] = ("discover", "plan", "process", "validate", "publish")


def replace_step(steps: tuple[Step, ...], name: str, func: Callable[..., object]) -> tuple[Step, ...]:
    """The same chain with step `name` doing `func` (e.g. a test that reads once for two engines)."""
    if name not in {s.name for s in steps}:
        raise ValueError(f"no step named {name!r}")
    return tuple(replace(s, func=func) if s.name == name else s for s in steps)
