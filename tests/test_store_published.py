"""The published annexes load into the store, and loading them again changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cli import main
from core.errors import InputError, InvalidPublishedRatings
from core.store import db
from core.store.models import PublishedRating
from core.store.published import MAX_PUBLISHED_SCORE, PUBLISHED_CSV, load_published, read_published
from core.store.queries import load_dataset
from core.store.scope import Scope
from tests.ingest_helpers import table_counts


def test_the_published_ratings_load_once_however_often_they_are_loaded(store):
    first = load_published(store)
    rows = len(read_published())
    assert (first.added, first.updated, first.unchanged) == (rows, 0, 0)
    again = load_published(store)
    assert (again.added, again.updated, again.unchanged) == (0, 0, rows)
    assert table_counts(store)["published_ratings"] == rows


def test_the_annexes_read_back_as_published(store):
    load_published(store)
    published = load_dataset(store, Scope.national()).published
    essex = published[published["unit"] == "Essex North"]
    assert len(essex) == 9
    assert set(essex["published_overall"]) == {"Inadequate"} and set(essex["published_score"]) == {1}
    redcar = published[(published["unit"] == "Redcar, Cleveland and Middlesbrough") & (published["standard"] == "2.1")]
    assert redcar.iloc[0]["rating"] == "Not inspected"
    scoped = load_dataset(store, Scope.of_regions("South West")).published
    assert set(scoped["unit"]) == {"Somerset", "Dorset", "Bristol and South Gloucestershire"}


def test_a_corrected_csv_updates_the_row_it_corrects(store, tmp_path):
    load_published(store)
    lines = PUBLISHED_CSV.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("Leadership,Requires improvement", "Leadership,Good", 1)
    corrected = tmp_path / "published.csv"
    corrected.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load_published(store, corrected)
    assert (result.added, result.updated) == (0, 1)
    with Session(store) as s:
        rating = s.execute(select(PublishedRating.rating).where(PublishedRating.unit_name == "Redcar, Cleveland and Middlesbrough",
                                                                PublishedRating.standard == "1.1")).scalar_one()
    assert rating == "Good"


def test_a_malformed_csv_is_refused_naming_the_row(store, tmp_path):
    bad = tmp_path / "published.csv"
    lines = PUBLISHED_CSV.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([lines[0], lines[1].replace("Requires improvement", "Fair", 1)]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2"):
        load_published(store, bad)
    assert table_counts(store)["published_ratings"] == 0


def test_the_load_published_command_is_safe_to_repeat(store, capsys, monkeypatch):
    monkeypatch.setattr(db, "get_engine", lambda _url=None: store)
    assert main(["load-published"]) == 0
    assert main(["load-published"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("published ratings: 54 added") and out[1] == "published ratings: 0 added, 0 updated, 54 unchanged"


def _published_csv(tmp_path, *rows: str):
    """The real file's header and first two rows, then ``rows``."""
    lines = PUBLISHED_CSV.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "published.csv"
    path.write_text("\n".join(lines[:3] + list(rows)) + "\n", encoding="utf-8")
    return path


BAD_ROWS = ("900,North East,Anywhere,hmip-foo,2022,1.1,Leadership,Good,8,24,Good,",
            "900,North East,Anywhere,hmip-pdu-2021,2022,9.9,Leadership,Good,8,24,Good,",
            "900,Narnia,Anywhere,hmip-pdu-2021,2022,1.2,Staff,Good,8,24,Good,",
            "900,North East,Anywhere,hmip-pdu-2021,2022,1.3,Services,Good,99999999999999999999999,24,Good,",
            "900,North East,Anywhere,hmip-pdu-2021,2022,1.4,Information,Good,1e3,-1,Not inspected,",
            "900,North East,Anywhere,hmip-2025,2022,P1.1,Leadership,Good,8,24,Good,",
            "900,North East,Anywhere,hmip-2025,2022,P 1.1,Leadership,Good,8,24,Good,")


def test_every_invalid_row_is_listed_by_row_and_column_and_nothing_is_written(store, tmp_path):
    load_published(store)
    before = table_counts(store)
    with pytest.raises(InvalidPublishedRatings) as exc:
        load_published(store, _published_csv(tmp_path, *BAD_ROWS))
    assert [(f.type, f.row, f.header, f.cell) for f in exc.value.findings] == [
        ("unknown-framework", 4, "framework", "D4"), ("unknown-code", 5, "standard", "F5"), ("unknown-region", 6, "region", "B6"),
        ("bad-number", 7, "published_score", "I7"), ("bad-number", 8, "published_score", "I8"), ("bad-number", 8, "published_max", "J8"),
        ("duplicate-entry", 10, "standard", "F10")]
    lines = str(exc.value).splitlines()
    assert lines[0].endswith("published.csv was not loaded: 7 problems")
    assert lines[1] == '  row 4, column framework (D4): "hmip-foo" is not a framework (frameworks: hmip-2025, hmip-pdu-2021)'
    assert lines[2].startswith('  row 5, column standard (F5): "9.9" is not a standard of hmip-pdu-2021 (standards: 1.1, 1.2,')
    assert lines[3].startswith('  row 6, column region (B6): "Narnia" is not one of the 12 regions of England and Wales: ')
    assert lines[4] == (f'  row 7, column published_score (I7): "99999999999999999999999" is too large for a score; '
                        f"at most {MAX_PUBLISHED_SCORE:,}")
    assert isinstance(exc.value, InputError)
    assert table_counts(store) == before


def test_text_too_long_for_its_column_is_refused(store, tmp_path):
    path = _published_csv(tmp_path, "900,North East,Anywhere,hmip-pdu-2021," + "9" * 41 + ",1.1,Leadership,Good,8,24,Good,",
                          "9" * 21 + ",North East,Anywhere,hmip-pdu-2021,2022,1.1,Leadership,Good,8,24,Good,")
    with pytest.raises(InvalidPublishedRatings) as exc:
        load_published(store, path)
    assert [(f.type, f.cell) for f in exc.value.findings] == [("too-long", "E4"), ("too-long", "A5")]
    assert table_counts(store)["published_ratings"] == 0


def test_regions_are_matched_as_people_type_them_and_stored_as_spelled(store, tmp_path):
    path = _published_csv(tmp_path, "900,  yorkshire and the HUMBER ,Leeds,hmip-pdu-2021,2023,1.1,Leadership,Good,8,24,Good,")
    assert load_published(store, path).added == 3
    with Session(store) as s:
        regions = dict(s.execute(select(PublishedRating.unit_name, PublishedRating.region_name)).all())
    assert regions["Leeds"] == "Yorkshire & the Humber"


def test_the_load_published_command_refuses_a_bad_file_with_exit_code_two(store, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(db, "get_engine", lambda _url=None: store)
    assert main(["load-published", "--file", str(_published_csv(tmp_path, *BAD_ROWS))]) == 2
    err = capsys.readouterr().err
    assert "was not loaded: 7 problems" in err and "row 6, column region (B6)" in err and "Traceback" not in err
    assert table_counts(store)["published_ratings"] == 0
