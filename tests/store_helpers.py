"""Writing cases by hand in tests, as ``store_upload`` writes an upload's: packed, with their tallies."""
from __future__ import annotations

from typing import Mapping, Sequence

from sqlalchemy.orm import Session

from core.store.answers import CaseToStore, pack, write_cases


def store_cases(session: Session, upload_id: int, inspection_id: int, case_type: str,
                cases: Sequence[tuple[str, Mapping[str, str], Mapping[str, str | None]]]) -> None:
    """``cases``: (case_ref, attributes, code -> Yes, No, N/A or None for no answer). The layout is the
    codes in the order they first appear."""
    codes = list(dict.fromkeys(code for _, _, answers in cases for code in answers))
    write_cases(session, upload_id, inspection_id, case_type, codes,
                [CaseToStore(ref, dict(attributes), pack(codes, {k: v for k, v in answers.items() if v}))
                 for ref, attributes, answers in cases])
