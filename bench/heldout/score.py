"""Score parlq on the held-back documents: rows found against the truth, per document, per form, per field.

    .venv/bin/python -m bench.heldout.score [--engine pdfium|pdfplumber] [--json] [--keep DIR]

Renders the documents (make.py) into a temporary folder, runs parlq in this process
(`run_batch(config, PLAIN_STEPS)`, as the benchmark does), reads the snapshot's tables and
compares. A found row matches a truth row of the same document when their municipalities are
equal and their titles match after normalisation (lower case, accents and punctuation stripped):
equal, or sharing a common start of at least 80% of the shorter title (so one title may be a
prefix of the other). Matching is one to one, exact titles first. Not for tuning: see README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import unicodedata
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq

FIELDS = ("municipality", "nis_code", "sub_municipality", "neighbourhoods", "title", "budget_eur", "status",
          "applicant")  # fmt: skip
META = ("question_number", "question_date", "questioner", "minister")
PREFIX_SHARE = 0.8


def normalise(text: str | None) -> str:
    """Lower case, accents and punctuation stripped, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def titles_match(a: str | None, b: str | None) -> bool:
    """Equal after normalisation, or a common start of at least 80% of the shorter one."""
    x, y = normalise(a), normalise(b)
    if not x or not y:
        return False
    if x == y:
        return True
    common = 0
    for p, q in zip(x, y, strict=False):
        if p != q:
            break
        common += 1
    return common >= PREFIX_SHARE * min(len(x), len(y))


def match_rows(truth: list[dict], found: list[dict]) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """One-to-one pairs (truth, found), then the truth rows missed and the found rows matching nothing."""
    pairs: list[tuple[dict, dict]] = []
    free = list(range(len(found)))
    open_truth = list(range(len(truth)))
    for exact in (True, False):
        for t in list(open_truth):
            for f in free:
                row, hit = truth[t], found[f]
                if normalise(row["municipality"]) != normalise(hit.get("municipality")):
                    continue
                same = normalise(row["title"]) == normalise(hit.get("title"))
                if same or (not exact and titles_match(row["title"], hit.get("title"))):
                    pairs.append((row, hit))
                    free.remove(f)
                    open_truth.remove(t)
                    break
    pairs.sort(key=lambda pair: pair[0]["item_number"])
    return pairs, [truth[t] for t in open_truth], [found[f] for f in free]


def field_equal(name: str, want: object, got: object) -> bool:
    """Whether a found value equals the truth's, field by field."""
    if name == "neighbourhoods":
        return {normalise(x) for x in want or []} == {normalise(x) for x in (got if got is not None else [])}
    if name == "title":
        return " ".join(str(want).split()) == " ".join(str(got or "").split())
    if name == "budget_eur":
        missing = got is None or (isinstance(got, float) and math.isnan(got))
        return (want is None and missing) or (want is not None and not missing and abs(want - got) < 0.005)
    if name == "applicant":
        return normalise(str(want)) == normalise(str(got or ""))
    return (want or None) == (got or None)


def score(truths: dict[str, dict], documents: list[dict], applications: list[dict]) -> dict:
    """The scores: per document, per form, overall, per field, given truth by file name and the snapshot's rows."""
    by_file = {Path(d["source_file"]).name: d for d in documents}
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for row in applications:
        by_doc[row["doc_id"]].append(row)
    has_applicant = any("applicant" in row for row in applications)
    docs, forms = {}, defaultdict(lambda: {"truth": 0, "found": 0, "matched": 0})
    fields = {name: [0, 0] for name in FIELDS if name != "applicant" or has_applicant}
    for file, truth in truths.items():
        meta_row = by_file.get(file)
        found = sorted(by_doc.get(meta_row["doc_id"], []), key=lambda r: r["item_number"]) if meta_row else []
        pairs, missed, extra = match_rows(truth["applications"], found)
        doc_form = truth["document"]["form"]
        docs[file] = {"form": doc_form, "truth": len(truth["applications"]), "found": len(found),
                      "matched": len(pairs), "metadata": _metadata_ok(truth["document"], meta_row),
                      "missed": [f"{r['municipality']} | {r['title']}" for r in missed],
                      "unmatched": [f"{r.get('municipality')} | {r.get('title')}" for r in extra]}  # fmt: skip
        for row in truth["applications"]:
            forms[row["form"]]["truth"] += 1
        for row, hit in pairs:
            forms[row["form"]]["matched"] += 1
            forms[row["form"]]["found"] += 1
            for name, tally in fields.items():
                tally[0] += field_equal(name, row[name], hit.get(name))
                tally[1] += 1
        forms[doc_form]["found"] += len(extra)
    total = {key: sum(d[key] for d in docs.values()) for key in ("truth", "found", "matched")}
    return {
        "documents": {name: _rates(d) for name, d in docs.items()},
        "forms": {name: _rates(f) for name, f in sorted(forms.items())},
        "overall": _rates(total),
        "fields": {name: {"correct": c, "matched": n, "accuracy": round(c / n, 3) if n else None}
                   for name, (c, n) in fields.items()},  # fmt: skip
    }


def run_parlq(source: Path, out: Path, engine: str) -> tuple[list[dict], list[dict]]:
    """Run parlq on `source` in this process; the snapshot's documents and applications rows."""
    from pipeline.runtime.run import PLAIN_STEPS, RunConfig, run_batch

    config = RunConfig(str(source), str(out), engine, workers=1, use_cache=False, isolate=False, link_sources=False)
    summary = run_batch(config, PLAIN_STEPS)
    snapshot = Path(summary.snapshot_path)
    return (pq.read_table(snapshot / "documents.parquet").to_pylist(),
            pq.read_table(snapshot / "applications.parquet").to_pylist())  # fmt: skip


def render_markdown(result: dict, engine: str, details: bool) -> str:
    """The scores as Markdown tables."""
    lines = [f"Engine: `{engine}`.", "", "### Per document", "",
             "| document | form | truth | found | matched | precision | recall | metadata |",
             "|---|---|---:|---:|---:|---:|---:|---|"]  # fmt: skip
    for name, d in result["documents"].items():
        lines.append(f"| {name} | {d['form']} | {d['truth']} | {d['found']} | {d['matched']} | "
                     f"{_pct(d['precision'])} | {_pct(d['recall'])} | {d['metadata']} |")  # fmt: skip
    o = result["overall"]
    lines.append(f"| **all** | | {o['truth']} | {o['found']} | {o['matched']} | {_pct(o['precision'])} | "
                 f"{_pct(o['recall'])} | |")  # fmt: skip
    lines += ["", "### Per form", "", "| form | truth | found | matched | precision | recall |",
              "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for name, f in result["forms"].items():
        lines.append(f"| {name} | {f['truth']} | {f['found']} | {f['matched']} | {_pct(f['precision'])} | "
                     f"{_pct(f['recall'])} |")  # fmt: skip
    lines += ["", "### Per field, over matched rows", "", "| field | correct | matched | accuracy |",
              "|---|---:|---:|---:|"]  # fmt: skip
    for name, f in result["fields"].items():
        lines.append(f"| {name} | {f['correct']} | {f['matched']} | {_pct(f['accuracy'])} |")
    if details:
        for name, d in result["documents"].items():
            lines += ["", f"#### {name}", *(f"- missed: {m}" for m in d["missed"]),
                      *(f"- unmatched: {u}" for u in d["unmatched"])]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="pdfium", choices=("pdfium", "pdfplumber"))
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--details", action="store_true", help="list missed and unmatched rows per document")
    parser.add_argument("--keep", type=Path, help="render and run in this folder instead of a temporary one")
    args = parser.parse_args(argv)
    from bench.heldout.make import write_heldout

    with tempfile.TemporaryDirectory(prefix="parlq-heldout-") as temp:
        work = args.keep or Path(temp)
        pairs = write_heldout(work / "pdfs")
        truths = {pdf.name: json.loads(truth.read_text(encoding="utf-8")) for pdf, truth in pairs}
        documents, applications = run_parlq(work / "pdfs", work / "out", args.engine)
    result = score(truths, documents, applications)
    if args.json:
        print(json.dumps({"engine": args.engine, **result}, ensure_ascii=False, indent=2))
    else:
        print(render_markdown(result, args.engine, args.details), end="")
    return 0


def _metadata_ok(truth: dict, row: dict | None) -> str:
    if row is None:
        return "no document row"
    wrong = [name for name in META if str(row.get(name)) != str(truth[name])]
    return "ok" if not wrong else "wrong: " + ", ".join(wrong)


def _rates(counts: dict) -> dict:
    found, truth, matched = counts["found"], counts["truth"], counts["matched"]
    return {**counts, "precision": round(matched / found, 3) if found else None,
            "recall": round(matched / truth, 3) if truth else None}  # fmt: skip


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


if __name__ == "__main__":
    sys.exit(main())
