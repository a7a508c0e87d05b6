"""Response shapes of the qualification API, for the OpenAPI document (the handlers build plain dicts in
kokuho.qualification.application; these say what those dicts hold). Every object is closed
(`additionalProperties: false`): a field the document does not name is a field the API must not send —
the schema tests (test_qualification_openapi) check real responses against them. Only a change's free
`detail` in a history entry and the OpenAPI document's own sections stay open."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, create_model

from kokuho.access.ports import AccessRecord
from kokuho.identity.vault_service import ReviewEntry
from kokuho.platform.answer_models import fields_of
from kokuho.premium.case import PremiumCase


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(Closed):
    """Every refusal: a reason for the clerk, never the data."""

    error: str


class ValidationDetail(Closed):
    loc: list[str]
    type: str | None
    msg: str


class RejectedOut(Closed):
    """422: the request is well-formed but not acceptable — a rule of the file, or the fields that failed
    validation (`detail`)."""

    error: str
    detail: list[ValidationDetail] = []


class MailingOut(Closed):
    name: str
    postal_code: str
    address: str


class BankAccountOut(Closed):
    bank_code: str
    branch_code: str
    account_type: str
    account_number: str
    holder_kana: str


class PeriodOut(Closed):
    acquired_on: str
    acquire_reason: str
    until: str | None
    lose_reason: str | None
    acquire_label: str
    lose_label: str | None


class HistoryEntryOut(Closed):
    seq: int
    kind: str
    effective_on: str | None
    cause_on: str | None
    reason: str | None
    detail: dict[str, Any]
    note: str | None
    recorded_at: str
    recorded_by: str
    terminal_id: str | None


class PersonCardOut(Closed):
    card_id: str
    issued_on: str
    valid_until: str
    recovered_on: str | None
    recover_reason: str | None


class CardOut(PersonCardOut):
    person_id: str


class PersonOut(Closed):
    """A person after a registration (My Number only ever masked)."""

    person_id: str
    resident_code: str
    household_id: str
    name_kanji: str
    name_kana: str
    birth_date: str
    sex: str
    relationship: str
    postal_code: str
    address: str
    phone: str | None
    mailing: MailingOut | None
    bank_account: BankAccountOut | None
    resident_from: str | None
    resident_until: str | None
    death_date: str | None
    insured: bool
    qualification: list[PeriodOut]
    specific_same_household_since: str | None
    my_number: str
    version: int


class PersonReadOut(PersonOut):
    """A person as read: with the history of changes and the cards."""

    history: list[HistoryEntryOut]
    cards: list[PersonCardOut]


class SearchHitOut(Closed):
    person_id: str
    resident_code: str
    name_kanji: str
    name_kana: str
    birth_date: str
    sex: str
    postal_code: str
    address: str
    household_id: str
    insured: bool
    my_number: str


class SearchOut(Closed):
    items: list[SearchHitOut]
    next_token: str | None


class MemberOut(Closed):
    person_id: str
    relationship: str
    joined_on: str
    left_on: str | None
    name_kanji: str | None
    insured: bool
    specific_same_household: bool
    my_number: str


class HouseholdOut(Closed):
    household_id: str
    householder_id: str | None
    deemed_householder: bool
    specific_household: Literal["specific", "continuing"] | None
    specific_since: str | None
    members: list[MemberOut]
    history: list[HistoryEntryOut]
    version: int


class InstallmentOut(Closed):
    due: str
    amount: int


class PremiumResultOut(Closed):
    fiscal_year: int
    reduction: str | None
    parts: dict[str, int]
    annual: int
    installments: list[InstallmentOut]


class SimulationOut(Closed):
    case: PremiumCase
    result: PremiumResultOut


class StoreOut(Closed):
    """The one answer of a store, whatever became of the number (stored or held for review)."""

    person_id: str
    result: Literal["accepted"]
    my_number: str


class NumberShownOut(Closed):
    person_id: str
    my_number: str


class ReviewEntryOut(create_model("ReviewEntry", __base__=Closed, **fields_of(ReviewEntry))):  # type: ignore[misc]
    """An entry of the vault's review list (kokuho.identity.vault_service.ReviewEntry, its one list of fields)."""


class ReviewListOut(Closed):
    items: list[ReviewEntryOut]


class GrantRowOut(Closed):
    staff_id: str
    staff_name: str | None
    staff_department: str | None
    grant_id: str
    function: str
    purpose: str
    legal_basis: str
    department: str
    valid_from: str
    valid_until: str
    granted_by: str
    granted_at: str
    state: str


# What an access record answers of itself (kokuho.access.ports.AccessRecord, its one list of fields): never its hashes.
_RECORD = ("at", "staff_id", "terminal_id", "purpose", "category", "operation", "result", "chain", "seq")


class SubjectAccessOut(create_model("SubjectAccess", __base__=Closed,  # type: ignore[misc]
                                    **fields_of(AccessRecord, *_RECORD))):
    subject_id: str
    subjects: int  # how many subjects the record names (a batch: the person among many)


class StaffAccessOut(create_model("StaffAccess", __base__=Closed,  # type: ignore[misc]
                                  **fields_of(AccessRecord, *_RECORD, "subject_ids"))):
    pass


class WhoAccessedOut(Closed):
    person_id: str
    from_date: str
    to_date: str
    records: list[SubjectAccessOut]  # not `items`: the search is charged one person, not one per record
    next_token: str | None  # the next page's page_token; None: the period has no more records


class StaffActivityOut(Closed):
    staff_id: str
    from_date: str
    to_date: str
    records: list[StaffAccessOut]
    next_token: str | None  # the next page's page_token; None: the period has no more records


class PermissionReviewOut(Closed):
    as_of: str
    items: list[GrantRowOut]
    next_token: str | None


class PreviewOut(Closed):
    fields: dict[str, Any] = {}  # what would be sent: the permitted list's fields of the item
    withheld: list[str] = []


class PendingOut(Closed):
    request_id: str
    item: str
    requester_body: str
    received_at: str
    person_id: str | None
    preview: PreviewOut


class ApprovalQueueOut(Closed):
    pending: list[PendingOut]


class DecisionOut(Closed):
    request_id: str
    status: Literal["approved", "refused"]


class OpenAPIDocumentOut(BaseModel):
    """This document (its sections are the OpenAPI specification's, validated by the tests)."""

    model_config = ConfigDict(extra="forbid")
    openapi: str
    info: dict[str, Any]
    servers: list[dict[str, Any]] | None = None
    paths: dict[str, dict[str, Any]]
    components: dict[str, Any]
    security: list[dict[str, list[str]]] | None = None
    tags: list[dict[str, Any]] | None = None
