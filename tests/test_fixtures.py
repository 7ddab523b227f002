"""The fixture generator: markup, seed fidelity, typesetting, rendering, bad inputs, synthetic docs."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pdfplumber
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pdfplumber.utils.exceptions import PdfminerException
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from reportlab.pdfbase.pdfmetrics import stringWidth

from tests.fixtures.bad_inputs import USER_PASSWORD, write_bad_inputs
from tests.fixtures.generate import DOCS_DIR, SAMPLE_DOC, SAMPLE_PATH, main, render_sample
from tests.fixtures.markup import (
    FixtureDoc,
    FixtureMeta,
    Item,
    PageBreak,
    Paragraph,
    TableBlock,
    format_markup,
    parse_markup,
)
from tests.fixtures.readback import printed_words, read_body_pages, spells_allowing_soft_hyphens
from tests.fixtures.render import FONT_FAMILIES, VARIANTS, Layout, render_pdf, session_year
from tests.fixtures.synthetic import MUNICIPALITIES, synthetic_corpus, synthetic_markup
from tests.fixtures.typeset import wrap_text

DOC_NAMES = sorted(path.stem for path in DOCS_DIR.glob("*.txt"))
README_EXAMPLE = """\
% number: 12
% date: 2021-10-01
% questioner: CHRIS JANSSENS
% minister: BART SOMERS
% minister_title: VICEMINISTER-PRESIDENT VAN DE VLAAMSE REGERING
% title: Wijkverbeteringscontracten - Projectaanvragen
% note: anything else is kept as extra

In de beleidsnota ... (question paragraphs,
separated by blank lines)

1. Welke projectaanvragen ...

=== ANTWOORD

1. Er werden 20 aanvragen ingediend. Hieronder volgt een kernachtige samenvatting:

# 1. ANTWERPEN – Veilig en leefbaar Deurne-Noord
Met een mix van stimulerende ...
(the summary: the rest of the paragraph)
# 2. GENT - WEB
Zonder lege regel ervoor.

| Stad/gemeente | Wijk | Project | Toegekende subsidie (euro) |
| Gent | Rabot | Samen sterk | 612.500,50 |
| Totaal | | | 612.500,50 |

=== PAGEBREAK

2. De beoordeling ...
"""


def _doc(name: str) -> FixtureDoc:
    return parse_markup((DOCS_DIR / f"{name}.txt").read_text(encoding="utf-8"))


# --- markup -------------------------------------------------------------------------------


def test_parse_markup_reads_every_construct() -> None:
    doc = parse_markup(README_EXAMPLE)
    assert doc.meta.number == 12 and doc.meta.date == dt.date(2021, 10, 1)
    assert doc.meta.extra == (("note", "anything else is kept as extra"),)
    assert doc.question == (
        Paragraph("In de beleidsnota ... (question paragraphs, separated by blank lines)"),
        Paragraph("1. Welke projectaanvragen ..."),
    )
    kinds = [type(block).__name__ for block in doc.answer]
    assert kinds == ["Paragraph", "Item", "Item", "TableBlock", "PageBreak", "Paragraph"]
    first, second = doc.answer[1], doc.answer[2]
    assert first == Item(
        "1. ANTWERPEN – Veilig en leefbaar Deurne-Noord",
        "Met een mix van stimulerende ... (the summary: the rest of the paragraph)",
    )
    assert (first.printed_number, second.printed_number) == (1, 2)
    assert second.summary == "Zonder lege regel ervoor."
    assert doc.answer[3].rows[2] == ("Totaal", "", "", "612.500,50")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (README_EXAMPLE.replace("% title: Wijkverbeteringscontracten - Projectaanvragen\n", ""), "title"),
        (README_EXAMPLE.replace("=== ANTWOORD", "ANTWOORD"), "ANTWOORD"),
        (README_EXAMPLE.replace("2021-10-01", "1 oktober 2021"), "date"),
        (README_EXAMPLE.replace("| Gent | Rabot |", "Gent | Rabot |"), "table row"),
        (README_EXAMPLE.replace("| Totaal | | |", "| Totaal | |"), "cells"),
        (README_EXAMPLE.replace("=== PAGEBREAK", "=== PAGINA"), "directive"),
        (README_EXAMPLE + "\n=== ANTWOORD\n", "second"),
    ],
)
def test_parse_markup_rejects_authoring_mistakes(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_markup(text)


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéëï-–’.,:()€0123456789", min_size=1, max_size=12)
_sentence = (
    st.lists(_word, min_size=1, max_size=12)
    .map(" ".join)
    .filter(lambda s: not s.startswith(("#", "|", "%", "=")))
)
_block = st.one_of(
    _sentence.map(Paragraph),
    st.builds(Item, _sentence, st.one_of(st.just(""), _sentence)),
    st.integers(1, 4)
    .flatmap(lambda n: st.lists(st.tuples(*[st.one_of(st.just(""), _sentence)] * n), min_size=1, max_size=4))
    .map(lambda rows: TableBlock(tuple(rows))),
    st.just(PageBreak()),
)
_meta = st.builds(
    FixtureMeta,
    number=st.integers(1, 5000),
    date=st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
    questioner=_sentence,
    minister=_sentence,
    minister_title=_sentence,
    title=_sentence,
)


@settings(max_examples=60, deadline=None)
@given(meta=_meta, question=st.lists(_block, max_size=5), answer=st.lists(_block, max_size=8))
def test_format_then_parse_round_trips(meta: FixtureMeta, question: list, answer: list) -> None:
    doc = FixtureDoc(meta, tuple(question), tuple(answer))
    assert parse_markup(format_markup(doc)) == doc


@pytest.mark.parametrize("name", DOC_NAMES)
def test_every_committed_doc_parses_and_round_trips(name: str) -> None:
    doc = _doc(name)
    assert doc.answer, "a document needs an answer"
    assert parse_markup(format_markup(doc)) == doc


# --- the seed document --------------------------------------------------------------------


def _seed_source() -> str:
    # The original text lives in shared/ (beside the repository in CI); a copy is not committed.
    for root in Path(__file__).resolve().parents[1:3]:
        candidate = root / "shared" / "seeds" / "000_aced72ec4cd38bfe.txt"
        if candidate.exists():
            return candidate.read_text(encoding="utf-8")
    pytest.skip("shared/seeds/000_aced72ec4cd38bfe.txt is not available here")


def test_seed_markup_keeps_every_word_of_the_seed() -> None:
    doc = _doc("seed_wijkverbeteringscontracten")
    assert printed_words(doc, first_page_block=False) == _seed_source().split()


def test_seed_markup_has_the_expected_items() -> None:
    doc = _doc("seed_wijkverbeteringscontracten")
    items = {b.printed_number: b for b in doc.answer if isinstance(b, Item)}
    assert sorted(items) == list(range(1, 21))
    assert doc.meta.minister_title.startswith("VICEMINISTER-PRESIDENT VAN DE VLAAMSE REGERING, VLAAMS")
    assert items[2].heading.endswith("tot eenheid en verduurzaming tussen bewoners en omgeving")
    assert items[8].heading == (
        "8. GENK - lnstroom van vooral Turks-Bulgaarse arbeidsmigranten noopt Genk tot nieuwe "
        "en versterkte aanpak in Waterschei"
    )
    assert items[19].heading.endswith("Omgeving Otterstraat en Stationsomgeving Oost")
    assert "dak- en thuisloze inwoners" in items[10].summary
    assert items[2].summary.endswith("woningrenovatie en -kwaliteit.")


# --- typesetting --------------------------------------------------------------------------


_VOCABULARY = (
    "wijkverbeteringscontracten", "de", "dak-", "en", "thuislozenwerking", "Deurne-Noord", "800.000",
    "participatieve", "‘Oude", "Statie’", "(tijdelijke)", "samenlevingsvraagstukken,", "lnstroom", "…",
)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(
    words=st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=60),
    width=st.floats(120, 460),
    justify=st.booleans(),
    hyphenate=st.booleans(),
)
def test_wrap_text_keeps_the_words_and_the_width(
    words: list[str], width: float, justify: bool, hyphenate: bool
) -> None:
    lines = wrap_text(" ".join(words), "Helvetica", 10, width, justify=justify, hyphenate=hyphenate)
    rebuilt: list[str] = []
    for line in lines:
        tokens = line.text.split()
        if rebuilt and rebuilt[-1].endswith("-") and rebuilt[-1] not in _VOCABULARY:
            tokens[0] = rebuilt.pop()[:-1] + tokens[0]  # undo a soft hyphen
        rebuilt += tokens
    assert rebuilt == words
    for line in lines[:-1]:
        natural = stringWidth(line.text, "Helvetica", 10)
        assert natural <= width + 1e-6 or " " not in line.text  # only a lone long word may overflow
        if justify and " " in line.text:
            assert natural + line.word_space * line.text.count(" ") == pytest.approx(width, abs=0.01)
    assert lines[-1].word_space == 0.0


def test_forced_break_puts_the_suspended_hyphen_at_a_line_end() -> None:
    text = "van de levenskwaliteit van de dak- en thuisloze inwoners van de stad en de wijk"
    lines = wrap_text(text, "Helvetica", 10, 400, justify=True, forced_breaks=("dak-|en thuisloze",))
    assert lines[0].text.endswith("van de dak-")
    assert lines[1].text.startswith("en thuisloze")


def test_hyphenation_splits_long_dutch_words_only() -> None:
    text = "De wijkverbeteringscontracten en samenlevingsvraagstukken in ANTWERPEN-NOORD"
    lines = wrap_text(text, "Helvetica", 10, 170, hyphenate=True)
    assert any(re.search(r"[a-z]-$", line.text) for line in lines)
    assert "ANTWERPEN-NOORD" in lines[-1].text


# --- rendering ----------------------------------------------------------------------------


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("name", DOC_NAMES)
def test_every_variant_prints_the_expected_words(
    fixture_pdfs: dict[str, Path], name: str, variant: str
) -> None:
    doc, layout = _doc(name), VARIANTS[variant]
    pages = read_body_pages(fixture_pdfs[f"{name}__{variant}.pdf"], layout.margin_cm)
    lines = [line for page in pages for line in page.lines]
    expected = printed_words(doc, first_page_block=layout.first_page_block)
    if layout.hyphenate:
        assert spells_allowing_soft_hyphens(expected, lines)
    else:
        assert " ".join(lines).split() == expected
    rows = [row for page in pages for row in page.table_rows]
    expected_rows = [
        row for block in doc.answer + doc.question if isinstance(block, TableBlock) for row in block.rows
    ]
    assert sorted(set(rows)) == sorted(set(expected_rows))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_page_furniture_follows_the_layout(fixture_pdfs: dict[str, Path], variant: str) -> None:
    layout = VARIANTS[variant]
    with pdfplumber.open(fixture_pdfs[f"seed_wijkverbeteringscontracten__{variant}.pdf"]) as pdf:
        texts = [page.extract_text().splitlines() for page in pdf.pages]
        total = len(pdf.pages)
        words = [w for page in pdf.pages for w in page.extract_words(extra_attrs=["fontname"])]
    header = "Vlaams Parlement – Schriftelijke vraag 12 (2021-2022)"
    for number, lines in enumerate(texts, start=1):
        assert (lines[0] == header) == layout.running_header
        footer = {"page_of": f"pagina {number} van {total}", "number": str(number), "none": None}[
            layout.footer
        ]
        if footer:
            assert lines[-1] == footer
    first = texts[0][1 if layout.running_header else 0]
    assert first == (
        "SCHRIFTELIJKE VRAAG" if layout.first_page_block else "Wijkverbeteringscontracten - Projectaanvragen"
    )
    answer_page = next(lines for lines in texts if "ANTWOORD" in lines)
    assert answer_page[1 if layout.running_header else 0] == "BART SOMERS"
    regular, bold = FONT_FAMILIES[layout.font]
    title_font = next(w["fontname"] for w in words if w["text"] == "ANTWERPEN")
    assert title_font == (bold if layout.bold_titles else regular)


def test_hyphenated_variant_breaks_after_a_suspended_hyphen(fixture_pdfs: dict[str, Path]) -> None:
    pages = read_body_pages(fixture_pdfs["seed_wijkverbeteringscontracten__hyphenated.pdf"], 2.5)
    lines = [line for page in pages for line in page.lines]
    pairs = list(zip(lines, lines[1:], strict=False))
    assert any(a.endswith(" dak-") and b.startswith("en thuisloze") for a, b in pairs)
    assert any(re.search(r"[a-zë]-$", a) and b[:1].islower() and not b.startswith("en ") for a, b in pairs)


def test_pagebreak_variant_ends_a_page_on_item_19(fixture_pdfs: dict[str, Path]) -> None:
    pages = read_body_pages(fixture_pdfs["seed_wijkverbeteringscontracten__pagebreak.pdf"], 2.5)
    index = next(i for i, page in enumerate(pages) if any(ln.startswith("19. TURNHOUT") for ln in page.lines))
    lines = pages[index].lines
    assert (
        lines[-2].startswith("19. TURNHOUT - Versterken van buurten") and lines[-1] == "Stationsomgeving Oost"
    )
    assert pages[index + 1].lines[0].startswith("Deze buurten worden geconfronteerd")


def test_paragraph_gap_is_larger_than_the_leading(fixture_pdfs: dict[str, Path]) -> None:
    for variant, layout in VARIANTS.items():
        with pdfplumber.open(fixture_pdfs[f"seed_wijkverbeteringscontracten__{variant}.pdf"]) as pdf:
            tops = sorted({round(w["top"], 1) for w in pdf.pages[0].extract_words() if w["top"] > 200})
        steps = sorted({round(b - a, 1) for a, b in zip(tops, tops[1:], strict=False)})
        leading = round(layout.font_size * layout.leading_factor, 1)
        assert steps[0] == pytest.approx(leading, abs=0.2), variant
        paragraph_steps = [step for step in steps if step > leading + 0.3]
        assert paragraph_steps[0] >= leading + layout.paragraph_gap - 0.3, variant


@pytest.mark.parametrize("variant", ["official", "hyphenated"])
def test_rendering_is_deterministic(tmp_path: Path, fixture_pdfs: dict[str, Path], variant: str) -> None:
    render_pdf(_doc("seed_wijkverbeteringscontracten"), VARIANTS[variant], tmp_path / "again.pdf")
    assert (tmp_path / "again.pdf").read_bytes() == fixture_pdfs[
        f"seed_wijkverbeteringscontracten__{variant}.pdf"
    ].read_bytes()


def test_committed_sample_matches_a_fresh_render(tmp_path: Path, regen_golden: bool) -> None:
    if regen_golden:
        render_sample(SAMPLE_PATH)
    render_sample(tmp_path / "fresh.pdf")
    assert SAMPLE_PATH.read_bytes() == (tmp_path / "fresh.pdf").read_bytes(), (
        "sources/ sample drifted from the generator: run pytest --regen-golden and commit it"
    )
    assert SAMPLE_DOC.exists()


@pytest.mark.parametrize(
    ("date", "year"),
    [
        (dt.date(2021, 10, 1), "2021-2022"),
        (dt.date(2021, 9, 26), "2020-2021"),
        (dt.date(2021, 9, 27), "2021-2022"),
        (dt.date(2024, 1, 15), "2023-2024"),
        (dt.date(2019, 9, 23), "2019-2020"),
    ],
)
def test_session_year_opens_on_the_fourth_monday_of_september(date: dt.date, year: str) -> None:
    assert session_year(date) == year


@pytest.mark.parametrize(
    "kwargs",
    [{"font": "Arial"}, {"footer": "left"}, {"font_size": 20}, {"paragraph_gap": 0}, {"margin_cm": 9}],
)
def test_layout_rejects_bad_options(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Layout(**kwargs)


def test_cli_renders_docs_and_bad_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path), "--bad", "--synthetic", "2"]) == 0
    assert len(list(tmp_path.glob("*__*.pdf"))) == len(DOC_NAMES) * len(VARIANTS)
    assert len(list((tmp_path / "synthetic").glob("*.pdf"))) == 2
    assert (tmp_path / "bad" / "encrypted.pdf").exists()
    assert "wrote" in capsys.readouterr().out


# --- bad inputs ---------------------------------------------------------------------------


def test_bad_inputs_are_what_they_claim(
    fixture_pdfs: dict[str, Path], bad_input_errors: dict[str, str]
) -> None:
    assert set(bad_input_errors.values()) == {
        "empty_file", "damaged", "not_a_pdf", "encrypted", "no_text_layer", "not_a_written_question"
    }  # fmt: skip
    path = fixture_pdfs.__getitem__
    assert path("empty.pdf").stat().st_size == 0
    assert not path("not_a_pdf.pdf").read_bytes().startswith(b"%PDF")
    truncated = path("truncated.pdf").read_bytes()
    assert truncated.startswith(b"%PDF") and b"%%EOF" not in truncated
    with pytest.raises(PdfReadError):
        PdfReader(path("damaged_xref.pdf"), strict=True)
    with pytest.raises(PdfminerException), pdfplumber.open(path("damaged_xref.pdf")) as pdf:
        pdf.pages[0].extract_text()
    assert PdfReader(path("encrypted.pdf")).is_encrypted
    with pytest.raises(PdfminerException), pdfplumber.open(path("encrypted.pdf")) as pdf:
        pdf.pages[0].extract_text()
    with pdfplumber.open(path("encrypted.pdf"), password=USER_PASSWORD) as pdf:
        assert "Renovatiepremies" in pdf.pages[0].extract_text()
    with pdfplumber.open(path("no_text_layer.pdf")) as pdf:
        assert pdf.pages[0].chars == [] and pdf.pages[0].images and pdf.pages[0].rects
    with pdfplumber.open(path("not_a_written_question.pdf")) as pdf:
        text = pdf.pages[0].extract_text()
    assert "FACTUUR" in text and "ANTWOORD" not in text and "SCHRIFTELIJKE VRAAG" not in text


def test_bad_inputs_are_deterministic(tmp_path: Path, fixture_pdfs: dict[str, Path]) -> None:
    for name in write_bad_inputs(tmp_path):
        assert (tmp_path / name).read_bytes() == fixture_pdfs[name].read_bytes(), name


# --- synthetic documents ------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), n_items=st.integers(1, 30), with_table=st.booleans())
def test_synthetic_markup_is_a_valid_deterministic_document(
    seed: int, n_items: int, with_table: bool
) -> None:
    text = synthetic_markup(seed, n_items, with_table)
    assert text == synthetic_markup(seed, n_items, with_table)
    doc = parse_markup(text)
    items = [block for block in doc.answer if isinstance(block, Item)]
    assert [item.printed_number for item in items] == list(range(1, n_items + 1))
    places = {re.split(r" \(| [–-] ", item.heading.split(" ", 1)[1])[0] for item in items}
    known = {name.upper() for name in MUNICIPALITIES} | set(MUNICIPALITIES)
    assert places <= known
    tables = [block for block in doc.answer if isinstance(block, TableBlock)]
    assert len(tables) == (1 if with_table else 0)
    assert dt.date(2019, 1, 1) <= doc.meta.date <= dt.date(2024, 12, 31)


def test_synthetic_corpus_varies() -> None:
    corpus = synthetic_corpus(30, seed=1)
    assert len(set(corpus.values())) == 30
    sizes = {text.count("\n# ") for text in corpus.values()}
    assert len(sizes) >= 4 and any("| Stad/gemeente" in text for text in corpus.values())


def test_synthetic_document_renders_with_its_table(tmp_path: Path) -> None:
    doc = parse_markup(synthetic_markup(7, 12, True))
    render_pdf(doc, VARIANTS["compact"], tmp_path / "syn.pdf")
    pages = read_body_pages(tmp_path / "syn.pdf", VARIANTS["compact"].margin_cm)
    rows = {row for page in pages for row in page.table_rows}
    table = next(block for block in doc.answer if isinstance(block, TableBlock))
    assert rows == set(table.rows)


def test_long_table_splits_across_pages_with_its_header_repeated(tmp_path: Path) -> None:
    rows = [f"| Gemeente {i} met een wat langere naam | Wijk {i} | {i}.000 |" for i in range(90)]
    table = "| Gemeente | Wijk | Bedrag |\n" + "\n".join(rows)
    text = re.sub(r"\| Stad/gemeente .*?\| Totaal [^\n]*", lambda _: table, README_EXAMPLE, flags=re.S)
    render_pdf(parse_markup(text), VARIANTS["official"], tmp_path / "long.pdf")
    pages = read_body_pages(tmp_path / "long.pdf", 2.5)
    tables = [page.table_rows for page in pages if page.table_rows]
    assert len(tables) >= 3
    assert all(page_rows[0] == ("Gemeente", "Wijk", "Bedrag") for page_rows in tables)
    assert [row[1] for page_rows in tables for row in page_rows[1:]] == [f"Wijk {i}" for i in range(90)]
