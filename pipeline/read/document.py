"""The read step: a PDF's bytes to the engine-neutral page model, by the configured engine."""

from __future__ import annotations

from pipeline.model.document import RawDocument
from pipeline.read.config import Engine, ReadConfig


def read_document(data: bytes, config: ReadConfig) -> RawDocument:
    """Read with the configured engine (imported here: a run pays only for the engine it uses)."""
    if config.engine is Engine.PDFIUM:
        from pipeline.read.pdfium.reader import read_pdf_pdfium

        return read_pdf_pdfium(data, config)
    from pipeline.read.plumber import read_pdf_bytes

    return read_pdf_bytes(data, config)
