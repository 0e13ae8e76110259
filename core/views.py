"""The tables and sentences the pages show, built once here so that what a reader sees and what a
download holds are the same frame: human headings, figures written by ``core.formatting``, rows in
rating order (worst first), no internal ids. Pure pandas.

Input frames are the ratings frame of ``core.analysis`` (optionally with the robustness columns of
``core.robustness.attach_robustness``: ci_low, ci_high, p_different, small_sample) and the key
question tallies.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from core import formatting as fmt
from core.formatting import OVERALL

SORTS = {
    "worst": "Worst first",
    "best": "Best first",
    "name": "By name",
}
LEVEL_NAMES = {"pdu": "PDU", "region": "Region"}


def view_link(page: str, **params: Any) -> str:
    """A relative link to a page of the app with its view in the address ('scorecard?round=…')."""
    clean = {k: str(v) for k, v in params.items() if not fmt.is_empty(v)}
    return f"./{page}?{urlencode(clean)}" if clean else f"./{page}"


def _flag_reasons(rows: pd.DataFrame) -> dict:
    """(inspection_id, standard) -> the one-line reason its rating rests on little ('' if it does not)."""
    return dict(zip(zip(rows["inspection_id"], rows["standard"]), care_reasons(rows))) if not rows.empty else {}


UNIT_KEYS = ["region", "level", "unit", "round"]


def unit_reasons(ratings: pd.DataFrame) -> dict[tuple, str]:
    """(region, level, unit, round) -> the one-line reason that unit's overall rests on little (units
    with none are left out): which of its domain two ratings do, and why; all units in one pass."""
    d2 = ratings[(ratings["domain"] == 2) & ratings["rating"].notna()] if not ratings.empty else ratings
    if d2.empty:
        return {}
    parts: dict[tuple, dict] = {}
    for key, ins, std, reason in zip(d2[UNIT_KEYS].itertuples(index=False, name=None), d2["inspection_id"],
                                     d2["standard"], care_reasons(d2)):
        parts.setdefault(key, {})[(ins, std)] = f"{fmt.code(std)} {reason.removeprefix('Read with care: ')}" if reason else ""
    return {key: "Read with care: " + "; ".join(p for p in found.values() if p)
            for key, found in parts.items() if any(found.values())}


def unit_reason(rows: pd.DataFrame) -> str:
    """The one-line reason one unit's overall rests on little ('' if it does not): ``unit_reasons``
    of that unit's rows."""
    return next(iter(unit_reasons(rows).values()), "")


def _overall_rows(ratings: pd.DataFrame) -> pd.DataFrame:
    """Each unit's overall row (its first), keyed by UNIT_KEYS, with the published columns even where absent."""
    overall = ratings[ratings["standard"] == OVERALL].drop_duplicates(UNIT_KEYS)
    return overall.reindex(columns=[*UNIT_KEYS, "rating", "score", "max_score", "published_rating", "agrees"])


def _scores(score, max_score) -> dict:
    """The "Score" and "Out of" columns of an overall row: whole numbers, both empty where there is no maximum."""
    if fmt.is_empty(max_score):
        return {"Score": None, "Out of": None}
    return {"Score": None if fmt.is_empty(score) else int(score), "Out of": int(max_score)}


def _order(frame: pd.DataFrame, sort: str, rating_col: str, name_cols: Sequence[str], score_cols=("Score", "Out of")) -> pd.DataFrame:
    if frame.empty:
        return frame
    share = frame[score_cols[0]].astype(float) / frame[score_cols[1]].astype(float).where(frame[score_cols[1]] > 0)
    keys = pd.DataFrame({"rank": frame[rating_col].map(lambda r: fmt.rating_rank(str(r).removesuffix(" " + fmt.SMALL_MARK))),
                         "share": share.fillna(99)})
    names = [frame[c].astype(str).str.lower() for c in name_cols]
    order = pd.concat([keys, *names], axis=1)
    order.columns = ["rank", "share", *[f"n{i}" for i in range(len(names))]]
    if sort == "name":
        idx = order.sort_values([*order.columns[2:], "rank"], kind="stable").index
    elif sort == "best":
        unrated = order["rank"] == len(fmt.RATING_ORDER)
        idx = order.assign(u=unrated, rank=-order["rank"], share=-order["share"]).sort_values(
            ["u", "rank", "share", *order.columns[2:]], kind="stable").index
    else:
        idx = order.sort_values(["rank", "share", *order.columns[2:]], kind="stable").index
    return frame.loc[idx].reset_index(drop=True)


# -- Overview --------------------------------------------------------------------------------------

OVERVIEW_COLUMNS = ["Unit", "Overall rating", "Score", "Out of", "Read with care", "Region", "Level", "Round",
                    "Standards rated", "Published overall", "Agrees with published", "Scorecard"]


def overview_units(ratings: pd.DataFrame, sort: str = "worst") -> pd.DataFrame:
    """One row per inspected unit (PDUs and regions): the overall rating and its score as numbers,
    the reason to read it with care, and a link to its scorecard (PDUs) or region page."""
    rows = []
    if not ratings.empty:
        standard = ratings["standard"] != OVERALL
        units = (ratings.assign(_rated=standard & ratings["rating"].notna(), _standard=standard)
                 .groupby(UNIT_KEYS, sort=False).agg(rated=("_rated", "sum"), standards=("_standard", "sum")).reset_index())
        units = units.merge(_overall_rows(ratings), on=UNIT_KEYS, how="left")
        reasons = unit_reasons(ratings)
        for u in units.itertuples(index=False):
            reason = reasons.get((u.region, u.level, u.unit, u.round), "")
            link = (view_link("scorecard", round=u.round, region=u.region, unit=u.unit) if u.level == "pdu"
                    else view_link("region", round=u.round, region=u.region))
            published = u.published_rating if isinstance(u.published_rating, str) else ""
            rows.append({"Unit": u.unit, "Overall rating": fmt.marked_rating(u.rating, reason), **_scores(u.score, u.max_score),
                         "Read with care": reason, "Region": u.region, "Level": LEVEL_NAMES.get(u.level, u.level), "Round": u.round,
                         "Standards rated": f"{int(u.rated)} of {int(u.standards)}",
                         "Published overall": published,
                         "Agrees with published": "" if fmt.is_empty(u.agrees) or not published else ("Yes" if u.agrees else "No"),
                         "Scorecard": link})
    frame = pd.DataFrame(rows, columns=OVERVIEW_COLUMNS)
    frame["Score"] = frame["Score"].astype("Int64")
    frame["Out of"] = frame["Out of"].astype("Int64")
    return _order(frame, sort, "Overall rating", ["Unit", "Region"])


def unit_counts(units: pd.DataFrame) -> dict[str, int]:
    """PDUs and regions counted apart, and how many are rated overall and Inadequate overall."""
    rated = units["Overall rating"].astype(str).str.len() > 0
    return {"PDUs": int((units["Level"] == "PDU").sum()), "Regions": int((units["Level"] == "Region").sum()),
            "Rated overall": int(rated.sum()),
            "Inadequate overall": int(units["Overall rating"].astype(str).str.startswith("Inadequate").sum())}


# -- Region ------------------------------------------------------------------------------------------

def region_pdus(ratings: pd.DataFrame, region: str, round_: str, sort: str = "worst") -> pd.DataFrame:
    """A region's PDUs side by side: PDU, overall, score and maximum first (they fit a narrow
    screen), then each standard's rating, the reason to read with care, and a link to the scorecard."""
    g = ratings[(ratings["region"] == region) & (ratings["round"] == round_) & (ratings["level"] == "pdu")]
    if g.empty:
        return pd.DataFrame(columns=["PDU", "Overall rating", "Score", "Out of", "Read with care", "Scorecard"])
    standards = sorted((s for s in g["standard"].unique() if s != OVERALL), key=_natural)
    reasons = _flag_reasons(g[(g["domain"] == 2) & g["rating"].notna()])
    unit_why = unit_reasons(g)
    overall = _overall_rows(g).set_index("unit")
    rows = []
    for unit, u in g.groupby("unit", sort=False):
        reason = unit_why.get((region, "pdu", unit, round_), "")
        o = overall.loc[unit] if unit in overall.index else pd.Series(dtype=object)
        by_std = dict(zip(u["standard"], u["rating"]))
        ids = dict(zip(u["standard"], u["inspection_id"]))
        row = {"PDU": unit, "Overall rating": fmt.marked_rating(o.get("rating"), reason), **_scores(o.get("score"), o.get("max_score"))}
        for s in standards:
            row[fmt.code(s)] = fmt.marked_rating(by_std.get(s), reasons.get((ids.get(s), s), ""))
        row["Read with care"] = reason
        row["Scorecard"] = view_link("scorecard", round=round_, region=region, unit=unit)
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["Score"] = frame["Score"].astype("Int64")
    frame["Out of"] = frame["Out of"].astype("Int64")
    return _order(frame, sort, "Overall rating", ["PDU"])


def _natural(code: str) -> str:
    import re

    return re.sub(r"\d+", lambda m: m.group().zfill(6), str(code))


# -- a unit's ratings (the annex) ------------------------------------------------------------------------

SOURCES = {"computed": "Computed from cases", "proposed": "Proposed by the team", "overall": "From the scores"}


def annex_table(ratings: pd.DataFrame, inspection_id) -> pd.DataFrame:
    """A unit's ratings as in the published annex: each standard, then the overall with its score."""
    g = ratings[ratings["inspection_id"] == inspection_id]
    reasons = _flag_reasons(g[(g["domain"] == 2) & g["rating"].notna()])
    rows = []
    for r in g.to_dict("records"):
        overall = r["standard"] == OVERALL
        reason = reasons.get((r["inspection_id"], r["standard"]), "")
        rows.append({"Standard": fmt.code(r["standard"]), "Name": fmt.cell(r["standard_name"]) if not overall else "",
                     "Rating": fmt.marked_rating(r["rating"], reason),
                     "Score": fmt.score_text(r["score"], r["max_score"]) if overall else "",
                     "How it is reached": SOURCES.get(r["source"], fmt.cell(r["source"])),
                     "Basis": fmt.cell(r["basis"]), "Read with care": reason,
                     "Published": fmt.cell(r.get("published_rating"))})
    return pd.DataFrame(rows, columns=["Standard", "Name", "Rating", "Score", "How it is reached", "Basis", "Read with care",
                                       "Published"])


def _threshold_words(rating: str, pct: float | None, thresholds: Mapping[str, float]) -> str:
    """'below the 50% needed for Requires improvement' / 'at or above the 65% for Good (80% for Outstanding)'."""
    order = list(fmt.RATING_ORDER)  # worst first
    if rating not in order or pct is None:
        return ""
    i = order.index(rating)
    above = order[i + 1] if i + 1 < len(order) else None
    parts = []
    if rating != "Inadequate" and rating in thresholds:
        parts.append(f"at or above the {thresholds[rating]:g}% for {rating}")
    if above is not None and above in thresholds:
        parts.append(f"below the {thresholds[above]:g}% needed for {above}")
    return ", ".join(parts)


WHY_COLUMNS = ["Standard", "Rating", "Driving key question", "Cases sufficient", "Sufficient (%)", "Threshold",
               "95% interval", "Chance of another rating", "Read with care", "Answers to move up a band",
               "Answers to move down a band"]


def why_table(rows: pd.DataFrame, question_text, thresholds: Mapping[str, float]) -> pd.DataFrame:
    """For each domain two rating of one unit (rows with the robustness columns): the driving key
    question, its count ('21 of 79 cases'), percentage, the threshold it sits against, the interval,
    the chance of another rating, and the reason to read it with care."""
    d2 = rows[(rows["domain"] == 2)].copy()
    d2 = d2.sort_values("standard", key=lambda s: s.map(_natural))
    out = []
    for r in d2.to_dict("records"):
        rated = not fmt.is_empty(r["rating"])
        kq = r.get("driving_key_question")
        reason = fmt.small_sample_reason(r["n_relevant"], r.get("p_different")) if rated else ""
        pct = fmt.percent_of(r["n_sufficient"], r["n_relevant"])
        out.append({
            "Standard": f"{fmt.code(r['standard'])} {fmt.cell(r['standard_name'])}".strip(),
            "Rating": fmt.marked_rating(r["rating"], reason) if rated else "Not rated",
            "Driving key question": f"{fmt.code(kq)} “{question_text(kq)}”" if not fmt.is_empty(kq) else "",
            "Cases sufficient": fmt.count_text(r["n_sufficient"], r["n_relevant"]),
            "Sufficient (%)": pct,
            "Threshold": _threshold_words(r["rating"], pct, thresholds) if rated else "",
            "95% interval": fmt.interval(r.get("ci_low"), r.get("ci_high"), fraction=True),
            "Chance of another rating": fmt.fraction_percent(r.get("p_different")),
            "Read with care": reason,
            "Answers to move up a band": fmt.cell(r.get("changes_up")),
            "Answers to move down a band": fmt.cell(r.get("changes_down")),
        })
    return pd.DataFrame(out, columns=WHY_COLUMNS)


def why_sentences(why: pd.DataFrame) -> list[tuple[str, str]]:
    """(heading, sentence) per domain two rating, in words: the why, readable on any screen width."""
    out = []
    for r in why.to_dict("records"):
        head = f"{r['Standard']}: {r['Rating']}"
        if not r["Driving key question"]:
            out.append((head, "No relevant cases yet."))
            continue
        bits = [f"Driven by {r['Driving key question']}: {r['Cases sufficient']} sufficient "
                f"({fmt.percent(r['Sufficient (%)'])})" + (f", {r['Threshold']}" if r["Threshold"] else "") + "."]
        if r["95% interval"]:
            bits.append(f"95% interval {r['95% interval']}.")
        if r["Chance of another rating"] and not r["Read with care"]:  # a flagged chance is said in the reason
            bits.append(f"Chance of another rating: {r['Chance of another rating']}.")
        if r["Read with care"]:
            bits.append(f"{fmt.SMALL_MARK} {r['Read with care']}.")
        out.append((head, " ".join(bits)))
    return out


SEVERITY_WORDS = {"breach": "Breaks a DECISION RULE", "flag": "Outside DECISION GUIDANCE", "pending": "Cannot be checked yet",
                  "ok": "Meets the rule"}


def checks_table(checks: pd.DataFrame) -> pd.DataFrame:
    """Decision-rule checks in words: the standard, the proposed rating, the outcome, why, and the
    reference. Columns the core adds later (such as what a capped rating counts as) are kept, headed."""
    cols = ["Standard", "Proposed", "Outcome", "Why", "Reference"]
    if checks.empty:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame({
        "Standard": checks["standard"].map(fmt.code), "Proposed": checks["proposed"].map(fmt.cell),
        "Outcome": checks["severity"].map(lambda s: SEVERITY_WORDS.get(s, str(s).capitalize())),
        "Why": checks["explanation"].map(fmt.cell),
        "Reference": checks["reference"].map(fmt.cell) if "reference" in checks else ""})
    for extra in [c for c in checks.columns if c.startswith("counts_as")]:
        out[extra.replace("_", " ").capitalize()] = checks[extra].map(fmt.cell)
    return out


KEY_QUESTION_COLUMNS = ["Standard", "Key question", "Question", "Cases sufficient", "Relevant cases", "Sufficient (%)",
                        "95% interval", "Small sample", "Drives the rating"]


def key_question_table(tallies: pd.DataFrame, ratings: pd.DataFrame, question_text, inspection_id) -> pd.DataFrame:
    """The domain two key questions of one inspection, as shown and exported."""
    t = tallies[tallies["inspection_id"] == inspection_id]
    driving = set(ratings.loc[ratings["inspection_id"] == inspection_id, "driving_key_question"].dropna())
    rows = []
    for r in t.to_dict("records"):
        rows.append({"Standard": fmt.code(r["standard"]), "Key question": fmt.code(r["key_question"]),
                     "Question": question_text(r["key_question"]), "Cases sufficient": int(r["n_sufficient"]),
                     "Relevant cases": int(r["n_relevant"]), "Sufficient (%)": fmt.percent_of(r["n_sufficient"], r["n_relevant"]),
                     "95% interval": fmt.interval(r.get("ci_low"), r.get("ci_high"), fraction=True),
                     "Small sample": "Yes" if int(r["n_relevant"]) < fmt.SMALL_CASES else "",
                     "Drives the rating": "Yes" if r["key_question"] in driving else ""})
    frame = pd.DataFrame(rows, columns=KEY_QUESTION_COLUMNS)
    return frame.sort_values(["Standard", "Key question"], key=lambda s: s.map(_natural), kind="stable").reset_index(drop=True)


# -- the annex workbook (laid out as the published annexes) ------------------------------------------------

def annex_layout(title: str, subtitle: str, ratings_table: pd.DataFrame, key_questions: pd.DataFrame) -> list:
    """The blocks of an annex workbook, top to bottom: title lines, the ratings by standard with the
    score and the overall, then the key questions with counts and intervals. Each block is
    ('title', text) or ('table', heading, frame). An adapter writes it (core.exports)."""
    standards = ratings_table[ratings_table["Standard"] != "Overall"][["Standard", "Name", "Rating"]]
    overall = ratings_table[ratings_table["Standard"] == "Overall"]
    score = overall["Score"].iloc[0] if not overall.empty else ""
    rating = overall["Rating"].iloc[0] if not overall.empty else ""
    summary = pd.DataFrame([{"Standard": "Score", "Name": "", "Rating": score},
                            {"Standard": "Overall", "Name": "", "Rating": rating}])
    return [("title", title), ("title", subtitle),
            ("table", "Ratings by standard", pd.concat([standards, summary], ignore_index=True)),
            ("table", "Domain two key questions", key_questions)]


# -- one-line summaries of the charts (their accessible name and the caption beneath) ----------------------

def distribution_summary(ratings: pd.DataFrame, noun: str = "units") -> str:
    rated = ratings[ratings["rating"].isin(fmt.RATING_ORDER)]
    if rated.empty:
        return f"Ratings by standard: no {noun} rated yet."
    counts = rated["rating"].value_counts()
    parts = ", ".join(f"{int(counts.get(r, 0))} {r}" for r in reversed(fmt.RATING_ORDER))
    return (f"Ratings by standard for {rated['unit'].nunique()} {noun} across {rated['standard'].nunique()} standards: "
            f"{parts}.")


def bars_summary(frame: pd.DataFrame, label: str, what: str) -> str:
    """'Cases sufficient on X by PDU: highest A (85.0%), lowest B (40.0%), 12 PDUs.'"""
    f = frame[frame["percent"].notna()] if "percent" in frame else frame.iloc[0:0]
    if f.empty:
        return f"{what}: no relevant answers."
    top, bottom = f.loc[f["percent"].idxmax()], f.loc[f["percent"].idxmin()]
    return (f"{what}: {len(f)} shown; highest {top[label]} ({fmt.percent(top['percent'])}), "
            f"lowest {bottom[label]} ({fmt.percent(bottom['percent'])}).")


def funnel_summary(points: pd.DataFrame, positions: Sequence[str]) -> str:
    if points.empty:
        return "Funnel plot: no PDU has relevant answers."
    above = int(points["position"].isin(positions[:2]).sum())
    below = int(points["position"].isin(positions[3:]).sum())
    return (f"Funnel plot of {len(points)} PDUs against the rate of {fmt.percent(points['national_percent'].iloc[0])}: "
            f"{above} above the 95% limit, {below} below it, {len(points) - above - below} within.")


def heatmap_summary(matrix: pd.DataFrame) -> str:
    if matrix.empty:
        return "Key questions by PDU: no answers."
    low = matrix.loc[matrix["percent"].idxmin()] if matrix["percent"].notna().any() else None
    text = f"Key questions by PDU: {matrix['unit'].nunique()} PDUs, {matrix['key_question'].nunique()} key questions"
    if low is not None:
        text += f"; lowest {low['unit']} on {fmt.code(low['key_question'])} ({fmt.percent(low['percent'])})"
    return text + "."


def comparison_summary(side: pd.DataFrame, unit: str) -> str:
    if side.empty:
        return f"{unit}: no key question answers."
    own = side[side["comparison"] == "unit"]
    region = side[side["comparison"] == "region"].set_index("key_question_label")["percent"]
    below = [k for k, p in zip(own["key_question_label"], own["percent"]) if k in region and pd.notna(p) and p < region[k]]
    return (f"{unit} on {len(own)} key questions beside its region and the nation; below its region on "
            f"{len(below)} of them.")


def trend_summary(history: pd.DataFrame, unit: str) -> str:
    overall = history[history["standard"] == OVERALL]
    steps = "; ".join(f"{r} {g}" for r, g in zip(overall["round"], overall["rating"].map(fmt.cell)) if g)
    return f"{unit}: ratings across {history['round'].nunique()} rounds" + (f", overall {steps}." if steps else ".")


# -- evidence ------------------------------------------------------------------------------------------------

EVIDENCE_LABELS = {"region": "Region", "unit": "Unit", "round": "Round", "standard": "Standard", "key_question": "Key question",
                   "prompt": "Prompt", "kind": "Kind", "judgement": "Judgement", "source": "Source", "text": "Evidence"}


def evidence_table(items: pd.DataFrame, columns: Sequence[str] = ("key_question", "prompt", "kind", "judgement", "source", "text")
                   ) -> pd.DataFrame:
    """Evidence items as shown and exported: human headings, codes as published, no ids."""
    cols = [c for c in columns if c in items.columns]
    out = items[cols].copy()
    for c in ("standard", "key_question", "prompt"):
        if c in out:
            out[c] = out[c].map(fmt.code)
    return out.map(fmt.cell).rename(columns=EVIDENCE_LABELS).reset_index(drop=True)


def survey_table(figures: pd.DataFrame) -> pd.DataFrame:
    """Survey figures: the prompt, the survey, the question, '68 of 84 respondents' and the share."""
    return pd.DataFrame({"Prompt": figures["prompt"].map(fmt.code), "Survey": figures["survey"].map(fmt.cell),
                         "Question": figures["question"].map(fmt.cell),
                         "Respondents": [fmt.count_text(y, n, "respondents") for y, n in zip(figures["numerator"], figures["denominator"])],
                         "Share (%)": [fmt.percent_of(y, n) for y, n in zip(figures["numerator"], figures["denominator"])]})


# -- What-if ----------------------------------------------------------------------------------------------

CHANGE_WORDS = {"up": "Better", "down": "Worse", "rated": "Now rated", "unrated": "No longer rated"}


def changes_table(changes: pd.DataFrame, framework_title=lambda f: f, robust: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every rating that changes under a scenario, as shown and exported. ``robust``: the domain two
    ratings under the scenario with the core.robustness columns, where worked out; then a rating under
    the scenario that rests on little carries the marker, with its reason in a "Read with care" column."""
    cols = ["Unit", "Level", "Region", "Round", "Framework", "Standard", "Now", "Under the scenario", "Change", "Bands moved"]
    if robust is not None:
        cols.append("Read with care")
    if changes.empty:
        return pd.DataFrame(columns=cols)
    # a scenario changes a few hundred ratings or more, of some tens of units, standards and ratings: each text is
    # written once per value
    table = pd.DataFrame({
        "Unit": _text_of_each(changes["unit"], fmt.cell),
        "Level": _text_of_each(changes["level"], lambda v: LEVEL_NAMES.get(v, fmt.cell(v))),
        "Region": _text_of_each(changes["region"], fmt.cell), "Round": _text_of_each(changes["round"], fmt.cell),
        "Framework": _text_of_each(changes["framework"], lambda f: framework_title(f) if not fmt.is_empty(f) else ""),
        "Standard": _text_of_each(changes["standard"], fmt.code), "Now": _text_of_each(changes["before"], fmt.cell),
        "Under the scenario": _text_of_each(changes["after"], fmt.cell),
        "Change": _text_of_each(changes["direction"], lambda d: CHANGE_WORDS.get(d, fmt.cell(d))),
        "Bands moved": pd.array([None if fmt.is_empty(v) else int(v) for v in changes["steps"]], dtype="Int64")},
        columns=cols)
    if robust is not None:
        why = _flag_reasons(robust)
        reasons = [why.get((i, s), "") for i, s in zip(changes["inspection_id"], changes["standard"])]
        table["Under the scenario"] = [fmt.marked_rating(r, w) if r else r for r, w in zip(table["Under the scenario"], reasons)]
        table["Read with care"] = reasons
    return table


def _text_of_each(values: pd.Series, write) -> pd.api.extensions.ExtensionArray:
    """``values.map(write)`` as text, ``write`` called once per distinct value."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return pd.array(np.array([write(v) for v in distinct], dtype=object)[codes], dtype="str")


def direction_table(counts: pd.DataFrame) -> pd.DataFrame:
    """How many ratings of each standard get better, worse, rated or unrated."""
    out = counts.rename(columns={**CHANGE_WORDS, "standard": "Standard", "total": "Total"})
    if "Standard" in out:
        out["Standard"] = out["Standard"].map(fmt.code)
    return out


ROBUSTNESS_COLUMNS = ["Standard", "Rating", "Sufficient (%)", "95% interval", "Answers to move up", "Answers to move down",
                      "Chance of another rating (%)", "Read with care"]


def care_reasons(frame: pd.DataFrame) -> list[str]:
    """Each rated row's reason to read its rating with care ('' for none), from the core.robustness
    columns: the sample (or relevant cases) and the chance of another rating."""
    missing = pd.Series(np.nan, index=frame.index)
    sample = frame["sample"] if "sample" in frame else frame.get("n_relevant", missing)
    chance = frame.get("p_different", missing)
    # only a rating on few cases, or with a high chance of another, has a reason: the rest are found at once
    n, p = sample.to_numpy(np.float64, na_value=np.nan), chance.to_numpy(np.float64, na_value=np.nan)
    reasons, ratings, samples, chances = [""] * len(frame), frame["rating"].tolist(), sample.tolist(), chance.tolist()
    for i in np.flatnonzero((n < fmt.SMALL_CASES) | (p >= fmt.CHANCE_FLAG)).tolist():
        if not fmt.is_empty(ratings[i]):
            reasons[i] = fmt.small_sample_reason(samples[i], chances[i])
    return reasons


def robustness_table(frame: pd.DataFrame, context: bool = True) -> pd.DataFrame:
    """Domain two ratings with how robust each is (core.robustness columns), as shown and exported:
    the chance of another rating as a percentage, the interval as a range, and the reason to read a
    rating with care. ``context``: lead with the unit, region and round."""
    reasons = care_reasons(frame)
    out = pd.DataFrame({
        "Standard": frame["standard"].map(fmt.code),
        "Rating": [fmt.marked_rating(r, why) for r, why in zip(frame["rating"], reasons)],
        "Sufficient (%)": pd.array([fmt.percent_value(v) for v in frame["percent"]], dtype="Float64"),
        "95% interval": [fmt.interval(lo, hi, fraction=True) for lo, hi in zip(frame["ci_low"], frame["ci_high"])],
        "Answers to move up": pd.array([None if fmt.is_empty(v) else int(v) for v in frame["cases_up"]], dtype="Int64"),
        "Answers to move down": pd.array([None if fmt.is_empty(v) else int(v) for v in frame["cases_down"]], dtype="Int64"),
        "Chance of another rating (%)": pd.array([fmt.percent_value(None if fmt.is_empty(p) else 100 * float(p))
                                                  for p in frame["p_different"]], dtype="Float64"),
        "Read with care": reasons}, columns=ROBUSTNESS_COLUMNS)
    if context:
        out.insert(0, "Round", frame["round"].map(fmt.cell).to_numpy())
        out.insert(0, "Region", frame["region"].map(fmt.cell).to_numpy())
        out.insert(0, "Unit", frame["unit"].map(fmt.cell).to_numpy())
    return out.reset_index(drop=True)


def scenario_detail(now: pd.DataFrame, later: pd.DataFrame, robust: pd.DataFrame, counts) -> pd.DataFrame:
    """One unit under a scenario, standard by standard: whether it counts (``counts(standard)``), its rating
    now and under the scenario, and how robust the latter is (``robust``: its domain two ratings with the
    core.robustness columns). A rating under the scenario that rests on little carries the marker, as in
    ``robustness_table``, with its reason in its own column."""
    table = robustness_table(robust, context=False)
    marked = dict(zip(table["Standard"], table["Rating"]))
    under = dict(zip(later["standard"], later["rating"]))
    standards = now["standard"].tolist()
    shown = [fmt.code(s) for s in standards]
    # built from lists, not joined: a unit has some ten standards, and joins of frames that small cost more than the rest
    detail = pd.DataFrame({"Standard": shown, "Counts": ["Yes" if s == OVERALL or counts(s) else "No" for s in standards],
                           "Now": [fmt.cell(r) for r in now["rating"]],
                           "Under the scenario": [fmt.cell(marked.get(c, under.get(s))) for c, s in zip(shown, standards)]})
    # each standard's robustness (none for domain one or the overall rating)
    beside = table.drop(columns=["Standard", "Rating"]).reindex(pd.Index(table["Standard"]).get_indexer(shown))
    for text_column in ("95% interval", "Read with care"):
        beside[text_column] = [fmt.cell(v) for v in beside[text_column]]
    return pd.concat([detail, beside.reset_index(drop=True)], axis=1)


# -- uploads -------------------------------------------------------------------------------------------------

KIND_NAMES = {"cases": "sentence management cases", "court": "court reports", "unpaid-work": "unpaid work cases",
              "victim": "statutory victim cases", "evidence": "domain one evidence", "demo": "synthetic demonstration data"}


def _held(counts: Mapping[str, int]) -> str:
    parts = [f"{int(n):,} {k.replace('_', ' ')}" for k, n in (counts or {}).items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1] if parts else "nothing"


def receipt_sentences(receipt, framework_title=lambda f: f) -> tuple[str, str]:
    """(headline, details) of an upload's receipt in sentences; technical details (hash, ids) are
    for ``receipt_details``."""
    unit = f"{receipt.unit} PDU ({receipt.region})" if receipt.level == "pdu" else f"{receipt.region} region"
    kind = KIND_NAMES.get(receipt.kind, str(receipt.kind))
    where = f"{unit}, round {receipt.round}, under {framework_title(receipt.framework)}"
    if receipt.status == "already loaded":
        head = f"{receipt.file_name} was already loaded as version {receipt.version}: nothing changed."
        details = f"It is the {kind} upload for {where}, holding {_held(receipt.counts)}."
    else:
        head = f"{receipt.file_name} was loaded as version {receipt.version} of the {kind} for {unit}."
        details = f"Round {receipt.round}, under {framework_title(receipt.framework)}. It holds {_held(receipt.counts)}."
        if receipt.status == "new version":
            details += f" Version {receipt.version - 1} is kept in the history but no longer counts."
    return head, details


def receipt_details(receipt) -> pd.DataFrame:
    """The technical details of a receipt, folded away on the page."""
    return pd.DataFrame([{"Detail": "SHA-256 of the file", "Value": receipt.sha256},
                         {"Detail": "Uploaded by", "Value": receipt.uploaded_by},
                         {"Detail": "Upload number", "Value": str(receipt.upload_id)},
                         {"Detail": "Inspection", "Value": receipt.inspection}])


def _counts_now(uploads: pd.DataFrame) -> pd.Series:
    withdrawn = uploads["withdrawn_at"].notna() if "withdrawn_at" in uploads else pd.Series(False, index=uploads.index)
    return pd.Series(["Yes" if c else ("No (withdrawn)" if w else "No (replaced)") for c, w in zip(uploads["current"], withdrawn)],
                     index=uploads.index)


def _withdrawn(uploads: pd.DataFrame) -> pd.Series:
    """When, by whom and why an upload was withdrawn; empty where it was not."""
    if "withdrawn_at" not in uploads:
        return pd.Series("", index=uploads.index)
    return pd.Series(["" if fmt.is_empty(at) else f"{str(at)[:16]} by {fmt.cell(by)}: {fmt.cell(why)}"
                      for at, by, why in zip(uploads["withdrawn_at"], uploads["withdrawn_by"], uploads["withdrawn_reason"])],
                     index=uploads.index)


def history_table(uploads: pd.DataFrame) -> pd.DataFrame:
    """The upload history in words: no ids; the hash shortened (the full one is in the receipt)."""
    cols = ["Uploaded", "File", "Unit", "Region", "Round", "Kind", "Version", "Counts", "Holds", "Uploaded by", "Withdrawn",
            "SHA-256 (start)"]
    if uploads.empty:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame({
        "Uploaded": uploads["uploaded_at"].map(lambda t: "" if fmt.is_empty(t) else str(t)[:16]),
        "File": uploads["file_name"].map(fmt.cell), "Unit": uploads["unit"].map(fmt.cell), "Region": uploads["region"].map(fmt.cell),
        "Round": uploads["round"].map(fmt.cell), "Kind": uploads["kind"].map(lambda k: KIND_NAMES.get(k, fmt.cell(k))),
        "Version": uploads["version"], "Counts": _counts_now(uploads),
        "Holds": uploads["counts"].map(lambda c: _held(c) if isinstance(c, Mapping) else fmt.cell(c)),
        "Uploaded by": uploads["uploaded_by"].map(fmt.cell), "Withdrawn": _withdrawn(uploads),
        "SHA-256 (start)": uploads["sha256"].map(lambda h: "" if fmt.is_empty(h) else str(h)[:12])}, columns=cols)
