"""What changes under a scenario: the ratings that differ between two rating runs (DESIGN.md section 4).

Both runs are frames of ratings in the shape ``core.analysis.rate_dataset`` returns: one row per
(inspection_id, standard), ``standard == "OVERALL"`` for the overall rating, ``rating`` a label or
None, and the unit's context (unit, level, region, round, framework) beside it. Nothing here rates
anything: it compares.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from core.errors import InputError
from core.ratings import OVERALL, Rating, parse_rating

KEYS = ("inspection_id", "standard")
CONTEXT = ("unit", "level", "region", "round", "framework")
DIRECTIONS = ("up", "down", "rated", "unrated")
DIRECTION_HELP = {
    "up": "a better rating under the scenario",
    "down": "a worse rating under the scenario",
    "rated": "no rating before, a rating under the scenario (e.g. an overall rating once every counted standard is rated)",
    "unrated": "a rating before, none under the scenario",
}
DIFF_COLUMNS = ["inspection_id", *CONTEXT, "standard", "before", "after", "direction", "steps"]
CHANGE_COLUMNS = ("before", "after", "direction", "steps")  # what diff works out; the rest of DIFF_COLUMNS it takes


def diff(before: pd.DataFrame, after: pd.DataFrame, keys: Sequence[str] = KEYS) -> pd.DataFrame:
    """The ratings that differ between two runs, one row each: DIFF_COLUMNS.

    ``before`` and ``after`` are labels (None where not rated); ``direction`` is one of DIRECTIONS;
    ``steps`` is how many bands the rating moved (+ up, - down; <NA> when it gained or lost its
    rating). A row in only one run counts as unrated in the other. Context columns absent from both
    runs come back empty. Raises InputError if a run lacks a key or the rating column, holds a key
    twice, or a rating that is not one of the four.
    """
    keys = list(keys)
    values_before, values_after = _rating_values(before, keys, "before"), _rating_values(after, keys, "after")
    context = [c for c in CONTEXT if c not in keys and (c in before.columns or c in after.columns)]
    if _aligned(before, after, keys):
        # the same keys in the same order (two ratings of one store, as the What-if page compares them): row by row
        rows = np.flatnonzero(_differ(values_before, values_after))
        merged = pd.DataFrame({c: (before if c in before.columns else after)[c].iloc[rows].reset_index(drop=True) for c in keys + context})
        value_before, value_after = values_before[rows], values_after[rows]
    else:
        merged = before[keys].assign(_before=values_before).merge(after[keys].assign(_after=values_after), on=keys, how="outer")
        merged = merged[_differ(merged["_before"].to_numpy(), merged["_after"].to_numpy())]
        merged = merged.merge(_context(before, after, keys, context), on=keys, how="left")
        value_before, value_after = merged["_before"].to_numpy(), merged["_after"].to_numpy()
    if merged.empty:
        return pd.DataFrame(columns=_columns(keys))
    moved = value_after - value_before
    changes = pd.DataFrame({
        **{c: merged[c].reset_index(drop=True) if c in merged else None for c in _columns(keys) if c not in CHANGE_COLUMNS},
        # object columns, so that "not rated" stays None rather than becoming NaN in a string column
        "before": pd.Series(_labels(value_before), dtype=object), "after": pd.Series(_labels(value_after), dtype=object),
        "direction": np.select([np.isnan(value_before), np.isnan(value_after), value_after > value_before],
                               ["rated", "unrated", "up"], "down"),
        "steps": pd.arrays.IntegerArray(np.nan_to_num(moved).astype(np.int64), np.isnan(moved))})
    return _ordered(changes)[_columns(keys)].reset_index(drop=True)


def _differ(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Where two runs' rating values (NaN: not rated) differ."""
    return ~((before == after) | (np.isnan(before) & np.isnan(after)))


def _aligned(before: pd.DataFrame, after: pd.DataFrame, keys: list[str]) -> bool:
    return len(before) == len(after) and all(pd.Series(before[k].array == after[k].array).fillna(False).all() for k in keys)


class RatingKeys:
    """Ratings' (inspection_id, standard) pairs as one whole number each, on the standards of one frame of them: -1
    for a pair of another standard, or of no inspection, which a caller leaves out (it stands for no pair)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._standards = pd.Index(frame["standard"].unique())

    def of(self, frame: pd.DataFrame) -> np.ndarray:
        code = self._standards.get_indexer(frame["standard"])
        ids = frame["inspection_id"].to_numpy(np.float64, na_value=np.nan)
        known = (code >= 0) & ~np.isnan(ids)
        return np.where(known, np.where(known, ids, 0).astype(np.int64) * len(self._standards) + code, -1)


def same_ratings(frame: pd.DataFrame, others: pd.DataFrame) -> np.ndarray:
    """Which rows of ``frame`` rate an (inspection_id, standard) that ``others`` rates too (e.g. the ratings under a
    scenario that its diff lists): on whole numbers, not pairs of objects, as ``frame`` may be a store's every rating."""
    keys = RatingKeys(others)
    key = keys.of(frame)
    return (key >= 0) & np.isin(key, keys.of(others))


def direction_counts(changes: pd.DataFrame, by: str | Sequence[str] | None = "standard") -> pd.DataFrame:
    """How many ratings moved each way: one row per value of ``by`` (default each standard, OVERALL
    last), with a column per direction (up, down, rated, unrated) and the total. ``by=None`` gives a
    single row for the whole diff."""
    by = [by] if isinstance(by, str) else list(by or [])
    missing = [c for c in by + ["direction"] if c not in changes.columns]
    if missing:
        raise InputError(f"the changes have no column(s) {', '.join(missing)}")
    if len(by) == 1:
        counts = _counted_by(changes[by[0]], changes["direction"])
    else:
        # counted by grouping (pandas' crosstab does the same some ten times slower)
        counts = changes.groupby(by + ["direction"], sort=True).size().unstack("direction", fill_value=0) if by else \
            changes["direction"].value_counts().to_frame().T.reset_index(drop=True)
        counts = counts.reindex(columns=list(DIRECTIONS), fill_value=0)
        counts.columns.name = None
        if by:
            counts = counts.reset_index()
    if by:
        if "standard" in by:
            counts = counts.sort_values(by, key=lambda s: s.map(_standard_order) if s.name == "standard" else s)
    elif counts.empty:
        counts = pd.DataFrame([[0] * len(DIRECTIONS)], columns=list(DIRECTIONS))
    counts["total"] = counts[list(DIRECTIONS)].sum(axis=1)
    return counts[by + list(DIRECTIONS) + ["total"]].astype({d: "int64" for d in list(DIRECTIONS) + ["total"]}).reset_index(drop=True)


def _counted_by(values: pd.Series, direction: pd.Series) -> pd.DataFrame:
    """``direction_counts`` by one column, on whole numbers (the What-if page counts every scenario's changes): what
    grouping by it and the direction gives, a value (in sorted order) with any direction given, missing values left out."""
    codes, distinct = pd.factorize(values, sort=True)
    way = pd.Index(DIRECTIONS).get_indexer(direction)
    grouped = (codes >= 0) & direction.notna().to_numpy()
    table = np.zeros((len(distinct), len(DIRECTIONS)), np.int64)
    counted = grouped & (way >= 0)
    np.add.at(table, (codes[counted], way[counted]), 1)
    shown = np.bincount(codes[grouped], minlength=len(distinct)) > 0
    return pd.DataFrame({values.name: distinct[shown], **{d: table[shown, i] for i, d in enumerate(DIRECTIONS)}})


def summary(changes: pd.DataFrame) -> str:
    """One line for a page or the command line: '5 ratings change: 3 up, 2 down'."""
    n = len(changes)
    if not n:
        return "no rating changes"
    counts = changes["direction"].value_counts()
    parts = [f"{int(counts[d])} {d}" for d in DIRECTIONS if d in counts]
    return f"{n} rating{'s' if n != 1 else ''} change{'' if n != 1 else 's'}: {', '.join(parts)}"


# -- helpers ------------------------------------------------------------------------------------------

def _columns(keys: list[str]) -> list[str]:
    return DIFF_COLUMNS + [k for k in keys if k not in DIFF_COLUMNS]


def _rating_values(frame: pd.DataFrame, keys: list[str], which: str) -> np.ndarray:
    """Each row's rating value (NaN where not rated). Raises InputError for a run without a key or the rating column,
    with a key twice, or with a label that is not a rating."""
    missing = [c for c in keys + ["rating"] if c not in frame.columns]
    if missing:
        raise InputError(f"the {which} ratings have no column(s) {', '.join(missing)}")
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        first = frame.loc[dup, keys].iloc[0].to_dict()
        raise InputError(f"the {which} ratings hold {first} more than once; each rating must appear once")
    # each distinct label read once (a store of ten rounds holds some 10,000 ratings and a handful of labels); the
    # first that is not a rating, in the rows' order, is the one reported
    codes, labels = pd.factorize(frame["rating"], use_na_sentinel=True)
    values = np.array([_value(label, which) for label in labels] + [None], dtype=np.float64)  # None: NaN
    return values[codes]  # code -1 (not rated) takes the last: NaN


def _value(label, which: str) -> int | None:
    if label is None or (isinstance(label, float) and label != label) or label is pd.NA:
        return None
    if isinstance(label, Rating):
        return int(label)
    try:
        return int(parse_rating(label))
    except InputError as exc:
        raise InputError(f"the {which} ratings: {exc}") from None


_LABEL_BY_VALUE = np.array([r.label for r in sorted(Rating)] + [None], dtype=object)  # NaN (not rated) reads the last


def _labels(values: np.ndarray) -> np.ndarray:
    return _LABEL_BY_VALUE[np.where(np.isnan(values), -1, values).astype(np.int64)]


def _context(before: pd.DataFrame, after: pd.DataFrame, keys: list[str], context: list[str]) -> pd.DataFrame:
    """The unit's context for every key: the before run's, else the after run's."""
    parts = [f[keys + [c for c in context if c in f.columns]] for f in (before, after)]
    both = pd.concat(parts, ignore_index=True)
    return both.drop_duplicates(keys, keep="first")


def _standard_order(code) -> tuple:
    return (1, "") if code == OVERALL else (0, str(code))


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    # as the ratings read: by round and region, the region's own inspection before its PDUs, OVERALL last
    standard = frame["standard"].astype(str)
    key = [pd.factorize(frame["round"].astype(str), sort=True)[0], pd.factorize(frame["region"].astype(str), sort=True)[0],
           frame["level"].map({"region": 0, "pdu": 1}).fillna(2).to_numpy(), pd.factorize(frame["unit"].astype(str), sort=True)[0],
           (standard == OVERALL).to_numpy(), pd.factorize(standard, sort=True)[0]]
    return frame.iloc[np.lexsort(key[::-1])]
