"""Run reporting: the summary of a run and its human-readable forms."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.discover import DUPLICATE, Discovery
from pipeline.records import DocumentResult, Failure, RunSummary, SnapshotInfo


def problem_results(discovery: Discovery) -> tuple[DocumentResult, ...]:
    """Discovery's problems (links out, unreadable files, duplicates) as failure-only results."""
    return tuple(
        DocumentResult(source_file=f.source_file, sha256=f.sha256 or "", n_pages=0, document=None, failures=(f,))
        for f in discovery.problems
    )


def summarize_run(
    discovery: Discovery, results: Sequence[DocumentResult], parsed: int, cached: int, info: SnapshotInfo
) -> RunSummary:
    """Counts of one run; every input is a document, a failure or a duplicate."""
    failures = [f for r in results for f in r.failures]
    duplicates = sum(1 for f in failures if f.error == DUPLICATE)
    failed = sum(1 for r in results if r.document is None and any(f.error != DUPLICATE for f in r.failures))
    return RunSummary(
        inputs=len(discovery.sources) + len(discovery.problems),
        documents=sum(1 for r in results if r.document is not None),
        parsed=parsed,
        cached=cached,
        failed=failed,
        duplicates=duplicates,
        sections=sum(len(r.sections) for r in results),
        applications=sum(len(r.applications) for r in results),
        failures=sum(1 for f in failures if f.error != DUPLICATE),
        snapshot_id=info.snapshot_id,
        snapshot_path=info.path,
        published=info.published,
        failure_rows=tuple(failures),
    )


def format_summary(summary: RunSummary) -> str:
    """A few lines for the terminal."""
    state = "published" if summary.published else "unchanged (nothing new; LATEST already points at it)"
    return "\n".join(
        [
            f"inputs       {summary.inputs} PDF files ({summary.duplicates} duplicates)",
            f"documents    {summary.documents} ({summary.parsed} processed, {summary.cached} from cache)",
            f"sections     {summary.sections}",
            f"applications {summary.applications}",
            f"failures     {summary.failures} rows ({summary.failed} files failed)",
            f"snapshot     {summary.snapshot_id} {state}",
            f"             {summary.snapshot_path}",
        ]
    )


def format_failures(failures: Sequence[Failure], limit: int = 20) -> str:
    """The first failures, one line each, for the terminal."""
    lines = [f"  {f.source_file}: [{f.stage}/{f.error}] {f.message}" for f in failures[:limit]]
    if len(failures) > limit:
        lines.append(f"  ... and {len(failures) - limit} more (see failures.parquet)")
    return "\n".join(lines)
