"""What-if scenarios: overrides of a framework's rating rules (DESIGN.md section 4).

A ``Scenario`` may override any of:

- ``thresholds``: the lowest percentage for Outstanding, Good and Requires improvement (best first),
- ``aggregation``: how a domain two standard's key questions combine (``core.engine.AGGREGATIONS``),
- ``weights``: the score of Outstanding, Good, Requires improvement and Inadequate (best first),
- ``fractions``: the overall upper fractions for Inadequate, Requires improvement and Good (worst
  first, as rule 5 reads: Inadequate if S <= floor(f x N), ...),
- ``excluded``: standards that do not count towards the score and overall rating.

A field left as None keeps the framework's own rule, so one scenario applies to every framework in
the store. ``Scenario.default(framework)`` spells a framework's rules out in full.

A scenario travels as a dict (``to_dict``, stored as JSON) and as URL query parameters for a
shareable link (``to_query``), with short keys:

    t=85,70,55&agg=mean&w=3,2,1,0&f=0.5,1.5,2.5&x=P2.1,P2.3

A scenario is only the user's overrides; what rating code takes is ``core.rules.Rules.of(framework,
scenario)`` (the framework's rules with these on top).

Every way in validates, and raises ``InputError`` saying what is wrong and what is expected.
Thresholds and fractions are given to one decimal place at most (``core.rules.tenths``; a finer
value is refused, naming it). Bounds: thresholds are percentages (0-100); weights whole numbers from 0 to ``MAX_WEIGHT``;
fractions from 0 to ``MAX_FRACTION`` (an overall band's upper score as a multiple of the number of
standards counted; the score of N standards is at most N x the Outstanding weight, so a larger
fraction could never be reached).

A link may carry other parameters too: the dashboard's pages keep their own filters in the address
(``PAGE_QUERY_KEYS``: round, region, unit, ...). ``from_query`` ignores those. With ``strict=True``
(the command line's ``--link``) it also refuses a scenario parameter given more than once and any
parameter that is neither a scenario's nor one of ``PAGE_QUERY_KEYS``; ``link_problems`` lists
those for a page to warn about.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qs, quote

from core.codes import canonical, display
from core.engine import AGGREGATION_HELP
from core.errors import InputError
from core.framework import Framework
from core.ratings import Rating, parse_rating
from core.rules import (AGGREGATIONS, BEST_FIRST, FRACTION_RATINGS, MAX_FRACTION, MAX_WEIGHT, THRESHOLD_RATINGS, Rules,  # noqa: F401
                        check_aggregation, tenths)

QUERY_KEYS = {"thresholds": "t", "aggregation": "agg", "weights": "w", "fractions": "f", "excluded": "x"}
FIELDS = tuple(QUERY_KEYS)
# Query parameters the dashboard's pages (and Streamlit itself) keep in the address: a link may carry
# them beside a scenario, and they are not the scenario's. tests/test_scenario.py checks every
# parameter the pages read is listed here.
PAGE_QUERY_KEYS = frozenset({"page", "round", "region", "unit", "framework", "kind", "measure", "by", "attribute", "kq",
                             "standard", "source", "q", "embed", "embed_options"})


@dataclass(frozen=True)
class Scenario:
    """Overrides of the rating rules; None (or nothing excluded) keeps the framework's own.

    Values are normalised on creation (numbers to float or int, codes to their compact form) and
    validated, so two scenarios that mean the same compare equal and hash alike (safe as a cache key).
    """

    thresholds: tuple[float, float, float] | None = None  # Outstanding, Good, Requires improvement
    aggregation: str | None = None
    weights: tuple[int, int, int, int] | None = None  # Outstanding, Good, Requires improvement, Inadequate
    fractions: tuple[float, float, float] | None = None  # Inadequate, Requires improvement, Good
    excluded: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen: normalise in place once)
        if self.thresholds is not None:
            set_("thresholds", _numbers(self.thresholds, 3, "thresholds", "Outstanding, Good, Requires improvement percentages"))
            Rules.banding(self.thresholds)  # refuses thresholds that rise, leave 0-100 or are finer than a tenth
        if self.aggregation is not None:
            check_aggregation(self.aggregation)
        if self.weights is not None:
            set_("weights", _whole_numbers(self.weights))
        if self.fractions is not None:
            set_("fractions", _numbers(self.fractions, 3, "fractions", "upper fractions for Inadequate, Requires improvement, Good"))
            f = self.fractions
            if not 0 <= f[0] <= f[1] <= f[2]:
                raise InputError(f"fractions must rise from Inadequate to Good (e.g. 0.5,1.5,2.5) and not be negative; got {_join(f)}")
            if f[2] > MAX_FRACTION:
                raise InputError(f"fractions: each is at most {MAX_FRACTION} (a multiple of the number of standards counted); "
                                 f"got {_join(f)}")
        set_("excluded", frozenset(_code(c) for c in _items(self.excluded)))

    # -- the framework's own, and what is overridden --------------------------------------------------

    @classmethod
    def default(cls, framework: Framework) -> "Scenario":
        """The framework's own rules, every field spelled out (for a page's widgets)."""
        rules = framework.rules
        return cls(thresholds=rules.threshold_percents(), aggregation=rules.aggregation,
                   weights=tuple(rules.weights[r] for r in BEST_FIRST), fractions=tuple(rules.fraction(r) for r in FRACTION_RATINGS))

    def resolved(self, framework: Framework) -> "Scenario":
        """This scenario with every field it leaves alone filled in from the framework (for a page's widgets)."""
        base = Scenario.default(framework)
        return replace(base, **{k: v for k, v in self.overrides().items() if k != "excluded"}, excluded=self.excluded)

    def rules(self, framework: Framework) -> Rules:
        """The rules rating code takes: the framework's own with this scenario's overrides on top."""
        return Rules.of(framework, self)

    def overrides(self) -> dict[str, Any]:
        """The fields this scenario sets (nothing excluded counts as not set)."""
        out = {k: getattr(self, k) for k in FIELDS if getattr(self, k) is not None}
        if not self.excluded:
            out.pop("excluded", None)
        return out

    @property
    def changes_nothing(self) -> bool:
        """True when every rule is the framework's own (nothing overridden, nothing excluded)."""
        return not self.overrides()

    def unknown_standards(self, frameworks: Iterable[Framework]) -> list[str]:
        """Excluded codes that are a standard of none of the frameworks."""
        frameworks = list(frameworks)
        return sorted(c for c in self.excluded if not any(fw.has_standard(c) for fw in frameworks))

    def check_standards(self, frameworks: Iterable[Framework]) -> None:
        """Raise InputError if an excluded code is not a standard of any of the frameworks."""
        frameworks = list(frameworks)
        unknown = self.unknown_standards(frameworks)
        if unknown:
            names = ", ".join(display(c) for c in unknown)
            raise InputError(f"cannot exclude {names}: not a standard of {', '.join(fw.id for fw in frameworks) or 'any framework'}")

    def counts(self, standard: str) -> bool:
        """Whether a standard counts towards the score and overall rating."""
        return _code(standard) not in self.excluded

    # -- words ----------------------------------------------------------------------------------------

    def describe(self) -> str:
        """One line for a page or a log: what this scenario changes."""
        parts = []
        if self.thresholds is not None:
            parts.append("thresholds " + "/".join(f"{_text(v)}%" for v in self.thresholds) + " (Outstanding/Good/Requires improvement)")
        if self.aggregation is not None:
            parts.append(f"aggregation: {AGGREGATION_HELP[self.aggregation]}")
        if self.weights is not None:
            parts.append("scores " + ", ".join(f"{r.label} {w}" for r, w in zip(BEST_FIRST, self.weights)))
        if self.fractions is not None:
            parts.append("overall upper fractions " + ", ".join(f"{r.label} {_text(f)}" for r, f in zip(FRACTION_RATINGS, self.fractions)))
        if self.excluded:
            parts.append("not counting " + ", ".join(display(c) for c in sorted(self.excluded)))
        return "; ".join(parts) or "the framework's own rules"

    # -- as data: a dict (stored as JSON) and a URL query -------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, ratings named: e.g. {"thresholds": {"Outstanding": 85, ...}, ...}.
        Fields left to the framework are None; ``excluded`` is a sorted list."""
        return {
            "thresholds": _named(THRESHOLD_RATINGS, self.thresholds),
            "aggregation": self.aggregation,
            "weights": _named(BEST_FIRST, self.weights),
            "fractions": _named(FRACTION_RATINGS, self.fractions),
            "excluded": sorted(self.excluded),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Scenario":
        """The scenario ``to_dict`` wrote. Missing fields keep the framework's own; unknown keys are refused.
        Rating-keyed values may also be given as lists in the order of the dataclass fields."""
        if not isinstance(data, Mapping):
            raise InputError(f"a scenario must be a mapping of {', '.join(FIELDS)}; got {type(data).__name__}")
        unknown = sorted(set(data) - set(FIELDS))
        if unknown:
            raise InputError(f"unknown scenario field(s) {', '.join(map(repr, unknown))}; expected {', '.join(FIELDS)}")
        return cls(
            thresholds=_by_rating(data.get("thresholds"), THRESHOLD_RATINGS, "thresholds"),
            aggregation=data.get("aggregation"),
            weights=_by_rating(data.get("weights"), BEST_FIRST, "weights"),
            fractions=_by_rating(data.get("fractions"), FRACTION_RATINGS, "fractions"),
            excluded=frozenset(_items(data.get("excluded") or ())),
        )

    def to_query(self) -> str:
        """URL query parameters for a shareable link, only for the fields set:
        ``t=85,70,55&agg=mean&w=3,2,1,0&f=0.5,1.5,2.5&x=P2.1``. Empty when nothing is overridden."""
        return "&".join(f"{k}={quote(v, safe=',.')}" for k, v in self.query_params().items())

    def query_params(self) -> dict[str, str]:
        """The same as ``to_query``, as a mapping (e.g. for ``st.query_params.update``)."""
        values = {
            "thresholds": self.thresholds and _join(self.thresholds),
            "aggregation": self.aggregation,
            "weights": self.weights and _join(self.weights),
            "fractions": self.fractions and _join(self.fractions),
            "excluded": ",".join(sorted(self.excluded)),
        }
        return {QUERY_KEYS[k]: v for k, v in values.items() if v}

    @classmethod
    def from_query(cls, query: str | Mapping[str, Any], *, strict: bool = False) -> "Scenario":
        """The scenario of a link: a query string (with or without '?', or a whole address) or a
        mapping such as ``st.query_params`` (values a string or a list of strings). Empty values keep
        the framework's own.

        By default keys other than t, agg, w, f, x belong to the page, not the scenario, and are
        ignored, and a key given more than once counts with its last value. ``strict=True`` refuses
        (InputError) what ``link_problems`` finds: a scenario key given more than once, and a key that
        is neither a scenario's nor one of the pages' own (``PAGE_QUERY_KEYS``)."""
        params = _query_mapping(query)
        if strict:
            problems = link_problems(params)
            if problems:
                raise InputError("the link " + "; ".join(problems) + f"; a link gives each of {', '.join(QUERY_KEYS.values())} "
                                 "at most once, and besides them only the pages' own parameters")

        def get(key: str) -> str | None:
            value = params.get(key)
            if isinstance(value, (list, tuple)):
                value = value[-1] if value else None
            return value.strip() if isinstance(value, str) and value.strip() else None

        return cls(
            thresholds=_split(get("t"), "t", _float),
            aggregation=get("agg"),
            weights=_split(get("w"), "w", _int),
            fractions=_split(get("f"), "f", _float),
            excluded=frozenset(_split(get("x"), "x", str) or ()),
        )


def _query_mapping(query: str | Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(query, str):
        return dict(query)
    text = query.strip().split("#", 1)[0]
    if "?" in text:  # a whole address: the part after '?'
        text = text.split("?", 1)[1]
    return parse_qs(text, keep_blank_values=True)


def link_problems(query: str | Mapping[str, Any]) -> list[str]:
    """What in a link the scenario cannot take as it stands, one phrase each: a scenario key given
    more than once (only the last would count), a key that is neither a scenario's (t, agg, w, f, x)
    nor one of the pages' own (``PAGE_QUERY_KEYS``). Empty when there is nothing to say."""
    params = _query_mapping(query)
    out = []
    for key in QUERY_KEYS.values():
        values = params.get(key)
        if isinstance(values, (list, tuple)) and len(values) > 1:
            out.append(f"gives {key}= {len(values)} times ({', '.join(repr(v) for v in values)})")
    unknown = sorted(k for k in params if k not in QUERY_KEYS.values() and k not in PAGE_QUERY_KEYS)
    if unknown:
        out.append(f"has {', '.join(repr(k) for k in unknown)}, not a parameter of a scenario "
                   f"({', '.join(f'{k}=' for k in QUERY_KEYS.values())}) or of the dashboard's pages")
    return out


# -- parsing helpers ------------------------------------------------------------------------------

def _items(value: Any) -> list:
    if isinstance(value, str):
        return [v for v in (p.strip() for p in value.split(",")) if v]
    try:
        return list(value)
    except TypeError:
        raise InputError(f"expected a list of standard codes, got {value!r}") from None


def _code(value: Any) -> str:
    try:
        return canonical(str(value))
    except ValueError as exc:
        raise InputError(f"cannot exclude {value!r}: {exc}") from None


def _number(value: Any, what: str = "") -> float:
    prefix = f"{what}: " if what else ""
    if isinstance(value, bool):
        raise InputError(f"{prefix}expected a number, got {value!r}")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{prefix}expected a number, got {value!r}") from None
    except OverflowError:  # an int too large for a float
        raise InputError(f"{prefix}expected a finite number, got {_short(value)}") from None
    if not math.isfinite(out):
        raise InputError(f"{prefix}expected a finite number, got {value!r}")
    return out


def _numbers(values: Any, n: int, name: str, meaning: str) -> tuple[float, ...]:
    values = list(values) if not isinstance(values, str) else values.split(",")
    if len(values) != n:
        raise InputError(f"{name}: expected {n} numbers ({meaning}); got {len(values)}")
    out = tuple(_number(v, name) for v in values)
    for v, raw in zip(out, values):
        tenths(raw if isinstance(raw, str) else v, name)  # one decimal place at most: refuses 66.666666667, naming it
    return out


def _float(value: Any) -> float:
    return _number(value)


def _int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_WEIGHT:  # before float() overflows on a huge one
        raise InputError(f"weights: each score is a whole number from 0 to {MAX_WEIGHT}; got {_short(value)}")
    number = _number(value, "weights")
    if number > MAX_WEIGHT:  # (negative scores are refused with the order, below)
        raise InputError(f"weights: each score is a whole number from 0 to {MAX_WEIGHT}; got {_short(value)}")
    if number != int(number):
        raise InputError(f"weights: scores are whole numbers; got {value!r}")
    return int(number)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...{text[-8:]} ({len(text)} characters)"


def _whole_numbers(values: Any) -> tuple[int, int, int, int]:
    values = list(values) if not isinstance(values, str) else values.split(",")
    if len(values) != 4:
        raise InputError(f"weights: expected 4 scores (Outstanding, Good, Requires improvement, Inadequate); got {len(values)}")
    w = tuple(_int(v) for v in values)
    if min(w) < 0 or not w[0] >= w[1] >= w[2] >= w[3]:
        raise InputError(f"weights: scores must not be negative and must not rise as the rating falls "
                         f"(Outstanding >= Good >= Requires improvement >= Inadequate); got {_join(w)}")
    return w


def _split(text: str | None, key: str, convert) -> tuple | None:
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    if convert is str:
        return tuple(p for p in parts if p)
    try:
        return tuple(convert(p) for p in parts)
    except InputError as exc:
        raise InputError(f"link parameter {key}={text!r}: {exc}") from None


def _named(ratings: tuple[Rating, ...], values: tuple | None) -> dict[str, float] | None:
    # whole numbers stay whole in JSON (85, not 85.0): easier to read in the store and in a diff
    plain = lambda v: int(v) if isinstance(v, float) and v.is_integer() else v  # noqa: E731
    return None if values is None else {r.label: plain(v) for r, v in zip(ratings, values)}


def _by_rating(value: Any, ratings: tuple[Rating, ...], name: str) -> tuple | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        given = {}
        for k, v in value.items():
            try:
                given[parse_rating(k)] = v
            except InputError as exc:
                raise InputError(f"{name}: {exc}") from None
        missing = [r.label for r in ratings if r not in given]
        extra = [r.label for r in given if r not in ratings]
        if missing or extra:
            raise InputError(f"{name}: expected a value for each of {', '.join(r.label for r in ratings)}"
                             + (f"; missing {', '.join(missing)}" if missing else "") + (f"; not expected {', '.join(extra)}" if extra else ""))
        return tuple(given[r] for r in ratings)
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise InputError(f"{name}: expected a mapping of rating to value, or a list; got {value!r}")
    return tuple(value)


def _text(value: float) -> str:
    """A number as short as it reads exactly: 85 not 85.0, 0.5 as 0.5."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _join(values: Iterable) -> str:
    return ",".join(_text(v) for v in values)
