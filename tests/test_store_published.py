"""The published annexes load into the store, and loading them again changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cli import main
from core.errors import InputError
from core.store import db
from core.store.models import PublishedRating
from core.store.published import PUBLISHED_CSV, load_published, read_published
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
