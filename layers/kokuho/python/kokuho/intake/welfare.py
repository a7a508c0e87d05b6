"""生活保護 intake: the public-assistance system's starts (開始) and ends (廃止), as they happen
(docs/city_intake_files.md). Keyed by 宛名番号:

    {"atena_no": "0001234567", "event": "開始", "event_date": "2024-07-01"}

開始 → loss of NHI on the start day itself (保護開始日, 国保法 第6条第9号); 廃止 → acquisition on the
end day (生活保護廃止日). Both through `register_qualification`, as the API registers them; the file is
checked whole and simulated in file order first (kokuho.intake.residents.FileState).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kokuho.intake.framing import MAX_ERRORS, IntakeError, field_errors, iso_date, validate_lines
from kokuho.intake.residents import RESIDENT_REF, FileState, Plan
from kokuho.qualification.history import ChangeRejected
from kokuho.qualification.reasons import Reason

KIND = "welfare"


class WelfareRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    atena_no: Annotated[str, Field(pattern=RESIDENT_REF)]
    event: Literal["開始", "廃止"]
    event_date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]

    @field_validator("event_date")
    @classmethod
    def _date(cls, v: str) -> str:
        iso_date(v)
        return v


@dataclass(frozen=True)
class WelfareLine:
    line: int
    atena_no: str
    reason: Reason
    on: date


def _line(n: int, obj: Mapping[str, Any]) -> tuple[WelfareLine | None, list[IntakeError]]:
    try:
        rec = WelfareRecord.model_validate(obj)
    except ValidationError as exc:
        return None, field_errors(n, exc)
    reason = Reason.WELFARE_STARTED if rec.event == "開始" else Reason.WELFARE_ENDED
    return WelfareLine(n, rec.atena_no, reason, date.fromisoformat(rec.event_date)), []


def parse_file(data: bytes | str) -> tuple[list[WelfareLine], list[IntakeError]]:
    return validate_lines(data, "change", _line, lambda item: item.atena_no,
                          "the same person as line {line}: one change a person a file")


def plan_file(lines: list[WelfareLine], state: FileState, today: date) -> tuple[list[Plan], list[IntakeError]]:
    from kokuho.qualification import service

    state.prefetch([x.atena_no for x in lines], [])
    state.prefetch_members()  # every line reads its household's members
    plans: list[Plan] = []
    errors: list[IntakeError] = []
    for item in lines:
        person = state.person(item.atena_no)
        if person is None:
            errors.append(IntakeError(item.line, "atena_no", "unknown 宛名番号: not in the NHI file"))
            continue
        household = state.household(person.household_id)
        if household is None:
            errors.append(IntakeError(item.line, "atena_no", "the person's household is not in the NHI file"))
            continue
        persons = state.members(household)
        try:
            if item.reason is Reason.WELFARE_STARTED:
                change = service.lose(person, household, persons, item.reason, item.on, today)
            else:
                change = service.acquire(person, household, persons, item.reason, item.on, today)
        except ChangeRejected as exc:
            errors.append(IntakeError(item.line, "event_date" if "date" in str(exc) else "event", str(exc)))
            continue
        state.take(change.persons, change.households)
        operation = "lose" if item.reason is Reason.WELFARE_STARTED else "acquire"
        plans.append(Plan(item.line, person.person_id, item.on, (change,), operation))
        if len(errors) >= MAX_ERRORS:
            break
    return ([] if errors else plans), errors
