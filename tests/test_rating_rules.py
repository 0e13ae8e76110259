"""The published rating rules as tables: annexes, the R 1.2.2 cut-off table, the R 1.2 combination
table, each decision RULE and GUIDANCE case."""
from __future__ import annotations

import csv
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import pytest

from core.engine import (Sufficiency, band, check_limiting_judgement, check_proposed, rate_standard,
                         regional_staffing, score_unit, tally)
from core.errors import InputError
from core.framework import load_framework
from core.ratings import Rating, parse_rating

ROOT = Path(__file__).resolve().parent.parent
O, G, RI, I = Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT, Rating.INADEQUATE


@pytest.fixture(scope="module")
def fw25():
    return load_framework("hmip-2025")


@pytest.fixture(scope="module")
def fw21():
    return load_framework("hmip-pdu-2021")


def published_annexes():
    units = defaultdict(list)
    with open(ROOT / "data" / "published_ratings.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            units[row["unit"]].append(row)
    return units


ANNEXES = published_annexes()


def test_the_six_published_annexes_are_transcribed():
    assert sorted(ANNEXES) == sorted([
        "Redcar, Cleveland and Middlesbrough", "Essex North", "Northamptonshire", "Somerset", "Dorset",
        "Bristol and South Gloucestershire"])
    assert all(len(rows) == 9 for rows in ANNEXES.values())


@pytest.mark.parametrize("unit, score, max_score, overall", [
    ("Redcar, Cleveland and Middlesbrough", 8, 24, RI),
    ("Essex North", 1, 27, I),
    ("Northamptonshire", 9, 27, RI),
    ("Somerset", 8, 27, RI),
    ("Dorset", 3, 27, I),
    ("Bristol and South Gloucestershire", 6, 27, RI),
])
def test_published_annex_is_reproduced(fw21, unit, score, max_score, overall):
    rows = ANNEXES[unit]
    ratings = {fw21.standard(r["standard"]).code: parse_rating(r["rating"], allow_not_inspected=True) for r in rows}
    result = score_unit(ratings, fw21.rules)
    assert (result.score, result.max_score, result.rating) == (score, max_score, overall)
    # and the transcription agrees with the figures printed beside it
    assert (int(rows[0]["published_score"]), int(rows[0]["published_max"]), rows[0]["published_overall"]) == (score, max_score, overall.label)


R122_TABLE = """\
KENT, SURREY & SUSSEX (5 PDUs)	0 – 2	3 – 7	8 – 12	13 – 15
EAST OF ENGLAND (8 PDUs)	0 – 4	5 – 12	13 – 20	21 – 24
YORKSHIRE & THE HUMBER (11 PDUs)	0 – 5	6 – 16	17 – 27	28 – 33
NORTH EAST (7 PDUs)	0 – 3	4 – 10	11 – 17	18 – 21
GREATER MANCHESTER (9 PDUs)	0 – 4	5 – 13	14 – 22	23 – 27
NORTH WEST (13 PDUs)	0 – 6	7 – 19	20 – 32	33 – 39
SOUTH WEST (9 PDUs)	0 – 4	5 – 13	14 – 22	23 – 27
SOUTH CENTRAL (7 PDUs)	0 – 3	4 – 10	11 – 17	18 – 21
WEST MIDLANDS (9 PDUs)	0 – 4	5 – 13	14 – 22	23 – 27
EAST MIDLANDS (6 PDUs)	0 – 3	4 – 9	10 – 15	16 – 18
LONDON (18 PDUs)	0 – 9	10 – 27	28 – 45	46 – 54
WALES (6 PDUs)	0 – 3	4 – 9	10 – 15	16 – 18"""


def _parse_table_row(line):
    name, *cells = line.split("\t")
    region, pdus = name.rsplit(" (", 1)
    ranges = [tuple(int(x) for x in c.split(" – ")) for c in cells]
    return region, int(pdus.split()[0]), dict(zip((I, RI, G, O), ranges))


@pytest.mark.parametrize("line", R122_TABLE.splitlines(), ids=lambda l: l.split(" (")[0])
def test_r122_table_row_is_regenerated_from_the_overall_band_rule(fw25, line):
    region, pdus, published = _parse_table_row(line)
    assert fw25.region(region).pdus == pdus
    assert fw25.rules.cutoffs(pdus, 3 * pdus) == published
    assert fw25.region(region).published_cutoffs == published
    # every score in every range gives that range's rating, through the staffing rule itself
    for rating, (low, high) in published.items():
        for total in {low, high}:
            ratings = _ratings_summing_to(total, pdus)
            assert regional_staffing(fw25, region, ratings, True).aggregate_rating == rating


def _ratings_summing_to(total, n):
    out = []
    for _ in range(n):
        take = min(3, total)
        out.append(Rating(take))
        total -= take
    assert total == 0
    return out


@pytest.mark.parametrize("pdu_rating, question, usual", [
    (O, True, (O,)), (O, False, (G,)), (G, True, (G, O)), (G, False, (G, RI)),
    (RI, True, (G, RI)), (RI, False, (RI, I)), (I, True, (RI, I)), (I, False, (I,)),
])
def test_r12_combination_table(fw25, pdu_rating, question, usual):
    # Kent, Surrey & Sussex has 5 PDUs: all five at one rating aggregate to that rating
    result = regional_staffing(fw25, "Kent, Surrey & Sussex", [pdu_rating] * 5, question)
    assert result.aggregate_rating == pdu_rating
    assert result.usual == usual
    for proposed in Rating:
        assert result.check(proposed).met == (proposed in usual)


def test_staffing_needs_every_pdu_of_the_region(fw25):
    with pytest.raises(InputError, match="has 9 PDUs; 3"):
        regional_staffing(fw25, "South West", [G, G, G], True)


D2_PDU = ("P2.1", "P2.2", "P2.3", "P2.4")


def _d2(*ratings):
    return dict(zip(D2_PDU, ratings))


@pytest.mark.parametrize("standard, proposed, domain_two, severity", [
    # P 1.1 Leadership: Outstanding is a DECISION RULE
    ("P 1.1", O, _d2(G, O, G, G), "ok"),
    ("P 1.1", O, _d2(G, O, RI, G), "breach"),
    ("P 1.1", O, _d2(G, O, G, None), "pending"),
    # Good: usually no Inadequate
    ("P 1.1", G, _d2(G, RI, RI, G), "ok"),
    ("P 1.1", G, _d2(G, RI, I, G), "flag"),
    # Requires improvement: usually no more than one Inadequate
    ("P 1.1", RI, _d2(I, RI, RI, G), "ok"),
    ("P 1.1", RI, _d2(I, I, RI, G), "flag"),
    # Inadequate: usually three or four Inadequate
    ("P 1.1", I, _d2(I, I, I, G), "ok"),
    ("P 1.1", I, _d2(I, I, I, I), "ok"),
    ("P 1.1", I, _d2(I, I, RI, G), "flag"),
    # P 1.3 Services against P 2.3
    ("P 1.3", O, _d2(I, I, G, I), "ok"),
    ("P 1.3", O, _d2(O, O, RI, O), "breach"),
    ("P 1.3", G, _d2(G, G, RI, G), "ok"),
    ("P 1.3", G, _d2(G, G, O, G), "flag"),
    ("P 1.3", RI, _d2(G, G, G, G), "ok"),
    ("P 1.3", RI, _d2(G, G, I, G), "flag"),
    ("P 1.3", I, _d2(G, G, RI, G), "ok"),
    ("P 1.3", I, _d2(G, G, G, G), "flag"),
])
def test_pdu_decision_rules_and_guidance(fw25, standard, proposed, domain_two, severity):
    check = check_proposed(fw25, standard, proposed, domain_two)
    assert check.severity == severity, check.explanation
    assert check.rule is not None and check.rule.reference


R_D2 = ("R2.1", "R2.2", "R2.3", "R2.4", "R2.5", "R2.6")


@pytest.mark.parametrize("proposed, ratings, severity", [
    (O, (G, G, O, G, G, O), "ok"),
    (O, (G, G, O, G, RI, O), "breach"),
    (G, (G, RI, RI, G, RI, G), "ok"),
    (G, (G, RI, RI, G, I, G), "flag"),
    (RI, (I, RI, RI, G, RI, G), "ok"),
    (RI, (I, RI, I, G, RI, G), "flag"),
    (I, (I, I, I, G, RI, G), "ok"),
    (I, (I, I, I, I, I, G), "ok"),
    (I, (I, I, RI, G, RI, G), "flag"),
])
def test_regional_leadership_decision_rules_and_guidance(fw25, proposed, ratings, severity):
    check = check_proposed(fw25, "R 1.1", proposed, dict(zip(R_D2, ratings)))
    assert check.severity == severity, check.explanation
    assert ("DECISION RULE" in check.explanation) == (proposed == O)


def test_a_standard_without_decision_rules_has_nothing_to_check(fw25):
    assert check_proposed(fw25, "P 1.2", O, _d2(I, I, I, I)).severity == "ok"


@pytest.mark.parametrize("level, proposed, diversity, flagged", [
    ("pdu", O, False, True), ("pdu", O, True, False), ("region", O, False, True), ("region", O, None, False),
])
def test_limiting_judgement_on_diversity_flags_outstanding(fw25, level, proposed, diversity, flagged):
    check = check_limiting_judgement(fw25, level, proposed, diversity)
    assert check.flagged is flagged


def test_limiting_judgement_does_not_touch_other_overall_ratings(fw25):
    assert check_limiting_judgement(fw25, "pdu", G, False) is None


@pytest.mark.parametrize("yes, relevant, rating", [
    (80, 100, O), (79, 100, G), (65, 100, G), (64, 100, RI), (50, 100, RI), (49, 100, I), (0, 10, I), (10, 10, O),
    (13, 20, G),  # exactly 65%
    (2, 3, G),  # 66.7%
    (1, 2, RI),  # exactly 50%
])
def test_domain_two_bands_at_their_edges(fw25, yes, relevant, rating):
    assert band(Fraction(yes, relevant), fw25.rules).rating == rating


def test_lowest_key_question_drives_the_standard(fw25):
    result = rate_standard("P2.1", [Sufficiency("P2.1.1", 36, 40), Sufficiency("P2.1.2", 27, 40)], fw25.rules)
    assert result.rating == G
    assert result.driving_key_question == "P2.1.2"
    assert "27 of 40" in result.basis and "65%" in result.basis


def test_sufficiency_leaves_out_not_applicable_and_blank_answers():
    s = tally("P2.1.1", ["Yes", "No", "N/A", None, "Yes"])
    assert (s.n_sufficient, s.n_relevant) == (2, 3)


def test_a_standard_with_no_relevant_cases_is_not_rated(fw25):
    assert rate_standard("P2.1", [Sufficiency("P2.1.1", 0, 0)], fw25.rules).rating is None


def test_not_inspected_is_left_out_of_score_and_maximum(fw21):
    r = score_unit({"1.1": G, "2.1": None}, fw21.rules)
    assert (r.score, r.max_score, r.n_rated) == (2, 3, 1)
