"""Answer models made from the dataclass they answer (kokuho.platform.answer_models): the access records' and the
vault review list's answers of the private API follow kokuho.access.ports.AccessRecord and
kokuho.identity.vault_service.ReviewEntry — a record answers its fields (never its hashes), typed as stored."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError, create_model

from kokuho.access.ports import AccessRecord
from kokuho.identity.vault_service import ReviewEntry
from kokuho.platform.answer_models import fields_of


@dataclass(frozen=True)
class _Sample:
    day: date
    rate: Decimal
    names: tuple[str, ...]
    count: int = 0
    note: str | None = None


def test_fields_are_typed_as_json_holds_them_and_required_unless_absent_when_none() -> None:
    model = create_model("SampleOut", **fields_of(_Sample))
    out = model.model_validate({"day": "2025-04-01", "rate": "0.081", "names": ["a"], "count": 1})
    assert out.model_dump() == {"day": "2025-04-01", "rate": "0.081", "names": ["a"], "count": 1, "note": None}
    with pytest.raises(ValidationError, match="count"):
        model.model_validate({"day": "2025-04-01", "rate": "0.081", "names": []})  # a default that is not None
    assert set(create_model("Some", **fields_of(_Sample, "day", "note", optional=True)).model_fields) == {
        "day", "note"}


def test_the_access_and_review_answers_follow_their_dataclasses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[3] / "functions"))  # as Lambda imports it
    from qualification.responses import ReviewEntryOut, StaffAccessOut, SubjectAccessOut

    record = AccessRecord("STAFF#S1", 1, "2025-04-01T00:00:00+00:00", "S1", "T1", "資格管理", ["P1"], "資格情報",
                          "read", "ok", "0" * 64, "1" * 64, request_id="r-1")
    shown = {k: v for k, v in asdict(record).items() if k in StaffAccessOut.model_fields}
    assert StaffAccessOut.model_validate(shown).model_dump() == shown  # each field typed as the record holds it
    assert set(shown) == {"chain", "seq", "at", "staff_id", "terminal_id", "purpose", "subject_ids", "category",
                          "operation", "result"}  # never its hashes
    assert set(StaffAccessOut.model_fields) <= {f.name for f in fields(AccessRecord)}
    assert set(SubjectAccessOut.model_fields) == set(StaffAccessOut.model_fields) - {"subject_ids"} | {
        "subject_id", "subjects"}
    assert list(ReviewEntryOut.model_fields) == [f.name for f in fields(ReviewEntry)]
