"""Tables shaped the way the inspectorate publishes them: the overview, the PDU ratings annex,
the domain two key questions behind a rating, a region's PDUs side by side. Pure pandas."""
from __future__ import annotations

import pandas as pd

from core.analysis import OVERALL
from core.codes import display
from core.framework import Framework

LEVEL_NAMES = {"pdu": "PDU", "region": "Region"}


def score_text(row) -> str:
    if row.get("max_score") is None or pd.isna(row.get("max_score")) or not row.get("max_score"):
        return ""
    return f"{int(row['score'])}/{int(row['max_score'])}"


def _published_text(row: dict) -> str | None:
    """'Requires improvement (8/24)' for a published overall, or just the rating."""
    rating = row.get("published_rating") if row else None
    if not isinstance(rating, str):
        return None
    score = row.get("published_score")
    return f"{rating} ({score})" if isinstance(score, str) and score else rating


def overview_table(ratings: pd.DataFrame) -> pd.DataFrame:
    """One row per inspected unit: region, level, unit, overall rating, score such as 9/21, how many
    standards are rated, and the published overall where one is stored."""
    cols = ["region", "level", "unit", "round", "overall_rating", "score", "standards_rated", "standards", "published", "agrees", "synthetic"]
    if ratings.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for (region, level, unit, round_), g in ratings.groupby(["region", "level", "unit", "round"], sort=False):
        overall = g[g["standard"] == OVERALL]
        standards = g[g["standard"] != OVERALL]
        o = overall.iloc[0].to_dict() if not overall.empty else {}
        rows.append({"region": region, "level": LEVEL_NAMES.get(level, level), "unit": unit, "round": round_,
                     "overall_rating": o.get("rating"), "score": score_text(o) if o else "",
                     "standards_rated": int(standards["rating"].notna().sum()), "standards": len(standards),
                     "published": _published_text(o), "agrees": o.get("agrees") if o else None,
                     "synthetic": bool(g["synthetic"].fillna(False).astype(bool).any())})
    out = pd.DataFrame(rows, columns=cols)
    regional_first = (out["level"] != "Region").astype(int)
    return out.assign(_order=regional_first).sort_values(["region", "_order", "unit"]).drop(columns="_order").reset_index(drop=True)


def annex(ratings: pd.DataFrame, inspection_id) -> pd.DataFrame:
    """A unit's ratings as in the published annex: each standard with its rating, then the overall
    with the score; with the basis of each and the published rating where stored."""
    g = ratings[ratings["inspection_id"] == inspection_id]
    rows = []
    for r in g.to_dict("records"):
        is_overall = r["standard"] == OVERALL
        rows.append({"standard": "Overall" if is_overall else display(r["standard"]), "name": r["standard_name"],
                     "domain": "" if is_overall else f"Domain {int(r['domain'])}", "rating": r["rating"],
                     "score": score_text(r) if is_overall else "",
                     "source": {"computed": "computed from cases", "proposed": "proposed by the team", "overall": "from the scores"}.get(r["source"], r["source"] or ""),
                     "basis": r["basis"], "published": r.get("published_rating")})
    return pd.DataFrame(rows, columns=["standard", "name", "domain", "rating", "score", "source", "basis", "published"])


def key_question_table(tallies: pd.DataFrame, ratings: pd.DataFrame, fw: Framework, inspection_id) -> pd.DataFrame:
    """The domain two key questions of one inspection: counts, percentage, and which drives its standard."""
    t = tallies[tallies["inspection_id"] == inspection_id].copy()
    driving = set(ratings.loc[ratings["inspection_id"] == inspection_id, "driving_key_question"].dropna())
    t["percent"] = (100.0 * t["n_sufficient"] / t["n_relevant"]).where(t["n_relevant"] > 0)
    t["question"] = t["key_question"].map(fw.question_text)
    t["drives_rating"] = t["key_question"].isin(driving)
    t["standard"] = t["standard"].map(display)
    t["key_question"] = t["key_question"].map(display)
    extra = [c for c in ("ci_low", "ci_high", "small_sample") if c in t.columns]  # present when intervals were attached
    return t[["standard", "key_question", "question", "n_sufficient", "n_relevant", "percent"] + extra + ["drives_rating"]]


def side_by_side(ratings: pd.DataFrame, region: str, round_: str, level: str = "pdu") -> pd.DataFrame:
    """A region's units side by side: one row per unit, one column per standard, and the overall."""
    g = ratings[(ratings["region"] == region) & (ratings["round"] == round_) & (ratings["level"] == level)]
    if g.empty:
        return pd.DataFrame()
    g = g.assign(column=g["standard"].map(lambda c: "Overall" if c == OVERALL else display(c)))
    table = g.pivot_table(index="unit", columns="column", values="rating", aggfunc="first")
    order = [c for c in dict.fromkeys(g["column"]) if c != "Overall"] + (["Overall"] if "Overall" in table.columns else [])
    table = table.reindex(columns=order)
    scores = g[g["standard"] == OVERALL].set_index("unit").apply(score_text, axis=1)
    table["Score"] = scores.reindex(table.index).fillna("")
    return table.reset_index()
