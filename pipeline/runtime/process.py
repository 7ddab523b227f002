"""One document end to end: the declared `DOCUMENT_STEPS` in order, as a DocumentResult.

`process_document` never raises for bad input: every problem becomes a Failure record.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from pipeline.clean.layout import LayoutConfig
from pipeline.dataset.rows import doc_id_for
from pipeline.extract.resources import Resources
from pipeline.model.document import RawDocument
from pipeline.model.errors import DocumentError
from pipeline.model.kinds import FailureKind, Stage
from pipeline.model.records import DocumentResult, Failure, SourceFile
from pipeline.read.config import ReadConfig
from pipeline.runtime.limits import out_of_memory_failure, ran_out_of_memory
from pipeline.steps import DOCUMENT_STEPS, Step


@dataclass(frozen=True)
class ProcessConfig:
    """How each document is processed: how it is read, and how its layout is cleaned."""

    read: ReadConfig = field(default_factory=ReadConfig)
    layout: LayoutConfig = field(default_factory=LayoutConfig)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def process_document(
    source: SourceFile,
    data: bytes,
    config: ProcessConfig,
    resources: Resources,
    steps: tuple[Step, ...] = DOCUMENT_STEPS,
) -> DocumentResult:
    """Turn one PDF's bytes into its rows, or into a failure that says why."""
    return trace_document(source, data, config, resources, steps)[0]


def trace_document(
    source: SourceFile,
    data: bytes,
    config: ProcessConfig,
    resources: Resources,
    steps: tuple[Step, ...] = DOCUMENT_STEPS,
) -> tuple[DocumentResult, dict[str, object]]:
    """`process_document`, and every value the steps produced by name (up to a failing step's inputs):
    what `parlq inspect` shows of one document."""
    values: dict[str, object] = {
        "source": source,
        "data": data,
        "doc_id": doc_id_for(source.sha256),
        "read_config": config.read,
        "layout_config": config.layout,
        "resources": resources,
    }
    stage = steps[0].stage if steps else Stage.READ
    try:
        for step in steps:
            stage = step.stage
            values[step.output] = step.func(*(values[name] for name in step.inputs))
        return values["result"], values  # type: ignore[return-value]
    except DocumentError as exc:
        failure = Failure(source.path, source.sha256, exc.stage, exc.kind, exc.message)
        if ran_out_of_memory(exc):  # a library wrapped a MemoryError, e.g. as an unreadable page
            failure = out_of_memory_failure(source, exc.stage)
    except Exception as exc:  # noqa: BLE001 - a bug on one document must not stop the batch
        failure = Failure(
            source.path,
            source.sha256,
            stage,
            FailureKind.INTERNAL_ERROR,
            f"parlq could not process this file ({type(exc).__name__}: {exc}); please report it with the file.",
        )
        if ran_out_of_memory(exc):
            failure = out_of_memory_failure(source, stage)
    raw = values.get("raw")
    n_pages = raw.n_pages if isinstance(raw, RawDocument) else 0
    result = DocumentResult(
        source_file=source.path, sha256=source.sha256, n_pages=n_pages, document=None, failures=(failure,)
    )
    return result, values
