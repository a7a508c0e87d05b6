"""The one rule of every request body of the private API (functions/qualification/api.py and the routers it includes):
closed (an unknown field is refused), strings stripped, and no My Number (個人番号) in any shape — full-width, 4-4-4,
inside an id or a note (kokuho.identity.mynumber) — in any field, key or list item except the dedicated `my_number`
fields. A clerk typing one into an id or a note must not put it into a stored key (CloudTrail logs key values in
clear), a record or an answer: 422 naming the field, nothing read or written. Every body model of a route derives from
`ClosedIn` (tests/integration/qualification/test_body_ids_mynumber.py holds the route table to it)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, model_validator

from kokuho.identity.mynumber import contains_my_number

NUMBER_FIELD = "my_number"  # the only field a number may travel in (the vault's routes)


def holds_my_number(value: object) -> bool:
    """A My Number in any shape in a string, a dict key or value, a list item (a nested model checks itself)."""
    if isinstance(value, str):
        return contains_my_number(value)
    if isinstance(value, dict):
        return any(holds_my_number(k) or holds_my_number(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(holds_my_number(v) for v in value)
    return False


class ClosedIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _no_my_number_outside_its_field(self) -> ClosedIn:
        for name, value in self:
            if name != NUMBER_FIELD and not isinstance(value, BaseModel) and holds_my_number(value):
                raise ValueError(f"{name}: must not contain a My Number")
        return self


__all__ = ["NUMBER_FIELD", "ClosedIn", "holds_my_number"]
