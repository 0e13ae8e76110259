"""The frameworks as data, and the strict loader that reads them."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from core.codes import canonical, display
from core.errors import FrameworkError, UnknownFramework
from core.framework import (FRAMEWORK_DIR, available_frameworks, default_framework_id, framework_in_force,
                            load_framework, load_framework_file)
from core.rules import FRACTION_RATINGS

SEED_003 = next((Path(__file__).resolve().parents[2] / "shared" / "seeds").glob("003_*.txt"), None)


def test_both_frameworks_load():
    assert {"hmip-2025", "hmip-pdu-2021"} <= set(available_frameworks())
    fw = load_framework("hmip-2025")
    assert [s.code for s in fw.standards_at("region")] == ["R1.1", "R1.2", "R2.1", "R2.2", "R2.3", "R2.4", "R2.5", "R2.6"]
    assert [s.code for s in fw.standards_at("pdu")] == ["P1.1", "P1.2", "P1.3", "P2.1", "P2.2", "P2.3", "P2.4"]
    assert [s.code for s in load_framework("hmip-pdu-2021").standards] == ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "2.5"]


@pytest.mark.parametrize("text, key", [("P 2.1", "P2.1"), ("P2.1", "P2.1"), ("p 2.1.2.A", "P2.1.2.a"), ("2.2", "2.2"), ("mo", "MO")])
def test_codes_are_accepted_with_or_without_the_space(text, key):
    assert canonical(text) == key
    assert load_framework("hmip-2025").standard("P 2.1") is load_framework("hmip-2025").standard("P2.1")


def test_display_restores_the_published_form():
    assert display("P2.1.2.a") == "P 2.1.2.a"


def test_every_entry_names_where_it_stands_in_the_rules():
    fw = load_framework("hmip-2025")
    for s in fw.standards:
        assert s.reference
        for kq in s.key_questions:
            assert kq.reference and all(p.reference for p in kq.prompts)
    assert fw.bands_reference and fw.overall_reference and fw.validity_reference and all(t.reference for t in fw.themes)
    assert all(r.reference for r in fw.decision_rules) and all(g.reference for g in fw.regions)


@pytest.mark.skipif(SEED_003 is None, reason="seed 003 not found beside the repository (../shared/seeds)")
def test_every_key_question_and_prompt_of_seed_003_is_in_the_framework_with_its_text():
    seed = SEED_003.read_text(encoding="utf-8")
    fw = load_framework("hmip-2025")
    clean = lambda t: re.sub(r"\s+", " ", t.replace("*", "")).strip()
    flat = clean(seed)
    for s in fw.standards:
        if not s.code.startswith("R") and s.domain == 2:
            continue  # the PDU domain two questions are our reading of the regional ones
        for kq in s.key_questions:
            assert clean(kq.text) in flat, kq.code
            for p in kq.prompts:
                assert clean(p.text) in flat, p.code
    # counts as printed: R 1.1 has four key questions, R 1.2.1 eight prompts, R 2.3.1 nine
    assert len(fw.standard("R 1.1").key_questions) == 4
    assert len(fw.key_questions["R1.2.1"].prompts) == 8
    assert len(fw.key_questions["R2.3.1"].prompts) == 9
    assert sum(len(kq.prompts) for s in fw.standards if s.code[0] in "RP" and s.domain == 1 for kq in s.key_questions) == 24 + 8 + 18 + 17 + 10


def _write(tmp_path, doc, name="hmip-2025"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture
def doc():
    return yaml.safe_load((FRAMEWORK_DIR / "hmip-2025.yaml").read_text())


def test_unknown_key_is_rejected_naming_file_and_key(tmp_path, doc):
    doc["standards"][0]["colour"] = "blue"
    with pytest.raises(FrameworkError, match=r"hmip-2025\.yaml: standards\[0\]\.colour: unknown key"):
        load_framework_file(_write(tmp_path, doc))


def test_duplicate_standard_code_is_rejected(tmp_path, doc):
    doc["standards"][1]["code"] = "R1.1"  # written without the space: still the same code
    doc["standards"][1]["key_questions"] = []
    with pytest.raises(FrameworkError, match="duplicate code R 1.1"):
        load_framework_file(_write(tmp_path, doc))


def test_dangling_pooled_from_is_rejected(tmp_path, doc):
    r21 = next(s for s in doc["standards"] if s["code"] == "R 2.1")
    r21["key_questions"][0]["pooled_from"] = "P 2.9.9"
    with pytest.raises(FrameworkError, match=r"pooled_from: P 2.9.9 is not a key question"):
        load_framework_file(_write(tmp_path, doc))


def test_dangling_theme_item_is_rejected(tmp_path, doc):
    doc["themes"][0]["items"].append("P 9.9.9.z")
    with pytest.raises(FrameworkError, match=r"themes\[0\]\.items: P 9.9.9.z is not"):
        load_framework_file(_write(tmp_path, doc))


def test_decision_rule_on_unknown_standard_is_rejected(tmp_path, doc):
    doc["rules"]["decision_rules"][0]["applies_to"] = "R 7.7"
    with pytest.raises(FrameworkError, match=r"decision_rules\[0\]\.applies_to: R 7.7 is not a standard"):
        load_framework_file(_write(tmp_path, doc))


def test_missing_required_key_is_rejected(tmp_path, doc):
    del doc["rules"]["overall_bands"]
    with pytest.raises(FrameworkError, match=r"rules\.overall_bands: required key is missing"):
        load_framework_file(_write(tmp_path, doc))


def test_unknown_framework_names_those_available():
    with pytest.raises(UnknownFramework, match="hmip-2025"):
        load_framework("hmip-1999")


@pytest.mark.parametrize("change, key", [
    (lambda d: d["rules"]["domain_two_bands"]["thresholds"].update({"Outstanding": 40}), r"rules\.domain_two_bands\.thresholds"),
    (lambda d: d["rules"]["domain_two_bands"].update({"aggregation": "loudest"}), r"rules\.domain_two_bands\.aggregation"),
    (lambda d: d["ratings"][3].update({"score": 5}), r"ratings: .*not rise as the rating falls"),
    (lambda d: d["rules"]["overall_bands"]["upper_fractions"].update({"Good": 1.0}), r"rules\.overall_bands\.upper_fractions"),
])
def test_rule_values_the_wrong_way_round_are_rejected(tmp_path, doc, change, key):
    change(doc)
    with pytest.raises(FrameworkError, match=key):
        load_framework_file(_write(tmp_path, doc))


# -- the rules in the files, and the dates each framework is in force (issue 8, item 5) ---------------------

def test_the_rating_rules_are_read_from_the_file_in_tenths():
    rules = load_framework("hmip-2025").rules
    assert rules.threshold_percents() == (80, 65, 50) and rules.aggregation == "lowest"
    assert [rules.fraction(r) for r in FRACTION_RATINGS] == [0.5, 1.5, 2.5]


@pytest.mark.parametrize("change, key", [
    (lambda d: d["rules"]["domain_two_bands"]["thresholds"].update({"Good": 66.666666667}),
     r"rules\.domain_two_bands\.thresholds\.Good: 66.666666667 has more than one decimal place"),
    (lambda d: d["rules"]["overall_bands"]["upper_fractions"].update({"Good": 2.55}),
     r"rules\.overall_bands\.upper_fractions\.Good: 2.55 has more than one decimal place"),
    (lambda d: d.update({"valid_from": "March 2025"}), r"valid_from: expected a date"),
    (lambda d: d.update({"valid_to": "2020-01-01"}), r"valid_to: 2020-01-01 is before valid_from"),
    (lambda d: d.pop("valid_from"), r"valid_from: required key is missing"),
])
def test_rule_values_finer_than_a_tenth_and_bad_dates_are_rejected(tmp_path, doc, change, key):
    change(doc)
    with pytest.raises(FrameworkError, match=key):
        load_framework_file(_write(tmp_path, doc))


def test_each_framework_says_when_it_is_in_force():
    fw25, fw21 = load_framework("hmip-2025"), load_framework("hmip-pdu-2021")
    assert fw25.valid_from == dt.date(2025, 3, 1) and fw25.valid_to is None
    assert fw21.valid_to == dt.date(2025, 2, 28) and fw21.valid_from < fw21.valid_to
    assert fw25.in_force(dt.date(2025, 3, 1)) and not fw25.in_force(dt.date(2025, 2, 28)) and fw21.in_force(dt.date(2025, 2, 28))


@pytest.mark.parametrize("day, expected", [(dt.date(2022, 6, 1), "hmip-pdu-2021"), (dt.date(2025, 2, 28), "hmip-pdu-2021"),
                                           (dt.date(2025, 3, 1), "hmip-2025"), (dt.date(2030, 1, 1), "hmip-2025")])
def test_the_framework_in_force_on_a_day(day, expected):
    assert framework_in_force(day).id == expected


def test_the_pages_default_framework_is_the_one_in_force_today():
    assert default_framework_id() == framework_in_force(dt.date.today()).id
    pages = (Path(__file__).resolve().parents[1] / "pages").rglob("*.py")
    assert not [p.name for p in pages if re.search(r"""framework\(\s*["']hmip""", p.read_text(encoding="utf-8"))]


def test_no_rule_value_is_written_in_the_rating_code():
    core = Path(__file__).resolve().parents[1] / "core"
    for name in ("engine.py", "robustness.py", "analysis.py", "rules.py"):
        text = (core / name).read_text(encoding="utf-8")
        assert not re.search(r"""["']R ?1\.2["']""", text), name  # the staffing standard comes from the framework file
        assert not re.search(r"Rating\.OUTSTANDING:\s*80", text), name  # so do the default bands
