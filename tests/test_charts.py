"""Chart builders: each figure built from the frames of core.compare and core.analysis carries the
expected traces and numbers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core import charts, compare
from tests.test_compare import ANSWERS, COUNTS, FW, INSPECTIONS, TALLIES


def _traces(fig: go.Figure, kind: str | None = None) -> list:
    return [t for t in fig.data if kind is None or t.type == kind]


# -- bars with intervals ------------------------------------------------------------------------------

def test_sufficiency_bars_draw_each_pdu_with_its_interval_and_the_national_line():
    frame = compare.theme_sufficiency(COUNTS, INSPECTIONS, FW, "domestic-abuse-enquiries", by="unit")
    frame.loc[frame["unit"] == "Gamma", "small_sample"] = False  # make one bar a full sample
    fig = charts.sufficiency_bars(frame, title="Domestic abuse enquiries", reference=76.9)
    bars, *legend = fig.data
    assert bars.orientation == "h" and list(bars.y) == ["Alpha", "Beta", "Gamma"] and list(bars.x) == [75.0, 25.0, 100.0]
    assert list(bars.marker.color) == [charts.SMALL_SAMPLE_COLOUR, charts.SMALL_SAMPLE_COLOUR, charts.SUFFICIENT_COLOUR]
    assert [t.name for t in legend] == ["Sufficient", f"Sufficient ({charts.SMALL_NOTE})"]
    assert "fewer than 20" in legend[1].name
    alpha = frame[frame["unit"] == "Alpha"].iloc[0]
    assert bars.error_x.array[0] == pytest.approx(alpha["percent_high"] - 75.0)
    assert bars.error_x.arrayminus[0] == pytest.approx(75.0 - alpha["percent_low"])
    assert bars.customdata[0][1] == "9 of 12"
    assert [s.x0 for s in fig.layout.shapes] == [76.9]
    assert "National 76.9%" in fig.layout.annotations[0].text
    assert tuple(fig.layout.xaxis.range) == (0, 100)
    assert list(fig.layout.yaxis.categoryarray) == ["Alpha", "Beta", "Gamma"]


def test_bars_grouped_by_region_carry_the_region_as_the_outer_label():
    table = compare.with_intervals(pd.DataFrame({"region": ["North", "North", "South"], "unit": ["A", "B", "C"],
                                                 "n_sufficient": [5, 9, 7], "n_relevant": [10, 10, 10]}))
    fig = charts.sufficiency_bars(compare.bar_rows(table, show_all=True), label="unit")
    assert [list(level) for level in fig.data[0].y] == [["North", "North", "South"], ["B", "A", "C"]]


def test_the_best_and_worst_few_bars_carry_each_ones_region_under_the_section_label():
    table = compare.with_intervals(pd.DataFrame({"region": ["North"] * 3 + ["South"] * 3, "unit": list("ABCDEF"),
                                                 "n_sufficient": [1, 9, 5, 8, 2, 7], "n_relevant": [10] * 6}))
    fig = charts.sufficiency_bars(compare.bar_rows(table, few=2), label="bar_label")
    assert [list(level) for level in fig.data[0].y] == [["Highest 2"] * 2 + ["Lowest 2"] * 2,
                                                        ["B (North)", "D (South)", "E (South)", "A (North)"]]
    assert [row[0] for row in fig.data[0].customdata] == ["B (North)", "D (South)", "E (South)", "A (North)"]  # and in the hover


def test_a_name_holding_html_is_shown_as_written_in_a_chart():
    table = compare.with_intervals(pd.DataFrame({"unit": ["<a href='https://evil.example'>x</a>"], "n_sufficient": [1],
                                                 "n_relevant": [2]}))
    fig = charts.sufficiency_bars(table, title="<img src='https://evil.example/i.png'>")
    assert "<a" not in str(fig.to_dict()) and "<img" not in str(fig.to_dict())


def test_bars_grow_with_the_number_of_pdus():
    many = compare.with_intervals(pd.DataFrame({"unit": [f"PDU {i}" for i in range(120)], "n_sufficient": [30] * 120,
                                                "n_relevant": [40] * 120}))
    few = many.head(5)
    assert charts.sufficiency_bars(many).layout.height >= 120 * charts.ROW_HEIGHT
    assert charts.sufficiency_bars(few).layout.height < charts.sufficiency_bars(many).layout.height


def test_breakdown_bars_show_each_group_in_order_with_the_all_cases_line():
    split = compare.breakdown(ANSWERS, ["MO"], "practitioner_grade", FW.attribute("practitioner_grade").values)
    fig = charts.breakdown_bars(split, attribute_label="Practitioner grade")
    (bars,) = fig.data  # every group is a small sample here: one (lighter) trace
    assert list(bars.x) == ["PO", "PSO", "Not recorded"]
    assert list(bars.y) == pytest.approx([75.0, 50.0, 0.0])
    assert list(bars.text) == ["3 of 4", "1 of 2", "0 of 1"]
    assert bars.marker.color == charts.SMALL_SAMPLE_COLOUR
    assert fig.layout.shapes[0].y0 == pytest.approx(100 * 4 / 7)
    assert fig.layout.xaxis.title.text == "Practitioner grade"


def test_comparison_bars_group_the_pdu_its_region_and_the_nation():
    side = compare.unit_vs_region_vs_nation(TALLIES, INSPECTIONS, 1)
    fig = charts.comparison_bars(side)
    assert [t.name for t in fig.data] == ["Alpha", "North East", "National"]
    assert fig.layout.barmode == "group"
    assert list(fig.data[0].x) == ["P 2.1.1", "P 2.1.2"]
    assert list(fig.data[0].y) == pytest.approx([80.0, 200 / 3])
    assert list(fig.data[1].y) == pytest.approx([100 * 10 / 14, 200 / 3])  # Beta has no relevant P 2.1.2 cases
    assert list(fig.data[2].y) == pytest.approx([100 * 40 / 54, 100 * 26 / 49])


# -- heatmap --------------------------------------------------------------------------------------------

def test_heatmap_has_a_row_per_pdu_a_column_per_key_question_and_the_counts():
    m = compare.key_question_matrix(TALLIES, INSPECTIONS)
    fig = charts.key_question_heatmap(m, thresholds=(80, 65, 50))
    (heat,) = fig.data
    assert list(heat.y) == ["Alpha", "Beta", "Gamma"]
    assert list(heat.x) == ["P 2.1.1", "P 2.1.2"]
    z = np.array(heat.z, dtype=float)
    assert z[0] == pytest.approx([80.0, 200 / 3])
    assert z[1, 0] == pytest.approx(50.0) and np.isnan(z[1, 1])  # Beta: no relevant P 2.1.2 cases
    assert "6 of 9 cases sufficient" in heat.customdata[0][1]
    assert "no relevant cases" in heat.customdata[1][1]
    assert (heat.zmin, heat.zmax) == (0, 100)


def test_heatmap_colours_follow_the_rating_bands():
    scale = charts._banded_colourscale((80, 65, 50))
    assert [tuple(s) for s in scale] == [
        (0.0, charts.RATING_COLOURS["Inadequate"]), (0.5, charts.RATING_COLOURS["Inadequate"]),
        (0.5, charts.RATING_COLOURS["Requires improvement"]), (0.65, charts.RATING_COLOURS["Requires improvement"]),
        (0.65, charts.RATING_COLOURS["Good"]), (0.8, charts.RATING_COLOURS["Good"]),
        (0.8, charts.RATING_COLOURS["Outstanding"]), (1.0, charts.RATING_COLOURS["Outstanding"])]


def test_heatmap_of_a_hundred_pdus_stays_readable():
    rows = [(i, "pdu", f"Region {i % 12}", f"PDU {i:03d}") for i in range(1, 109)]
    ins = pd.DataFrame([(i, lv, r, u, "hmip-2025", "2025-26", None, "fieldwork", True) for i, lv, r, u in rows],
                       columns=list(INSPECTIONS.columns))
    t = pd.DataFrame([(i, "P2.1", k, 30, 40) for i in range(1, 109) for k in ("P2.1.1", "P2.1.2")],
                     columns=["inspection_id", "standard", "key_question", "n_sufficient", "n_relevant"])
    fig = charts.key_question_heatmap(compare.key_question_matrix(t, ins))
    assert len(fig.data[0].y) == 108
    assert fig.layout.height >= 108 * 20
    # every cell still says what it is in words (smaller), not by colour alone; the figure is in the hover
    assert fig.data[0].texttemplate == "%{text}" and fig.data[0].textfont.size == 8
    assert fig.data[0].text[0][0] == "75.0" and "75.0% sufficient" in fig.data[0].customdata[0][0]
    banded = charts.key_question_heatmap(compare.key_question_matrix(t, ins), thresholds=(80, 65, 50))
    assert {cell for row in banded.data[0].text for cell in row} == {"Good"}
    # a line across the whole width between one region's PDUs and the next's: eleven for twelve regions
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 11 and all((s.xref, s.x0, s.x1) == ("x domain", 0, 1) for s in lines)
    assert all(s.y0 == s.y1 and s.y0 % 1 == 0.5 for s in lines)


def test_a_pdu_name_used_in_two_regions_is_told_apart():
    ins = pd.DataFrame([(1, "pdu", "North", "Central", "hmip-2025", "r", None, "x", False),
                        (2, "pdu", "South", "Central", "hmip-2025", "r", None, "x", False)], columns=list(INSPECTIONS.columns))
    t = pd.DataFrame([(1, "P2.1", "P2.1.1", 1, 2), (2, "P2.1", "P2.1.1", 2, 2)],
                     columns=["inspection_id", "standard", "key_question", "n_sufficient", "n_relevant"])
    fig = charts.key_question_heatmap(compare.key_question_matrix(t, ins))
    assert list(fig.data[0].y) == ["Central (North)", "Central (South)"]


# -- funnel ---------------------------------------------------------------------------------------------

def test_funnel_plot_draws_the_limits_the_national_rate_and_the_pdus():
    frame = pd.DataFrame({"unit": list("ABCDE"), "n_sufficient": [50, 60, 70, 80, 90], "n_relevant": [100] * 5})
    points = compare.funnel(frame)
    fig = charts.funnel_plot(points)
    lines = [t for t in fig.data if t.mode == "lines"]
    markers = [t for t in fig.data if t.mode == "markers"]
    assert [t.name for t in lines] == ["99.8% limits", "99.8% limits", "95% limits", "95% limits", "National 70.0%"]
    assert list(lines[-1].y) == [70.0, 70.0]
    upper_95 = lines[3]
    at_100 = int(np.argmin(np.abs(np.array(upper_95.x) - 100)))
    expected = compare.funnel_limits(70.0, [upper_95.x[at_100]]).iloc[0]["upper_95"]
    assert upper_95.y[at_100] == pytest.approx(expected)
    assert upper_95.x[-1] == pytest.approx(105)  # the funnel runs a little past the largest PDU
    by_name = {t.name: (list(t.text), list(t.y)) for t in markers}
    assert by_name == {"Above 99.8% limit": (["E"], [90.0]), "Above 95% limit": (["D"], [80.0]), "Within limits": (["C"], [70.0]),
                       "Below 95% limit": (["B"], [60.0]), "Below 99.8% limit": (["A"], [50.0])}
    assert tuple(fig.layout.yaxis.range) == (0, 100)


def test_funnel_plot_of_nothing_says_so():
    fig = charts.funnel_plot(compare.funnel(pd.DataFrame({"unit": ["A"], "n_sufficient": [0], "n_relevant": [0]})))
    assert fig.data == () and "No relevant cases" in fig.layout.annotations[0].text


# -- ratings --------------------------------------------------------------------------------------------

RATINGS = pd.DataFrame([
    ("Alpha", "2025-26", "P2.1", "Assessment", "Good", 2), ("Beta", "2025-26", "P2.1", "Assessment", "Good", 2),
    ("Gamma", "2025-26", "P2.1", "Assessment", "Inadequate", 0), ("Alpha", "2025-26", "P2.2", "Planning", "Outstanding", 3),
    ("Beta", "2025-26", "P2.2", "Planning", None, -1), ("Alpha", "2024-25", "P2.1", "Assessment", "Requires improvement", 1),
    ("Alpha", "2025-26", "OVERALL", "Overall rating", "Good", 2), ("Alpha", "2024-25", "OVERALL", "Overall rating", "Requires improvement", 1),
], columns=["unit", "round", "standard", "standard_name", "rating", "rating_value"]).assign(level="pdu", synthetic=True)


def test_rating_distribution_stacks_the_count_of_each_rating_by_standard_in_fixed_colours():
    now = RATINGS[(RATINGS["round"] == "2025-26") & (RATINGS["standard"] != "OVERALL")]
    fig = charts.rating_distribution(now)
    assert [t.name for t in fig.data] == ["Inadequate", "Requires improvement", "Good", "Outstanding"]
    assert [t.marker.color for t in fig.data] == [charts.RATING_COLOURS[r] for r in ["Inadequate", "Requires improvement", "Good", "Outstanding"]]
    counts = {t.name: list(t.y) for t in fig.data}
    assert list(fig.data[0].x) == ["P 2.1", "P 2.2"]
    assert counts == {"Inadequate": [1, 0], "Requires improvement": [0, 0], "Good": [2, 0], "Outstanding": [0, 1]}
    assert fig.layout.barmode == "stack"


def test_trend_chart_draws_each_standard_round_by_round():
    fig = charts.trend_chart(compare.trend(RATINGS, "Alpha"))
    names = [t.name for t in fig.data]
    assert names == ["P 2.1", "P 2.2", "Overall"]
    p21, p22, overall = fig.data
    assert list(p22.x) == ["2025-26"] and list(p22.text) == ["Outstanding"]
    assert list(p21.x) == ["2024-25", "2025-26"] and list(p21.text) == ["Requires improvement", "Good"]
    assert list(p21.y) == pytest.approx([1, 2], abs=0.1)  # set a little apart from the others, within its band
    assert list(overall.y) == [1.0, 2.0]
    assert list(fig.layout.yaxis.ticktext) == ["Inadequate", "Requires improvement", "Good", "Outstanding"]
    assert list(fig.layout.xaxis.categoryarray) == ["2024-25", "2025-26"]


def test_every_hover_writes_a_figure_as_the_tables_do():
    # 0.15 and 26.55 are just below their halves in binary; written half up from the decimal, as in every table
    frame = pd.DataFrame({"unit": ["Alpha", "Beta"], "percent": [0.15, 26.55], "n_sufficient": [3, 53], "n_relevant": [2000, 200],
                          "percent_low": [0.05, 20.449], "percent_high": [0.44, 33.351]})
    bars = charts.sufficiency_bars(frame, reference=26.55).data[0]
    assert [row[3] for row in bars.customdata] == ["0.2%", "26.6%"]
    assert "%{customdata[3]} sufficient" in bars.hovertemplate and ".1f" not in bars.hovertemplate
    assert bars.customdata[1][2] == "95% interval 20.4–33.4%"
    points = compare.funnel(pd.DataFrame({"unit": list("ABC"), "n_sufficient": [3, 53, 70], "n_relevant": [2000, 200, 100]}))
    markers = [t for t in charts.funnel_plot(points).data if t.mode == "markers"]
    assert markers and all(".1f" not in t.hovertemplate for t in markers)
    assert sorted(row[1] for t in markers for row in t.customdata) == ["0.2%", "26.5%", "70.0%"]


def test_one_meaning_per_colour_the_funnels_limits_and_lines_are_neutral():
    points = compare.funnel(pd.DataFrame({"unit": list("ABCDE"), "n_sufficient": [5, 60, 70, 80, 99], "n_relevant": [100] * 5}))
    fig = charts.funnel_plot(points)
    lines = [t for t in fig.data if t.mode == "lines"]
    rating_colours = {c.lower() for c in charts.RATING_COLOURS.values()}
    assert lines and all(t.line.color.lower() not in rating_colours for t in lines)
    assert {t.line.color.lower() for t in lines} <= {c.lower() for c in charts.NEUTRALS.values()}
    markers = [t for t in fig.data if t.mode == "markers"]
    assert all(t.marker.color.lower() not in rating_colours for t in markers)  # above/below/within: not a rating
