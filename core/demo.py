"""A deterministic synthetic national picture in the ``hmip-2025`` framework, for demonstration.

``load_demo`` writes, for every region the framework lists (12 regions, 108 PDUs with their real
PDU counts), one PDU inspection per PDU and one regional inspection per region for each round:
sentence management cases and court reports for the PDUs, unpaid work and statutory victim cases
for the regions, answers to every key question, prompt and supplementary question of each case
type, domain one evidence with survey figures, proposed domain one ratings with their rationale,
and the yes/no judgements (R 1.2.1, diversity).

Nothing here is real. Every inspection is written with ``synthetic=True`` (the flag pages use to
label it), every PDU has an invented name, and every upload is by user ``demo`` of file
``synthetic demo``. The same seed gives the same store contents: all randomness comes from
``random.Random`` instances seeded from the seed and the region's name, never the global one.

The picture is shaped so that the dashboard has something to show:

- each PDU has a latent quality, spread within every region so that all four ratings occur among
  PDU domain two standards; practitioner grade and risk of serious harm level shift the chance of
  a sufficient answer a little, so breakdowns by them differ (protected characteristics have no
  effect); keeping-other-people-safe key questions run lower than desistance ones, as in the letters;
- earlier rounds are, on average, a little weaker than the current one, so trends show. They are
  rated by ``hmip-2025`` too, although it came into force on 1 March 2025: a back-cast on one
  scale, which an upload could not do (an upload is rated by the framework in force on its first
  day of fieldwork, core.ingest.inspection) and which the pages' synthetic-data note states;
- most proposed domain one ratings follow the decision rules and guidance, but in every region
  and round at least one PDU proposal is deliberately optimistic and breaks them (for instance
  P 1.1 'Good' with a domain two 'Inadequate', or P 1.3 'Outstanding' with P 2.3 'Requires
  improvement'); some diversity judgements are 'insufficient', including, where the case
  results allow it, one for a PDU whose overall rating would otherwise be 'Outstanding'.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Sequence

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from core.codes import display
from core.engine import Sufficiency, check_proposed, rate_standard, regional_staffing, score_unit
from core.errors import InputError, ProbationError
from core.framework import Framework, load_framework
from core.names import normalised_name
from core.ratings import Rating
from core.store.bulk import bulk_insert
from core.store.models import (PDU, Case, EvidenceItem, Inspection, Judgement, ProposedRating, Region,
                               SurveyFigure, Upload)
from core.store.answers import (CASE_COLUMNS, NOT_ANSWERED, answer_matrix, count as count_tallies, insert_tallies, layout_id,
                                pack_values, tally_tuples)

FRAMEWORK_ID = "hmip-2025"
DEFAULT_SEED = 2025
DEFAULT_ROUNDS = 2
MAX_ROUNDS = 12  # ten rounds is the scale benchmark (issue 11); rounds start in 2014-15 at twelve
CURRENT_ROUND_START_YEAR = 2025  # the current round is 2025-26
DEMO_USER = "demo"
DEMO_KIND = "demo"
DEMO_FILE_NAME = "synthetic demo"

Progress = Callable[[float, str], None]


class DemoConflict(ProbationError):
    """The store already holds inspections the demo would write (the demo is probably loaded already)."""


@dataclass(frozen=True)
class DemoSummary:
    """What ``load_demo`` did: whether it loaded anything, and the counts of what it wrote."""

    loaded: bool
    message: str
    seed: int
    rounds: tuple[str, ...]
    regions: int = 0
    pdus: int = 0
    inspections: int = 0
    uploads: int = 0
    cases: int = 0
    cases_by_type: dict[str, int] = field(default_factory=dict)
    answers: int = 0
    evidence_items: int = 0
    survey_figures: int = 0
    proposed_ratings: int = 0
    judgements: int = 0
    pdu_domain_two_ratings: dict[str, int] = field(default_factory=dict)  # rating label -> PDU domain two standards
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """The summary as lines of text for the command line."""
        if not self.loaded:
            return [self.message]
        by_type = ", ".join(f"{k} {v:,}" for k, v in self.cases_by_type.items())
        d2 = ", ".join(f"{k} {v}" for k, v in self.pdu_domain_two_ratings.items())
        return [
            self.message,
            f"rounds: {', '.join(self.rounds)}; seed {self.seed}",
            f"regions {self.regions}, PDUs {self.pdus}, inspections {self.inspections:,}, uploads {self.uploads:,}",
            f"cases {self.cases:,} ({by_type}); answers {self.answers:,}",
            f"evidence items {self.evidence_items:,}, survey figures {self.survey_figures:,}, "
            f"proposed ratings {self.proposed_ratings:,}, judgements {self.judgements:,}",
            f"PDU domain two ratings (lowest key question): {d2}",
            f"loaded in {self.seconds:.1f} s",
        ]


def round_labels(rounds: int) -> tuple[str, ...]:
    """The demo's rounds, oldest first, ending with the current one: 2 -> ('2024-25', '2025-26')."""
    if not 1 <= rounds <= MAX_ROUNDS:
        raise InputError(f"rounds must be between 1 and {MAX_ROUNDS}; got {rounds}")
    first = CURRENT_ROUND_START_YEAR - rounds + 1
    return tuple(f"{y}-{(y + 1) % 100:02d}" for y in range(first, CURRENT_ROUND_START_YEAR + 1))


def store_has_inspections(engine: Engine) -> int:
    """How many inspections the store holds (any, real or synthetic)."""
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(Inspection)).scalar_one()


# -- invented PDU names ------------------------------------------------------------------------------

_NAME_STEMS = ("Brindle", "Quill", "Wex", "Thistle", "Marrow", "Gorse", "Pimble", "Fallow", "Bramble", "Cinder",
               "Dapple", "Ember", "Farthing", "Inkle", "Juniper", "Kestle", "Larkspur", "Mistle", "Nettle", "Orrin",
               "Pebble", "Sorrel", "Tansy", "Yarrow")
_NAME_ENDS = ("moor", "haven", "combe", "dale", "wick", "mere", "holt", "stow", "vale", "brook", "fold", "shaw")


def demo_pdu_names(framework: Framework | None = None) -> dict[str, list[str]]:
    """Invented PDU names for every region of the framework, the same whatever the seed.

    They are made of whimsical stems and endings (Quillhaven, Pimblecombe, ...), so that nobody
    mistakes them for real probation delivery units."""
    fw = framework or load_framework(FRAMEWORK_ID)
    pool = [a + b for a in _NAME_STEMS for b in _NAME_ENDS]
    random.Random("hmip-demo-pdu-names").shuffle(pool)
    out, i = {}, 0
    for region in fw.regions:
        out[region.name] = sorted(pool[i:i + region.pdus])
        i += region.pdus
    if i > len(pool):
        raise AssertionError("not enough invented PDU names")
    return out


# -- the case model ------------------------------------------------------------------------------------
# Logits (log-odds of a sufficient answer). A PDU's ability is roughly -1.3 .. 2.6.

_STANDARD_OFFSET = {"P2.1": 0.35, "P2.2": 0.05, "P2.3": 0.1, "P2.4": -0.2}
_STRAND_OFFSET = {"desistance": 0.5, "keeping other people safe": -0.3}
_GRADE_EFFECT = {"PO": 0.2, "PSO": -0.35, "PQiP": -0.2, "Other": -0.45}
_RISK_EFFECT = {"Low": 0.25, "Medium": 0.05, "High": -0.2, "Very high": -0.1}  # full on keeping safe, half on desistance
_CASE_SPREAD = 0.7  # sd of a case's own effect: answers within a case hang together

# Probability that a prompt does not apply, and its own offset (harder prompts are negative).
_PROMPT_NA = {
    "P2.1.2.c": 0.15, "P2.2.2.c": 0.1, "P2.3.1.c": 0.1, "P2.3.1.d": 0.2, "P2.3.1.f": 0.1, "P2.3.2.c": 0.1,
    "P2.3.2.d": 0.2, "P2.3.2.e": 0.25, "P2.4.1.c": 0.15, "P2.4.2.b": 0.15, "P2.4.2.c": 0.05,
    "R2.5.1.f": 0.1, "R2.5.1.g": 0.15,
    "R2.3.1.g": 0.3,
    "R2.4.2.b": 0.1, "R2.4.4.c": 0.35, "R2.4.4.d": 0.55,
    "R2.6.2.a": 0.5, "R2.6.3.c": 0.6,
}
_PROMPT_OFFSET = {
    "P2.2.2.d": -0.9, "P2.3.2.e": -0.7, "P2.1.2.c": -0.4, "P2.1.2.b": -0.3, "P2.2.2.c": -0.2, "P2.3.2.c": -0.2,
    "P2.4.1.d": 0.3, "P2.4.2.d": 0.2, "P2.1.1.a": 0.3, "R2.3.1.a": -0.5, "R2.5.1.c": -0.4, "R2.4.4.a": -0.6,
}
_UNPAID_WORK_OFFSET = {"R2.4.1": 0.0, "R2.4.2": 0.2, "R2.4.3": 0.6, "R2.4.4": -0.4}
_VICTIM_OFFSET = {"R2.6.1": 0.3, "R2.6.2": -0.2, "R2.6.3": 0.1}

_SM_ATTRIBUTES = {
    "sentence_type": {"Community": 0.6, "Licence": 0.4},
    "risk_level": {"Low": 0.15, "Medium": 0.5, "High": 0.32, "Very high": 0.03},
    "practitioner_grade": {"PO": 0.55, "PSO": 0.25, "PQiP": 0.15, "Other": 0.05},
    "sex": {"Male": 0.86, "Female": 0.14},
    "ethnicity": {"White": 0.78, "Black or Black British": 0.06, "Asian or Asian British": 0.07, "Mixed": 0.04,
                  "Other ethnic group": 0.02, "Not known": 0.03},
    "age_band": {"18-24": 0.15, "25-39": 0.48, "40-54": 0.28, "55+": 0.09},
}
_HIGH_RISK_GRADES = {"PO": 0.72, "PQiP": 0.18, "PSO": 0.05, "Other": 0.05}
_COURT_ATTRIBUTES = {
    "report_type": {"Oral": 0.45, "Short format": 0.45, "Standard delivery": 0.1},
    "practitioner_grade": {"PO": 0.5, "PSO": 0.45, "PQiP": 0.03, "Other": 0.02},
}
_VICTIM_ATTRIBUTES = {"sentence_type": {"Licence": 0.85, "Community": 0.15}, "sex": {"Female": 0.6, "Male": 0.4}}


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    x = rng.random() * sum(weights.values())
    for value, w in weights.items():
        x -= w
        if x < 0:
            return value
    return value


@dataclass(frozen=True)
class _Block:
    """A key question and its prompts, as answer columns of a case type."""

    key_question: str
    standard: str
    strand: str | None
    index: int  # position of the key question's answer among the case type's codes
    prompts: tuple[tuple[int, float, float], ...]  # (position, probability not applicable, offset)


@dataclass(frozen=True)
class _CaseType:
    code: str
    codes: tuple[str, ...]
    blocks: tuple[_Block, ...]
    supplementary: dict[str, int]  # supplementary code -> position


def _case_type(fw: Framework, code: str) -> _CaseType:
    codes = tuple(fw.case_questions(code))
    blocks, supplementary, current = [], {}, None
    for i, c in enumerate(codes):
        if c in fw.key_questions:
            kq = fw.key_questions[c]
            current = [c, kq.standard, kq.strand, i, []]
            blocks.append(current)
        elif c in fw.prompts:
            current[4].append((i, _PROMPT_NA.get(c, 0.0), _PROMPT_OFFSET.get(c, 0.0)))
        else:
            supplementary[c] = i
    return _CaseType(code, codes, tuple(_Block(k, s, st, i, tuple(p)) for k, s, st, i, p in blocks), supplementary)


def _fill_block(rng: random.Random, values: list[str], block: _Block, logit: float | None, case_effect: float) -> None:
    """Answer a key question (None: not applicable) and its prompts, the prompts following the key question."""
    if logit is None:
        values[block.index] = "N/A"
        for i, _, _ in block.prompts:
            values[i] = "N/A"
        return
    yes = rng.random() < _sigmoid(logit)
    values[block.index] = "Yes" if yes else "No"
    base = 2.2 if yes else -0.85
    for i, na, offset in block.prompts:
        if na and rng.random() < na:
            values[i] = "N/A"
        else:
            values[i] = "Yes" if rng.random() < _sigmoid(base + offset + 0.4 * case_effect) else "No"


@dataclass
class _CasePlan:
    case_type: str
    ref: str
    attributes: dict[str, str]
    values: list[str]


def _common_attributes(rng: random.Random, attrs: dict[str, str], sex: dict[str, float] | None = None) -> None:
    attrs["sex"] = _pick(rng, sex or _SM_ATTRIBUTES["sex"])
    attrs["ethnicity"] = _pick(rng, _SM_ATTRIBUTES["ethnicity"])
    attrs["age_band"] = _pick(rng, _SM_ATTRIBUTES["age_band"])


def _sentence_management_case(rng: random.Random, ct: _CaseType, ref: str, ability: float) -> _CasePlan:
    attrs = {"sentence_type": _pick(rng, _SM_ATTRIBUTES["sentence_type"]),
             "risk_level": _pick(rng, _SM_ATTRIBUTES["risk_level"])}
    high = attrs["risk_level"] in ("High", "Very high")
    attrs["practitioner_grade"] = _pick(rng, _HIGH_RISK_GRADES if high else _SM_ATTRIBUTES["practitioner_grade"])
    _common_attributes(rng, attrs)
    grade, risk = _GRADE_EFFECT[attrs["practitioner_grade"]], _RISK_EFFECT[attrs["risk_level"]]
    case_effect = rng.gauss(0, _CASE_SPREAD)
    reviewing_not_due = rng.random() < 0.07
    values = [""] * len(ct.codes)
    for b in ct.blocks:
        if b.standard == "R2.5":  # resettlement: licence cases only
            logit = None if attrs["sentence_type"] == "Community" else ability - 0.2 + grade + case_effect
        elif b.standard == "P2.4" and reviewing_not_due:
            logit = None
        else:
            safe = b.strand == "keeping other people safe"
            logit = (ability + _STANDARD_OFFSET.get(b.standard, 0.0) + _STRAND_OFFSET.get(b.strand, 0.0) + grade
                     + (risk if safe else risk / 2) + case_effect)
        _fill_block(rng, values, b, logit, case_effect)
    sup = ct.supplementary
    if "MO" in sup:  # seed 004: of 152 cases needing management oversight, 48 sufficient
        values[sup["MO"]] = "N/A" if rng.random() < 0.04 else _yes(rng, ability - 1.25 + grade + 0.5 * case_effect)
    if "DA" in sup:
        values[sup["DA"]] = "N/A" if rng.random() < 0.2 else _yes(rng, ability - 0.1 + 0.5 * case_effect)
    if "CS" in sup:
        values[sup["CS"]] = "N/A" if rng.random() < 0.3 else _yes(rng, ability - 0.3 + 0.5 * case_effect)
    return _CasePlan(ct.code, ref, attrs, values)


def _yes(rng: random.Random, logit: float) -> str:
    return "Yes" if rng.random() < _sigmoid(logit) else "No"


def _court_case(rng: random.Random, ct: _CaseType, ref: str, ability: float) -> _CasePlan:
    attrs = {k: _pick(rng, w) for k, w in _COURT_ATTRIBUTES.items()}
    _common_attributes(rng, attrs)
    case_effect = rng.gauss(0, _CASE_SPREAD)
    values = [""] * len(ct.codes)
    oral = -0.2 if attrs["report_type"] == "Oral" else 0.0
    for b in ct.blocks:
        _fill_block(rng, values, b, ability + 0.5 * _GRADE_EFFECT[attrs["practitioner_grade"]] + oral + case_effect, case_effect)
    return _CasePlan(ct.code, ref, attrs, values)


def _unpaid_work_case(rng: random.Random, ct: _CaseType, ref: str, ability: float) -> _CasePlan:
    attrs = {"risk_level": _pick(rng, _SM_ATTRIBUTES["risk_level"])}
    _common_attributes(rng, attrs)
    case_effect = rng.gauss(0, _CASE_SPREAD)
    values = [""] * len(ct.codes)
    for b in ct.blocks:
        _fill_block(rng, values, b, ability + _UNPAID_WORK_OFFSET.get(b.key_question, 0.0)
                    + _RISK_EFFECT[attrs["risk_level"]] / 2 + case_effect, case_effect)
    return _CasePlan(ct.code, ref, attrs, values)


def _victim_case(rng: random.Random, ct: _CaseType, ref: str, ability: float) -> _CasePlan:
    attrs = {"sentence_type": _pick(rng, _VICTIM_ATTRIBUTES["sentence_type"])}
    _common_attributes(rng, attrs, _VICTIM_ATTRIBUTES["sex"])
    case_effect = rng.gauss(0, _CASE_SPREAD)
    before_release = attrs["sentence_type"] == "Licence" and rng.random() < 0.65
    values = [""] * len(ct.codes)
    for b in ct.blocks:
        logit = ability + _VICTIM_OFFSET.get(b.key_question, 0.0) + case_effect
        if b.key_question == "R2.6.3" and not before_release:  # pre-release contact: only where release is ahead
            logit = None
        _fill_block(rng, values, b, logit, case_effect)
    return _CasePlan(ct.code, ref, attrs, values)


def _tally(cases: Sequence[_CasePlan], ct: _CaseType) -> dict[str, tuple[int, int]]:
    """(Yes, Yes + No) per key question and supplementary question, and per prompt."""
    out: dict[str, tuple[int, int]] = {}
    for i, code in enumerate(ct.codes):
        yes = no = 0
        for c in cases:
            v = c.values[i]
            if v == "Yes":
                yes += 1
            elif v == "No":
                no += 1
        out[code] = (yes, yes + no)
    return out


# -- domain one: evidence text -------------------------------------------------------------------------
# (prompt, source, positive text, negative text). {unit} is the PDU's or region's name.

_PDU_EVIDENCE: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "P1.1.1": (
        ("P1.1.1.a", "documents",
         "The {unit} delivery plan translates regional priorities into clear local objectives, with named leads and dates, and progress is reviewed at the monthly senior leadership meeting.",
         "The {unit} delivery plan restates regional priorities but does not set out local objectives, owners or timescales, so it is difficult to see how progress is measured."),
        ("P1.1.1.b", "meetings",
         "Partners we met, including the police, the local authority and health commissioners, described the head of service as visible and influential, and joint work on {topic} was well established.",
         "Partners told us that probation attendance at strategic meetings had become inconsistent, and that they did not always know whom to contact in the PDU about {topic}."),
        ("P1.1.1.c", "meetings",
         "Practitioners and middle managers we spoke to could describe the PDU's priorities and how their own work contributed to them.",
         "Many practitioners we spoke to could not describe the PDU's priorities, and some were unclear about what was expected of them beyond meeting targets."),
        ("P1.1.1.d", "documents",
         "The PDU risk register is current and realistic, identifying staffing, estates and the quality of risk of harm work, with proportionate mitigations.",
         "The PDU risk register had not been reviewed for several months and did not reflect the quality concerns that leaders described to us."),
    ),
    "P1.1.2": (
        ("P1.1.2.a", "documents",
         "Leaders have analysed the needs of women, minority ethnic people and young adults on the caseload, and have commissioned or adapted services in response.",
         "There was no analysis of the diverse needs of the caseload to inform the PDU's approach, and leaders relied on national products."),
        ("P1.1.2.c", "meetings",
         "Staff were clear about local policies and guidance, which are summarised in a practice handbook and discussed in team meetings.",
         "Guidance on local processes, including referral routes to commissioned services, was not well understood by practitioners."),
        ("P1.1.2.d", "documents",
         "Changes to the duty and allocation arrangements were planned carefully, with an impact assessment that considered staff with protected characteristics.",
         "Recent changes to team structures were made without assessing their impact on service delivery or on staff with protected characteristics."),
    ),
    "P1.1.3": (
        ("P1.1.3.a", "meetings",
         "Staff described an open culture in which they could challenge decisions and put forward ideas, and several practice improvements had come from frontline staff.",
         "Some staff told us they did not feel able to raise concerns with senior leaders, and that their ideas were rarely acted on."),
        ("P1.1.3.c", "meetings",
         "Leaders pay close attention to staff wellbeing, with regular check-ins, reflective practice sessions and support after serious incidents.",
         "Arrangements for staff wellbeing were inconsistent, and some practitioners dealing with serious incidents had not been offered timely support."),
        ("P1.1.3.d", "documents",
         "Reasonable adjustments are agreed promptly and recorded, and staff with adjustments in place said they were well supported.",
         "Several staff had waited many months for agreed reasonable adjustments, and records of adjustments were incomplete."),
    ),
    "P1.1.4": (
        ("P1.1.4.a", "documents",
         "Leaders use diversity data to monitor outcomes such as breach and recall rates by ethnicity, and have acted on the differences they found.",
         "Diversity information is collected but not analysed, so leaders could not tell us whether outcomes differed between groups on the caseload."),
        ("P1.1.4.b", "meetings",
         "The views of people on probation are gathered through a lived experience forum and have led to changes, such as evening reporting sessions.",
         "There was little evidence that the views of people on probation were sought or used to shape services in {unit}."),
        ("P1.1.4.d", "documents",
         "Learning from serious further offence reviews is shared through briefings and practice workshops, and actions are followed up.",
         "Learning from serious further offence reviews was not tracked systematically, and the same practice issues recurred."),
    ),
    "P1.2.1": (
        ("P1.2.1.a", "documents",
         "The PDU is staffed at {staffing_high} per cent of its target for probation officers, and vacancies are being filled through recruitment and PQiP progression.",
         "The PDU is staffed at {staffing_low} per cent of its target for probation officers, and some vacancies have been held for long periods."),
        ("P1.2.1.b", "meetings",
         "Practitioners told us that their workloads were demanding but manageable, and workload measurement tool figures were mostly below 110 per cent.",
         "Many practitioners had workload measurement tool figures above 120 per cent, and told us that this affected the quality of their risk of harm work."),
        ("P1.2.1.e", "meetings",
         "Middle managers redistribute cases actively when workloads peak, and support from neighbouring PDUs has been used when needed.",
         "There was limited active management of workloads, and cases remained with practitioners who were on long-term absence."),
    ),
    "P1.2.2": (
        ("P1.2.2.a", "documents",
         "The workforce broadly reflects the diversity of the local population, and leaders monitor this through recruitment data.",
         "The workforce does not reflect the diversity of the local population, and there was no plan to address this."),
        ("P1.2.2.c", "case data",
         "Cases we inspected were allocated to staff of the appropriate grade and experience, including those with a high risk of serious harm.",
         "Some cases with a high risk of serious harm were held by newly qualified or unqualified staff without additional oversight."),
        ("P1.2.2.d", "meetings",
         "Staff described clear development opportunities, including secondments and acting-up roles.",
         "Staff told us that development opportunities were limited and unevenly distributed."),
    ),
    "P1.2.3": (
        ("P1.2.3.a", "documents",
         "New staff receive a structured induction, including diversity and safeguarding training, and a protected caseload in their first months.",
         "Induction for new staff was inconsistent, and some had taken on full caseloads before completing mandatory training."),
        ("P1.2.3.b", "meetings",
         "Supervision is regular and case-focused, and practitioners valued the reflective discussions with their managers.",
         "Supervision was frequently cancelled, or focused on performance figures rather than the quality of casework."),
        ("P1.2.3.f", "documents",
         "Poor performance is identified and addressed through supportive plans, with clear records.",
         "Poor performance was not always addressed, and some managers lacked confidence in using the capability process."),
    ),
    "P1.3.1": (
        ("P1.3.1.a", "documents",
         "There is a diverse range of services, including commissioned rehabilitative services for accommodation, employment and women, and local partnership provision.",
         "The range of services does not meet identified needs, with gaps in provision for {gap}."),
        ("P1.3.1.c", "documents",
         "Services for women and for minority ethnic people on probation are tailored, and their take-up is monitored.",
         "There was little attention to whether services met the needs of people with protected characteristics."),
        ("P1.3.1.d", "meetings",
         "Services are delivered in accessible community locations, including a women's centre and hubs in outlying towns.",
         "People on probation living in rural parts of {unit} faced long and costly journeys to attend appointments and services."),
    ),
    "P1.3.2": (
        ("P1.3.2.a", "documents",
         "Referral data shows that the volume of commissioned services meets demand, with short waiting times.",
         "Waiting lists for accredited programmes and some commissioned services were long, and some people finished their orders before starting."),
        ("P1.3.2.b", "meetings",
         "Practitioners understood referral routes and found them straightforward, supported by an up-to-date services directory.",
         "Practitioners were unclear about referral routes to some commissioned services, and relied on colleagues for information."),
        ("P1.3.2.d", "meetings",
         "Providers and practitioners described effective joint working, with three-way meetings and shared case reviews.",
         "Providers told us that referrals often lacked the information they needed, and that communication with practitioners was poor."),
        ("P1.3.2.e", "meetings",
         "Sentencers told us they were kept well informed about the services available, which supported their confidence in community sentences.",
         "Sentencers told us they were not kept up to date with the services available locally."),
    ),
}

_REGION_EVIDENCE: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "R1.1.1": (
        ("R1.1.1.a", "documents",
         "The regional reducing reoffending plan sets out clearly how high-quality supervision will be delivered, and PDU delivery plans align with it.",
         "The regional plan sets out broad ambitions but does not explain how PDUs are expected to deliver them."),
        ("R1.1.1.d", "documents",
         "Governance is clear, with a regional board structure that holds PDU heads of service to account for quality as well as performance.",
         "Governance arrangements are complex and overlapping, and it was unclear where decisions about quality were taken."),
        ("R1.1.1.e", "documents",
         "The strategy is informed by a detailed analysis of the region's caseload, including risk levels, needs and protected characteristics.",
         "The strategy is not based on a current analysis of the region's caseload."),
    ),
    "R1.1.2": (
        ("R1.1.2.a", "meetings",
         "Commissioned rehabilitative services are contract-managed actively, and providers described a constructive relationship with regional leaders.",
         "Contract management of commissioned services was weak, and underperformance by some providers had persisted."),
        ("R1.1.2.c", "meetings",
         "Regional leaders understand the quality of work across the region, drawing on audit and inspection findings, and have targeted support at the weakest PDUs.",
         "Regional leaders were not sufficiently sighted on the poor quality of work to keep other people safe that we found in our PDU inspections."),
        ("R1.1.2.e", "meetings",
         "Partnership arrangements are a strength, with effective links to the police, health services and the local reducing reoffending boards.",
         "Partners described regional engagement as inconsistent and dependent on individuals."),
    ),
    "R1.1.3": (
        ("R1.1.3.b", "meetings",
         "Staff described a culture of openness, with regular regional events and opportunities to put questions to senior leaders.",
         "Many staff felt distant from regional leaders and told us that communication was mostly one-way."),
        ("R1.1.3.e", "documents",
         "Complaints and grievances are analysed, and the analysis has led to appropriate action, including support for staff who reported discrimination.",
         "There was no analysis of complaints and grievances to identify themes, including discrimination."),
    ),
    "R1.1.4": (
        ("R1.1.4.c", "documents",
         "Regional leaders use diversity information routinely, and a regional disproportionality group monitors outcomes and acts on them.",
         "Regional leaders have not yet used diversity information to drive improvement."),
        ("R1.1.4.e", "documents",
         "Learning from serious further offences is drawn together regionally and used to shape the practice improvement plan.",
         "Themes from serious further offence reviews are identified but not followed through into practice."),
    ),
    "R1.2.1": (
        ("R1.2.1.a", "documents",
         "Regional staffing levels are close to target, and the region has a well-managed recruitment pipeline.",
         "Regional functions, including victim liaison and unpaid work, are significantly understaffed."),
        ("R1.2.1.e", "meetings",
         "Regional staff have good access to training, and completion of mandatory learning is high.",
         "Regional staff told us that access to training was limited by workload pressures."),
        ("R1.2.1.h", "documents",
         "Management oversight arrangements are well defined and audited across regional functions.",
         "Management oversight arrangements in regional functions are not applied consistently or quality assured."),
    ),
}

_TOPICS = ("integrated offender management", "accommodation for prison leavers", "domestic abuse",
           "mental health treatment requirements", "women's services")
_GAPS = ("accommodation", "women", "young adults", "people with mental health needs",
         "people convicted of domestic abuse offences")

# (standard, key question, prompt, survey, question asked, what respondents said, offset)
_PDU_SURVEY = (
    ("P1.1", "P1.1.1", "P1.1.1.c", "staff survey", "Do you understand the PDU's delivery priorities and what is expected of you?",
     "said they understood the PDU's delivery priorities and what was expected of them", 0.6),
    ("P1.1", "P1.1.3", "P1.1.3.b", "staff survey", "Do you feel engaged and motivated in your work?",
     "said they felt engaged and motivated in their work", 0.2),
    ("P1.1", "P1.1.3", "P1.1.3.a", "staff survey", "Do you feel able to raise concerns and challenge decisions?",
     "said they felt able to raise concerns and challenge decisions", 0.0),
    ("P1.2", "P1.2.1", "P1.2.1.b", "staff survey", "How manageable is your workload?",
     "said their workload was 'very' or 'quite' manageable", -0.4),
    ("P1.2", "P1.2.3", "P1.2.3.b", "staff survey", "Do you receive effective case-focused supervision?",
     "said they received effective case-focused supervision", 0.4),
    ("P1.2", "P1.2.3", "P1.2.3.e", "staff survey", "Are your learning needs identified and met?",
     "said their learning needs were identified and met", 0.1),
    ("P1.3", "P1.3.2", "P1.3.2.c", "people on probation survey", "Were you able to access services relevant to your needs?",
     "said they were able to access services relevant to their needs", 0.5),
    ("P1.3", "P1.3.1", "P1.3.1.d", "people on probation survey", "Could you attend appointments at a place and time that suited you?",
     "said they could attend appointments at a place and time that suited them", 0.9),
    ("P1.1", "P1.1.4", "P1.1.4.b", "people on probation survey", "Have you been asked for your views about the service?",
     "said they had been asked for their views about the service", -0.3),
)
_REGION_SURVEY = (
    ("R1.1", "R1.1.1", "R1.1.1.a", "staff survey", "Does the region prioritise quality and adherence to evidence?",
     "said that the region prioritised quality and adherence to evidence always or most of the time", 0.5),
    ("R1.1", "R1.1.3", "R1.1.3.a", "staff survey", "Are you proud to work for the Probation Service?",
     "said they were proud to work for the Probation Service", 0.6),
    ("R1.2", "R1.2.1", "R1.2.1.b", "staff survey", "How manageable is your workload?",
     "said their workload was 'very' or 'quite' manageable", -0.3),
)


def _survey_items(rng: random.Random, entries: Sequence[tuple], latents: dict[str, float], regional: bool,
                  k: int) -> tuple[list[dict], list[dict]]:
    figures, evidence = [], []
    for standard, kq, prompt, survey, question, said, offset in rng.sample(list(entries), k):
        d = rng.randint(60, 190) if regional else (rng.randint(24, 110) if survey == "staff survey" else rng.randint(18, 70))
        p = _sigmoid(0.9 * latents[standard] + offset + 0.2)
        n = sum(1 for _ in range(d) if rng.random() < p)
        figures.append({"standard": standard, "prompt": prompt, "survey": survey, "question": question,
                        "numerator": n, "denominator": d})
        who = ("In our regional survey of staff" if regional else "In our survey of PDU staff") if survey == "staff survey" \
            else "In the survey of people on probation"
        evidence.append(_finding(standard, kq, prompt, survey, f"{who}, {n} of {d} respondents {said}.", n / d, 0.7, 0.55))
    return figures, evidence


def _finding(standard: str, kq: str, prompt: str, source: str, text: str, share: float,
             strong: float, weak: float) -> dict:
    """An evidence item from a figure: a strength at or above ``strong``, an area for improvement below ``weak``."""
    if share >= strong:
        kind, judgement = "strength", "positive"
    elif share < weak:
        kind, judgement = "area for improvement", "negative"
    else:
        kind, judgement = "observation", "positive" if share >= (strong + weak) / 2 else "negative"
    return {"standard": standard, "key_question": kq, "prompt": prompt, "kind": kind, "judgement": judgement,
            "source": source, "text": text}


def _qualitative_items(rng: random.Random, pool: dict[str, tuple], fw: Framework, standard: str, latent: float,
                       fill: dict[str, str]) -> list[dict]:
    items = []
    p_positive = _sigmoid(1.4 * latent - 0.3)
    for kq in fw.standard(standard).key_questions:
        entries = pool.get(kq.code, ())
        if not entries:
            continue
        for prompt, source, good, bad in rng.sample(list(entries), min(len(entries), rng.choice((1, 2, 2)))):
            positive = rng.random() < p_positive
            observation = rng.random() < 0.2
            kind = "observation" if observation else ("strength" if positive else "area for improvement")
            items.append({"standard": standard, "key_question": kq.code, "prompt": prompt, "kind": kind,
                          "judgement": "positive" if positive else "negative", "source": source,
                          "text": (good if positive else bad).format_map(fill)})
    return items


def _percent(n: int, d: int) -> int:
    return math.floor(100 * n / d + 0.5) if d else 0


# -- domain one: proposals -------------------------------------------------------------------------------

def _qualitative_rating(latent: float) -> Rating:
    if latent > 1.7:
        return Rating.OUTSTANDING
    if latent > 0.6:
        return Rating.GOOD
    if latent > -0.4:
        return Rating.REQUIRES_IMPROVEMENT
    return Rating.INADEQUATE


def _consistent(fw: Framework, standard: str, qualitative: Rating, domain_two: dict[str, Rating | None]) -> Rating:
    """The rating nearest the qualitative evidence that meets the decision rule or guidance for it."""
    for r in sorted(Rating, key=lambda r: (abs(r - qualitative), r)):
        if check_proposed(fw, standard, r, domain_two).met is not False:
            return r
    return qualitative


def _optimistic_break(fw: Framework, standard: str, consistent: Rating, domain_two: dict[str, Rating | None]) -> Rating | None:
    """The lowest rating above the consistent one that breaks the decision rule or guidance, if any."""
    above = [r for r in Rating if r > consistent and check_proposed(fw, standard, r, domain_two).met is False]
    return min(above) if above else None


def _listing(ratings: dict[str, Rating | None]) -> str:
    return ", ".join(f"{display(c)} {r.label if r else 'not rated'}" for c, r in ratings.items())


def _rationale(fw: Framework, standard: str, rating: Rating, items: list[dict], context: str) -> str:
    pos = [i for i in items if i["judgement"] == "positive"]
    neg = [i for i in items if i["judgement"] == "negative"]
    lead = (pos if rating >= Rating.GOOD else neg) or pos or neg
    article = "an" if rating.label[0] in "AEIOU" else "a"
    parts = [f"Qualitative evidence indicates {article} '{rating.label}' rating for {fw.standard(standard).label}.",
             f"We recorded {len(pos)} positive and {len(neg)} negative evidence items."]
    if lead:
        parts.append(lead[0]["text"])
    if (rating >= Rating.GOOD and neg) or (rating < Rating.GOOD and pos):
        other = neg[0] if rating >= Rating.GOOD else pos[0]
        parts.append(("However, " if rating >= Rating.GOOD else "On the other hand, ") + other["text"][0].lower() + other["text"][1:])
    parts.append(context)
    return " ".join(parts)


# -- planning: everything in memory for one region, all rounds ----------------------------------------------

@dataclass
class _InspectionPlan:
    level: str
    region: str
    unit: str
    round: str
    start: dt.date
    end: dt.date
    status: str
    cases: list[_CasePlan] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    survey: list[dict] = field(default_factory=list)
    proposed: list[dict] = field(default_factory=list)
    judgements: list[dict] = field(default_factory=list)
    domain_two: dict[str, Rating | None] = field(default_factory=dict)


@dataclass
class _Context:
    fw: Framework
    seed: int
    rounds: tuple[str, ...]
    scale: float
    case_types: dict[str, _CaseType]
    names: dict[str, list[str]]


def _scaled(n: int, scale: float) -> int:
    return max(1, round(n * scale))


def _pdu_domain_two(fw: Framework, tallies: dict[str, tuple[int, int]]) -> dict[str, Rating | None]:
    out = {}
    for s in fw.standards_at("pdu", 2):
        kqs = [Sufficiency(kq.code, *tallies[kq.code]) for kq in s.key_questions if kq.code in tallies]
        out[s.code] = rate_standard(s.code, kqs, fw.rules).rating
    return out


def _region_domain_two(fw: Framework, pooled: dict[str, list[int]]) -> dict[str, Rating | None]:
    out = {}
    for s in fw.standards_at("region", 2):
        kqs = []
        for kq in s.key_questions:
            yes, rel = pooled.get(kq.pooled_from or kq.code, (0, 0))
            kqs.append(Sufficiency(kq.code, yes, rel))
        out[s.code] = rate_standard(s.code, kqs, fw.rules).rating
    return out


def _plan_region(ctx: _Context, region_index: int, region_name: str) -> list[_InspectionPlan]:
    """Every inspection of one region, all rounds: its PDUs' first, then the regional one, per round."""
    fw, rounds = ctx.fw, ctx.rounds
    rng = random.Random(f"hmip-demo|{ctx.seed}|{fw.id}|{region_name}")
    names = ctx.names[region_name]
    n = len(names)
    sm, court = ctx.case_types["sentence-management"], ctx.case_types["court"]

    # latent quality: spread evenly within the region (so that every rating occurs even in a small demo),
    # shuffled, with jitter, a regional effect, and a per-PDU trend across rounds
    spread = [-0.9 + 3.5 * (i + 0.5) / n for i in range(n)]
    rng.shuffle(spread)
    region_effect = rng.gauss(0, 0.2)
    base = [q + region_effect + rng.gauss(0, 0.2) for q in spread]
    trend = [rng.gauss(0.25, 0.3) for _ in range(n)]
    size = [rng.lognormvariate(math.log(12), 0.85) for _ in range(n)]  # caseload: a few large PDUs
    court_skill = [rng.gauss(0.7, 0.35) for _ in range(n)]
    staffing = [rng.gauss(0, 0.45) for _ in range(n)]
    region_staffing = rng.gauss(0.2, 0.6)

    plans: list[_InspectionPlan] = []
    for ri, rnd in enumerate(rounds):
        behind = len(rounds) - 1 - ri  # 0 for the current round
        region_start = dt.date(int(rnd[:4]), 4, 21) + dt.timedelta(days=24 * region_index)
        status = "draft" if behind == 0 else "published"
        pdu_plans: list[_InspectionPlan] = []
        abilities = []
        for j, unit in enumerate(names):
            a = base[j] - behind * trend[j] + rng.gauss(0, 0.15)
            abilities.append(a)
            start = region_start + dt.timedelta(days=(j * 63) // n)
            plan = _InspectionPlan("pdu", region_name, unit, rnd, start, start + dt.timedelta(days=11), status)
            n_sm = _scaled(min(160, max(40, round(40 + size[j] + rng.gauss(0, 4)))), ctx.scale)
            plan.cases = [_sentence_management_case(rng, sm, f"SM{k + 1:03d}", a) for k in range(n_sm)]
            n_court = _scaled(rng.randint(10, 20), ctx.scale)
            plan.cases += [_court_case(rng, court, f"CR{k + 1:03d}", court_skill[j] + 0.5 * a) for k in range(n_court)]
            pdu_plans.append(plan)

        # domain two as the case results rate it; then domain one, whose proposals look at it
        tallies = [{**_tally([c for c in p.cases if c.case_type == sm.code], sm),
                    **_tally([c for c in p.cases if c.case_type == court.code], court)} for p in pdu_plans]
        for p, t in zip(pdu_plans, tallies):
            p.domain_two = _pdu_domain_two(fw, t)
        latents = [{"P1.1": a + rng.gauss(0, 0.45), "P1.2": a + staffing[j] + rng.gauss(0, 0.3), "P1.3": a + rng.gauss(0, 0.45)}
                   for j, a in enumerate(abilities)]
        proposals = _pdu_proposals(rng, fw, pdu_plans, latents)
        outstanding = [j for j, p in enumerate(pdu_plans)
                       if _pdu_domain_one(rng, fw, p, latents[j], proposals[j], tallies[j]) is Rating.OUTSTANDING]
        # the limiting judgement: now and then, an overall Outstanding meets insufficient diversity arrangements
        forced = rng.choice(outstanding) if outstanding and (region_index + ri) % 3 == 0 else None
        for j, p in enumerate(pdu_plans):
            p.judgements = [_diversity_judgement(j != forced and rng.random() >= 0.08, regional=False)]

        mean_a = sum(abilities) / n
        reg = _InspectionPlan("region", region_name, region_name, rnd, region_start,
                              region_start + dt.timedelta(days=63 + 11), status)
        _plan_regional(rng, ctx, reg, mean_a, region_staffing + 0.5 * mean_a, tallies, [prop["P1.2"] for prop in proposals])
        plans.extend(pdu_plans)
        plans.append(reg)
    return plans


def _pdu_proposals(rng: random.Random, fw: Framework, pdu_plans: list[_InspectionPlan],
                   latents: list[dict[str, float]]) -> list[dict[str, Rating]]:
    """Proposed domain one ratings of a region's PDUs in one round: the rating nearest the qualitative
    evidence that the decision rules and guidance allow, except for about one PDU in ten (at least
    one), whose P 1.1 or P 1.3 proposal is deliberately optimistic and breaks them."""
    def scope(std: str, p: _InspectionPlan) -> dict[str, Rating | None]:
        return p.domain_two if std == "P1.1" else {"P2.3": p.domain_two.get("P2.3")}

    proposals = [{"P1.1": _consistent(fw, "P1.1", _qualitative_rating(lat["P1.1"]), scope("P1.1", p)),
                  "P1.2": _qualitative_rating(lat["P1.2"]),  # no decision rule for PDU staffing
                  "P1.3": _consistent(fw, "P1.3", _qualitative_rating(lat["P1.3"]), scope("P1.3", p))}
                 for p, lat in zip(pdu_plans, latents)]
    breakable = [(j, std, r) for j, p in enumerate(pdu_plans) for std in ("P1.1", "P1.3")
                 if (r := _optimistic_break(fw, std, proposals[j][std], scope(std, p)))]
    if breakable:
        done = set()
        for j, std, r in rng.sample(breakable, min(max(1, round(0.1 * len(pdu_plans))), len(breakable))):
            if j not in done:
                proposals[j][std] = r
                done.add(j)
    return proposals


def _pdu_domain_one(rng: random.Random, fw: Framework, p: _InspectionPlan, lat: dict[str, float],
                    prop: dict[str, Rating], t: dict[str, tuple[int, int]]) -> Rating | None:
    """Evidence, survey figures and proposed ratings with rationale for one PDU inspection; returns
    the overall rating the proposals and domain two would give."""
    d2 = p.domain_two
    fill = {"unit": p.unit, "topic": rng.choice(_TOPICS), "gap": rng.choice(_GAPS),
            "staffing_high": str(rng.randint(92, 104)), "staffing_low": str(rng.randint(68, 86))}
    by_standard = {s: _qualitative_items(rng, _PDU_EVIDENCE, fw, s, lat[s], fill) for s in ("P1.1", "P1.2", "P1.3")}
    figures, survey_items = _survey_items(rng, _PDU_SURVEY, lat, regional=False, k=6)
    mo_yes, mo_rel = t.get("MO", (0, 0))
    if mo_rel:
        by_standard["P1.2"].append(_finding(
            "P1.2", "P1.2.3", "P1.2.3.c", "case data",
            f"Of the {mo_rel} cases we inspected that required management oversight, inspectors judged it "
            f"sufficient in {mo_yes} ({_percent(mo_yes, mo_rel)} per cent).", mo_yes / mo_rel, 0.65, 0.5))
    sv_yes, sv_rel = t.get("P2.3.1.a", (0, 0))
    if sv_rel:
        by_standard["P1.3"].append(_finding(
            "P1.3", "P1.3.1", "P1.3.1.a", "case data",
            f"In {sv_yes} of the {sv_rel} cases we inspected where it applied ({_percent(sv_yes, sv_rel)} per cent), "
            "the services delivered were those most likely to reduce reoffending and support desistance.",
            sv_yes / sv_rel, 0.7, 0.55))
    for item in survey_items:
        by_standard[item["standard"]].append(item)
    for s in ("P1.1", "P1.2", "P1.3"):
        p.evidence.extend(by_standard[s])
    p.survey = figures
    p23 = d2.get("P2.3")
    contexts = {
        "P1.1": f"PDU domain two ratings from the case sample: {_listing(d2)}.",
        "P1.2": f"Of {mo_rel} cases needing management oversight, it was sufficient in {mo_yes}.",
        "P1.3": f"P 2.3 Implementation and delivery is rated {p23.label if p23 else 'not rated'} on the case sample.",
    }
    p.proposed = [{"standard": s, "rating": prop[s].label, "rationale": _rationale(fw, s, prop[s], by_standard[s], contexts[s])}
                  for s in ("P1.1", "P1.2", "P1.3")]
    counted = {s: check_proposed(fw, s, r, d2).counted for s, r in prop.items()}  # as the store counts them (rule 6)
    return score_unit({**counted, **d2}, fw.rules).rating


def _diversity_judgement(sufficient: bool, regional: bool) -> dict:
    if regional:
        why = ("Regional diversity arrangements, activity and practice are sufficient." if sufficient else
               "Regional diversity arrangements are insufficient: diversity information is not used to drive improvement.")
    else:
        why = ("Diversity arrangements, activity and practice are sufficient: leaders analyse the diversity of the caseload "
               "and workforce and act on what they find." if sufficient else
               "Diversity arrangements are insufficient: there is no analysis of disproportionality in outcomes, and the "
               "needs of women and minority ethnic people on probation are not reflected in the services available.")
    return {"name": "diversity", "value": sufficient, "rationale": why}


def _plan_regional(rng: random.Random, ctx: _Context, reg: _InspectionPlan, mean_a: float, staffing_latent: float,
                   pdu_tallies: list[dict[str, tuple[int, int]]], pdu_staffing: list[Rating]) -> None:
    """The regional inspection of one round: unpaid work and victim cases, regional domain two (pooled
    with the PDUs' cases), evidence, proposed R 1.1 and R 1.2, and the R 1.2.1 and diversity judgements."""
    fw, n = ctx.fw, len(pdu_staffing)
    uw, victim = ctx.case_types["unpaid-work"], ctx.case_types["victim"]
    uw_ability = 0.6 * mean_a + 0.3 + rng.gauss(0, 0.45)
    vc_ability = 0.4 * mean_a + 0.5 + rng.gauss(0, 0.5)
    reg.cases = [_unpaid_work_case(rng, uw, f"UW{k + 1:03d}", uw_ability) for k in range(_scaled(rng.randint(20, 40), ctx.scale))]
    reg.cases += [_victim_case(rng, victim, f"VC{k + 1:03d}", vc_ability) for k in range(_scaled(rng.randint(15, 30), ctx.scale))]
    pooled: dict[str, list[int]] = {}
    for t in pdu_tallies + [_tally([c for c in reg.cases if c.case_type == uw.code], uw),
                            _tally([c for c in reg.cases if c.case_type == victim.code], victim)]:
        for code, (yes, rel) in t.items():
            acc = pooled.setdefault(code, [0, 0])
            acc[0] += yes
            acc[1] += rel
    reg.domain_two = _region_domain_two(fw, pooled)

    lead_latent = mean_a + rng.gauss(0, 0.4)
    r11 = _consistent(fw, "R1.1", _qualitative_rating(lead_latent), reg.domain_two)
    if rng.random() < 0.25 and (b := _optimistic_break(fw, "R1.1", r11, reg.domain_two)):
        r11 = b
    r121 = rng.random() < _sigmoid(staffing_latent)
    staffing_result = regional_staffing(fw, reg.region, pdu_staffing, r121)
    usual = staffing_result.usual
    r12 = usual[0] if len(usual) == 1 else (max(usual) if staffing_latent > 0.4 else min(usual))
    if rng.random() < 0.2:  # a regional staffing proposal outside the usual ratings, for the panel to see
        outside = [r for r in Rating if r not in usual and abs(r - r12) == 1]
        r12 = max(outside) if outside else r12

    r_lat = {"R1.1": lead_latent, "R1.2": staffing_latent}
    fill = {"unit": reg.region, "topic": rng.choice(_TOPICS), "gap": rng.choice(_GAPS)}
    by_standard = {s: _qualitative_items(rng, _REGION_EVIDENCE, fw, s, r_lat[s], fill) for s in ("R1.1", "R1.2")}
    figures, survey_items = _survey_items(rng, _REGION_SURVEY, r_lat, regional=True, k=3)
    for item in survey_items:
        by_standard[item["standard"]].append(item)
    good_pdus = sum(1 for r in pdu_staffing if r >= Rating.GOOD)
    by_standard["R1.2"].append(_finding(
        "R1.2", "R1.2.2", None, "documents",
        f"We rated staffing as 'Good' or 'Outstanding' in {good_pdus} of the region's {n} PDUs "
        f"(PDU aggregate {staffing_result.aggregate_score} of {3 * n}: {staffing_result.aggregate_rating.label}).",
        good_pdus / n, 0.65, 0.4))
    for s in ("R1.1", "R1.2"):
        reg.evidence.extend(by_standard[s])
    reg.survey = figures
    reg.proposed = [
        {"standard": "R1.1", "rating": r11.label, "rationale": _rationale(
            fw, "R1.1", r11, by_standard["R1.1"], f"Regional domain two ratings from the case sample: {_listing(reg.domain_two)}.")},
        {"standard": "R1.2", "rating": r12.label, "rationale": _rationale(
            fw, "R1.2", r12, by_standard["R1.2"], f"R 1.2.2: {staffing_result.basis}.")},
    ]
    reg.judgements = [
        {"name": "R1.2.1", "value": r121, "rationale": (
            "Arrangements for regional staffing support the delivery of a high-quality service: regional functions are "
            "staffed close to target and workloads are managed." if r121 else
            "Arrangements for regional staffing do not yet support a high-quality service: victim liaison and unpaid work "
            "teams carry vacancies and workloads are high.")},
        _diversity_judgement(rng.random() >= 0.15, regional=True),
    ]


# -- writing ------------------------------------------------------------------------------------------------

def _sha(ctx: _Context, plan: _InspectionPlan) -> str:
    text = f"hmip-demo|seed={ctx.seed}|{ctx.fw.id}|{plan.round}|{plan.region}|{plan.level}|{plan.unit}|scale={ctx.scale}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Rows go in through Core inserts on the tables (executemany, or batched INSERT .. RETURNING where ids
# are needed): the ORM's per-row bookkeeping would double the time of the 700,000 answers.

def _ids(session: Session, model, rows: list[dict]) -> list[int]:
    if not rows:
        return []
    table = model.__table__
    return list(session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars())


def _insert(session: Session, model, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(model.__table__), rows)


def _region_ids(session: Session, regions: Sequence[str], names: dict[str, list[str]]) -> tuple[dict, dict]:
    keys = {normalised_name(r): r for r in regions}
    region_ids = {keys[k]: rid for k, rid in session.execute(select(Region.name_key, Region.id)
                                                               .where(Region.name_key.in_(list(keys)))).all()}
    missing = [r for r in regions if r not in region_ids]
    for name, rid in zip(missing, _ids(session, Region, [{"name": r, "name_key": normalised_name(r)} for r in missing])):
        region_ids[name] = rid
    pdu_ids = {}
    for region in regions:
        existing = dict(session.execute(select(PDU.name_key, PDU.id).where(PDU.region_id == region_ids[region])).all())
        new = [u for u in names[region] if normalised_name(u) not in existing]
        existing.update(zip((normalised_name(u) for u in new),
                            _ids(session, PDU, [{"region_id": region_ids[region], "name": u, "name_key": normalised_name(u)} for u in new])))
        for u in names[region]:
            pdu_ids[(region, u)] = existing[normalised_name(u)]
    return region_ids, pdu_ids


def _conflicts(session: Session, fw: Framework, rounds: Sequence[str], keys: set[tuple]) -> list[tuple]:
    rows = session.execute(select(Region.name, Inspection.level, Inspection.unit_name, Inspection.round)
                           .join(Region, Inspection.region_id == Region.id)
                           .where(Inspection.framework == fw.id, Inspection.round.in_(list(rounds)))).all()
    return sorted(tuple(r) for r in rows if tuple(r) in keys)


def _write_region(session: Session, ctx: _Context, plans: list[_InspectionPlan], region_ids: dict, pdu_ids: dict,
                  counts: Counter) -> None:
    insp_rows = [{"level": p.level, "region_id": region_ids[p.region],
                  "pdu_id": pdu_ids[(p.region, p.unit)] if p.level == "pdu" else None, "unit_name": p.unit,
                  "framework": ctx.fw.id, "round": p.round, "fieldwork_start": p.start, "fieldwork_end": p.end,
                  "status": p.status, "synthetic": True} for p in plans]
    insp_ids = _ids(session, Inspection, insp_rows)
    upload_rows = []
    for p in plans:
        n_answers = sum(1 for c in p.cases for v in c.values if v)
        upload_rows.append({"kind": DEMO_KIND, "version": 1, "is_current": True, "file_name": DEMO_FILE_NAME,
                            "sha256": _sha(ctx, p), "uploaded_by": DEMO_USER,
                            "counts": {"cases": len(p.cases), "answers": n_answers, "evidence_items": len(p.evidence),
                                       "survey_figures": len(p.survey), "proposed_ratings": len(p.proposed),
                                       "judgements": len(p.judgements)}})
    for row, iid in zip(upload_rows, insp_ids):
        row["inspection_id"] = iid
    upload_ids = _ids(session, Upload, upload_rows)

    layout_of = {code: layout_id(session, ct.codes) for code, ct in ctx.case_types.items()}
    case_rows, case_plans, packed = [], [], []
    for p, iid, uid in zip(plans, insp_ids, upload_ids):
        for c in p.cases:
            packed.append(pack_values(c.values))
            case_rows.append((uid, iid, c.case_type, c.ref, json.dumps(c.attributes), layout_of[c.case_type], packed[-1]))
            case_plans.append(c)
    bulk_insert(session, Case.__table__, CASE_COLUMNS, case_rows)
    _write_tallies(session, ctx, plans, insp_ids, upload_ids, layout_of)
    n_answers = sum(len(a) - a.count(NOT_ANSWERED) for a in packed)

    def child_rows(attr: str) -> list[dict]:
        return [{**row, "upload_id": uid, "inspection_id": iid}
                for p, iid, uid in zip(plans, insp_ids, upload_ids) for row in getattr(p, attr)]

    for model, attr in ((EvidenceItem, "evidence"), (SurveyFigure, "survey"), (ProposedRating, "proposed"), (Judgement, "judgements")):
        rows = child_rows(attr)
        _insert(session, model, rows)
        counts[attr] += len(rows)
    counts["inspections"] += len(plans)
    counts["uploads"] += len(plans)
    counts["cases"] += len(case_rows)
    counts["answers"] += n_answers
    for c in case_plans:
        counts[f"case:{c.case_type}"] += 1


def _large_write(session: Session) -> None:
    """SQLite: a page cache big enough for the transaction's index pages (256 MB at most, for this
    connection). With the default 2 MB, ten rounds spill and rewrite the same pages to the journal
    over and over, and the write waits on the disk for minutes."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA cache_size = -262144"))


def _write_tallies(session: Session, ctx: _Context, plans: list[_InspectionPlan], insp_ids: list[int],
                   upload_ids: list[int], layout_of: dict[str, int]) -> None:
    """Each demo upload's tallies (``core.store.answers``), counted as ``store_upload`` counts a workbook's."""
    tally_rows, attribute_rows = [], []
    for p, iid, uid in zip(plans, insp_ids, upload_ids):
        by_type: dict[str, list[_CasePlan]] = {}
        for c in p.cases:
            by_type.setdefault(c.case_type, []).append(c)
        for case_type, cases in by_type.items():
            codes = ctx.case_types[case_type].codes
            names = sorted({n for c in cases for n in c.attributes})
            t, a = count_tallies(uid, iid, case_type, layout_of[case_type], codes,
                                 answer_matrix([pack_values(c.values) for c in cases], len(codes)),
                                 {n: [c.attributes.get(n) for c in cases] for n in names})
            tally_rows += t
            attribute_rows += a
    insert_tallies(session, *tally_tuples(tally_rows, attribute_rows))


def _select_regions(fw: Framework, regions: int | Sequence[str] | None) -> list[str]:
    names = [r.name for r in fw.regions]
    if regions is None:
        return names
    if isinstance(regions, str):
        regions = [regions]
    if isinstance(regions, int):
        if not 1 <= regions <= len(names):
            raise InputError(f"regions must be between 1 and {len(names)}; got {regions}")
        return names[:regions]
    chosen = []
    for r in regions:
        try:
            chosen.append(fw.region(r).name)
        except KeyError:
            raise InputError(f"{r!r} is not a region; regions: {', '.join(names)}") from None
    return [n for n in names if n in chosen]


def load_demo(engine: Engine, rounds: int = DEFAULT_ROUNDS, seed: int = DEFAULT_SEED, progress: Progress | None = None, *,
              if_empty: bool = False, regions: int | Sequence[str] | None = None, scale: float = 1.0) -> DemoSummary:
    """Load the synthetic national picture into the store, in one transaction, and say what was loaded.

    ``rounds``: how many inspection rounds, ending with the current one (2: 2024-25 and 2025-26).
    ``progress``: called as ``progress(fraction, message)`` while loading, so a page can show it.
    ``if_empty``: load only if the store holds no inspections at all; otherwise do nothing and say so.
    ``regions`` (a number of regions, or their names) and ``scale`` (a fraction of the usual number of
    cases) make a smaller demo, for tests; every region keeps its real number of PDUs.

    Raises DemoConflict (writing nothing) where the store already holds any of the demo's inspections,
    and InputError for a bad number of rounds, scale or region.
    """
    started = time.perf_counter()
    labels = round_labels(rounds)
    if not 0 < scale <= 1:
        raise InputError(f"scale must be in (0, 1]; got {scale}")
    fw = load_framework(FRAMEWORK_ID)
    chosen = _select_regions(fw, regions)
    report = progress or (lambda fraction, message: None)

    existing = store_has_inspections(engine)
    if if_empty and existing:
        return DemoSummary(False, f"The store already holds {existing:,} inspection(s); the demo was not loaded.", seed, labels)

    ctx = _Context(fw, seed, labels, scale, {ct.code: _case_type(fw, ct.code) for ct in fw.case_types}, demo_pdu_names(fw))
    counts: Counter = Counter()
    d2_counts: Counter = Counter()
    with Session(engine) as s, s.begin():
        _large_write(s)
        if if_empty and s.execute(select(func.count()).select_from(Inspection)).scalar_one():
            return DemoSummary(False, "The store already holds inspections; the demo was not loaded.", seed, labels)
        keys = {(r, "pdu", u, rnd) for r in chosen for u in ctx.names[r] for rnd in labels}
        keys |= {(r, "region", r, rnd) for r in chosen for rnd in labels}
        clash = _conflicts(s, fw, labels, keys)
        if clash:
            region, level, unit, rnd = clash[0]
            raise DemoConflict(f"the store already holds {len(clash)} of the demo's inspections (for example {level} "
                               f"{unit!r}, {region}, {rnd}): the demo is probably loaded already. Nothing was written; "
                               "load into an empty store, or use --if-empty to skip quietly.")
        report(0.0, f"Loading the synthetic demo: {len(chosen)} regions, rounds {', '.join(labels)}")
        region_ids, pdu_ids = _region_ids(s, chosen, ctx.names)
        for i, region in enumerate(chosen):
            plans = _plan_region(ctx, [r.name for r in fw.regions].index(region), region)
            for p in plans:
                if p.level == "pdu":
                    d2_counts.update(r.label for r in p.domain_two.values() if r is not None)
            _write_region(s, ctx, plans, region_ids, pdu_ids, counts)
            report((i + 1) / len(chosen), f"{region}: {len(plans)} inspections, {sum(len(p.cases) for p in plans):,} cases")
    seconds = time.perf_counter() - started
    by_type = {ct.code: counts[f"case:{ct.code}"] for ct in fw.case_types}
    n_pdus = sum(len(ctx.names[r]) for r in chosen)
    ordered_d2 = {r.label: d2_counts[r.label] for r in sorted(Rating, reverse=True)}
    return DemoSummary(
        True, "Loaded the synthetic demo: every inspection is marked synthetic and every PDU name is invented.", seed, labels,
        regions=len(chosen), pdus=n_pdus, inspections=counts["inspections"], uploads=counts["uploads"],
        cases=counts["cases"], cases_by_type=by_type, answers=counts["answers"], evidence_items=counts["evidence"],
        survey_figures=counts["survey"], proposed_ratings=counts["proposed"], judgements=counts["judgements"],
        pdu_domain_two_ratings=ordered_d2, seconds=seconds)
