"""Join: a document row completed with the Parliament's metadata from its sidecar, and where the two disagree.

The PDF is what the dataset describes, so its question number, questioner and minister are kept;
where the Parliament's record says otherwise the difference is recorded as a MetadataConflict
for the run report. Names are compared tolerantly (case, accents, spacing, punctuation, order of
first and last name, initials) so that only real disagreements are reported.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import replace

from pipeline.model.records import DocumentResult, MetadataConflict, SourceFile


def join_metadata(result: DocumentResult, source: SourceFile) -> DocumentResult:
    """The result with its document row's Parliament columns filled from `source.meta` (unchanged without)."""
    meta, row = source.meta, result.document
    if meta is None or row is None:
        return result
    document = replace(
        row,
        vlpar_id=meta.vlpar_id,
        zittingsjaar=meta.zittingsjaar,
        parliament_themes=meta.parliament_themes,
        answer_date=meta.answer_date,
        source_url=meta.source_url,
    )
    conflicts = []
    if meta.question_number is not None and meta.question_number != row.question_number:
        conflicts.append(("question_number", str(row.question_number), str(meta.question_number)))
    for field in ("questioner", "minister"):
        theirs = getattr(meta, field)
        ours = getattr(row, field)
        if theirs is not None and not same_name(ours, theirs):
            conflicts.append((field, ours, theirs))
    found = tuple(MetadataConflict(result.source_file, field, pdf, parliament) for field, pdf, parliament in conflicts)
    return replace(result, document=document, conflicts=found)


def same_name(a: str, b: str) -> bool:
    """Whether two spellings name the same person: 'Chris Janssens' = 'JANSSENS, Chris' = 'C. Janssens'.

    Case, accents, punctuation and spacing do not count ('Vandeurzen' = 'Van Deurzen'), nor the
    order of the names; an initial stands for any name that starts with it.
    """
    left, right = _tokens(a), _tokens(b)
    if not left or not right:
        return left == right
    if _joined(left) & _joined(right):
        return True
    rest_left, rest_right = Counter(left), Counter(right)
    common = rest_left & rest_right
    rest_left, rest_right = rest_left - common, rest_right - common
    if not common:
        return False  # initials alone do not make a match
    return _initials_match(rest_left, rest_right) or _initials_match(rest_right, rest_left)


def _tokens(name: str) -> list[str]:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return "".join(ch if ch.isalnum() else " " for ch in text).split()


def _joined(tokens: list[str]) -> set[str]:
    # every rotation: 'janssens chris' and 'chris janssens', 'van deurzen jo' and 'jo vandeurzen'
    return {"".join(tokens[i:] + tokens[:i]) for i in range(len(tokens))}


def _initials_match(initials: Counter[str], names: Counter[str]) -> bool:
    """Every token left on one side is an initial of a distinct name left on the other, and nothing else is left."""
    if sum(initials.values()) != sum(names.values()) or any(len(t) != 1 for t in initials):
        return False
    firsts = Counter(t[0] for t in names.elements())
    return firsts == initials
