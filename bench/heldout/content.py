"""The six held-back documents, in the order they are rendered and scored."""

from __future__ import annotations

from bench.heldout.blocks import HeldOutDoc
from bench.heldout.docs_lists import merged_document, parentheses_document, province_document
from bench.heldout.docs_prose import letter_document, status_document
from bench.heldout.docs_table import table_document

DOCUMENTS: tuple[HeldOutDoc, ...] = (
    letter_document(),
    province_document(),
    table_document(),
    status_document(),
    merged_document(),
    parentheses_document(),
)
