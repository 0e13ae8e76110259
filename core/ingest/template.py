"""Upload templates, generated from the framework: one workbook per case type, one for domain one evidence.

A case template has an ``Instructions`` sheet, an ``Inspection`` sheet (field name in column A,
value in column B), a ``Cases`` sheet whose heading row is ``case_id``, the case attributes and
one column per key question and prompt code, and a ``Questions`` sheet giving each code's
published text. Answer and attribute cells carry dropdowns. The evidence template has
``Evidence``, ``Ratings``, ``Survey`` and ``Judgements`` sheets and a ``Standards`` sheet.
"""
from __future__ import annotations

import functools
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from core.codes import display
from core.errors import InputError
from core.framework import CaseType, Framework, load_framework, national_regions
from core.ingest.evidence import judgement_names
from core.ingest.spec import (ANSWERS, CASE_ID, CASES, EVIDENCE, EVIDENCE_SHEETS, INSPECTION, INSPECTION_FIELDS,
                              INSTRUCTIONS, JUDGEMENTS, LEVELS, LISTS, MAX_CASES, MAX_ROWS, QUESTIONS, STANDARDS, TEMPLATE_KINDS,
                              Column)
from core.ratings import NOT_INSPECTED, RATING_LABELS

_HEADING = Font(bold=True)
_HEADING_FILL = PatternFill("solid", fgColor="DDEBF7")
_PREFILLED_FILL = PatternFill("solid", fgColor="EDEDED")


def template_file_name(framework_id: str, kind: str) -> str:
    """The name a template is offered under, e.g. ``hmip-2025-cases-template.xlsx``."""
    return f"{framework_id}-{kind}-template.xlsx"


def build_template(framework_id: str, kind: str) -> Workbook:
    """The template workbook of ``kind`` (cases, court, unpaid-work, victim or evidence) for a framework.

    Raises UnknownFramework, or InputError where the framework has no such template.
    """
    fw = load_framework(framework_id)
    if kind not in TEMPLATE_KINDS:
        raise InputError(f"{kind!r} is not a template; templates: {', '.join(TEMPLATE_KINDS)}")
    if kind == EVIDENCE:
        return _evidence_template(fw)
    try:
        case_type = fw.case_type(kind)
    except KeyError:
        have = [ct.template for ct in fw.case_types] + [EVIDENCE]
        raise InputError(f"{fw.id} has no {kind} template; it has: {', '.join(have)}") from None
    return _case_template(fw, case_type)


@functools.lru_cache(maxsize=32)
def template_bytes(framework_id: str, kind: str) -> bytes:
    """The template as the bytes of an .xlsx file (for a download button). Made once per process for
    each framework and kind, as the frameworks themselves are (``load_framework``); a refusal is not kept."""
    buf = io.BytesIO()
    build_template(framework_id, kind).save(buf)
    return buf.getvalue()


def write_template(framework_id: str, kind: str, path: str | Path) -> Path:
    """Write the template to ``path`` (an .xlsx file) and return the path."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"{path}: a template is an Excel workbook; give a file name ending .xlsx")
    data = template_bytes(framework_id, kind)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


# -- case templates ---------------------------------------------------------------------------

def _case_template(fw: Framework, case_type: CaseType) -> Workbook:
    wb = Workbook()
    lists = _Lists(wb)
    codes = fw.case_questions(case_type.code)
    _instructions(wb.active, _case_instructions(fw, case_type, codes))
    _inspection_sheet(wb, fw, lists, template=case_type.template, level=case_type.level)
    ws = wb.create_sheet(CASES)
    heading = [CASE_ID, *case_type.attributes, *codes]
    _heading_row(ws, heading)
    ws.freeze_panes = "B2"
    ws.column_dimensions["A"].width = 14
    last = MAX_CASES + 1  # the dropdowns reach every row a file may hold
    for j, name in enumerate(case_type.attributes, start=2):
        attribute = fw.attribute(name)
        ws.column_dimensions[get_column_letter(j)].width = max(14, len(name) + 2)
        _dropdown(ws, lists.ref(name, attribute.values), f"{get_column_letter(j)}2:{get_column_letter(j)}{last}",
                  f"{attribute.label}: one of {', '.join(attribute.values)}, or blank")
    first_answer = 2 + len(case_type.attributes)
    for j in range(first_answer, len(heading) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 10
    if codes:
        _dropdown(ws, '"' + ",".join(ANSWERS) + '"',
                  f"{get_column_letter(first_answer)}2:{get_column_letter(len(heading))}{last}",
                  "Yes, No or N/A; leave blank if not answered")
    _questions_sheet(wb, fw, codes)
    lists.finish()
    wb.active = wb.sheetnames.index(CASES)
    return wb


def _case_instructions(fw: Framework, case_type: CaseType, codes: list[str]) -> list[str]:
    level = "a regional inspection (regional fieldwork)" if case_type.level == "region" else "a PDU inspection"
    return [
        f"{case_type.name}: case results for {level} under the framework {fw.id} ({fw.title}).",
        "",
        "1. Inspection sheet: fill in the value (column B) of each field. template, framework and level are filled in for you.",
        "   region must be one of the 12 regions of England and Wales (choose from the list). unit is the PDU's name"
        + (" (for regional fieldwork, the region's name, or leave it blank)." if case_type.level == "region" else "."),
        "   fieldwork_start is required, as YYYY-MM-DD. Leave round blank to take it from fieldwork_start (rounds run April to March).",
        f"2. Cases sheet: one row per case. case_id is required and must be unique. The case attributes "
        f"({', '.join(case_type.attributes)}) may be left blank.",
        f"   Each of the {len(codes)} question columns holds Yes, No or N/A; leave a cell blank where the question was not answered.",
        "   Column headings are question codes (P2.1.1 is key question P 2.1.1; P2.1.1.a is its prompt a). The Questions sheet "
        "gives each code's published text.",
        "   Do not rename headings. Do not type formulas, merge cells or add columns.",
        f"3. Save as an Excel workbook (.xlsx), not macro-enabled (.xlsm). One file holds at most {MAX_CASES:,} cases.",
        "4. Upload it on the dashboard's upload page, or: python -m core import FILE.xlsx --as YOUR-NAME",
        "",
        "The whole file is checked before anything is stored, and every problem is listed with its cell (e.g. Cases!F12).",
        "Uploading the same file again changes nothing; a corrected file for the same inspection becomes a new version, "
        "and the latest version counts.",
        "",
        "A CSV file with the columns of the Cases sheet is accepted too, with the inspection fields as extra columns "
        "(template, framework, level, region, unit, round, fieldwork_start, fieldwork_end) holding the same value on every row.",
    ]


def _questions_sheet(wb: Workbook, fw: Framework, codes: list[str]) -> None:
    ws = wb.create_sheet(QUESTIONS)
    _heading_row(ws, ["code", "published_code", "kind", "standard", "question"])
    for code in codes:
        if code in fw.key_questions:
            kind, standard = "key question", fw.key_questions[code].standard
        elif code in fw.prompts:
            kind, standard = "prompt", fw.key_questions[fw.prompts[code].key_question].standard
        else:
            kind, standard = "supplementary question", ""
        ws.append([code, display(code), kind, display(standard) if standard else "", fw.question_text(code)])
    _widths(ws, [12, 16, 22, 10, 110])


# -- the evidence template --------------------------------------------------------------------

def _evidence_template(fw: Framework) -> Workbook:
    wb = Workbook()
    lists = _Lists(wb)
    _instructions(wb.active, _evidence_instructions(fw))
    _inspection_sheet(wb, fw, lists, template=EVIDENCE, level=None)
    standards = [s.code for s in fw.standards]
    key_questions = list(fw.key_questions)
    prompts = list(fw.prompts)
    for name, columns in EVIDENCE_SHEETS.items():
        ws = wb.create_sheet(name)
        _heading_row(ws, [c.name for c in columns])
        ws.freeze_panes = "A2"
        for j, column in enumerate(columns, start=1):
            ref = _column_list(lists, column, standards, key_questions, prompts)
            if ref:
                letter = get_column_letter(j)
                _dropdown(ws, ref, f"{letter}2:{letter}{MAX_ROWS + 1}", column.help)
            ws.column_dimensions[get_column_letter(j)].width = 80 if column.name in ("text", "rationale", "question") else 18
    _judgement_rows(wb[JUDGEMENTS], fw)
    _standards_sheet(wb, fw)
    lists.finish()
    wb.active = wb.sheetnames.index("Evidence")
    return wb


def _column_list(lists: "_Lists", column: Column, standards, key_questions, prompts) -> str | None:
    if column.name == "standard":
        return lists.ref("standard", standards)
    if column.name == "key_question":
        return lists.ref("key_question", key_questions)
    if column.name == "prompt":
        return lists.ref("prompt", prompts)
    if column.name == "rating":
        return lists.ref("rating", RATING_LABELS + [NOT_INSPECTED])
    if column.allowed:
        return lists.ref(column.name, column.allowed)
    return None


def _judgement_rows(ws, fw: Framework) -> None:
    for name, question in judgement_names(fw, "region").items():
        label = question + (" (regional inspections only)" if name != "diversity" else "")
        ws.append([name, label, None, None])


def _evidence_instructions(fw: Framework) -> list[str]:
    staffing = fw.regional_staffing.regional_question if fw.regional_staffing else None
    return [
        f"Domain one evidence for a PDU or regional inspection under the framework {fw.id} ({fw.title}).",
        "",
        "1. Inspection sheet: fill in level (pdu or region), region (one of the 12 regions of England and Wales), "
        "unit (the PDU's name; blank for a regional inspection) "
        "and fieldwork_start (YYYY-MM-DD).",
        "2. Evidence sheet: one row per evidence item. standard, kind, source and text are required; key_question, prompt "
        "and judgement are optional.",
        "   kind: strength, area for improvement or observation. judgement: positive or negative. "
        "source: documents, meetings, staff survey, people on probation survey or case data.",
        "3. Ratings sheet: the proposed rating of each domain one standard (Outstanding, Good, Requires improvement or "
        "Inadequate) with the panel's rationale; one row per standard.",
        "   A standard that was not inspected (e.g. court work) is given Not inspected: it is left out of the score and "
        "the maximum. Domain two ratings are computed from the cases, so a domain two standard may only be given Not inspected.",
        "4. Survey sheet: survey figures as numerator of denominator (e.g. 68 of 84 respondents), with the question as asked.",
        "5. Judgements sheet: Yes or No for each judgement, with its rationale; leave blank if not yet judged."
        + (f" {staffing} is the regional staffing question, for regional inspections only." if staffing else "")
        + " diversity: are the diversity arrangements sufficient (a proposed overall Outstanding needs Yes).",
        "Codes may be written compactly (P1.1, P1.1.2, P1.1.2.a) or as published (P 1.1); the Standards sheet lists them.",
        "Standards, key questions and prompts must be of the inspection's level (P for a PDU inspection, R for a regional one).",
        f"Save as an Excel workbook (.xlsx), not macro-enabled (.xlsm); at most {MAX_ROWS:,} rows per sheet. "
        "Do not type formulas or merge cells.",
        "Upload it on the dashboard's upload page, or: python -m core import FILE.xlsx --as YOUR-NAME",
        "The whole file is checked before anything is stored; every problem is listed with its cell. A corrected file "
        "for the same inspection becomes a new version, and the latest version counts.",
    ]


def _standards_sheet(wb: Workbook, fw: Framework) -> None:
    ws = wb.create_sheet(STANDARDS)
    _heading_row(ws, ["code", "published_code", "level", "domain", "kind", "text"])
    for s in fw.standards:
        ws.append([s.code, display(s.code), s.level, s.domain, "standard", s.name])
        for kq in s.key_questions:
            ws.append([kq.code, display(kq.code), s.level, s.domain, "key question", kq.text])
            for p in kq.prompts:
                ws.append([p.code, display(p.code), s.level, s.domain, "prompt", p.text])
    _widths(ws, [12, 16, 8, 8, 14, 110])


# -- shared pieces ----------------------------------------------------------------------------

def _inspection_sheet(wb: Workbook, fw: Framework, lists: "_Lists", template: str, level: str | None) -> None:
    ws = wb.create_sheet(INSPECTION)
    _heading_row(ws, ["field", "value", "help"])
    prefilled = {"template": template, "framework": fw.id, "level": level}
    for i, f in enumerate(INSPECTION_FIELDS, start=2):
        ws.cell(i, 1, f.name).font = _HEADING
        value = prefilled.get(f.name)
        cell = ws.cell(i, 2, value)
        if value is not None:
            cell.fill = _PREFILLED_FILL
        if f.name.startswith("fieldwork_"):
            cell.number_format = "yyyy-mm-dd"
        ws.cell(i, 3, f.help + (" (required)" if f.required else ""))
        if f.name == "level":
            _dropdown(ws, lists.ref("level", LEVELS), f"B{i}", "pdu or region")
        elif f.name == "region":  # the same 12 regions, whatever the framework
            _dropdown(ws, lists.ref("region", [r.name for r in national_regions()]), f"B{i}",
                      "one of the 12 regions of England and Wales")
    _widths(ws, [18, 32, 90])


def _instructions(ws, lines: list[str]) -> None:
    ws.title = INSTRUCTIONS
    for i, line in enumerate(lines, start=1):
        ws.cell(i, 1, line).alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 140


def _heading_row(ws, names: list[str]) -> None:
    ws.append(names)
    for cell in ws[1]:
        cell.font = _HEADING
        cell.fill = _HEADING_FILL


def _widths(ws, widths: list[int]) -> None:
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w


def _dropdown(ws, formula: str, sqref: str, prompt: str) -> None:
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True, showInputMessage=False,
                        errorTitle="Not in the list", error=prompt[:255])
    dv.add(sqref)
    ws.add_data_validation(dv)


class _Lists:
    """A hidden sheet of dropdown lists, each a named range (some values, e.g. region names, hold commas)."""

    def __init__(self, wb: Workbook):
        self.wb = wb
        self.ws = None
        self.names: dict[str, str] = {}

    def ref(self, name: str, values) -> str:
        if name in self.names:
            return self.names[name]
        if self.ws is None:
            self.ws = self.wb.create_sheet(LISTS)
        column = len(self.names) + 1
        letter = get_column_letter(column)
        self.ws.cell(1, column, name).font = _HEADING
        for i, value in enumerate(values, start=2):
            self.ws.cell(i, column, value)
        defined = f"list_{name}"
        area = f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${len(values) + 1}"
        self.wb.defined_names[defined] = DefinedName(defined, attr_text=area)
        self.names[name] = defined
        return defined

    def finish(self) -> None:
        if self.ws is not None:
            self.wb.move_sheet(LISTS, offset=len(self.wb.sheetnames))
            self.ws.sheet_state = "hidden"
