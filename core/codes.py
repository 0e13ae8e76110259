"""Standard, key question and prompt codes: published with a space after the letter ('P 2.1'),
accepted without it ('P2.1')."""
from __future__ import annotations

import re
from functools import lru_cache

_CODE = re.compile(r"^([A-Za-z])?\s*(\d+(?:\.\d+)*)(?:\.([A-Za-z]))?$")


def canonical(code: str) -> str:
    """The compact key of a code: 'P 2.1' -> 'P2.1', 'p2.1.2.A' -> 'P2.1.2.a'.

    Supplementary case questions have short letter codes ('MO'), kept upper-case.
    Raises ValueError for anything else. Text codes are remembered (a few hundred distinct codes,
    asked for thousands of times on every re-rating); a refusal is not.
    """
    return _canonical_text(code) if isinstance(code, str) else _canonical(code)


@lru_cache(maxsize=4096)
def _canonical_text(code: str) -> str:
    return _canonical(code)


def _canonical(code) -> str:
    text = str(code).strip()
    if text.isalpha() and 2 <= len(text) <= 4:
        return text.upper()
    m = _CODE.match(text)
    if not m:
        raise ValueError(f"{code!r} is not a standard, key question or prompt code")
    letter, numbers, prompt = m.groups()
    return f"{(letter or '').upper()}{numbers}{'.' + prompt.lower() if prompt else ''}"


def display(code: str) -> str:
    """The published form: 'P2.1' -> 'P 2.1'."""
    key = canonical(code)
    if key[:1].isalpha() and key[1:2].isdigit():
        return f"{key[0]} {key[1:]}"
    return key


def display_standard(code: str) -> str:
    """A standard in its published form; the overall rating's marker ('OVERALL') as it is."""
    return code if code == "OVERALL" else display(code)
