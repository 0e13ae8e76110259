"""From the bytes of an uploaded file to a checked upload, or every finding against it.

``parse_upload`` reads the whole file before answering: it returns a ``ParsedUpload`` only when
nothing at all is wrong, and otherwise raises ``InvalidWorkbook`` holding every finding (the first
few hundred, and the count). It never writes anything; ``core.store.uploads`` does that.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from python_calamine import CalamineWorkbook

from core.errors import InvalidWorkbook
from core.framework import CaseType, Framework
from core import findings as F
from core.ingest.cases import case_type_of_columns, read_case_rows
from core.ingest.evidence import ParsedEvidence, read_evidence
from core.ingest.files import CSV, XLSX, sniff
from core.findings import Findings
from core.ingest.grid import Grid, check_text, grid_from_values, read_csv
from core.ingest.scan import PackageScan, SheetScan, scan_package
from core.ingest.inspection import (InspectionFields, RawField, check_inspection, declared_template, fields_from_columns,
                                    fields_from_sheet, report_field)
from core.ingest.spec import CASE_TEMPLATES, CASES, EVIDENCE, EVIDENCE_SHEETS, INSPECTION, MAX_CASES, MAX_ROWS
from core.store.answers import CaseRows

MAX_INSPECTION_ROWS = 100


@dataclass
class ParsedUpload:
    """A file that passed every check: which inspection, which template, and what it holds."""

    file_name: str
    kind: str  # the template: cases, court, unpaid-work, victim or evidence
    inspection: InspectionFields
    case_type: str | None = None  # the framework's case type code, for case templates
    cases: CaseRows | None = None  # for case templates: the cases as they are stored (packed and counted)
    evidence: ParsedEvidence | None = None

    def counts(self) -> dict[str, int]:
        """What the upload holds, as the receipt and the audit trail report it."""
        if self.evidence is not None:
            return {"evidence_items": len(self.evidence.items), "proposed_ratings": len(self.evidence.proposed),
                    "survey_figures": len(self.evidence.survey), "judgements": len(self.evidence.judgements)}
        return {"cases": len(self.cases), "answers": self.cases.n_answers}


def parse_upload(data: bytes, file_name: str) -> ParsedUpload:
    """Check the whole file. Returns the upload, or raises InvalidWorkbook with every finding."""
    findings = Findings()
    parsed = None
    sniffed = sniff(data, file_name, findings)
    fmt = sniffed.format
    if fmt == XLSX:
        parsed = _workbook(data, file_name, findings, sniffed.package)
    elif fmt == CSV:
        parsed = _csv(data, file_name, findings)
    if findings or parsed is None:
        raise InvalidWorkbook(file_name, findings.items, findings.total)
    return parsed


# -- workbooks --------------------------------------------------------------------------------

def _workbook(data: bytes, file_name: str, findings: Findings, opened: zipfile.ZipFile | None = None) -> ParsedUpload | None:
    # limits first: the scan refuses what would be costly to read, before any reader sees it
    wanted = {INSPECTION: MAX_INSPECTION_ROWS, CASES: MAX_CASES, **{name: MAX_ROWS for name in EVIDENCE_SHEETS}}
    package = scan_package(data, file_name, wanted, findings, opened)
    if package is None:
        return None
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several kinds on a broken file; each means "not readable"
        findings.add(F.NOT_A_WORKBOOK, f"{file_name} cannot be read as an Excel workbook ({_reason(exc)})")
        return None
    try:
        return _read_workbook(_Book(wb, package, findings), file_name, findings)
    except Exception as exc:  # a part broken in a way the checks above could not see
        findings.add(F.NOT_A_WORKBOOK, f"{file_name} is damaged and cannot be read ({_reason(exc)})")
        return None
    finally:
        wb.close()


def _reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _Book:
    """The workbook as read: sheets as grids, read only where the scan let them be."""

    def __init__(self, wb: CalamineWorkbook, package: PackageScan, findings: Findings):
        self.wb, self.package, self.findings = wb, package, findings
        self.sheetnames = package.sheet_names

    def grid(self, name: str, max_rows: int) -> Grid:
        scan = self.package.sheets[name]
        if not scan.readable:
            return Grid(name, complete=False)
        values = self.wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        grid = grid_from_values(name, values, scan, max_rows, self.findings)
        check_text(grid, self.findings, inspection_sheet=name == INSPECTION)
        return grid


def _read_workbook(book: _Book, file_name: str, findings: Findings) -> ParsedUpload | None:
    sheets = book.sheetnames
    if INSPECTION not in sheets:
        findings.add(F.MISSING_SHEET, f"the workbook has no {INSPECTION} sheet (its sheets: {', '.join(sheets)}); "
                                      "start from a template: python -m core template")
        return None
    raw = fields_from_sheet(book.grid(INSPECTION, MAX_INSPECTION_ROWS), findings)
    inspection, framework, level = check_inspection(raw, findings, "sheet")
    template = declared_template(raw) or ("evidence" if EVIDENCE_SHEETS.keys() <= set(sheets) and CASES not in sheets else None)
    wanted = [CASES] if template != EVIDENCE else list(EVIDENCE_SHEETS)
    missing = [s for s in wanted if s not in sheets]
    if missing:
        findings.add(F.MISSING_SHEET, f"the workbook has no {' or '.join(missing)} sheet (its sheets: {', '.join(sheets)})")
        return None
    for name in [INSPECTION] + wanted:
        _report_layout(book.package.sheets[name], findings)
    if framework is None:
        return None  # nothing below can be checked without the framework
    if template == EVIDENCE:
        grids = {name: book.grid(name, MAX_ROWS) for name in EVIDENCE_SHEETS}
        if level is None or any(g.unread for g in grids.values()):
            return None
        evidence = read_evidence(grids, framework, level, findings)
        return ParsedUpload(file_name, EVIDENCE, inspection, evidence=evidence) if inspection else None
    grid = book.grid(CASES, MAX_CASES)
    if grid.unread:
        return None
    return _cases_upload(grid, file_name, raw, template, inspection, framework, level, findings, inspection_columns=False)


def _report_layout(scan: SheetScan, findings: Findings) -> None:
    """Merged cells, and hidden sheets, rows and columns, where data is read: each refused, at its place.
    What is loaded must be what the inspector sees."""
    sheet = scan.name
    if scan.state != "visible":
        findings.add(F.HIDDEN, f"the {sheet} sheet is hidden{' (very hidden)' if scan.state == 'veryHidden' else ''}: "
                               "unhide it and check what it holds (what is loaded must be what you see)", sheet)
    for row in scan.hidden_rows:
        findings.add(F.HIDDEN, f"row {row} is hidden: unhide it and check what it holds (what is loaded must be what you see)",
                     sheet, row)
    if scan.hidden_row_count > len(scan.hidden_rows):
        findings.add(F.HIDDEN, f"{scan.hidden_row_count - len(scan.hidden_rows):,} more rows are hidden: unhide them", sheet)
    for first, last in scan.hidden_columns:
        cols = get_column_letter(min(first, 16384)) + ("" if last == first else ":" + get_column_letter(min(last, 16384)))
        findings.add(F.HIDDEN, f"column{'s' if last > first else ''} {cols} {'are' if last > first else 'is'} hidden: unhide "
                               f"{'them' if last > first else 'it'} and check what {'they hold' if last > first else 'it holds'}",
                     sheet, None, min(first, 16384))
    for ref in scan.merges:
        try:
            column, row = coordinate_from_string(ref.split(":")[0].strip())
            where = (row, column_index_from_string(column))
        except ValueError:
            where = (None, None)
        findings.add(F.MERGED_CELLS, f"merged cells {ref}: unmerge them (each case has its own row, each value its own cell)",
                     sheet, *where)


def _cases_upload(grid: Grid, file_name: str, raw: dict[str, RawField], template: str | None, inspection: InspectionFields | None,
                  framework: Framework, level: str | None, findings: Findings, inspection_columns: bool) -> ParsedUpload | None:
    missing_sheet = None if inspection_columns else INSPECTION
    case_type = _case_type(grid, raw, template, framework, findings, missing_sheet)
    if case_type is None:
        return None
    if level is not None and level != case_type.level:
        report_field(raw, findings, "level", F.WRONG_LEVEL,
                     f"{case_type.name.lower()} are {'regional fieldwork' if case_type.level == 'region' else 'read in PDU inspections'}: "
                     f"level must be {case_type.level}", missing_sheet)
    cases = read_case_rows(grid, framework, case_type, findings, inspection_columns)
    if inspection is None or cases is None:
        return None
    return ParsedUpload(file_name, case_type.template, inspection, case_type.code, cases)


def _case_type(grid: Grid, raw: dict[str, RawField], template: str | None, framework: Framework, findings: Findings,
               missing_sheet: str | None) -> CaseType | None:
    if template is None:
        found = case_type_of_columns(framework, grid.header)
        if found is None:
            report_field(raw, findings, "template", F.UNKNOWN_TEMPLATE,
                         f"cannot tell which template this is: give template ({', '.join(CASE_TEMPLATES)}) or the question codes as headings",
                         missing_sheet)
        return found
    try:
        return framework.case_type(template)
    except KeyError:
        report_field(raw, findings, "template", F.UNKNOWN_TEMPLATE, f"{framework.id} has no {template} template", missing_sheet)
        return None


# -- CSV --------------------------------------------------------------------------------------

def _csv(data: bytes, file_name: str, findings: Findings) -> ParsedUpload | None:
    grid = read_csv(data, file_name, MAX_CASES, findings)
    if grid is None or not grid.header:
        return None
    check_text(grid, findings)
    raw = fields_from_columns(grid, findings)
    if not grid.rows:
        findings.add(F.NO_DATA, "no cases below the heading row", row=2)
        return None
    inspection, framework, level = check_inspection(raw, findings, "columns")
    template = declared_template(raw)
    if template == EVIDENCE:
        report_field(raw, findings, "template", F.UNKNOWN_TEMPLATE,
                     "domain one evidence is uploaded as the evidence workbook; a CSV file holds cases only", None)
        return None
    if framework is None:
        return None
    return _cases_upload(grid, file_name, raw, template, inspection, framework, level, findings, inspection_columns=True)
