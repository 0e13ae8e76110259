"""Write one national round of sentence management case workbooks, as inspectors would return them.

12 regions with their PDU counts from the framework (108 PDUs), 40-160 cases per PDU (skewed
towards the smaller end, about 6,500 cases in all), every key question, prompt and supplementary
question of the template (11 key questions, 38 prompts, 3 supplementary: about 400,000 answers).
The data are synthetic and seeded, so every run writes the same workbooks.

    python bench/build_national_round.py [--out bench/out/round-2025-26] [--seed 2025]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.framework import load_framework  # noqa: E402
from core.ingest.template import build_template  # noqa: E402

DEFAULT_OUT = ROOT / "bench" / "out" / "round-2025-26"
ANSWER_WEIGHTS = {"Yes": 0.62, "No": 0.26, "N/A": 0.07, None: 0.05}  # None: left blank, not answered


def pdu_sizes(rng: random.Random, n: int) -> list[int]:
    """Cases per PDU: 40 to 160, most PDUs near the lower end (mean about 60, as a round of ~6,500 cases has)."""
    return [40 + round(120 * rng.random() ** 4.2) for _ in range(n)]


def write_round(out: Path, seed: int = 2025, framework_id: str = "hmip-2025") -> tuple[int, int, int]:
    """Write the workbooks into ``out``; returns (workbooks, cases, answers)."""
    fw = load_framework(framework_id)
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    case_type = fw.case_type("cases")
    codes = fw.case_questions(case_type.code)
    attributes = [fw.attribute(a) for a in case_type.attributes]
    words, weights = list(ANSWER_WEIGHTS), list(ANSWER_WEIGHTS.values())
    regions = [(r.name, p) for r in fw.regions for p in range(1, r.pdus + 1)]
    files = cases_total = answers_total = 0
    for (region, number), size in zip(regions, pdu_sizes(rng, len(regions))):
        unit = f"{region} PDU {number}"
        wb = build_template(framework_id, "cases")
        start = dt.date(2025, 4, 7) + dt.timedelta(weeks=rng.randrange(0, 48))
        values = {"region": region, "unit": unit, "round": "2025-26", "fieldwork_start": start,
                  "fieldwork_end": start + dt.timedelta(days=11)}
        for row in wb["Inspection"].iter_rows(min_row=2):
            if row[0].value in values:
                row[1].value = values[row[0].value]
        ws = wb["Cases"]
        for i in range(1, size + 1):
            answers = rng.choices(words, weights, k=len(codes))
            attrs = [rng.choice(a.values) if rng.random() > 0.1 else None for a in attributes]
            ws.append([f"{_slug(unit)}-{i:03d}", *attrs, *answers])
            answers_total += sum(a is not None for a in answers)
        cases_total += size
        wb.save(out / f"{_slug(unit)}.xlsx")
        files += 1
    return files, cases_total, answers_total


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).replace("--", "-").strip("-")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    files, cases, answers = write_round(args.out, args.seed)
    print(f"wrote {files} workbooks, {cases:,} cases, {answers:,} answers to {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
