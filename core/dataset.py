"""The store's read model: what the rating analysis needs, as plain frames.

The store (``core.store.queries.load_dataset``) fills it; the core (``core.analysis``) reads it.
It lives in the core so that rating a store never needs the database library.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class Dataset:
    """What the rating analysis needs, as plain frames (never ORM objects: safe to cache).

    - ``inspections``: inspection_id, level, region, unit, framework, round, fieldwork_start, status, synthetic
    - ``counts``: inspection_id, case_type, code, n_yes, n_no, n_na  (answers of current uploads only)
    - ``proposed``: inspection_id, standard, rating, rationale
    - ``judgements``: inspection_id, name, value
    - ``published``: seed, region, unit, framework, fieldwork, standard, rating, published_score, published_max, published_overall
    """

    inspections: pd.DataFrame
    counts: pd.DataFrame
    proposed: pd.DataFrame
    judgements: pd.DataFrame
    published: pd.DataFrame
