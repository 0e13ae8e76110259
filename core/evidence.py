"""Searching domain one evidence."""
from __future__ import annotations

import pandas as pd


def filter_evidence(items: pd.DataFrame, *, round_=None, regions=(), units=(), standards=(), kinds=(), sources=(),
                    key_questions=(), text: str = "") -> pd.DataFrame:
    """Evidence items matching every filter given; an empty filter matches all. ``text`` matches
    words of the evidence text, case-insensitively, all words required."""
    mask = pd.Series(True, index=items.index)
    if round_ is not None:
        mask &= items["round"] == round_
    for column, wanted in (("region", regions), ("unit", units), ("standard", standards), ("kind", kinds),
                           ("source", sources), ("key_question", key_questions)):
        if wanted:
            mask &= items[column].isin(list(wanted))
    for word in (text or "").lower().split():
        mask &= items["text"].str.lower().str.contains(word, regex=False)
    return items[mask]
