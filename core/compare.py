"""Comparisons: themes, key questions, PDUs against each other, their region and the nation.

Pure pandas and numpy. Every function takes plain frames (the shapes of ``core.store.queries`` and
``core.analysis``) and returns a tidy frame, one row per thing compared, with the counts behind
every percentage:

- ``n_sufficient``: answers Yes; ``n_relevant``: answers Yes or No (Not applicable is left out,
  rule 1); ``n_na``: answers Not applicable, where the input has them;
- ``percent``: 100 × n_sufficient / n_relevant, NaN where nothing is relevant;
- ``percent_low``, ``percent_high``: the Wilson score interval at 95%, as percentages 0–100
  (``core.robustness.wilson_intervals``); NaN where nothing is relevant;
- ``small_sample``: fewer than ``SMALL_SAMPLE_CASES`` relevant answers (the robustness rule).

A theme pools the answers to all its items: a case answering three of a theme's prompts counts
three times. That is how the inspectorate's theme figures read ("sufficient in 48 of 152 cases")
when a theme has one item, and the natural reading of "how often was this done well" when it
has several.

Regional figures here pool the answers of the region's inspections in the same round and
framework: its PDUs' cases (the answers are stored under the PDU codes; regional codes with a
``pooled_from`` are read from there) and the region's own fieldwork cases. National figures pool
every inspection of the round and framework.
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from core import formatting as fmt
from core.codes import canonical, display
from core.errors import InputError
from core.framework import Framework, load_framework
from core.robustness import SMALL_SAMPLE_CASES, wilson_intervals

CONFIDENCE = 0.95
GROUPINGS = ("unit", "region", "nation")
NATIONAL = "National"
NOT_RECORDED = "Not recorded"

# Funnel plot control limits: two-sided 95% and 99.8% (the usual "warning" and "alarm" limits)
FUNNEL_LEVELS = {"95": 0.95, "998": 0.998}
FUNNEL_METHOD = (
    "Control limits: binomial normal approximation around the national rate p (Spiegelhalter, 2005): "
    "p ± z·√(p(1 − p)/n) for a PDU with n relevant cases, z = 1.960 for the 95% limits and z = 3.090 for "
    "the 99.8% limits, cut to 0–100%. The national rate pools every answer of the PDUs plotted unless "
    "given. The approximation is rough for a few cases or a rate near 0% or 100%: read points near a "
    "limit there with care."
)
FUNNEL_POSITIONS = ("above 99.8% limit", "above 95% limit", "within limits", "below 95% limit", "below 99.8% limit")

SUFFICIENCY_COLUMNS = ["n_sufficient", "n_relevant", "percent", "percent_low", "percent_high", "small_sample"]


# -- shared arithmetic ------------------------------------------------------------------------------

def with_intervals(frame: pd.DataFrame, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """``frame`` (with n_sufficient and n_relevant) plus percent, percent_low, percent_high (Wilson,
    0–100) and small_sample. Rows with nothing relevant get NaN percentages."""
    missing = [c for c in ("n_sufficient", "n_relevant") if c not in frame.columns]
    if missing:
        raise InputError(f"the frame has no column(s) {', '.join(missing)}")
    out = frame.copy()
    yes = out["n_sufficient"].to_numpy(dtype=float)
    n = out["n_relevant"].to_numpy(dtype=float)
    if ((yes < 0) | (yes > n)).any():
        raise InputError("a row has more sufficient answers than relevant ones, or a negative count")
    some = n > 0
    low, high = wilson_intervals(yes, n, confidence)
    out["n_sufficient"] = out["n_sufficient"].astype("int64")
    out["n_relevant"] = out["n_relevant"].astype("int64")
    out["percent"] = np.where(some, 100.0 * yes / np.where(some, n, 1.0), np.nan)
    out["percent_low"] = np.where(some, 100.0 * low, np.nan)
    out["percent_high"] = np.where(some, 100.0 * high, np.nan)
    out["small_sample"] = n < SMALL_SAMPLE_CASES
    return out


def _framework(framework: Framework | str) -> Framework:
    return framework if isinstance(framework, Framework) else load_framework(framework)


def stored_codes(framework: Framework | str, items: Iterable[str]) -> list[str]:
    """The codes the answers to ``items`` are stored under in the inspections' case answers.

    A regional key question or prompt with ``pooled_from`` is answered on the PDU cases under the
    PDU code, so it reads from there; every other code is its own. Order kept, duplicates dropped."""
    fw = _framework(framework)
    out: list[str] = []
    for item in items:
        code = canonical(item)
        if code in fw.key_questions and fw.key_questions[code].pooled_from:
            code = fw.key_questions[code].pooled_from
        elif code in fw.prompts and fw.prompts[code].pooled_from:
            code = fw.prompts[code].pooled_from
        if code not in out:
            out.append(code)
    return out


def _group_keys(by: str) -> list[str]:
    if by == "unit":
        return ["inspection_id", "level", "region", "unit", "round", "framework"]
    if by == "region":
        return ["region", "round", "framework"]
    if by == "nation":
        return ["round", "framework"]
    raise InputError(f"unknown grouping {by!r}; expected one of {', '.join(GROUPINGS)}")


def _synthetic_flags(values: pd.Series) -> pd.Series:
    return values.fillna(False).astype(bool)


# -- themes and single questions, per PDU, region or nation -------------------------------------------

def sufficiency(counts: pd.DataFrame, inspections: pd.DataFrame, codes: Sequence[str], by: str = "unit") -> pd.DataFrame:
    """Yes / (Yes + No) pooled over the answers to ``codes`` (stored codes, see ``stored_codes``),
    per inspection (``by="unit"``), per region and round (``"region"``) or per round (``"nation"``).

    ``counts``: inspection_id, code, n_yes, n_no[, n_na] (``Dataset.counts``); ``inspections``: the
    ``Dataset.inspections`` frame; filter it to a round, framework or regions first to compare
    within them. Columns: the grouping's keys (``unit``: inspection_id, level, region, unit, round,
    framework; ``region``: region, round, framework; ``nation``: round, framework), then
    n_inspections (those with an answer to the codes), n_na and SUFFICIENCY_COLUMNS, and
    ``synthetic`` (any inspection of the group is).

    Under ``"unit"`` only inspections with some answer (Yes, No or N/A) to the codes appear, so a
    regional inspection shows only where its own fieldwork cases answer them. Under ``"region"``
    and ``"nation"`` every region and round of ``inspections`` appears, with NaN percentages where
    no answer is relevant.
    """
    keys = _group_keys(by)
    wanted = {canonical(c) for c in codes}
    ins = inspections[["inspection_id", "level", "region", "unit", "round", "framework", "synthetic"]].copy()
    ins["synthetic"] = _synthetic_flags(ins["synthetic"])
    c = counts[counts["code"].isin(wanted) & counts["inspection_id"].isin(ins["inspection_id"])]
    n_na = c["n_na"] if "n_na" in c.columns else pd.Series(0, index=c.index)
    per_ins = (c.assign(n_na=n_na).groupby("inspection_id", as_index=False)[["n_yes", "n_no", "n_na"]].sum())
    frame = ins.merge(per_ins, on="inspection_id", how="inner" if by == "unit" else "left")
    frame[["n_yes", "n_no", "n_na"]] = frame[["n_yes", "n_no", "n_na"]].fillna(0)
    if frame.empty:
        return pd.DataFrame(columns=keys + ["n_inspections", "n_na"] + SUFFICIENCY_COLUMNS + ["synthetic"])
    frame["answered"] = (frame["n_yes"] + frame["n_no"] + frame["n_na"]) > 0
    grouped = (frame.groupby(keys, as_index=False, dropna=False)
               .agg(n_inspections=("answered", "sum"), n_yes=("n_yes", "sum"), n_no=("n_no", "sum"),
                    n_na=("n_na", "sum"), synthetic=("synthetic", "any")))
    grouped["n_sufficient"] = grouped["n_yes"].astype("int64")
    grouped["n_relevant"] = (grouped["n_yes"] + grouped["n_no"]).astype("int64")
    grouped["n_na"] = grouped["n_na"].astype("int64")
    grouped["n_inspections"] = grouped["n_inspections"].astype("int64")
    out = with_intervals(grouped.drop(columns=["n_yes", "n_no"]))
    out = out[keys + ["n_inspections", "n_na"] + SUFFICIENCY_COLUMNS + ["synthetic"]]
    return out.sort_values(keys).reset_index(drop=True)


def theme_sufficiency(counts: pd.DataFrame, inspections: pd.DataFrame, framework: Framework | str, theme_id: str,
                      by: str = "unit") -> pd.DataFrame:
    """A theme's sufficiency (its items' answers pooled) per PDU, per region or nationally: the
    columns of ``sufficiency`` with ``theme`` and ``theme_name`` first. Only inspections under the
    theme's framework count. Raises KeyError for a theme the framework does not have."""
    fw = _framework(framework)
    theme = fw.theme(theme_id)
    ins = inspections[inspections["framework"] == fw.id]
    out = sufficiency(counts, ins, stored_codes(fw, theme.items), by)
    out.insert(0, "theme_name", theme.name)
    out.insert(0, "theme", theme.id)
    return out


# -- key questions: the PDU x key question matrix and one PDU beside its region and the nation --------

def _question_text(framework_id: str, code: str) -> str:
    try:
        return load_framework(framework_id).question_text(code)
    except Exception:  # an unknown framework or code: the code alone still says what it is
        return ""


def key_question_matrix(tallies: pd.DataFrame, inspections: pd.DataFrame, level: str = "pdu") -> pd.DataFrame:
    """Every key question of every inspection at ``level`` (PDUs by default) as one row: the cells of a
    PDU × key question heatmap, long form.

    ``tallies``: inspection_id, standard, key_question, n_sufficient, n_relevant
    (``core.analysis.key_question_tallies``). Columns: inspection_id, region, unit, round, framework,
    synthetic, standard, key_question, key_question_label (published code), key_question_text, then
    SUFFICIENCY_COLUMNS. Sorted by region, unit and key question."""
    cols = ["inspection_id", "region", "unit", "round", "framework", "synthetic", "standard", "key_question",
            "key_question_label", "key_question_text"] + SUFFICIENCY_COLUMNS
    ins = inspections.loc[inspections["level"] == level, ["inspection_id", "region", "unit", "round", "framework", "synthetic"]]
    t = tallies.merge(ins, on="inspection_id")
    if t.empty:
        return pd.DataFrame(columns=cols)
    t["synthetic"] = _synthetic_flags(t["synthetic"])
    t["key_question_label"] = t["key_question"].map(display)
    texts = {(f, k): _question_text(f, k) for f, k in t[["framework", "key_question"]].drop_duplicates().itertuples(index=False)}
    t["key_question_text"] = [texts[(f, k)] for f, k in zip(t["framework"], t["key_question"])]
    out = with_intervals(t)[cols]
    return out.sort_values(["region", "unit", "key_question"], key=_natural_key).reset_index(drop=True)


def unit_vs_region_vs_nation(tallies: pd.DataFrame, inspections: pd.DataFrame, inspection_id,
                             nation_name: str = NATIONAL) -> pd.DataFrame:
    """One inspection's key question percentages beside its region's and the nation's, for the same round
    and framework.

    The region pools the tallies of the inspections at the same level in its region (for a PDU: the
    region's PDUs); the nation pools those of every region. For a regional inspection the region is
    the unit itself, so only unit and nation rows are given. Columns: standard, key_question,
    key_question_label, comparison ('unit', 'region', 'nation'), name (the PDU, the region, ``nation_name``:
    say 'All regions you can see' where ``inspections`` is limited to a reader's regions),
    n_inspections, then SUFFICIENCY_COLUMNS, and synthetic. Raises InputError for an unknown inspection."""
    cols = ["standard", "key_question", "key_question_label", "comparison", "name", "n_inspections"] + SUFFICIENCY_COLUMNS + ["synthetic"]
    me = inspections[inspections["inspection_id"] == inspection_id]
    if me.empty:
        raise InputError(f"no inspection {inspection_id!r} among those given")
    me = me.iloc[0]
    peers = inspections[(inspections["level"] == me["level"]) & (inspections["round"] == me["round"])
                        & (inspections["framework"] == me["framework"])]
    t = tallies.merge(peers[["inspection_id", "region", "synthetic"]], on="inspection_id")
    t["synthetic"] = _synthetic_flags(t["synthetic"])
    own_questions = t.loc[t["inspection_id"] == inspection_id, ["standard", "key_question"]].drop_duplicates()
    parts = [("unit", me["unit"], t[t["inspection_id"] == inspection_id])]
    if me["level"] != "region":
        parts.append(("region", me["region"], t[t["region"] == me["region"]]))
    parts.append(("nation", nation_name, t))
    frames = []
    for comparison, name, sub in parts:
        g = (sub.groupby(["standard", "key_question"], as_index=False)
             .agg(n_inspections=("inspection_id", "nunique"), n_sufficient=("n_sufficient", "sum"),
                  n_relevant=("n_relevant", "sum"), synthetic=("synthetic", "any")))
        g = own_questions.merge(g, on=["standard", "key_question"], how="left")
        g[["n_inspections", "n_sufficient", "n_relevant"]] = g[["n_inspections", "n_sufficient", "n_relevant"]].fillna(0)
        g["synthetic"] = _synthetic_flags(g["synthetic"])
        g["comparison"], g["name"] = comparison, name
        frames.append(g)
    if not frames or own_questions.empty:
        return pd.DataFrame(columns=cols)
    out = with_intervals(pd.concat(frames, ignore_index=True))
    out["n_inspections"] = out["n_inspections"].astype("int64")
    out["key_question_label"] = out["key_question"].map(display)
    order = {c: i for i, c in enumerate(("unit", "region", "nation"))}
    out = out.assign(_o=out["comparison"].map(order)).sort_values(["key_question", "_o"], key=_natural_key)
    return out[cols].reset_index(drop=True)


# -- funnel plot --------------------------------------------------------------------------------------

def _z(level: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf((1 + level) / 2)


def funnel_limits(national_percent: float, n: Sequence[float] | np.ndarray) -> pd.DataFrame:
    """The funnel plot's control limits at each number of relevant cases ``n`` (see FUNNEL_METHOD).

    Columns: n, national_percent, lower_95, upper_95, lower_998, upper_998 (percentages 0–100)."""
    if not 0 <= national_percent <= 100 or np.isnan(national_percent):
        raise InputError(f"the national rate must be a percentage 0–100; got {national_percent!r}")
    n = np.asarray(n, dtype=float)
    if (n <= 0).any():
        raise InputError("control limits need at least one relevant case")
    p = national_percent / 100.0
    sd = np.sqrt(p * (1 - p) / n)
    out = pd.DataFrame({"n": n, "national_percent": national_percent})
    for name, level in FUNNEL_LEVELS.items():
        half = _z(level) * sd
        out[f"lower_{name}"] = 100.0 * np.clip(p - half, 0.0, 1.0)
        out[f"upper_{name}"] = 100.0 * np.clip(p + half, 0.0, 1.0)
    return out


def funnel_curve(national_percent: float, n_max: float, n_min: float = 1, points: int = 200) -> pd.DataFrame:
    """``funnel_limits`` on a smooth grid of n from ``n_min`` to ``n_max``, for drawing the funnel."""
    n_max = max(float(n_max), float(n_min) + 1)
    grid = np.unique(np.concatenate([np.geomspace(max(n_min, 1), n_max, points), [n_max]]))
    return funnel_limits(national_percent, grid)


def funnel(frame: pd.DataFrame, national_percent: float | None = None) -> pd.DataFrame:
    """Each row's rate against its number of relevant cases, with the control limits at its n.

    ``frame``: one row per PDU (or region) for one key question or theme, with n_sufficient and
    n_relevant, e.g. ``theme_sufficiency(..., by="unit")`` or ``key_question_matrix`` filtered to one
    key question. Rows with no relevant cases cannot be placed and are left out. The national rate is
    ``national_percent`` if given, else all the rows' answers pooled. Returns the frame's columns plus
    percent, percent_low, percent_high, small_sample, national_percent, lower_95, upper_95, lower_998,
    upper_998 and ``position`` (one of FUNNEL_POSITIONS). Limits: FUNNEL_METHOD."""
    if "key_question" in frame.columns and frame["key_question"].nunique() > 1:
        raise InputError("a funnel plot compares one key question or theme; the frame holds several key questions")
    rows = with_intervals(frame)
    rows = rows[rows["n_relevant"] > 0].copy()
    extra = ["national_percent", "lower_95", "upper_95", "lower_998", "upper_998", "position"]
    if rows.empty:
        return rows.assign(**{c: pd.Series(dtype=float) for c in extra[:-1]}, position=pd.Series(dtype=object))
    if national_percent is None:
        national_percent = 100.0 * rows["n_sufficient"].sum() / rows["n_relevant"].sum()
    limits = funnel_limits(national_percent, rows["n_relevant"].to_numpy())
    for col in extra[:-1]:
        rows[col] = limits[col].to_numpy()
    pct = rows["percent"].to_numpy()
    eps = 1e-9  # a point exactly on a limit is within it
    rows["position"] = np.select(
        [pct > rows["upper_998"] + eps, pct > rows["upper_95"] + eps, pct < rows["lower_998"] - eps, pct < rows["lower_95"] - eps],
        [FUNNEL_POSITIONS[0], FUNNEL_POSITIONS[1], FUNNEL_POSITIONS[4], FUNNEL_POSITIONS[3]], default=FUNNEL_POSITIONS[2])
    return rows.reset_index(drop=True)


# -- breakdowns by case attribute (disproportionality) -------------------------------------------------

def breakdown(case_answers: pd.DataFrame, codes: Sequence[str], attribute: str,
              order: Sequence[str] | None = None) -> pd.DataFrame:
    """Sufficiency of the answers to ``codes`` (a key question, or a theme's stored codes) by the
    value of a case attribute (practitioner_grade, sentence_type, risk_level, sex, ethnicity,
    age_band, ...), from case-level answers.

    ``case_answers``: one row per case and code with value 'Yes', 'No' or 'N/A' and the attribute
    columns (``core.store.queries.case_answers``). Cases without the attribute are grouped as
    'Not recorded'. The table is ``breakdown_table``'s; the pages read the same counts summed in SQL
    from the tallies (``core.store.queries.breakdown_counts``) instead of the answers."""
    wanted = {canonical(c) for c in codes}
    a = case_answers[case_answers["code"].isin(wanted)]
    values = a[attribute] if attribute in a.columns else pd.Series(None, index=a.index, dtype=object)
    group = [NOT_RECORDED if _blank(v) else str(v) for v in values]
    a = a.assign(group=group, n_yes=(a["value"] == "Yes").astype(int),
                 n_no=(a["value"] == "No").astype(int), n_na=(a["value"] == "N/A").astype(int))
    counts = (a.groupby("group", as_index=False)
              .agg(n_cases=("case_id", "nunique"), n_yes=("n_yes", "sum"), n_no=("n_no", "sum"), n_na=("n_na", "sum")))
    return breakdown_table(counts, attribute, order)


def breakdown_table(counts: pd.DataFrame, attribute: str, order: Sequence[str] | None = None) -> pd.DataFrame:
    """The breakdown by one case attribute from its counts per value.

    ``counts``: group (the value; None or NaN for cases that do not record it), n_cases, n_yes, n_no,
    n_na (``core.store.queries.breakdown_counts``). Columns: attribute, group ('Not recorded' for
    cases without the attribute), n_cases (cases with an answer to the codes), n_na, then
    SUFFICIENCY_COLUMNS, overall_percent (all groups pooled) and difference (percentage points from
    it). Groups come in ``order`` (e.g. the framework's values) where given, others after;
    ``small_sample`` marks groups too small to read on their own."""
    cols = ["attribute", "group", "n_cases", "n_na"] + SUFFICIENCY_COLUMNS + ["overall_percent", "difference"]
    if counts.empty:
        return pd.DataFrame(columns=cols)
    g = counts.copy()
    g["group"] = [NOT_RECORDED if _blank(v) else str(v) for v in g["group"]]
    g = g.groupby("group", as_index=False)[["n_cases", "n_yes", "n_no", "n_na"]].sum()
    g = g.rename(columns={"n_yes": "n_sufficient"})
    g["n_relevant"] = g["n_sufficient"] + g["n_no"]
    g["attribute"] = attribute
    out = with_intervals(g.drop(columns="n_no"))
    total_yes, total_n = out["n_sufficient"].sum(), out["n_relevant"].sum()
    out["overall_percent"] = 100.0 * total_yes / total_n if total_n else np.nan
    out["difference"] = out["percent"] - out["overall_percent"]
    rank = {v: i for i, v in enumerate(order or [])}
    out["_o"] = [(rank.get(v, len(rank) + (v == NOT_RECORDED)), v) for v in out["group"]]
    return out.sort_values("_o").drop(columns="_o")[cols].reset_index(drop=True)


def _blank(value) -> bool:
    """A case attribute not recorded: missing, NaN or blank."""
    return value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == ""


# -- trend ----------------------------------------------------------------------------------------------

TREND_COLUMNS = ["unit", "level", "round", "framework", "standard", "standard_label", "standard_name", "rating",
                 "rating_value", "percent", "score", "max_score", "source", "synthetic"]


def trend(ratings: pd.DataFrame, unit: str, level: str | None = None, region: str | None = None) -> pd.DataFrame:
    """A unit's ratings across rounds: one row per round and standard (the overall as 'Overall'), from
    the ratings frame of ``core.analysis.rate_dataset`` (published rows from ``with_published`` too).
    ``level`` ('pdu' or 'region') tells a region from a PDU of the same name. Sorted by round, then
    standard, with the overall last."""
    from core.analysis import OVERALL

    r = ratings[ratings["unit"] == unit]
    if level is not None:
        r = r[r["level"] == level]
    if region is not None:  # PDU names are unique only within a region
        r = r[r["region"] == region]
    if r.empty:
        return pd.DataFrame(columns=TREND_COLUMNS)
    r = r.copy()
    r["standard_label"] = [("Overall" if s == OVERALL else display(s)) for s in r["standard"]]
    r["synthetic"] = _synthetic_flags(r["synthetic"]) if "synthetic" in r else False
    for col in TREND_COLUMNS:
        if col not in r:
            r[col] = None
    r["_round"] = r["round"].astype(str)
    r["_o"] = ["~" if s == OVERALL else natural_code(s) for s in r["standard"]]  # '~' sorts after every code
    r = r.sort_values(["_round", "_o"])
    return r[TREND_COLUMNS].reset_index(drop=True)


# -- tables for people --------------------------------------------------------------------------------

COLUMN_LABELS = {
    "theme_name": "Theme", "region": "Region", "unit": "Unit", "level": "Level", "round": "Round", "framework": "Framework",
    "comparison": "Comparison", "name": "Name", "attribute": "Case attribute", "group": "Group",
    "standard": "Standard", "key_question_label": "Key question", "key_question_text": "Question",
    "n_inspections": "Inspections", "n_cases": "Cases", "n_sufficient": "Sufficient", "n_relevant": "Relevant",
    "n_na": "Not applicable", "percent": "Sufficient (%)", "percent_low": "95% interval from (%)",
    "percent_high": "95% interval to (%)", "small_sample": "Small sample", "overall_percent": "All cases (%)",
    "difference": "Difference (points)", "national_percent": "National (%)", "lower_95": "95% limit, lower (%)",
    "upper_95": "95% limit, upper (%)", "lower_998": "99.8% limit, lower (%)", "upper_998": "99.8% limit, upper (%)",
    "position": "Against the national rate", "standard_label": "Standard", "standard_name": "Standard name",
    "rating": "Rating", "score": "Score", "max_score": "Maximum score", "source": "Source", "synthetic": "Synthetic data",
}
_PERCENT_COLUMNS = {"percent", "percent_low", "percent_high", "overall_percent", "difference", "national_percent",
                    "lower_95", "upper_95", "lower_998", "upper_998"}


def labelled(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A frame of this module as a person reads it: the known columns in ``columns`` order (default: all
    known, in the frame's order), headed in the inspectorate's words, percentages to one decimal place
    rounded half up (``core.formatting``), an interval as one "54.3–71.2%" column, codes as published,
    flags as "Yes" or empty, empty cells empty. For display and export; computation uses the tidy frames."""
    cols = [c for c in (columns or frame.columns) if c in frame.columns and c in COLUMN_LABELS]
    out = frame[cols].copy()
    for c in cols:
        if c in _PERCENT_COLUMNS:
            out[c] = out[c].map(fmt.percent_value).astype(float)
        elif c in ("standard", "standard_label"):
            out[c] = out[c].map(fmt.code)
        elif c in ("small_sample", "synthetic"):
            out[c] = out[c].map(lambda v: "Yes" if v is True or v == 1 else "")
        elif out[c].dtype == object:
            out[c] = out[c].map(fmt.cell)
    if "percent_low" in cols and "percent_high" in cols:
        at = cols.index("percent_low")
        out.insert(at, "interval", [fmt.interval(lo, hi) for lo, hi in zip(frame["percent_low"], frame["percent_high"])])
        out = out.drop(columns=["percent_low", "percent_high"])
    return out.rename(columns={**COLUMN_LABELS, "interval": "95% interval"})


def bar_rows(table: pd.DataFrame, few: int = 5, show_all: bool = False) -> pd.DataFrame:
    """The rows of a sufficiency table by unit as the bar chart shows them, with a ``section`` for the
    chart's outer label and a ``bar_label`` for each bar: all of them grouped by region (best first
    within each region), each bar named by its unit; or the ``few`` highest and lowest ("Highest 5",
    "Lowest 5") when there are more than twice ``few``, each bar named with its region too
    ("Brindlemere (East of England)"; a regional inspection "East of England (region)")."""
    rated = table[table["percent"].notna()] if "percent" in table else table
    if "region" not in rated.columns or rated.empty:
        return rated.assign(section="", bar_label=rated["unit"] if "unit" in rated.columns else "")
    if show_all or len(rated) <= 2 * few:
        ordered = rated.sort_values(["region", "percent"], ascending=[True, False], kind="stable")
        return ordered.assign(section=ordered["region"], bar_label=ordered["unit"])
    ranked = rated.sort_values("percent", ascending=False, kind="stable")
    shown = pd.concat([ranked.head(few).assign(section=f"Highest {few}"), ranked.tail(few).assign(section=f"Lowest {few}")])
    regional = shown["level"].eq("region") if "level" in shown.columns else shown["unit"].eq(shown["region"])
    of_region = (" (" + shown["region"].astype(str) + ")").where(~regional, " (region)")
    return shown.assign(bar_label=shown["unit"].astype(str) + of_region)


# -- helpers -----------------------------------------------------------------------------------------

def natural_code(code) -> str:
    """A sort key for codes: numbers padded so that 'P 2.10' comes after 'P 2.9'."""
    return re.sub(r"\d+", lambda m: m.group().zfill(6), str(code).replace(" ", ""))


def _natural_key(series: pd.Series) -> pd.Series:
    """Sort key for ``sort_values``: codes naturally, other columns as they are."""
    return series.map(natural_code) if series.name in ("key_question", "standard") else series
