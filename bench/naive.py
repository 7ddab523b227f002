"""The naive peer as a user would write it: every PDF's text by pdfplumber, numbered items split by a regex.

    python bench/naive.py FOLDER     (prints documents, pages and items; writes nothing)
"""

import re
import sys
from pathlib import Path

import pdfplumber

numbered = re.compile(r"\n(?=\d{1,3}\.\s)")
docs = pages = items = 0
for path in sorted(Path(sys.argv[1]).rglob("*.pdf")):
    with pdfplumber.open(path) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        pages += len(pdf.pages)
    docs, items = docs + 1, items + len(numbered.split(text))
print(docs, pages, items)
