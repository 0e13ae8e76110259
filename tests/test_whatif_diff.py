"""What changes under a scenario: the diff of two rating runs, on small hand-built frames in the shape
``core.analysis.rate_dataset`` returns."""
from __future__ import annotations

import pandas as pd
import pytest

from core.errors import InputError
from core.whatif import DIFF_COLUMNS, DIRECTIONS, diff, direction_counts, summary

UNITS = {
    1: dict(unit="Alpha", level="pdu", region="North East", round="2025-26", framework="hmip-2025"),
    2: dict(unit="North East", level="region", region="North East", round="2025-26", framework="hmip-2025"),
    3: dict(unit="Beta", level="pdu", region="London", round="2024-25", framework="hmip-2025"),
}


def ratings(rows):
    """A ratings frame from (inspection_id, standard, rating) triples."""
    return pd.DataFrame([{"inspection_id": i, **UNITS[i], "standard": s, "rating": r, "percent": None, "basis": "test"}
                         for i, s, r in rows])


BEFORE = ratings([
    (1, "P2.1", "Good"), (1, "P2.2", "Outstanding"), (1, "P2.3", "Requires improvement"), (1, "OVERALL", "Good"),
    (2, "R2.1", "Requires improvement"), (2, "R2.4", None),
    (3, "P2.1", "Inadequate"),
])


def test_the_same_ratings_give_no_changes_with_the_columns_still_there():
    out = diff(BEFORE, BEFORE.copy())
    assert out.empty and list(out.columns) == DIFF_COLUMNS


def test_each_changed_rating_is_listed_once_with_its_direction_and_steps():
    after = ratings([
        (1, "P2.1", "Requires improvement"), (1, "P2.2", "Outstanding"), (1, "P2.3", "Inadequate"), (1, "OVERALL", "Requires improvement"),
        (2, "R2.1", "Outstanding"), (2, "R2.4", "Good"),
        (3, "P2.1", "Inadequate"),
    ])
    out = diff(BEFORE, after)
    got = [(r["unit"], r["standard"], r["before"], r["after"], r["direction"], None if pd.isna(r["steps"]) else r["steps"])
           for r in out.to_dict("records")]
    # ordered as the ratings read: round, region, the region's own inspection before its PDUs, OVERALL last
    assert got == [
        ("North East", "R2.1", "Requires improvement", "Outstanding", "up", 2),
        ("North East", "R2.4", None, "Good", "rated", None),
        ("Alpha", "P2.1", "Good", "Requires improvement", "down", -1),
        ("Alpha", "P2.3", "Requires improvement", "Inadequate", "down", -1),
        ("Alpha", "OVERALL", "Good", "Requires improvement", "down", -1),
    ]
    assert list(out.columns) == DIFF_COLUMNS
    assert set(out["level"]) == {"pdu", "region"} and set(out["round"]) == {"2025-26"}


def test_a_rating_lost_or_a_row_in_only_one_run_counts_as_unrated():
    # under the scenario Alpha's overall rating is gone (its row missing) and P 2.1 is not rated
    after = BEFORE[~((BEFORE["inspection_id"] == 1) & (BEFORE["standard"] == "OVERALL"))].copy()
    after.loc[after["standard"].eq("P2.1") & after["inspection_id"].eq(1), "rating"] = None
    out = diff(BEFORE, after)
    assert list(zip(out["standard"], out["before"], out["after"], out["direction"])) == [
        ("P2.1", "Good", None, "unrated"), ("OVERALL", "Good", None, "unrated")]
    assert out.iloc[1]["unit"] == "Alpha"  # the context comes from whichever run has the row


def test_missing_ratings_may_be_nan_as_pandas_leaves_them():
    before = BEFORE.copy()
    after = BEFORE.copy()
    after["rating"] = after["rating"].astype(object).where(after["rating"].notna(), float("nan"))
    assert diff(before, after).empty


def test_direction_counts_by_standard_put_overall_last():
    after = ratings([
        (1, "P2.1", "Outstanding"), (1, "P2.2", "Good"), (1, "P2.3", "Requires improvement"), (1, "OVERALL", "Outstanding"),
        (2, "R2.1", "Requires improvement"), (2, "R2.4", None),
        (3, "P2.1", "Requires improvement"),
    ])
    changes = diff(BEFORE, after)
    counts = direction_counts(changes)
    assert list(counts.columns) == ["standard", *DIRECTIONS, "total"]
    assert counts.to_dict("records") == [
        {"standard": "P2.1", "up": 2, "down": 0, "rated": 0, "unrated": 0, "total": 2},
        {"standard": "P2.2", "up": 0, "down": 1, "rated": 0, "unrated": 0, "total": 1},
        {"standard": "OVERALL", "up": 1, "down": 0, "rated": 0, "unrated": 0, "total": 1},
    ]
    assert direction_counts(changes, by=None).to_dict("records") == [{"up": 3, "down": 1, "rated": 0, "unrated": 0, "total": 4}]
    by_region = direction_counts(changes, by=["region", "level"])
    assert by_region.to_dict("records") == [
        {"region": "London", "level": "pdu", "up": 1, "down": 0, "rated": 0, "unrated": 0, "total": 1},
        {"region": "North East", "level": "pdu", "up": 2, "down": 1, "rated": 0, "unrated": 0, "total": 3},
    ]
    assert summary(changes) == "4 ratings change: 3 up, 1 down"


def test_counting_no_changes_gives_zeros():
    none = diff(BEFORE, BEFORE)
    assert direction_counts(none).empty
    assert direction_counts(none, by=None).to_dict("records") == [{"up": 0, "down": 0, "rated": 0, "unrated": 0, "total": 0}]
    assert summary(none) == "no rating changes"


def test_one_change_reads_in_the_singular():
    after = BEFORE.copy()
    after.loc[0, "rating"] = "Outstanding"
    assert summary(diff(BEFORE, after)) == "1 rating changes: 1 up"


@pytest.mark.parametrize("mangle, message", [
    (lambda f: f.drop(columns=["rating"]), "no column"),
    (lambda f: f.drop(columns=["inspection_id"]), "no column"),
    (lambda f: pd.concat([f, f.iloc[[0]]]), "more than once"),
    (lambda f: f.assign(rating=["Gud"] + list(f["rating"][1:])), "not a rating"),
])
def test_frames_that_break_the_contract_are_refused(mangle, message):
    with pytest.raises(InputError, match=message):
        diff(BEFORE, mangle(BEFORE.copy()))


def test_other_keys_can_be_used_for_rows_without_an_inspection():
    # published units carry no inspection id: compare them by unit, framework and standard instead
    before = pd.DataFrame({"unit": ["Dorset", "Dorset"], "framework": ["hmip-pdu-2021"] * 2, "standard": ["2.1", "OVERALL"],
                           "rating": ["Inadequate", "Inadequate"]})
    after = before.assign(rating=["Requires improvement", "Inadequate"])
    out = diff(before, after, keys=["unit", "framework", "standard"])
    assert out[["unit", "standard", "before", "after", "direction"]].to_dict("records") == [
        {"unit": "Dorset", "standard": "2.1", "before": "Inadequate", "after": "Requires improvement", "direction": "up"}]


def test_ratings_given_as_labels_ratings_or_nothing_compare_alike_and_the_first_bad_label_is_the_one_reported():
    import math

    from core.ratings import Rating

    after = BEFORE.copy()
    after["rating"] = [Rating.GOOD, "outstanding", Rating.INADEQUATE, "Good", math.nan, pd.NA, "Inadequate"]
    out = diff(BEFORE, after)
    assert out[["inspection_id", "standard", "before", "after", "direction", "steps"]].astype(object).to_dict("records") == [
        {"inspection_id": 2, "standard": "R2.1", "before": "Requires improvement", "after": None, "direction": "unrated",
         "steps": None},
        {"inspection_id": 1, "standard": "P2.3", "before": "Requires improvement", "after": "Inadequate", "direction": "down",
         "steps": -1},
    ]
    with pytest.raises(InputError, match="'Gud'"):
        diff(BEFORE, after.assign(rating=["Good", "Gud", "Good", "Bad", "Good", "Good", "Good"]))


def test_two_runs_row_by_row_and_in_another_order_give_the_same_changes():
    """Two ratings of one store come with the same keys in the same order, and are compared row by row; in any
    other order (or with a row missing) by key. Both give the same changes."""
    after = ratings([
        (1, "P2.1", "Requires improvement"), (1, "P2.2", "Outstanding"), (1, "P2.3", None), (1, "OVERALL", None),
        (2, "R2.1", "Outstanding"), (2, "R2.4", "Good"),
        (3, "P2.1", "Good"),
    ])
    row_by_row = diff(BEFORE, after)
    assert len(row_by_row) == 6
    pd.testing.assert_frame_equal(diff(BEFORE.iloc[::-1], after), row_by_row)
    pd.testing.assert_frame_equal(diff(BEFORE, after.iloc[::-1].reset_index(drop=True)), row_by_row)
    without_overall = diff(BEFORE, after[after["standard"] != "OVERALL"])  # keyed: the OVERALL row is in one run only
    pd.testing.assert_frame_equal(without_overall, row_by_row)


def test_the_ratings_a_diff_lists_are_picked_out_of_a_whole_run():
    from core.whatif import same_ratings

    after = ratings([
        (1, "P2.1", "Requires improvement"), (1, "P2.2", "Outstanding"), (1, "P2.3", "Requires improvement"), (1, "OVERALL", None),
        (2, "R2.1", "Outstanding"), (2, "R2.4", None),
        (3, "P2.1", "Inadequate"),
    ])
    changes = diff(BEFORE, after)  # P2.1 and OVERALL of 1, R2.1 of 2
    picked = after[same_ratings(after, changes)]
    assert list(zip(picked["inspection_id"], picked["standard"])) == [(1, "P2.1"), (1, "OVERALL"), (2, "R2.1")]
    assert not same_ratings(after, changes.iloc[0:0]).any()


def test_a_run_in_another_order_gives_the_same_changes():
    # the same keys in the same order are compared row by row; in another order they are joined: the same changes
    after = ratings([
        (1, "P2.1", "Requires improvement"), (1, "P2.2", "Outstanding"), (1, "P2.3", None), (1, "OVERALL", "Requires improvement"),
        (2, "R2.1", "Outstanding"), (2, "R2.4", "Good"),
        (3, "P2.1", "Inadequate"),
    ])
    row_by_row = diff(BEFORE, after)
    assert len(row_by_row) == 5 and set(row_by_row["direction"]) == {"down", "unrated", "up", "rated"}
    pd.testing.assert_frame_equal(diff(BEFORE, after.iloc[::-1]), row_by_row)
    pd.testing.assert_frame_equal(diff(BEFORE.iloc[::-1], after), row_by_row)


def test_counting_by_one_column_is_what_grouping_by_it_gives():
    changes = pd.DataFrame({"standard": ["P2.2", "OVERALL", "P2.1", "P2.2", None, "P2.9", "P2.1"],
                            "direction": ["up", "down", "rated", "up", "up", "sideways", None]})
    grouped = (changes.groupby(["standard", "direction"]).size().unstack("direction", fill_value=0)
               .reindex(columns=list(DIRECTIONS), fill_value=0).reset_index())
    expected = {r["standard"]: {d: r[d] for d in DIRECTIONS} for r in grouped.to_dict("records")}
    counts = direction_counts(changes)
    # a standard only of a direction that is none of the four is listed with nothing counted; one without a
    # standard, or without a direction, is left out
    assert list(counts["standard"]) == ["P2.1", "P2.2", "P2.9", "OVERALL"]
    assert {r["standard"]: {d: r[d] for d in DIRECTIONS} for r in counts.to_dict("records")} == expected
    assert counts["total"].tolist() == [1, 2, 0, 1] and counts["up"].dtype == "int64"
    by_other = direction_counts(changes.rename(columns={"standard": "region"}), by="region")  # sorted as text, OVERALL not last
    assert list(by_other["region"]) == ["OVERALL", "P2.1", "P2.2", "P2.9"] and by_other["total"].tolist() == [1, 1, 2, 0]
