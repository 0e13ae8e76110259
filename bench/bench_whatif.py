"""Benchmark: re-rating the whole store under a new what-if scenario.

Builds a store of three national rounds of the synthetic demo (DESIGN.md section 7: 12 regions,
108 PDUs, ~6,500 sentence management cases a round) in a temporary SQLite file, then times, over
repeated runs, the steps of the What-if page:

- re-rating every inspection under a new scenario (``Rerater.rate``: the store made ready once, with its
  tallies, as the pages cache it until the next upload), the part that runs on every slider move;
- the diff against the stored ratings;
- the robustness of every domain two rating under the scenario;
- reading the store for the dashboard (``load_dataset``: the tallies written with each upload, not the
  answers; target 100 ms at three rounds), and the key question tallies from it (both cached by the
  pages; paid once per upload). Wall time is noisy on a shared machine, so the read's CPU time is
  given beside it.

Reports medians and the ratio of each step to the re-rating. Run with ``make bench``.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.analysis import Rerater, frameworks_of, key_question_tallies, rules_for_scenario  # noqa: E402
from core.demo import load_demo  # noqa: E402
from core.robustness import attach_robustness  # noqa: E402
from core.scenario import Scenario  # noqa: E402
from core.store.db import get_engine  # noqa: E402
from core.store.queries import load_dataset  # noqa: E402
from core.store.scope import Scope  # noqa: E402
from core.whatif import diff  # noqa: E402

REPEATS = 15
SCENARIOS = [Scenario(thresholds=(85, 70, 55)), Scenario(aggregation="mean"), Scenario(thresholds=(75, 60, 45), weights=(4, 2, 1, 0)),
             Scenario(excluded=frozenset({"P2.1"}))]


def timed(fn, repeats=REPEATS, clock=time.perf_counter):
    times, result = [], None
    for _ in range(repeats):
        t = clock()
        result = fn()
        times.append(clock() - t)
    return statistics.median(times), result


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = get_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        t = time.perf_counter()
        summary = load_demo(engine, rounds=3)
        print(f"store: 3 national rounds built in {time.perf_counter() - t:.1f} s ({summary.cases:,} cases, {summary.answers:,} answers)")

        read_s, dataset = timed(lambda: load_dataset(engine, Scope.national()), repeats=REPEATS)
        read_cpu, _ = timed(lambda: load_dataset(engine, Scope.national()), repeats=REPEATS, clock=time.process_time)
        frameworks = frameworks_of(dataset)
        tally_s, tallies = timed(lambda: key_question_tallies(dataset, frameworks), repeats=5)
        ready_s, rerater = timed(lambda: Rerater(dataset, frameworks, tallies), repeats=5)
        before = rerater.rate(with_basis=False)
        d2 = int(((before["domain"] == 2) & before["rating"].notna()).sum())
        print(f"inspections {len(dataset.inspections)}, domain two ratings {d2}, rows rated {len(before)}")

        rerate, diffs, robust = [], [], []
        for scenario in SCENARIOS:
            rules = rules_for_scenario(scenario, frameworks)
            r_s, after = timed(lambda: rerater.rate(rules, with_basis=False))
            d_s, changes = timed(lambda: diff(before, after))
            b_s, _ = timed(lambda: attach_robustness(after, tallies, rules), repeats=3)
            rerate.append(r_s)
            diffs.append(d_s)
            robust.append(b_s)
            print(f"  {scenario.describe():60s} re-rate {r_s * 1000:7.1f} ms  diff {d_s * 1000:6.1f} ms  "
                  f"robustness {b_s * 1000:7.1f} ms  changes {len(changes)}")
        base = statistics.median(rerate)
        print(f"median re-rating of the whole store under a new scenario: {base * 1000:.1f} ms "
              f"(target < 100 ms)")
        print(f"median diff: {statistics.median(diffs) * 1000:.1f} ms ({statistics.median(diffs) / base:.2f}x the re-rating)")
        print(f"median robustness of every domain two rating: {statistics.median(robust) * 1000:.1f} ms "
              f"({statistics.median(robust) / base:.1f}x)")
        print(f"median read of the store for the dashboard (load_dataset, from the stored tallies): {read_s * 1000:.0f} ms "
              f"wall, {read_cpu * 1000:.0f} ms CPU (target <= 100 ms; {read_s / base:.1f}x the re-rating)")
        print(f"median key question tallies from it: {tally_s * 1000:.0f} ms ({tally_s / base:.1f}x), and the store made ready "
              f"to re-rate (Rerater) {ready_s * 1000:.0f} ms ({ready_s / base:.1f}x); all cached by the pages until the next upload")


if __name__ == "__main__":
    main()
