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


# -- text from people: one canonical form, and the characters refused -------------------------
# Pure functions, shared by the importer (a finding per cell) and the store (a unique normalised name).

_ZERO_WIDTH = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x180E, 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x3164, 0xFFA0}
_BIDI = {0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}  # marks, embeddings, overrides, isolates
_LINE_BREAKS = {"\t", "\n", "\r"}


def canonical_text(text: str) -> str:
    """Text as stored: Unicode NFKC, so that a full-width 'Ｓａｌｆｏｒｄ' or a ligature 'ﬁ' is the plain letters."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def text_problems(text: str, name: bool = False) -> list[str]:
    """What is wrong with a piece of text from a person, one phrase each (empty: nothing), e.g.
    ``an invisible character (U+200B)``. Refused everywhere: control characters (tab and line
    breaks are allowed in free text), zero-width and other invisible characters, and bidirectional
    controls (which reorder what is shown). A ``name`` (a unit, region or case id) is one line, and
    its letters must be of one script: 'Sаlford' with a Cyrillic 'а' is refused (a homoglyph)."""
    if text.isascii() and text.isprintable():
        return []
    found: dict[str, None] = {}
    for ch in text:
        code = ord(ch)
        if ch in _LINE_BREAKS and not name:
            continue
        if code in _BIDI:
            found[f"a text-direction control character (U+{code:04X})"] = None
        elif code in _ZERO_WIDTH:
            found[f"an invisible character (U+{code:04X})"] = None
        else:
            category = unicodedata.category(ch)
            if category == "Cc":
                found[f"a control character (U+{code:04X})"] = None
            elif category in ("Cf", "Co", "Cn", "Cs", "Zl", "Zp"):
                found[f"an invisible or unassigned character (U+{code:04X})"] = None
    if name:
        scripts = _scripts(text)
        if len(scripts) > 1:
            found[f"letters from more than one script ({' and '.join(scripts)})"] = None
    return list(found)


def _scripts(text: str) -> list[str]:
    """The scripts of the letters of ``text`` (by the first word of each letter's Unicode name)."""
    out: dict[str, None] = {}
    for ch in text:
        if ch.isascii():
            if ch.isalpha():
                out["Latin"] = None
            continue
        if unicodedata.category(ch).startswith("L"):
            out[unicodedata.name(ch, "UNKNOWN").split(" ")[0].title()] = None
    return list(out)
