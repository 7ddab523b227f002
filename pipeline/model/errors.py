"""The one exception type a pipeline step raises for bad input; it carries a failure record's fields."""

from __future__ import annotations

from pipeline.model.kinds import FailureKind, Stage


class DocumentError(Exception):
    """Bad input: becomes a `failures` row, never a crash of the batch."""

    def __init__(self, stage: Stage, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.stage = stage
        self.kind = kind
        self.message = message
