"""Chart builders: plain functions from the frames of ``core.compare`` and ``core.analysis`` to
``plotly.graph_objects.Figure``. No Streamlit; tested on the figures' data.

Percentages are drawn 0–100 with their Wilson 95% intervals as error bars where the frame has them
(``percent_low``, ``percent_high``). Charts with one row per PDU grow in height with the number of
rows, so that 100 and more PDUs stay readable.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.compare import FUNNEL_POSITIONS, funnel_curve, natural_code
from core.ratings import RATING_LABELS
from core.robustness import SMALL_SAMPLE_CASES

from core.colours import NEUTRALS, RATING_COLOURS  # noqa: E402  (the palette; tested for colour-vision deficiency)
from core.formatting import interval, percent, percent_text, plot_text  # noqa: E402

# Non-rating colours: none of them is a rating's colour, so that a colour means one thing across charts.
SUFFICIENT_COLOUR = "#3f3f8f"
SMALL_SAMPLE_COLOUR = "#b3b3d9"
COMPARISON_COLOURS = {"unit": "#3f3f8f", "region": "#8c8cc7", "nation": "#878787"}
# funnel positions: neutral and purple tones with a marker shape each (up: above the limits, down: below)
POSITION_COLOURS = {FUNNEL_POSITIONS[0]: "#3f007d", FUNNEL_POSITIONS[1]: "#807dba", FUNNEL_POSITIONS[2]: NEUTRALS["within"],
                    FUNNEL_POSITIONS[3]: "#252525", FUNNEL_POSITIONS[4]: "#000000"}
POSITION_SYMBOLS = {FUNNEL_POSITIONS[0]: "triangle-up", FUNNEL_POSITIONS[1]: "triangle-up-open", FUNNEL_POSITIONS[2]: "circle",
                    FUNNEL_POSITIONS[3]: "triangle-down-open", FUNNEL_POSITIONS[4]: "triangle-down"}
RATING_SHORT = {"Outstanding": "Outst.", "Good": "Good", "Requires improvement": "Req. impr.", "Inadequate": "Inad."}
PERCENT_AXIS = dict(range=[0, 100], ticksuffix="%")
SMALL_NOTE = f"fewer than {SMALL_SAMPLE_CASES} relevant cases: read with care"
ROW_HEIGHT = 22


def _height(rows: int, per_row: int = ROW_HEIGHT, base: int = 160, minimum: int = 360) -> int:
    return max(minimum, base + per_row * rows)


def _label_column(frame: pd.DataFrame, label: str | None) -> str:
    if label is not None:
        return label
    for col in ("unit", "region", "group", "round"):
        if col in frame.columns:
            return col
    raise ValueError("the frame has no unit, region, group or round column to label its rows; name one with label=")


def _error(frame: pd.DataFrame) -> dict | None:
    if not {"percent_low", "percent_high"} <= set(frame.columns):
        return None
    pct = frame["percent"].to_numpy(dtype=float)
    return dict(type="data", symmetric=False, array=frame["percent_high"].to_numpy(dtype=float) - pct,
                arrayminus=pct - frame["percent_low"].to_numpy(dtype=float), color="#404040", thickness=1.2, width=3)


def _counts_text(frame: pd.DataFrame) -> list[str]:
    return [f"{int(y)} of {int(n)}" for y, n in zip(frame["n_sufficient"], frame["n_relevant"])]


def _percents(frame: pd.DataFrame) -> list[str]:
    """Each row's percentage as every table writes it (core.formatting: half up, one decimal), for hovers."""
    return [percent(v) for v in frame["percent"]]


def _hover_interval(frame: pd.DataFrame) -> list[str]:
    if not {"percent_low", "percent_high"} <= set(frame.columns):
        return [""] * len(frame)
    return [f"95% interval {interval(lo, hi)}" if pd.notna(lo) else "no relevant cases"
            for lo, hi in zip(frame["percent_low"], frame["percent_high"])]


def _split_small(frame: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """The rows as (trace name, colour, rows): enough cases, and small samples apart."""
    small = frame["small_sample"].fillna(True).astype(bool) if "small_sample" in frame else pd.Series(False, index=frame.index)
    parts = [("Sufficient", SUFFICIENT_COLOUR, frame[~small]), (f"Sufficient ({SMALL_NOTE})", SMALL_SAMPLE_COLOUR, frame[small])]
    return [p for p in parts if not p[2].empty]


# -- bars with intervals ---------------------------------------------------------------------------

def sufficiency_bars(frame: pd.DataFrame, title: str = "Sufficiency", label: str | None = None,
                     reference: float | None = None, reference_name: str = "National") -> go.Figure:
    """Horizontal bars of ``percent`` per row with Wilson 95% intervals as error bars, one bar per PDU
    (or region, or round), in the frame's order from the top. With a ``section`` column (see
    ``core.compare.bar_rows``) the bars are grouped under section labels (a region, or "Highest 5").
    Rows with fewer than 20 relevant cases are lighter. ``reference`` draws a dashed line (e.g. the
    national rate)."""
    col = _label_column(frame, label)
    names = frame[col].astype(str).map(plot_text)
    grouped = "section" in frame.columns and frame["section"].astype(str).ne("").any()
    y = [frame["section"].astype(str).map(plot_text).tolist(), names.tolist()] if grouped else names.tolist()
    small = frame["small_sample"].fillna(True).astype(bool) if "small_sample" in frame else pd.Series(False, index=frame.index)
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=frame["percent"], y=y, orientation="h", showlegend=False,
        marker_color=[SMALL_SAMPLE_COLOUR if s else SUFFICIENT_COLOUR for s in small], error_x=_error(frame),
        customdata=np.column_stack([names, _counts_text(frame), _hover_interval(frame), _percents(frame)]) if len(frame) else None,
        hovertemplate="%{customdata[0]}: %{customdata[3]} sufficient<br>%{customdata[1]} relevant cases<br>%{customdata[2]}<extra></extra>"))
    for name, colour, part in _split_small(frame):  # legend entries only
        fig.add_trace(go.Bar(x=[None], y=[[None], [None]] if grouped else [None], orientation="h", name=name, marker_color=colour,
                             hoverinfo="skip"))
    if reference is not None and not pd.isna(reference):
        fig.add_vline(x=reference, line_dash="dash", line_color="#000000",
                      annotation_text=f"{plot_text(reference_name)} {percent(reference)}", annotation_position="top")
    fig.update_layout(title=plot_text(title), height=_height(len(frame), minimum=300), barmode="overlay", legend_orientation="h",
                      legend=dict(y=-0.08, yanchor="top") if len(frame) < 30 else dict(y=1.0, yanchor="bottom"),
                      margin=dict(l=10, r=10, t=70, b=40))
    fig.update_xaxes(title="Cases sufficient (%)", **PERCENT_AXIS)
    fig.update_yaxes(title=None, autorange="reversed", automargin=True)
    if not grouped:
        fig.update_yaxes(categoryorder="array", categoryarray=names.tolist())
    return fig


def breakdown_bars(frame: pd.DataFrame, title: str = "Sufficiency by case attribute", attribute_label: str | None = None) -> go.Figure:
    """Bars of ``core.compare.breakdown``: one per group of the attribute, with Wilson 95% intervals,
    the number of cases written on each, small groups lighter, and the all-cases rate as a dashed line."""
    fig = go.Figure()
    for name, colour, part in _split_small(frame):
        fig.add_trace(go.Bar(
            x=part["group"].astype(str).map(plot_text), y=part["percent"], name=name, marker_color=colour, error_y=_error(part),
            text=[f"{y} of {n}" for y, n in zip(part["n_sufficient"], part["n_relevant"])], textposition="inside",
            insidetextanchor="start",
            customdata=np.column_stack([_hover_interval(part), part["n_cases"].astype(str) if "n_cases" in part else [""] * len(part),
                                        _percents(part)]),
            hovertemplate="%{x}: %{customdata[2]} sufficient (%{text})<br>%{customdata[0]}<br>%{customdata[1]} cases<extra></extra>"))
    if not frame.empty and "overall_percent" in frame and pd.notna(frame["overall_percent"].iloc[0]):
        overall = float(frame["overall_percent"].iloc[0])
        fig.add_hline(y=overall, line_dash="dash", line_color="#000000", annotation_text=f"All cases {percent(overall)}",
                      annotation_position="top right")
    fig.update_layout(title=plot_text(title), height=420, barmode="overlay", legend_orientation="h", legend=dict(y=-0.2, yanchor="top"),
                      margin=dict(l=10, r=10, t=70, b=40))
    fig.update_yaxes(title="Cases sufficient (%)", **PERCENT_AXIS)
    fig.update_xaxes(title=plot_text(attribute_label), categoryorder="array", categoryarray=list(frame["group"].astype(str).map(plot_text)))
    return fig


def comparison_bars(frame: pd.DataFrame, title: str = "Key questions: PDU, region and nation") -> go.Figure:
    """Grouped bars of ``core.compare.unit_vs_region_vs_nation``: for each key question the unit, its
    region and the nation side by side, with Wilson 95% intervals."""
    fig = go.Figure()
    order = list(dict.fromkeys(frame["key_question_label"]))
    for comparison in ("unit", "region", "nation"):
        part = frame[frame["comparison"] == comparison]
        if part.empty:
            continue
        fig.add_trace(go.Bar(
            x=part["key_question_label"], y=part["percent"], name=plot_text(part["name"].iloc[0]),
            marker_color=COMPARISON_COLOURS[comparison], error_y=_error(part),
            customdata=np.column_stack([_counts_text(part), _hover_interval(part), _percents(part)]),
            hovertemplate="%{x}: %{customdata[2]} sufficient<br>%{customdata[0]} relevant cases<br>%{customdata[1]}<extra>%{fullData.name}</extra>"))
    fig.update_layout(title=plot_text(title), barmode="group", height=460, legend_orientation="h", legend=dict(y=-0.15, yanchor="top"),
                      margin=dict(l=10, r=10, t=70, b=40))
    fig.update_yaxes(title="Cases sufficient (%)", **PERCENT_AXIS)
    fig.update_xaxes(title="Key question", categoryorder="array", categoryarray=order)
    return fig


# -- heatmap -----------------------------------------------------------------------------------------

def _banded_colourscale(thresholds: Sequence[float]) -> list:
    """A stepped scale over 0–100: each rating's colour over its band of percentages."""
    out_t, good_t, ri_t = (float(t) / 100 for t in thresholds)
    steps = [(0.0, ri_t, RATING_COLOURS["Inadequate"]), (ri_t, good_t, RATING_COLOURS["Requires improvement"]),
             (good_t, out_t, RATING_COLOURS["Good"]), (out_t, 1.0, RATING_COLOURS["Outstanding"])]
    scale = []
    for lo, hi, colour in steps:
        if hi > lo:
            scale += [[lo, colour], [hi, colour]]
    return scale


CONTINUOUS_SCALE = [[0.0, RATING_COLOURS["Inadequate"]], [0.5, RATING_COLOURS["Requires improvement"]],
                    [0.75, RATING_COLOURS["Good"]], [1.0, RATING_COLOURS["Outstanding"]]]


def key_question_heatmap(matrix: pd.DataFrame, title: str = "Key questions by PDU: cases sufficient (%)",
                         thresholds: Sequence[float] | None = None) -> go.Figure:
    """PDU × key question heatmap of ``core.compare.key_question_matrix``: one row per PDU (region by
    region), one column per key question, the cell coloured by its percentage and the counts in the
    hover. With ``thresholds`` (lowest percentage for Outstanding, Good, Requires improvement) each
    cell takes its band's rating colour; otherwise a continuous scale. Blank: no relevant cases. A line
    separates one region's PDUs from the next."""
    m = matrix.copy()
    pairs = m[["region", "unit"]].drop_duplicates()
    shared = set(pairs.loc[pairs["unit"].duplicated(keep=False), "unit"])  # a PDU name used in two regions
    m["row"] = [plot_text(f"{u} ({r})" if u in shared else str(u)) for u, r in zip(m["unit"], m["region"])]
    rows = list(dict.fromkeys(m["row"]))
    cols = list(dict.fromkeys(m.sort_values("key_question", key=lambda s: s.map(natural_code)).loc[:, "key_question_label"]))
    z = m.pivot_table(index="row", columns="key_question_label", values="percent", aggfunc="first", dropna=False).reindex(index=rows, columns=cols)
    n_yes = m.pivot_table(index="row", columns="key_question_label", values="n_sufficient", aggfunc="first").reindex(index=rows, columns=cols)
    n_rel = m.pivot_table(index="row", columns="key_question_label", values="n_relevant", aggfunc="first").reindex(index=rows, columns=cols)
    texts = m.drop_duplicates("key_question_label").set_index("key_question_label")["key_question_text"].reindex(cols).fillna("")
    regions = m.drop_duplicates("row").set_index("row")["region"].reindex(rows)
    hover = np.empty(z.shape, dtype=object)
    for i, row in enumerate(rows):
        for j, col in enumerate(cols):
            y, n = n_yes.iat[i, j], n_rel.iat[i, j]
            counts = "no relevant cases" if pd.isna(n) or n == 0 else f"{int(y)} of {int(n)} cases sufficient"
            hover[i, j] = f"{row} ({plot_text(regions.iat[i])})<br>{col} {_wrap(texts.iat[j])}<br>{counts}"
    values = z.to_numpy(dtype=float)
    big = len(rows) > 60
    # the rating in words in every cell (with thresholds), so that no reader depends on the colour
    labels = np.full(values.shape, "", dtype=object)
    for (i, j), v in np.ndenumerate(values):
        if not np.isnan(v):
            word = RATING_SHORT[_band_of(v, thresholds)] if thresholds is not None else ""
            # in a national heatmap (over 60 rows) the word alone, smaller; the figure is in the hover
            labels[i, j] = (word or percent_text(v)) if big else f"{percent_text(v)} {word}".strip()
            hover[i, j] += f"<br>{percent(v)} sufficient"
            if thresholds is not None:
                hover[i, j] += f"<br>{_band_of(v, thresholds)}"
    fig = go.Figure(go.Heatmap(
        z=values, x=cols, y=rows, zmin=0, zmax=100, xgap=1, ygap=1,
        colorscale=_banded_colourscale(thresholds) if thresholds is not None else CONTINUOUS_SCALE,
        colorbar=_rating_colourbar(thresholds), customdata=hover, text=labels,
        hovertemplate="%{customdata}<extra></extra>", texttemplate="%{text}", textfont=dict(size=8 if big else 10)))
    fig.update_layout(title=plot_text(title), height=_height(len(rows), per_row=20, base=200, minimum=400), margin=dict(l=10, r=10, t=110, b=20))
    # a thin line between regions, so that a region's PDUs read as a block (one layout update, not one per line)
    fig.update_layout(shapes=[dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=i - 0.5, y1=i - 0.5,
                                   line=dict(color="#000000", width=1.5))
                              for i in range(1, len(rows)) if regions.iat[i] != regions.iat[i - 1]])
    fig.update_yaxes(title=None, autorange="reversed", automargin=True, tickfont=dict(size=11 if len(rows) <= 60 else 9))
    fig.update_xaxes(title=None, side="top")
    return fig


def _band_of(value: float, thresholds: Sequence[float]) -> str:
    out_t, good_t, ri_t = (float(t) for t in thresholds)
    if value >= out_t:
        return "Outstanding"
    if value >= good_t:
        return "Good"
    return "Requires improvement" if value >= ri_t else "Inadequate"


def _rating_colourbar(thresholds: Sequence[float] | None) -> dict:
    if thresholds is None:
        return dict(title="Sufficient (%)", ticksuffix="%")
    out_t, good_t, ri_t = (float(t) for t in thresholds)
    mids = [ri_t / 2, (ri_t + good_t) / 2, (good_t + out_t) / 2, (out_t + 100) / 2]
    return dict(title="Rating band", tickvals=mids, ticktext=["Inadequate", "Requires improvement", "Good", "Outstanding"])


def _wrap(text: str, width: int = 70) -> str:
    import textwrap

    return "<br>".join(plot_text(t) for t in textwrap.wrap(text, width)) if text else ""


# -- funnel plot ------------------------------------------------------------------------------------

def funnel_plot(points: pd.DataFrame, title: str = "Funnel plot: PDUs against the national rate",
                label: str | None = None) -> go.Figure:
    """Funnel plot of ``core.compare.funnel``: each PDU's percentage against its number of relevant
    cases, the national rate, and the 95% and 99.8% control limits (``core.compare.FUNNEL_METHOD``).
    Points are coloured by where they fall."""
    fig = go.Figure()
    if points.empty:
        fig.update_layout(title=plot_text(title), annotations=[dict(text="No relevant cases to plot", showarrow=False, x=0.5, y=0.5,
                                                          xref="paper", yref="paper")])
        return fig
    col = _label_column(points, label)
    national = float(points["national_percent"].iloc[0])
    n_max = float(points["n_relevant"].max())
    curve = funnel_curve(national, n_max * 1.05, n_min=max(1.0, float(points["n_relevant"].min()) / 2))
    for level, name, dash in (("998", "99.8% limits", "dot"), ("95", "95% limits", "dash")):
        for side in ("lower", "upper"):
            fig.add_trace(go.Scatter(x=curve["n"], y=curve[f"{side}_{level}"], mode="lines", name=name, legendgroup=level,
                                     showlegend=side == "lower", line=dict(color=NEUTRALS["limit"], dash=dash, width=1.2),
                                     hovertemplate=f"{name}, {side}: %{{y:.1f}}% at %{{x:.0f}} cases<extra></extra>"))
    fig.add_trace(go.Scatter(x=[curve["n"].iloc[0], curve["n"].iloc[-1]], y=[national, national], mode="lines",
                             name=f"National {percent(national)}", line=dict(color="#000000", width=1.5),
                             hovertemplate=f"National {percent(national)}<extra></extra>"))
    for position in FUNNEL_POSITIONS:
        part = points[points["position"] == position]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["n_relevant"], y=part["percent"], mode="markers", name=position.capitalize(),
            marker=dict(color=POSITION_COLOURS[position], symbol=POSITION_SYMBOLS[position], size=10,
                        line=dict(color=POSITION_COLOURS[position], width=1)),
            text=part[col].astype(str).map(plot_text), customdata=np.column_stack([_counts_text(part), _percents(part)]),
            hovertemplate="%{text}: %{customdata[1]} sufficient<br>%{customdata[0]} relevant cases<extra>%{fullData.name}</extra>"))
    fig.update_layout(title=plot_text(title), height=520, legend_orientation="h", legend=dict(y=-0.15, yanchor="top"),
                      margin=dict(l=10, r=10, t=70, b=40))
    fig.update_xaxes(title="Relevant cases (number)", rangemode="tozero")
    fig.update_yaxes(title="Cases sufficient (%)", **PERCENT_AXIS)
    return fig


# -- ratings -----------------------------------------------------------------------------------------

def rating_distribution(ratings: pd.DataFrame, title: str = "Ratings by standard") -> go.Figure:
    """Stacked bars: how many units have each rating, per standard, from the ratings frame of
    ``core.analysis`` (rows without a rating are left out). Inadequate at the foot, Outstanding on
    top, each in its fixed colour."""
    rated = ratings[ratings["rating"].isin(RATING_LABELS)]
    standards = sorted(rated["standard"].dropna().unique(), key=lambda c: (c == "OVERALL", natural_code(c)))
    labels = {s: _standard_label(s) for s in standards}
    names = rated.drop_duplicates("standard").set_index("standard")["standard_name"].to_dict() if "standard_name" in rated else {}
    counts = rated.groupby(["standard", "rating"]).size().unstack(fill_value=0).reindex(index=standards, columns=RATING_LABELS, fill_value=0)
    fig = go.Figure()
    for rating in reversed(RATING_LABELS):  # Inadequate first: it stacks at the foot
        fig.add_trace(go.Bar(
            x=[labels[s] for s in standards], y=counts[rating].to_numpy(), name=rating, marker_color=RATING_COLOURS[rating],
            customdata=[plot_text(names.get(s, "")) for s in standards],
            hovertemplate="%{x} %{customdata}<br>" + rating + ": %{y}<extra></extra>"))
    fig.update_layout(title=plot_text(title), barmode="stack", height=440, legend=dict(traceorder="reversed"), margin=dict(l=10, r=10, t=70, b=40))
    fig.update_xaxes(title="Standard", type="category")
    fig.update_yaxes(title="Units (number)", rangemode="tozero")
    return fig


def _standard_label(code: str) -> str:
    from core.codes import display

    if code == "OVERALL":
        return "Overall"
    try:
        return display(code)
    except ValueError:
        return str(code)


RATING_TICKS = dict(tickvals=[0, 1, 2, 3], ticktext=["Inadequate", "Requires improvement", "Good", "Outstanding"], range=[-0.3, 3.3])


def trend_chart(trend: pd.DataFrame, title: str = "Ratings across inspections", standards: Sequence[str] | None = None) -> go.Figure:
    """Lines of ``core.compare.trend``: each standard's rating (and the overall's) round by round. Lines
    are set slightly apart within a rating's band so that equal ratings stay visible; the hover names
    the rating."""
    t = trend[trend["rating_value"].notna() & (trend["rating_value"].astype(float) >= 0)]
    if standards is not None:
        t = t[t["standard"].isin(list(standards))]
    rounds = list(dict.fromkeys(trend["round"].astype(str).map(plot_text)))
    standards = sorted(t["standard"].unique(), key=lambda c: (c == "OVERALL", natural_code(c)))  # the overall last
    groups = [(_standard_label(c), t[t["standard"] == c]) for c in standards]
    lines = []
    for i, (label, part) in enumerate(groups):
        overall = label == "Overall"
        # standards with the same rating would hide one another: set each a little apart within its band
        offset = 0.0 if overall else (i - (len(groups) - 1) / 2) * min(0.05, 0.3 / max(len(groups), 1))
        lines.append(go.Scatter(
            x=part["round"].astype(str).map(plot_text), y=part["rating_value"].astype(float) + offset, mode="lines+markers", name=str(label),
            line=dict(width=3 if overall else 1.5, color="#000000" if overall else None),
            text=part["rating"], customdata=part["standard_name"].fillna("").map(plot_text),
            hovertemplate="%{x}: " + str(label) + " %{customdata}<br>%{text}<extra></extra>"))
    fig = go.Figure(lines)  # every line at once: adding traces one by one re-checks the figure each time
    fig.update_layout(title=plot_text(title), height=440, margin=dict(l=10, r=10, t=70, b=40))
    fig.update_xaxes(title="Round", type="category", categoryorder="array", categoryarray=rounds)
    fig.update_yaxes(title="Rating", **RATING_TICKS)
    return fig
