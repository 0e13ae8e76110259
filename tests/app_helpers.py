"""What the app tests share: a small demo store in a SQLite file, the ratings the core gives for it,
and workbooks to upload through the page (one valid, one with a bad cell)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core.analysis import rate_dataset
from core.ratings import OVERALL
from core.store.db import get_engine
from core.store.queries import Dataset, load_dataset
from core.store.scope import Scope
from tests.ingest_helpers import ESSEX_NORTH, case_workbook, to_bytes

ROOT = Path(__file__).resolve().parent.parent
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Eleven sentence management cases for Essex North, so that the eleventh sits on row 12 of the Cases sheet.
UPLOAD_CASES = [{"case_id": f"EN-{i:02d}", "sentence_type": "Community" if i % 2 else "Licence",
                 "P2.1.1": "Yes" if i % 3 else "No", "P2.2.1": "Yes" if i % 4 else "N/A", "MO": "Yes"}
                for i in range(1, 12)]
BAD_CELL = "Cases!H12"  # column H is P2.1.1; row 12 is the eleventh case


@dataclass(frozen=True)
class DemoStore:
    """A demo store on disk: its URL, what the store holds, and what the core rates it."""

    url: str
    dataset: Dataset
    ratings: pd.DataFrame

    def overall(self, inspection_id) -> pd.Series:
        rows = self.ratings[(self.ratings["inspection_id"] == inspection_id) & (self.ratings["standard"] == OVERALL)]
        assert len(rows) == 1, f"inspection {inspection_id} has {len(rows)} overall ratings"
        return rows.iloc[0]

    def inspections(self, level: str) -> pd.DataFrame:
        ins = self.dataset.inspections
        return ins[ins["level"] == level].sort_values(["round", "region", "unit"]).reset_index(drop=True)


def build_demo_store(directory: Path, regions: int = 2, scale: float = 0.5) -> DemoStore:
    """Two rounds of the synthetic demo for the first ``regions`` regions, and the published annexes."""
    from core.demo import load_demo
    from core.store.published import load_published

    url = f"sqlite:///{directory / 'demo.db'}"
    engine = get_engine(url)
    load_demo(engine, rounds=2, regions=regions, scale=scale)
    load_published(engine)
    dataset = load_dataset(engine, Scope.national())
    return DemoStore(url, dataset, rate_dataset(dataset))


def valid_workbook() -> bytes:
    return to_bytes(case_workbook(inspection=ESSEX_NORTH, cases=UPLOAD_CASES))


def workbook_with_a_bad_cell() -> bytes:
    cases = [dict(c) for c in UPLOAD_CASES]
    cases[-1]["P2.1.1"] = "Yse"
    return to_bytes(case_workbook(inspection=ESSEX_NORTH, cases=cases))


# -- sign-in (issue 10) ---------------------------------------------------------------------------------
# An [auth] section turns sign-in on; AppTest never calls the provider, so any absolute URLs do.
AUTH_SECRETS = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "not-a-secret",
                         "client_id": "dashboard", "client_secret": "not-a-secret",
                         "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}}


def signed_in(email: str, verified: bool = True, **claims) -> dict:
    """``AppTest.user`` for a person signed in with this e-mail (verified by the provider, unless not)."""
    return {"is_logged_in": True, "email": email, "email_verified": verified, "name": email.split("@")[0].title(), **claims}


def ensure_person(url: str, email: str, role: str, regions=()) -> None:
    """Make ``email`` a known user of the store at ``url`` with this role and these regions (as an operator would)."""
    from core.access import Principal
    from core.store.people import add_person, change_person, find_person

    engine = get_engine(url)
    operator = Principal.operator("test set-up")
    if find_person(engine, email) is None:
        add_person(engine, email, role, regions, by=operator)
    else:
        change_person(engine, email, role, list(regions), by=operator)
