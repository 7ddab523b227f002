"""Run reporting: the summary of a run and its human-readable forms."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, fields

from pipeline.dataset.snapshot import list_warnings
from pipeline.discover.sources import Discovery, input_files
from pipeline.model.kinds import FailureKind
from pipeline.model.records import (
    CarryPlan,
    DocumentResult,
    Failure,
    MetadataConflict,
    RunSummary,
    SnapshotInfo,
    SourceFile,
)


def problem_results(discovery: Discovery) -> tuple[DocumentResult, ...]:
    """Discovery's problems (links out, unreadable files, duplicates) as failure-only results."""
    return tuple(
        DocumentResult(source_file=f.source_file, sha256=f.sha256 or "", n_pages=0, document=None, failures=(f,))
        for f in discovery.problems
    )


class AccountingError(RuntimeError):
    """Some input is not exactly one of: a document, a failed file, a duplicate. A bug: fatal."""

    def __init__(self, problems: Sequence[str]) -> None:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        super().__init__(f"the run lost track of its inputs: {shown}")
        self.problems = tuple(problems)


def check_accounting(
    inputs: Sequence[SourceFile], results: Sequence[DocumentResult], carried: CarryPlan | None = None
) -> tuple[int, int, int]:
    """(documents, failed, duplicates) by source file; raise AccountingError unless they add up to the inputs.

    Each input must have exactly one result, or be carried over from the previous snapshot (as a
    document or a failed file), and a result must be exactly one of: a document row (failure rows
    beside it allowed), failures without a document, or a duplicate.
    """
    expected = [f.path for f in inputs]
    problems = [f"{path} is listed twice as an input" for path in _repeated(expected)]
    problems += [f"{path} has more than one result" for path in _repeated([r.source_file for r in results])]
    seen = {r.source_file: r for r in results}
    kept = carried.paths if carried else frozenset()
    problems += [f"{path} is carried over and has a result" for path in kept & seen.keys()]
    problems += [f"{path} has no result" for path in expected if path not in seen and path not in kept]
    problems += [f"{path} has a result but is not an input" for path in (seen.keys() | kept) - set(expected)]
    documented = {path for path, _ in carried.documents} if carried else set()
    counts = {"document": len(documented & kept), "failed": len(kept - documented), "duplicate": 0}
    for path, result in seen.items():
        kinds = _outcomes(result)
        if len(kinds) != 1:
            problems.append(f"{path} is {' and '.join(kinds) if kinds else 'neither a document nor a failure'}")
        for kind in kinds:
            counts[kind] += 1
    if problems:
        raise AccountingError(problems)
    return counts["document"], counts["failed"], counts["duplicate"]


def summarize_run(
    discovery: Discovery,
    results: Sequence[DocumentResult],
    parsed: int,
    cached: int,
    info: SnapshotInfo,
    carried: CarryPlan | None = None,
) -> RunSummary:
    """Counts of one run; every input is a document, a failure or a duplicate (else AccountingError).

    Carried inputs count as taken from the cache (`cached`), with their rows of the previous snapshot.
    """
    documents, failed, duplicates = check_accounting(input_files(discovery), results, carried)
    failures = [*(carried.failures if carried else ()), *(f for r in results for f in r.failures)]
    conflicts = sorted((c for r in results for c in r.conflicts), key=lambda c: (c.source_file, c.field))
    # the documents' warnings (ambiguous lists, applicants without a municipality), carried ones included
    said = list_warnings(results, carried.warnings if carried else ())
    return RunSummary(
        inputs=len(discovery.sources) + len(discovery.problems),
        documents=documents,
        parsed=parsed,
        cached=cached + (len(carried.sources) if carried else 0),
        failed=failed,
        duplicates=duplicates,
        sections=sum(len(r.sections) for r in results) + (carried.sections if carried else 0),
        applications=sum(len(r.applications) for r in results) + (carried.applications if carried else 0),
        failures=sum(1 for f in failures if f.error != FailureKind.DUPLICATE),
        snapshot_id=info.snapshot_id,
        snapshot_path=info.path,
        published=info.published,
        failure_rows=tuple(failures),
        conflicts=tuple(conflicts),
        warnings=discovery.warnings + tuple(f"{path}: {warning}" for path, warning in said),
    )


def format_summary(summary: RunSummary) -> str:
    """A few lines for the terminal."""
    state = "published" if summary.published else "unchanged (nothing new; LATEST already points at it)"
    return "\n".join(
        [
            f"inputs       {summary.inputs} files = {summary.documents} documents + {summary.failed} failed"
            f" + {summary.duplicates} duplicates",
            f"documents    {summary.documents} ({summary.parsed} processed, {summary.cached} from cache)",
            f"sections     {summary.sections}",
            f"applications {summary.applications}",
            f"failures     {summary.failures} rows ({summary.failed} files failed)",
            f"snapshot     {summary.snapshot_id} {state}",
            f"             {summary.snapshot_path}",
            *([f"conflicts    {len(summary.conflicts)} (the PDF's values are kept)"] if summary.conflicts else []),
            *([f"warnings     {len(summary.warnings)}"] if summary.warnings else []),
        ]
    )


def format_conflicts(conflicts: Sequence[MetadataConflict], limit: int = 20) -> str:
    """Where the PDF and the Parliament's metadata disagree, one line each, for the terminal."""
    lines = [_printable(f"  {c.source_file}: {c.field}: PDF {c.pdf!r}, Parliament {c.parliament!r}")
             for c in conflicts[:limit]]  # fmt: skip
    if len(conflicts) > limit:
        lines.append(f"  ... and {len(conflicts) - limit} more (parlq run --json lists them all)")
    return "\n".join(lines)


def summary_record(summary: RunSummary) -> dict[str, object]:
    """The summary as plain data (`parlq run --json`): its counts, its snapshot and its failure rows."""
    rows = ("failure_rows", "conflicts", "warnings")
    record: dict[str, object] = {f.name: getattr(summary, f.name) for f in fields(summary) if f.name not in rows}
    record["failure_rows"] = [
        {"source_file": f.source_file, "stage": str(f.stage), "error": str(f.error), "message": f.message}
        for f in summary.failure_rows
    ]
    record["conflicts"] = [asdict(c) for c in summary.conflicts]
    record["warnings"] = list(summary.warnings)
    return record


def format_failures(failures: Sequence[Failure], limit: int = 20) -> str:
    """The first failures, one line each, for the terminal."""
    lines = [_printable(f"  {f.source_file}: [{f.stage}/{f.error}] {f.message}") for f in failures[:limit]]
    if len(failures) > limit:
        lines.append(f"  ... and {len(failures) - limit} more (see failures.parquet)")
    return "\n".join(lines)


def _outcomes(result: DocumentResult) -> list[str]:
    kinds = []
    if result.document is not None:
        kinds.append("document")
    elif any(f.error != FailureKind.DUPLICATE for f in result.failures):
        kinds.append("failed")
    if any(f.error == FailureKind.DUPLICATE for f in result.failures):
        kinds.append("duplicate")
    return kinds


def _repeated(items: Sequence[str]) -> list[str]:
    return sorted(item for item, count in Counter(items).items() if count > 1)


def _printable(text: str) -> str:
    # a file name may hold a newline or other control characters: one failure, one terminal line
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
