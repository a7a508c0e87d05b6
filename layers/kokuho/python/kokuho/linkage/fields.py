"""The fixed vocabulary of NHI data fields a linkage reply may carry (see permitted_list.v1.json
"fields"), with their types; replies and provision copies (副本) are validated against it.
Money is integer yen; dates ISO dates.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class BenefitPayment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    kind: str = Field(min_length=1, max_length=40)  # e.g. 療養の給付, 高額療養費, 療養費
    amount: int = Field(ge=0)


class PremiumAmount(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    year: int = Field(ge=2000, le=2100)  # fiscal year (assessed) or calendar year (paid)
    amount: int = Field(ge=0)


class PublicFundsAccount(BaseModel):
    """公金受取口座 as the registry answers it (公金受取口座登録法): where premium refunds go."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    bank_code: str = Field(pattern=r"^\d{4}$")
    branch_code: str = Field(pattern=r"^\d{3}$")
    account_type: Literal["普通", "当座", "貯蓄", "その他"]
    account_number: str = Field(pattern=r"^\d{7}$")
    holder_kana: str = Field(min_length=1, max_length=48)


class NhiFields(BaseModel):
    """All fields optional: a copy holds what the city has; a reply holds only what its item allows."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    insurer_number: str | None = Field(default=None, pattern=r"^\d{6,8}$")
    insured_symbol_number: str | None = Field(default=None, max_length=40)
    qualification_status: Literal["insured", "not_insured"] | None = None
    qualification_acquired_on: date | None = None
    qualification_lost_on: date | None = None
    copay_ratio: Literal["1割", "2割", "3割"] | None = None
    income_bracket: Literal["ア", "イ", "ウ", "エ", "オ"] | None = None
    benefit_payments: tuple[BenefitPayment, ...] | None = None
    high_cost_count: int | None = Field(default=None, ge=0, le=12)
    specific_disease_certificate: bool | None = None
    premium_assessed: PremiumAmount | None = None
    premium_paid: PremiumAmount | None = None
    public_funds_account: PublicFundsAccount | None = None


class InvalidFields(ValueError):
    pass


def validate_fields(data: dict[str, Any], allowed: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Validated JSON-ready fields; raises InvalidFields naming the field (never echoing values)."""
    if allowed is not None:
        extra = sorted(set(data) - set(allowed))
        if extra:
            raise InvalidFields(f"fields not allowed for this item: {extra}")
    try:
        model = NhiFields.model_validate(data)
    except ValidationError as e:
        where = sorted({".".join(str(p) for p in err["loc"]) for err in e.errors()})
        raise InvalidFields(f"invalid fields: {where}") from None
    return model.model_dump(mode="json", exclude_none=True)


def select_allowed(copy: dict[str, Any], allowed: tuple[str, ...]) -> tuple[dict[str, Any], list[str]]:
    """Only the allowed fields of a copy, and the allowed fields the copy does not hold (withheld)."""
    sent = {k: copy[k] for k in allowed if k in copy and copy[k] is not None}
    missing = [k for k in allowed if k not in sent]
    return sent, missing
