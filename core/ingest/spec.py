"""The layout of the upload templates, shared by the template writer and the importer.

One place says which sheets a template has, which fields the Inspection sheet holds, which
columns each domain one sheet has and which words each column allows, so that the workbook we
hand out and the workbook we accept cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass

CASE_TEMPLATES = ("cases", "court", "unpaid-work", "victim")  # named by the framework's case types
EVIDENCE = "evidence"
TEMPLATE_KINDS = CASE_TEMPLATES + (EVIDENCE,)

# sheets
INSTRUCTIONS = "Instructions"
INSPECTION = "Inspection"
CASES = "Cases"
QUESTIONS = "Questions"
STANDARDS = "Standards"
LISTS = "Lists"
EVIDENCE_SHEET = "Evidence"
RATINGS = "Ratings"
SURVEY = "Survey"
JUDGEMENTS = "Judgements"

# limits: a PDU inspection reads 40-160 cases; regional fieldwork a few hundred
MAX_CASES = 5000
MAX_ROWS = 5000  # rows of any one domain one sheet
MAX_COLUMNS = 300
MAX_SCANNED_ROWS = 20000  # rows read, blank or not, before a sheet is called too large
MAX_CASE_ID = 80
MAX_UNIT = 160
MAX_TEXT = 20000
MAX_RESPONDENTS = 1_000_000  # a survey figure's denominator at most: far above any survey's respondents, far below an Integer's limit


@dataclass(frozen=True)
class Field:
    name: str
    help: str
    required: bool = False


INSPECTION_FIELDS = (
    Field("template", "which template this is (filled in for you; do not change it)"),
    Field("framework", "the inspection framework (filled in for you): it must be in force on fieldwork_start; "
                       "blank takes the one in force that day"),
    Field("level", "pdu for a PDU inspection, region for a regional inspection", required=True),
    Field("region", "the region (choose from the list)", required=True),
    Field("unit", "the PDU's name; for a regional inspection, the region's name or blank"),
    Field("round", "the inspection round, e.g. 2025-26; blank takes it from fieldwork_start (April to March)"),
    Field("fieldwork_start", "first day of fieldwork, YYYY-MM-DD", required=True),
    Field("fieldwork_end", "last day of fieldwork, YYYY-MM-DD (optional)"),
)
FIELD_NAMES = tuple(f.name for f in INSPECTION_FIELDS)
LEVELS = ("pdu", "region")

# case answers: what a cell may say, and the word stored for it
ANSWERS = ("Yes", "No", "N/A")
ANSWER_WORDS = {"yes": "Yes", "no": "No", "n/a": "N/A", "na": "N/A", "not applicable": "N/A"}
CASE_ID = "case_id"

# domain one evidence
EVIDENCE_KINDS = ("strength", "area for improvement", "observation")
JUDGEMENT_WORDS = ("positive", "negative")
SOURCES = ("documents", "meetings", "staff survey", "people on probation survey", "case data")
SURVEYS = ("staff survey", "people on probation survey")
YES_NO = ("Yes", "No")
DIVERSITY = "diversity"


@dataclass(frozen=True)
class Column:
    name: str
    help: str
    required: bool = False
    allowed: tuple[str, ...] = ()


EVIDENCE_COLUMNS = (
    Column("standard", "the standard, e.g. P1.1 (or P 1.1)", required=True),
    Column("key_question", "the key question, e.g. P1.1.2 (optional)"),
    Column("prompt", "the prompt, e.g. P1.1.2.a (optional)"),
    Column("kind", "strength, area for improvement or observation", required=True, allowed=EVIDENCE_KINDS),
    Column("judgement", "positive or negative (optional)", allowed=JUDGEMENT_WORDS),
    Column("source", "where the evidence comes from", required=True, allowed=SOURCES),
    Column("text", "the evidence, in the inspectors' words", required=True),
)
RATING_COLUMNS = (
    Column("standard", "the standard, e.g. P1.1", required=True),
    Column("rating", "a domain one standard: Outstanding, Good, Requires improvement or Inadequate; any standard not inspected "
                     "(e.g. court work): Not inspected", required=True),
    Column("rationale", "why the panel proposes this rating"),
)
SURVEY_COLUMNS = (
    Column("standard", "the standard the figure bears on, e.g. P1.2", required=True),
    Column("prompt", "the prompt, e.g. P1.2.1.a (optional)"),
    Column("survey", "staff survey or people on probation survey", required=True, allowed=SURVEYS),
    Column("question", "the survey question as asked", required=True),
    Column("numerator", "how many answered so, a whole number, e.g. 68", required=True),
    Column("denominator", f"how many answered the question, a whole number from 1 to {MAX_RESPONDENTS:,}, e.g. 84", required=True),
)
JUDGEMENT_COLUMNS = (
    Column("name", "R1.2.1 (regional inspections only) or diversity", required=True),
    Column("question", "the question (for reading; not loaded)"),
    Column("value", "Yes or No; blank if not yet judged", allowed=YES_NO),
    Column("rationale", "why"),
)
EVIDENCE_SHEETS = {EVIDENCE_SHEET: EVIDENCE_COLUMNS, RATINGS: RATING_COLUMNS, SURVEY: SURVEY_COLUMNS, JUDGEMENTS: JUDGEMENT_COLUMNS}
DIVERSITY_QUESTION = "Are the diversity arrangements, activity and practice sufficient? (the limiting judgement on an overall Outstanding)"
