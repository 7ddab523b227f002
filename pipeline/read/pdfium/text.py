"""The pypdfium2 reader's access to a text page: its text, each text object's style, and the
entries (see `place.Run`) of one token (a blank or a word) at a time.

With `reader` and `glyphs`, the only modules that import pypdfium2. Hot loops call
PDFium through prototypes of their own (`native`), with reused C buffers.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable, Iterable
from typing import Any

import pypdfium2  # noqa: F401 - importing the package initialises the PDFium library
import pypdfium2.raw as pdfium

from pipeline.read.pdfium.place import Run, RunStyle, Widths, append_entry, snap

# Descent (1/1000 em) and name of the standard fonts, as the reference engine takes them from the
# Adobe metrics instead of the file when a font of this name is not embedded.
_STANDARD_FONTS = {
    **{name: (name, -194.0) for name in ("Courier", "Courier-Bold", "Courier-BoldOblique", "Courier-Oblique")},
    **{name: (name, -207.0) for name in ("Helvetica", "Helvetica-Bold", "Helvetica-BoldOblique", "Helvetica-Oblique")},
    **{name: (name, -217.0) for name in ("Times-Roman", "Times-Bold", "Times-BoldItalic", "Times-Italic")},
    "Symbol": ("Symbol", 0.0),
    "ZapfDingbats": ("ZapfDingbats", 0.0),
    "Arial": ("Helvetica", -207.0),
    "Arial,Italic": ("Helvetica-Oblique", -207.0),
    "Arial,Bold": ("Helvetica-Bold", -207.0),
    "Arial,BoldItalic": ("Helvetica-BoldOblique", -207.0),
    "CourierNew": ("Courier", -194.0),
    "CourierNew,Italic": ("Courier-Oblique", -194.0),
    "CourierNew,Bold": ("Courier-Bold", -194.0),
    "CourierNew,BoldItalic": ("Courier-BoldOblique", -194.0),
    "TimesNewRoman": ("Times-Roman", -217.0),
    "TimesNewRoman,Italic": ("Times-Italic", -217.0),
    "TimesNewRoman,Bold": ("Times-Bold", -217.0),
    "TimesNewRoman,BoldItalic": ("Times-BoldItalic", -217.0),
}
BLANKS = frozenset(" \r\n")  # the only characters PDFium adds between glyphs (flagged "generated")
WORD = re.compile(r"[^ \r\n]+")
_PIECE_DRIFT = 5e-4  # points: a word whose last origin is this far from the advances is re-read


def native(function: Any, restype: Any, *argtypes: Any) -> Callable[..., Any]:
    """The same C function with a prototype of our own.

    Object handles come back as plain ints (comparable, hashable) and, without argtypes, a call
    skips the bindings' conversions. The shared prototypes of the bindings stay untouched.
    """
    prototype = ctypes.CFUNCTYPE(restype, *argtypes)
    return prototype(ctypes.cast(function, ctypes.c_void_p).value)


_VOID, _INT = ctypes.c_void_p, ctypes.c_int
# hot loop: no argtypes, so pointers must be passed as c_void_p
text_object_at = native(pdfium.FPDFText_GetTextObject, _VOID)
is_generated = native(pdfium.FPDFText_IsGenerated, _INT)
char_origin = native(pdfium.FPDFText_GetCharOrigin, _INT)
loose_box = native(pdfium.FPDFText_GetLooseCharBox, _INT)
# per font and character (`pieces.Advances`): a character code, not a glyph index, despite the name
glyph_width = native(pdfium.FPDFFont_GetGlyphWidth, _INT, _VOID, ctypes.c_uint32, ctypes.c_float, _VOID)
# per text object
_char_matrix = native(pdfium.FPDFText_GetMatrix, _INT)
_font_size = native(pdfium.FPDFText_GetFontSize, ctypes.c_double)
_font_of = native(pdfium.FPDFTextObj_GetFont, _VOID, _VOID)
_font_embedded = native(pdfium.FPDFFont_GetIsEmbedded, _INT, _VOID)
_font_descent = native(pdfium.FPDFFont_GetDescent, _INT, _VOID, ctypes.c_float, ctypes.POINTER(ctypes.c_float))


def rect() -> Any:
    """A rectangle for PDFium to fill (FS_RECTF: left, top, right, bottom)."""
    return pdfium.FS_RECTF()


def page_text(textpage: Any, count: int) -> str:
    """The page's characters, PDFium's generated blanks and line breaks among them."""
    buffer = (ctypes.c_ushort * (count + 1))()
    written = pdfium.FPDFText_GetText(textpage, 0, count, buffer)
    text = bytes(buffer)[: 2 * max(written - 1, 0)].decode("utf-16-le", errors="surrogatepass")
    if len(text) == count:
        return text
    # characters outside the BMP, or control characters PDFium leaves out: one call per glyph
    return "".join(chr(pdfium.FPDFText_GetUnicode(textpage, i)) for i in range(count))


class Styles:
    """Font name, size, the reference engine's top and bottom, and uprightness per text object."""

    def __init__(self, textpage: Any, height: float) -> None:
        self.textpage, self.height = textpage, height
        self.page = ctypes.c_void_p(ctypes.cast(textpage, ctypes.c_void_p).value)
        self._styles: dict[int | None, RunStyle] = {}
        self._fonts: dict[int, tuple[str, float]] = {}  # font handle -> (name, descent in 1/1000 em)
        # text object -> its font handle and points per 1/1000 em along the line (for `pieces`)
        self.advance: dict[int | None, tuple[int | None, float]] = {}
        self._name = ctypes.create_string_buffer(256)
        self._flags = ctypes.c_int()
        self._matrix = pdfium.FS_MATRIX()
        self._matrix_ref = ctypes.c_void_p(ctypes.addressof(self._matrix))
        self._x, self._y = ctypes.c_double(), ctypes.c_double()
        self._x_ref = ctypes.c_void_p(ctypes.addressof(self._x))
        self._y_ref = ctypes.c_void_p(ctypes.addressof(self._y))

    def of(self, index: int, handle: int | None) -> RunStyle:
        """The style of the text object `handle`, whose first glyph is `index`."""
        if handle not in self._styles:
            self._styles[handle] = self._new(index, handle)
        return self._styles[handle]

    def _new(self, index: int, handle: int | None) -> RunStyle:
        matrix = self._matrix
        _char_matrix(self.page, index, self._matrix_ref)
        font_size = _font_size(self.page, index)
        char_origin(self.page, index, self._x_ref, self._y_ref)
        font = _font_of(handle) if handle is not None else None
        if font and font in self._fonts:
            fontname, descent = self._fonts[font]
        else:
            fontname, descent = self._font(index, font)
            if font:
                self._fonts[font] = (fontname, descent)
        d = matrix.d
        self.advance[handle] = (font, matrix.a * font_size * 0.001)
        low = snap(self._y.value) + d * descent / 1000 * font_size  # the baseline as the file gives it
        high = low + d * font_size
        upright = matrix.b == 0 and matrix.c == 0 and matrix.a > 0 and d > 0
        return RunStyle(fontname, round(d * font_size, 6), self.height - high, self.height - low, upright)

    def _font(self, index: int, font: int | None) -> tuple[str, float]:
        name, flags = self._name, ctypes.byref(self._flags)
        length = pdfium.FPDFText_GetFontInfo(self.textpage, index, name, len(name), flags)
        fontname = name.value.decode("utf-8", errors="replace") if length else "unknown"
        embedded = bool(font) and bool(_font_embedded(font))
        if fontname in _STANDARD_FONTS and not embedded:
            return _STANDARD_FONTS[fontname]
        units = ctypes.c_float()
        found = bool(font) and bool(_font_descent(font, 1000.0, ctypes.byref(units)))
        return fontname, -abs(units.value) if found else 0.0  # a positive /Descent is a sign error


class TokenReader:
    """Glyph entries of one text page, token by token, through reused C buffers; into `runs`."""

    def __init__(self, textpage: Any, text: str, order: dict[int, int], height: float, widths: Widths) -> None:
        self.text, self.order, self.height, self.widths = text, order, height, widths
        self.page = ctypes.c_void_p(ctypes.cast(textpage, ctypes.c_void_p).value)
        self.styles = Styles(textpage, height)
        self.runs: list[Run] = []
        self.handle: int | None = -1
        self.run = Run(-1, RunStyle("", 0.0, 0.0, 0.0, True), [])
        self.known: dict[str, float] = {}
        self.x, self._y, self._box = ctypes.c_double(), ctypes.c_double(), pdfium.FS_RECTF()
        self.x_ref = ctypes.c_void_p(ctypes.addressof(self.x))
        self.y_ref = ctypes.c_void_p(ctypes.addressof(self._y))
        self._box_ref = ctypes.c_void_p(ctypes.addressof(self._box))

    def switch(self, handle: int | None, index: int) -> None:
        """Make the run of this text object the current one (a new run where the object changes)."""
        if handle != self.handle:
            self.handle = handle
            self.run = Run(self.order.get(handle, -1), self.styles.of(index, handle), [])
            self.known = self.widths.known(self.run.style.fontname)
            self.runs.append(self.run)

    def backward(self, piece: str) -> bool:
        """Whether a glyph of `piece` has an advance of nothing or less: such glyphs make no piece."""
        backward = self.widths.backward
        return bool(backward) and any((self.run.style.fontname, char) in backward for char in set(piece))

    def token(self, start: int, limit: int) -> int:
        """One blank or word at `start`: a piece when its advances are known and add up, else glyph by glyph."""
        text = self.text
        stop = start + 1 if text[start] in BLANKS else WORD.match(text, start, limit).end()
        if stop - start == 1:
            self.add(start, stop)
            return stop
        known, run = self.known, self.run
        piece = text[start:stop]
        if not run.style.upright or not known.keys() >= set(piece):
            self.add(start, stop)  # glyph by glyph: each unknown advance is learnt from the next origin
        else:
            page, x, x_ref, y_ref = self.page, self.x, self.x_ref, self.y_ref
            char_origin(page, start, x_ref, y_ref)
            head = x.value
            char_origin(page, stop - 1, x_ref, y_ref)
            advances = sum([known[char] for char in piece[:-1]])
            if abs(head + advances * 0.001 * run.style.size - x.value) <= _PIECE_DRIFT:
                append_entry(run, ("p", piece, head, x.value), self.widths)
            else:
                self.add(start, stop)  # spacing, kerning or a gap inside
        return stop

    def origins(self, indices: Iterable[int]) -> list[float]:
        """Where the glyphs at `indices` start (x)."""
        page, x, x_ref, y_ref = self.page, self.x, self.x_ref, self.y_ref
        return [(char_origin(page, index, x_ref, y_ref), x.value)[1] for index in indices]

    def end(self, index: int) -> float:
        """Where the glyph's loose box ends (x): its advance united with its ink."""
        loose_box(self.page, index, self._box_ref)
        return self._box.right

    def add(self, start: int, stop: int) -> None:
        """Glyph entries one by one; a loose box where the advance is not known yet."""
        run, text, known = self.run, self.text, self.known
        entries, upright, box, x, page = run.entries, run.style.upright, self._box, self.x, self.page
        for index in range(start, stop):
            char = text[index]
            char_origin(page, index, self.x_ref, self.y_ref)
            if not upright:
                loose_box(page, index, self._box_ref)
                entries.append(("r", char, box.left, box.right, self.height - box.top, self.height - box.bottom))
            elif entries and entries[-1][2] == x.value:
                # a ligature split into letters at one origin: each letter needs the box of the whole
                if entries[-1][3] is None:
                    entries[-1] = ("g", entries[-1][1], x.value, self.end(index - 1))
                append_entry(run, ("g", char, x.value, self.end(index)), self.widths)
            else:
                append_entry(run, ("g", char, x.value, None if char in known else self.end(index)), self.widths)
