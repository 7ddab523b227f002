"""Render the held-back documents (bench/heldout/content.py) as PDFs, each with its truth JSON beside it.

    .venv/bin/python -m bench.heldout.make OUT_DIR

The drawing is this folder's own (reportlab platypus, built-in fonts, `invariant` on): the same
code gives byte-identical files. These documents are not used for tuning parlq; see README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from bench.heldout.blocks import Block, Break, Bullet, Grid, HeldOutDoc, Look, Para

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")  # fmt: skip
FONTS = {"Helvetica": ("Helvetica", "Helvetica-Bold", "Helvetica-Oblique"),
         "Times": ("Times-Roman", "Times-Bold", "Times-Italic")}  # fmt: skip
PRODUCER = "parlq held-back documents"


def dutch_date(day: dt.date) -> str:
    """"1 oktober 2021"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def session_year(day: dt.date) -> str:
    """The parliamentary year ("2021-2022"), opening on the fourth Monday of September."""
    first = dt.date(day.year, 9, 1)
    opening = first + dt.timedelta(days=(7 - first.weekday()) % 7 + 21)
    start = day.year if day >= opening else day.year - 1
    return f"{start}-{start + 1}"


def truth_of(doc: HeldOutDoc) -> dict:
    """The truth JSON of one document: its metadata and every application, in document order."""
    meta = {"question_number": doc.number, "question_date": doc.date.isoformat(),
            "questioner": doc.questioner.title(), "minister": doc.minister.title(), "title": doc.title,
            "form": doc.form}  # fmt: skip
    apps = [{"item_number": n, **app} for n, app in enumerate(doc.applications, start=1)]
    return {"document": meta, "applications": apps}


def render_document(doc: HeldOutDoc, path: Path) -> None:
    """Write `doc` as an A4 PDF to `path`: question, then the answer block on a new page."""
    pages = _build(doc, path, total=0)
    if doc.look.footer == "page_of":
        _build(doc, path, total=pages)  # second pass: "pagina X van Y" needs Y


def write_heldout(out_dir: Path) -> list[tuple[Path, Path]]:
    """Render every held-back document into `out_dir` as NAME.pdf with NAME.truth.json; the pairs."""
    from bench.heldout.content import DOCUMENTS

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in DOCUMENTS:
        pdf, truth = out_dir / f"{doc.name}.pdf", out_dir / f"{doc.name}.truth.json"
        render_document(doc, pdf)
        truth.write_text(json.dumps(truth_of(doc), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append((pdf, truth))
    return written


def _build(doc: HeldOutDoc, path: Path, total: int) -> int:
    look = doc.look
    regular, bold, italic = FONTS[look.font]
    margin = look.margin_cm * cm
    width, height = A4
    pages = [0]

    def decorate(canvas: Canvas, _template: BaseDocTemplate) -> None:
        pages[0] = canvas.getPageNumber()
        canvas.saveState()
        canvas.setFont(regular, max(look.size - 2, 7.5))
        if look.running_header:
            header = f"Vlaams Parlement – Schriftelijke vraag {doc.number} ({session_year(doc.date)})"
            canvas.drawString(margin, height - margin + 1.0 * cm, header)
        number = canvas.getPageNumber()
        if look.footer == "page_of":
            canvas.drawCentredString(width / 2, margin - 1.2 * cm, f"pagina {number} van {total or '?'}")
        elif look.footer == "number":
            canvas.drawRightString(width - margin, margin - 1.2 * cm, str(number))
        canvas.restoreState()

    template = BaseDocTemplate(str(path), pagesize=A4, invariant=1, pageCompression=1, title=doc.title,
                               author="Vlaams Parlement", creator=PRODUCER, producer=PRODUCER, leftMargin=margin,
                               rightMargin=margin, topMargin=margin, bottomMargin=margin)  # fmt: skip
    frame = Frame(margin, margin, width - 2 * margin, height - 2 * margin, id="body", leftPadding=0,
                  rightPadding=0, topPadding=0, bottomPadding=0)  # fmt: skip
    template.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    template.build(_flowables(doc, width - 2 * margin), canvasmaker=_canvas_maker())
    return pages[0]


def _canvas_maker() -> Callable[..., Canvas]:
    def make(*args: object, **kwargs: object) -> Canvas:
        canvas = Canvas(*args, **kwargs)  # type: ignore[arg-type]
        canvas.setProducer(PRODUCER)
        return canvas

    return make


def _styles(look: Look) -> dict[str, ParagraphStyle]:
    regular, bold, italic = FONTS[look.font]
    leading = round(look.size * 1.25, 2)
    body = ParagraphStyle("body", fontName=regular, fontSize=look.size, leading=leading, spaceAfter=look.size * 0.8,
                          alignment=TA_JUSTIFY if look.justify else TA_LEFT)  # fmt: skip
    return {
        "body": body,
        "bold": ParagraphStyle("bold", parent=body, fontName=bold),
        "italic": ParagraphStyle("italic", parent=body, fontName=italic),
        "tight": ParagraphStyle("tight", parent=body, spaceAfter=0),
        "cell": ParagraphStyle("cell", parent=body, spaceAfter=0, alignment=TA_LEFT, fontSize=look.size - 0.5,
                               leading=round((look.size - 0.5) * 1.2, 2)),
        "cell_bold": ParagraphStyle("cell_bold", parent=body, spaceAfter=0, alignment=TA_LEFT, fontName=bold,
                                    fontSize=look.size - 0.5, leading=round((look.size - 0.5) * 1.2, 2)),
    }  # fmt: skip


def _flowables(doc: HeldOutDoc, text_width: float) -> list[Flowable]:
    look = doc.look
    st = _styles(look)
    out: list[Flowable] = []
    if look.first_page_block:
        for line in ("SCHRIFTELIJKE VRAAG", f"nr. {doc.number}", f"van {doc.questioner}",
                     f"datum: {dutch_date(doc.date)}", f"aan {doc.minister}"):  # fmt: skip
            out.append(Paragraph(escape(line), st["bold"] if line.startswith("SCHRIFT") else st["tight"]))
        out.append(Paragraph(escape(doc.minister_title), st["body"]))
        out.append(Spacer(1, look.size))
    out.append(Paragraph(escape(doc.title), st["bold"]))
    out.extend(Paragraph(escape(text), st["body"]) for text in doc.question)
    out.append(PageBreak())
    out.append(Paragraph(escape(doc.minister), st["bold"] if look.font == "Times" else st["tight"]))
    out.append(Paragraph(escape(doc.minister_title), st["body"]))
    out.append(Paragraph("ANTWOORD", st["bold"]))
    out.append(Paragraph(escape(f"op vraag nr. {doc.number} van {dutch_date(doc.date)}"), st["tight"]))
    out.append(Paragraph(escape(f"van {doc.questioner}"), st["body"]))
    out.append(Spacer(1, look.size))
    out.extend(_block(block, st, look, text_width) for block in doc.answer)
    return out


def _block(block: Block, st: dict[str, ParagraphStyle], look: Look, text_width: float) -> Flowable:
    if isinstance(block, Break):
        return PageBreak()
    if isinstance(block, Para):
        base = st["bold"] if block.bold else st["italic"] if block.italic else st["body"]
        style = ParagraphStyle(f"p{id(block)}", parent=base, leftIndent=block.indent, keepWithNext=block.keep,
                               spaceAfter=0 if block.keep else base.spaceAfter)  # fmt: skip
        if block.space_before is not None:
            style.spaceBefore = block.space_before
        return Paragraph(block.text if block.markup else escape(block.text), style)
    if isinstance(block, Bullet):
        style = ParagraphStyle(f"b{id(block)}", parent=st["body"], leftIndent=block.indent,
                               bulletIndent=max(block.indent - 14, 0), spaceAfter=look.size * 0.3,
                               bulletFontName=block.mark_font or st["body"].fontName)  # fmt: skip
        text = block.text if block.markup else escape(block.text)
        return Paragraph(text, style, bulletText=block.mark)
    return _table(block, st, text_width)


def _table(grid: Grid, st: dict[str, ParagraphStyle], text_width: float) -> Table:
    cells = []
    for r, row in enumerate(grid.rows):
        bold = r == 0 or (grid.bold_last and r == len(grid.rows) - 1)
        base = st["cell_bold"] if bold else st["cell"]
        right = ParagraphStyle(f"{base.name}_right", parent=base, alignment=TA_RIGHT)
        cells.append([Paragraph(escape(text), right if c in grid.right and r else base) for c, text in enumerate(row)])
    table = Table(cells, colWidths=[w * text_width for w in grid.widths], repeatRows=1, hAlign="LEFT")
    commands: list[tuple] = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 3),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 3)]  # fmt: skip
    if grid.rules == "grid":
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
    else:
        commands += [("LINEABOVE", (0, 0), (-1, 0), 0.8, colors.black),
                     ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                     ("LINEBELOW", (0, -1), (-1, -1), 0.8, colors.black)]  # fmt: skip
    for column, first, last in grid.spans:
        commands += [("SPAN", (column, first), (column, last)), ("VALIGN", (column, first), (column, last), "MIDDLE")]
    table.setStyle(TableStyle(commands))
    table.spaceAfter = st["body"].spaceAfter
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    for pdf, _truth in write_heldout(args.out_dir):
        print(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
