"""Score parlq on the application-list layout families: `python bench/forms.py [--engine pdfium|pdfplumber]`.

Renders every family of tests/fixtures/forms/ in both visual styles into a temporary folder, runs
parlq in this process (`run_batch` with the plain steps, as `parlq run` does without Prefect),
and compares the snapshot's applications table with each family's truth: per family and style
the truth and found rows, precision and recall of application rows (a row matches on municipality
plus normalised title), and per-field accuracy over the matched rows (`municipalities`: the rows of
application_municipalities in order, schema 1.3). A markdown table, or `--json` for machines. A
field a snapshot does not have (one of a schema before 1.3) is reported as "–".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the repository is not
    sys.path.insert(0, str(ROOT))

FIELDS = ("municipality", "nis_code", "sub_municipality", "neighbourhoods", "title", "budget_eur", "status",
          "applicant", "municipalities", "list_rule")  # fmt: skip
_DASHES = re.compile(r"[‐-―−]")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "„": '"'})
_EDGE_PUNCT = " .,;:-'\"()"


def score_forms(engine: str = "pdfium", work: Path | None = None, only: tuple[str, ...] = ()) -> dict[str, Any]:
    """Render, run parlq, score; returns {"engine", "runs": [per family and style], "total": {...}}."""
    from tests.fixtures.families import family_names, load_truth, render_forms

    with tempfile.TemporaryDirectory(prefix="parlq-forms-") as tmp:
        base = work or Path(tmp)
        unknown = set(only) - set(family_names())
        if unknown:
            raise SystemExit(f"no such family: {', '.join(sorted(unknown))}")
        rendered = render_forms(base / "pdfs", only=only)
        pdfs = base / "pdfs"
        found = run_parlq(pdfs, base / "out", engine)
    runs = []
    for (family, style), path in sorted(rendered.items()):
        truth = load_truth(family)["applications"]
        runs.append({"family": family, "style": style, **score_rows(truth, found.get(path.name, []))})
    return {"engine": engine, "runs": runs, "total": total_scores(runs)}


def run_parlq(source: Path, out: Path, engine: str) -> dict[str, list[dict[str, Any]]]:
    """parlq's in-process run over `source`; the snapshot's application rows per source file name."""
    import pyarrow.parquet as pq

    from pipeline.runtime.run import PLAIN_STEPS, RunConfig, run_batch

    config = RunConfig(str(source), str(out), engine, workers=1, use_cache=False, isolate=False,
                       link_sources=False)  # fmt: skip
    snapshot = Path(run_batch(config, PLAIN_STEPS).snapshot_path)
    names = {row["doc_id"]: Path(row["source_file"]).name
             for row in pq.read_table(snapshot / "documents.parquet").to_pylist()}  # fmt: skip
    places: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    side = snapshot / "application_municipalities.parquet"
    if side.exists():
        for row in sorted(pq.read_table(side).to_pylist(), key=lambda r: r.get("position") or 0):
            places[row["doc_id"], row["item_number"]].append(row)
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in pq.read_table(snapshot / "applications.parquet").to_pylist():
        if side.exists():
            row["municipalities"] = places.get((row["doc_id"], row["item_number"]), [])
        rows[names[row["doc_id"]]].append(row)
    return rows


def score_rows(truth: list[dict[str, Any]], found: list[dict[str, Any]]) -> dict[str, Any]:
    """Match found rows to truth rows one to one on (municipality, normalised title); count fields."""
    unmatched = list(found)
    pairs = []
    for expected in truth:
        key = row_key(expected)
        hit = next((row for row in unmatched if row_key(row) == key), None)
        if hit is not None:
            unmatched.remove(hit)
            pairs.append((expected, hit))
    fields: dict[str, list[int] | None] = {}
    wrong = []
    for field in FIELDS:
        if pairs and any(field not in row for _, row in pairs):
            fields[field] = None  # the snapshot has no such column (yet)
            continue
        bad = [(e, f) for e, f in pairs if not field_equal(field, e, f)]
        fields[field] = [len(pairs) - len(bad), len(pairs)]
        wrong += [{"title": e["title"], "field": field, "truth": e.get(field), "found": f.get(field)} for e, f in bad]
    return {
        "truth": len(truth),
        "found": len(found),
        "matched": len(pairs),
        "missed": [e["title"] for e in truth if all(e is not p[0] for p in pairs)],
        "extra": [f"{r.get('municipality')}: {r.get('title')}" for r in unmatched],
        "fields": fields,
        "wrong": wrong,
    }


def row_key(row: dict[str, Any]) -> tuple[str, str]:
    return normalise(row.get("municipality") or ""), normalise(row.get("title") or "")


def normalise(text: str) -> str:
    """Case, dashes, quotes, spacing and edge punctuation do not count."""
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "").translate(_QUOTES)
    text = _DASHES.sub("-", text).casefold()
    return " ".join(text.split()).strip(_EDGE_PUNCT)


def field_equal(field: str, expected: dict[str, Any], found: dict[str, Any]) -> bool:
    want, got = expected.get(field), found.get(field)
    if field == "budget_eur":
        return (want is None and got is None) or (None not in (want, got) and abs(want - got) < 0.5)
    if field == "neighbourhoods":
        return sorted(normalise(n) for n in want or []) == sorted(normalise(n) for n in got or [])
    if field == "municipalities":
        return [(p["municipality"], p["nis_code"], p["sub_municipality"]) for p in want] == [
            (p.get("municipality"), p.get("nis_code"), p.get("sub_municipality")) for p in got or []]
    if field == "title":  # the exact words; only spacing is forgiven
        return " ".join((want or "").split()) == " ".join((got or "").split())
    return want == got


def total_scores(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Sums over all runs: rows, precision, recall, and each field's accuracy."""
    truth, found, matched = (sum(run[k] for run in runs) for k in ("truth", "found", "matched"))
    fields: dict[str, list[int] | None] = {}
    for field in FIELDS:
        counts = [run["fields"][field] for run in runs if run["matched"]]
        fields[field] = None if any(c is None for c in counts) else [sum(c[0] for c in counts),
                                                                       sum(c[1] for c in counts)]
    return {"truth": truth, "found": found, "matched": matched, "fields": fields}


def render_table(result: dict[str, Any], detail: bool = False) -> str:
    """The markdown table: one line per family and style, then the totals; misses (and wrong fields)."""
    shown = FIELDS[:7] + ("applicant", "municipalities", "list_rule")
    head = ["family", "style", "truth", "found", "precision", "recall", *shown]
    lines = [f"Engine: {result['engine']}", "", "| " + " | ".join(head) + " |",
             "|" + "---|" * 2 + "---:|" * (len(head) - 2)]  # fmt: skip
    for run in [*result["runs"], {"family": "**all**", "style": "", **result["total"]}]:
        cells = [run["family"], run["style"], str(run["truth"]), str(run["found"]),
                 _ratio(run["matched"], run["found"]), _ratio(run["matched"], run["truth"]),
                 *(_ratio(*run["fields"][f]) if run["fields"][f] else "–" for f in shown)]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    misses = [f"- {r['family']}/{r['style']}: missed {_few(r['missed'])}, extra {_few(r['extra'])}"
              for r in result["runs"] if r["missed"] or r["extra"]]  # fmt: skip
    if detail:
        misses += [f"- {r['family']}/{r['style']}: {w['title']!r} {w['field']}: truth {w['truth']!r}, found "
                   f"{w['found']!r}" for r in result["runs"] for w in r["wrong"]]  # fmt: skip
    return "\n".join(lines + ([""] + misses if misses else [])) + "\n"


def _few(titles: list[str], shown: int = 4) -> str:
    more = f" and {len(titles) - shown} more" if len(titles) > shown else ""
    return f"{titles[:shown]}{more}"


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "–"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/forms.py", description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("pdfium", "pdfplumber"), default="pdfium")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--family", action="append", default=[], help="only this family (repeatable)")
    parser.add_argument("--keep", type=Path, help="render and run in this folder and keep it")
    parser.add_argument("--detail", action="store_true", help="also list every wrong field of a matched row")
    args = parser.parse_args(argv)
    result = score_forms(args.engine, args.keep, tuple(args.family))
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else render_table(result, args.detail), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
