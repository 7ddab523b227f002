"""Charts: counts, sums and months laid out as bars that carry their label and value as text."""

from __future__ import annotations

import datetime as dt

from pipeline.report.charts import (
    LABEL_CHARS,
    LABEL_WIDTH,
    MISSING,
    ROW,
    TOP,
    VALUE_ROOM,
    WIDTH,
    build_chart,
    count_months,
    count_values,
    format_count,
    format_money,
    sum_values,
)


def test_counts_most_frequent_first_then_by_name_with_missing_named() -> None:
    values = ["Gent", "Brugge", None, "Gent", "", "Antwerpen", "Brugge", "Gent"]
    assert count_values(values) == [("Gent", 3), (MISSING, 2), ("Brugge", 2), ("Antwerpen", 1)]
    assert count_values([]) == []


def test_sums_per_key_ignore_missing_values() -> None:
    pairs = [("Antwerpen", 100.0), (None, 50.0), ("Antwerpen", None), ("Limburg", 300.5)]
    assert sum_values(pairs) == [("Limburg", 300.5), ("Antwerpen", 100.0), (MISSING, 50.0)]


def test_months_in_order_with_empty_months_across_a_year() -> None:
    dates = [dt.date(2021, 11, 3), None, dt.date(2022, 2, 1), dt.date(2021, 11, 30)]
    assert count_months(dates) == [("2021-11", 2), ("2021-12", 0), ("2022-01", 0), ("2022-02", 1)]
    assert count_months([None]) == []


def test_bars_are_proportional_and_in_order() -> None:
    chart = build_chart("k", "Title", [("a", 10), ("b", 5), ("c", 0)])
    assert [b.label for b in chart.bars] == ["a", "b", "c"]
    assert [b.text for b in chart.bars] == ["10", "5", "0"]
    longest = WIDTH - LABEL_WIDTH - VALUE_ROOM
    assert [b.width for b in chart.bars] == [longest, longest / 2, 0.0]
    assert [b.y for b in chart.bars] == [TOP, TOP + ROW, TOP + 2 * ROW]
    assert chart.height == 2 * TOP + 3 * ROW and chart.note == ""


def test_top_keeps_the_first_and_says_how_many_were_left_out() -> None:
    pairs = [(f"gemeente {n:02d}", 30 - n) for n in range(25)]
    chart = build_chart("municipality", "Per municipality", pairs, top=20)
    assert len(chart.bars) == 20 and chart.bars[-1].full_label == "gemeente 19"
    assert chart.note == "the top 20 of 25; 5 more not shown"


def test_long_labels_are_cut_but_kept_whole_for_the_tooltip() -> None:
    long = "Veilig en leefbaar Deurne-Noord, met een participatief traject"
    bar = build_chart("k", "T", [(long, 1)]).bars[0]
    assert len(bar.label) == LABEL_CHARS and bar.label.endswith("…") and bar.full_label == long


def test_money_and_counts_read_as_text() -> None:
    assert [b.text for b in build_chart("b", "Budget", [("x", 1234567.6)], money=True).bars] == ["€ 1,234,568"]
    assert format_count(12345) == "12,345" and format_money(None) == ""
    assert build_chart("e", "Empty", []).bars == ()


def test_a_given_note_is_kept_beside_what_top_left_out() -> None:
    assert build_chart("b", "Budget", [("x", 1)], note="1 of 3 name a budget").note == "1 of 3 name a budget"
    chart = build_chart("b", "Budget", [("x", 2), ("y", 1)], top=1, note="2 of 3 name a budget")
    assert chart.note == "the top 1 of 2; 1 more not shown; 2 of 3 name a budget"
