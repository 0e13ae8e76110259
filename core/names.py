"""How names and dates are compared across uploads, published reports and what people type."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

_MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august", "september",
                                        "october", "november", "december"], start=1)}


def name_key(name: str) -> str:
    """A unit or region name for comparison: case, spacing, commas and '&' for 'and' do not matter
    ('Redcar, Cleveland & Middlesbrough' = 'redcar cleveland and middlesbrough')."""
    return " ".join(str(name).replace("&", " and ").replace(",", " ").lower().split())


def normalised_name(name: str) -> str:
    """The key under which the store holds a unit or region name once: Unicode NFKC, case folded,
    '&' read as 'and', commas and runs of spaces (of any kind) collapsed ('Salford', ' SALFORD ',
    'ｓａｌｆｏｒｄ' are one name). The database keeps it unique, so two spellings never make two PDUs."""
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    return " ".join(text.replace("&", " and ").replace(",", " ").split())


def round_of(day: dt.date) -> str:
    """The inspection round a date falls in: rounds run April to March ('2025-26')."""
    first = day.year if day.month >= 4 else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def round_of_fieldwork(text: str) -> str | None:
    """The round of a published 'fieldwork started' text such as 'June 2023'; None where the text
    does not name a month (a bare year spans two rounds)."""
    m = re.fullmatch(r"\s*([A-Za-z]+)\s+(\d{4})\s*", str(text))
    if not m or m.group(1).lower() not in _MONTHS:
        return None
    return round_of(dt.date(int(m.group(2)), _MONTHS[m.group(1).lower()], 1))
