"""Which inspection an upload belongs to: the Inspection sheet of a workbook, or the inspection
columns of a CSV file (the same value on every row).

An inspection is one unit (a PDU, or a region) under one framework in one round. Region names
must be one of the 12 regions of England and Wales (as hmip-2025 lists them, whatever the
inspection's framework), stored as spelled there; the round may be left blank and is then
taken from the first day of fieldwork (rounds run April to March).

A round is rated by the framework in force (``valid_from`` to ``valid_to`` in its file) on the
first day of fieldwork: a blank framework is taken from that day, as the round is, and a named
framework that was not in force that day is refused at its cell, naming the one that was.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from core.errors import UnknownFramework
from core.framework import (Framework, available_frameworks, canonical_region, framework_in_force, load_framework,
                            national_regions)
from core import findings as F
from core.findings import Findings
from core.ingest.grid import Formula, Grid, is_blank, show
from core.ingest.spec import FIELD_NAMES, INSPECTION, LEVELS, MAX_UNIT, TEMPLATE_KINDS
from core.names import name_key

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ROUND = re.compile(r"^(\d{4})\s*[-/–]\s*(\d{2}|\d{4})$")


@dataclass(frozen=True)
class InspectionFields:
    """The inspection an upload belongs to, as checked: names as the framework spells them."""

    template: str | None  # None where the file does not say (a CSV file): the columns decide
    framework: str
    level: str  # "pdu" or "region"
    region: str
    unit: str  # the PDU's name, or the region's for a regional inspection
    round: str  # e.g. "2025-26"
    fieldwork_start: dt.date
    fieldwork_end: dt.date | None

    @property
    def label(self) -> str:
        unit = f"{self.unit} PDU ({self.region})" if self.level == "pdu" else f"{self.region} region"
        return f"{unit}, {self.framework}, round {self.round}"


@dataclass(frozen=True)
class RawField:
    """A field's value as found, and where: so that a finding can name its cell."""

    value: object
    sheet: str | None
    row: int | None
    column: str | None


# -- gathering the fields ---------------------------------------------------------------------

def fields_from_sheet(grid: Grid, findings: Findings) -> dict[str, RawField]:
    """Fields of the Inspection sheet: the name in column A, the value in column B."""
    rows = list(grid.rows)
    if grid.header and _field_name(grid.header[0]) in FIELD_NAMES:
        rows.insert(0, (1, grid.header))  # a sheet without its 'field, value' heading row
    out: dict[str, RawField] = {}
    for row, values in rows:
        name = values[0] if values else None
        value = values[1] if len(values) > 1 else None
        if is_blank(name):
            if not is_blank(value):
                findings.add(F.UNKNOWN_FIELD, "a value with no field name in column A", INSPECTION, row, "B")
            continue
        key = _field_name(name)
        if isinstance(name, Formula):
            findings.add(F.FORMULA, f"a formula ({show(name)}) where a field name belongs", INSPECTION, row, "A")
        elif key not in FIELD_NAMES:
            findings.add(F.UNKNOWN_FIELD, f'"{show(name)}" is not a field of the Inspection sheet (fields: {", ".join(FIELD_NAMES)})',
                         INSPECTION, row, "A")
        elif key in out:
            findings.add(F.DUPLICATE_FIELD, f"{key} is given twice (also on row {out[key].row})", INSPECTION, row, "A")
        else:
            out[key] = RawField(value, INSPECTION, row, "B")
    return out


def fields_from_columns(grid: Grid, findings: Findings) -> dict[str, RawField]:
    """Fields of a CSV file: one column each, holding the same value on every row."""
    columns = {}
    for i, name in enumerate(grid.header):
        key = _field_name(name)
        if key in FIELD_NAMES and key not in columns:
            columns[key] = i
    out: dict[str, RawField] = {}
    for key, i in columns.items():
        letter = get_column_letter(i + 1)
        first = None
        for row, values in grid.rows:
            if first is None:
                first = (row, values[i])
                out[key] = RawField(values[i], grid.sheet, row, letter)
            elif _same(values[i], first[1]) is False:
                findings.add(F.INCONSISTENT_FIELD, f'every row must give the same {key}: row {first[0]} gives "{show(first[1])}", '
                                                   f'this row "{show(values[i])}" (one file is one inspection)',
                             grid.sheet, row, letter, key)
    return out


def _field_name(value) -> str:
    return str(value).strip().lower() if value is not None else ""


def _same(a, b) -> bool:
    return _text(a) == _text(b)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# -- checking them ----------------------------------------------------------------------------

class _Checker:
    """Checks one field at a time, adding findings at the field's cell."""

    def __init__(self, raw: dict[str, RawField], findings: Findings, missing_where: str):
        self.raw, self.findings, self.missing_where = raw, findings, missing_where

    def add(self, key: str, type: str, message: str) -> None:
        f = self.raw.get(key)
        if f is None:
            self.findings.add(type, message, INSPECTION if self.missing_where == "sheet" else None)
        else:
            self.findings.add(type, message, f.sheet, f.row, f.column, key)

    def text(self, key: str, required: bool, help: str = "") -> str | None:
        """The field's text; '' when blank and not required; None (with a finding) when it is wrong."""
        f = self.raw.get(key)
        if f is None:
            if required:
                where = "the Inspection sheet has no row" if self.missing_where == "sheet" else "the file has no column"
                self.add(key, F.MISSING_FIELD, f"{where} {key}{' (' + help + ')' if help else ''}")
                return None
            return ""
        if isinstance(f.value, Formula):
            self.add(key, F.FORMULA, f"a formula ({show(f.value)}) where the {key} belongs; type the value itself")
            return None
        text = _text(f.value)
        if not text and required:
            self.add(key, F.MISSING_VALUE, f"{key} is required{' (' + help + ')' if help else ''}")
            return None
        return text

    def date(self, key: str, required: bool) -> dt.date | None | bool:
        """The field's date; None when blank; False (with a finding) when it is wrong."""
        f = self.raw.get(key)
        if f is not None and isinstance(f.value, (dt.datetime, dt.date)):
            value = f.value.date() if isinstance(f.value, dt.datetime) else f.value
        else:
            text = self.text(key, required, "YYYY-MM-DD")
            if text is None:
                return False
            if not text:
                return None
            m = _DATE.match(text)
            try:
                value = dt.date(*map(int, m.groups())) if m else None
            except ValueError:
                value = None
            if value is None:
                self.add(key, F.BAD_DATE, f'"{show(text)}" is not a date in the form YYYY-MM-DD')
                return False
        if not 2000 <= value.year <= 2100:
            self.add(key, F.BAD_DATE, f"{value.isoformat()} is not a plausible fieldwork date")
            return False
        return value


def check_inspection(raw: dict[str, RawField], findings: Findings, missing_where: str = "sheet"
                     ) -> tuple[InspectionFields | None, Framework | None, str | None]:
    """The checked inspection, its framework and its level; each None where findings say what is wrong.

    The framework and level are returned even when another field is wrong, so that the rest of
    the file can still be checked and every problem reported at once. ``missing_where`` is
    "sheet" for a workbook's Inspection sheet, "columns" for a CSV file.
    """
    before = findings.total
    c = _Checker(raw, findings, missing_where)
    template = c.text("template", False)
    if template:
        template = template.lower()
        if template not in TEMPLATE_KINDS:
            c.add("template", F.UNKNOWN_TEMPLATE, f'"{show(template)}" is not a template (templates: {", ".join(TEMPLATE_KINDS)})')
            template = None
    framework = None
    fw_id = c.text("framework", False)
    if fw_id:
        try:
            framework = load_framework(fw_id)
        except UnknownFramework:
            c.add("framework", F.UNKNOWN_FRAMEWORK, f'"{show(fw_id)}" is not a framework (frameworks: {", ".join(available_frameworks())})')
    elif fw_id == "":  # blank: the framework in force on the first day of fieldwork (its own findings come in their turn)
        framework = _framework_in_force(c, _Checker(raw, Findings(), missing_where).date("fieldwork_start", True))
    level = c.text("level", True, "pdu or region")
    if level:
        level = level.lower()
        if level not in LEVELS:
            c.add("level", F.NOT_ALLOWED, f'"{show(level)}" is not one of {", ".join(LEVELS)}')
            level = None
    region = _region(c)
    unit = _unit(c, level, region)
    start = c.date("fieldwork_start", True)
    end = c.date("fieldwork_end", False)
    if start and end and end < start:
        c.add("fieldwork_end", F.BAD_DATE, f"fieldwork ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    round_ = _round(c, start)
    if fw_id and framework is not None and start and not framework.in_force(start):
        c.add("framework", F.NOT_IN_FORCE, _not_in_force(framework, start))
    fields = None
    if findings.total == before:
        fields = InspectionFields(template or None, framework.id, level, region, unit, round_, start, end or None)
    return fields, framework, level


def _framework_in_force(c: _Checker, start: dt.date | None | bool) -> Framework | None:
    """A blank framework: the one in force on the first day of fieldwork, as a blank round is taken from it."""
    if not start:  # no day to take it from: the framework is required, e.g. hmip-2025
        c.text("framework", True, "e.g. hmip-2025, or blank with a fieldwork_start to take the one in force that day")
        return None
    try:
        return framework_in_force(start)
    except UnknownFramework:
        c.add("framework", F.NOT_IN_FORCE, f"no framework we hold was in force on {start.isoformat()}, the first day of "
                                           f"fieldwork ({_validity_list()})")
        return None


def _not_in_force(framework: Framework, start: dt.date) -> str:
    """Why a named framework cannot rate fieldwork that starts on a day outside its validity."""
    until = f"to {framework.valid_to.isoformat()}" if framework.valid_to else "onwards"
    said = f"{framework.id} is in force from {framework.valid_from.isoformat()} {until}; fieldwork starting {start.isoformat()}"
    try:
        return f"{said} is rated by {framework_in_force(start).id}, the framework in force that day"
    except UnknownFramework:
        return f"{said} is rated by the framework in force that day, and none we hold was ({_validity_list()})"


def _validity_list() -> str:
    frameworks = (load_framework(f) for f in available_frameworks())
    return "; ".join(f"{fw.id} from {fw.valid_from.isoformat()}" + (f" to {fw.valid_to.isoformat()}" if fw.valid_to else "")
                     for fw in frameworks)


def declared_template(raw: dict[str, RawField]) -> str | None:
    """The template the file says it is, if it says one we know."""
    f = raw.get("template")
    text = _text(f.value).lower() if f is not None and not isinstance(f.value, Formula) else ""
    return text if text in TEMPLATE_KINDS else None


def _region(c: _Checker) -> str | None:
    """One of the 12 regions of England and Wales, as hmip-2025 spells them, whatever the framework:
    "  wales " is Wales, never a second region beside it."""
    text = c.text("region", True, "one of the 12 regions of England and Wales")
    if not text:
        return text
    if len(text) > 120:
        c.add("region", F.TOO_LONG, "a region's name has at most 120 characters")
        return None
    try:
        return canonical_region(text)
    except KeyError:
        regions = national_regions()
        names = ", ".join(r.name for r in regions)
        c.add("region", F.UNKNOWN_REGION, f'"{show(text)}" is not one of the {len(regions)} regions of England and Wales: {names}')
        return None


def _unit(c: _Checker, level: str | None, region: str | None) -> str | None:
    text = c.text("unit", level == "pdu", "the PDU's name")
    if text is None or level not in LEVELS:
        return None
    if len(text) > MAX_UNIT:
        c.add("unit", F.TOO_LONG, f"a unit's name has at most {MAX_UNIT} characters")
        return None
    text = " ".join(text.split())
    if level == "region" and region:
        if text and _key(text) != _key(region):
            c.add("unit", F.WRONG_LEVEL, f'for a regional inspection the unit is the region ({region}), not "{show(text)}"; '
                                         "for a PDU inspection set level to pdu")
            return None
        return region
    return text


def _key(name: str) -> str:
    return name_key(name)


def _round(c: _Checker, start: dt.date | None | bool) -> str | None:
    text = c.text("round", False)
    if text is None:
        return None
    if not text:
        if not start:
            return None
        first = start.year if start.month >= 4 else start.year - 1
        return f"{first}-{(first + 1) % 100:02d}"
    m = _ROUND.match(text)
    if m:
        first, second = int(m.group(1)), int(m.group(2))
        if second % 100 == (first + 1) % 100 and (second < 100 or second == first + 1):
            return f"{first}-{(first + 1) % 100:02d}"
    c.add("round", F.BAD_ROUND, f'"{show(text)}" is not a round such as 2025-26 (April to March)')
    return None


def unit_key(name: str) -> str:
    """How unit names are compared: without regard to case, spacing or '&' for 'and'."""
    return _key(name)


def report_field(raw: dict[str, RawField], findings: Findings, key: str, type: str, message: str,
                 missing_sheet: str | None = INSPECTION) -> None:
    """A finding at a field's cell; where the field is absent, at ``missing_sheet`` (None: a CSV file)."""
    f = raw.get(key)
    if f is None:
        findings.add(type, message, missing_sheet)
    else:
        findings.add(type, message, f.sheet, f.row, f.column, key)
