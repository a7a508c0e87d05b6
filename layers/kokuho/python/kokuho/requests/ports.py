"""The ports of the request desk (開示・訂正・利用停止, assessment V): the requests and inquiries with the
suspension marks (RequestStore: each write commits with its access record, category `requests`), and the
person's own data a disclosure gathers beyond the qualification record and the access log
(DisclosureRecords). The use cases (kokuho.requests.workflow, .suspension, .disclosure) take them; without
one they use the container's adapters (kokuho.requests.wiring: kokuho.records.requests). In-memory fakes:
tests/fakes/request_store.py, held to the adapters by tests/integration/test_request_store_contract.py.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from kokuho.access.actor import Actor
from kokuho.collection.ports import StoredLedger
from kokuho.requests.model import Inquiry, Kind, Request, RequestError

CATEGORY = "requests"
# A disclosure document is kept as handed over (gzip, base64 in the item): DynamoDB's item limit is 400 KB.
MAX_KEPT_BYTES = 300_000


class StoreConflict(RuntimeError):
    """Someone else changed the request since it was read, or the id is taken."""


@dataclass(frozen=True)
class SuspensionMark:
    """A granted 利用停止 carried out: the person's data categories whose use stops."""

    person_id: str
    request_id: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class KeptDisclosure:
    """A disclosure's JSON exactly as handed over, packed (gzip, base64) to fit one item."""

    person_id: str
    request_id: str
    packed: str

    def body(self) -> bytes:
        return gzip.decompress(base64.b64decode(self.packed))


def mark_suspension(req: Request) -> SuspensionMark:
    """The suspension mark, written in the carrying-out step's own transaction."""
    assert req.kind is Kind.SUSPENSION
    return SuspensionMark(req.person_id, req.request_id, tuple(req.details["categories"]))


def keep_disclosure(req: Request, body: bytes) -> KeptDisclosure:
    """The disclosure's JSON as handed over, written in the carrying-out step's own transaction (the API's
    download serves these bytes; their SHA-256 is in the request's result); refused when too large to keep."""
    assert req.kind is Kind.DISCLOSURE
    packed = base64.b64encode(gzip.compress(body, mtime=0)).decode("ascii")
    if len(packed) > MAX_KEPT_BYTES:
        raise RequestError("disclosure", f"the document is larger than {MAX_KEPT_BYTES} bytes compressed: "
                                         "hand it over from the command line (kokuho requests carry-out --out)")
    return KeptDisclosure(req.person_id, req.request_id, packed)


class SuspensionMarks(Protocol):
    """The suspension marks, read by every use that stops under a 利用停止 (kokuho.requests.suspension)."""

    def suspensions(self) -> dict[str, set[str]]:
        """person → the data categories whose use is suspended for them (every mark)."""
    def suspensions_of(self, person_ids: Iterable[str]) -> dict[str, set[str]]:
        """The same for a few persons (one key read each)."""


class RequestStore(SuspensionMarks, Protocol):
    """Requests (versioned: a step writes on the condition that nobody wrote since it read, else
    StoreConflict) and inquiries; every write and every read of a request commits or is recorded with its
    access record."""

    def add_request(self, actor: Actor, req: Request) -> None:
        """A new request (StoreConflict if its id is taken), recorded `receive_<kind>`."""
    def get_request(self, actor: Actor, person_id: str, request_id: str) -> tuple[Request, int] | None:
        """The request and its version (None: no such request); the read recorded either way."""
    def save_step(self, actor: Actor, req: Request, version: int, operation: str,
                  also: SuspensionMark | KeptDisclosure | None = None) -> None:
        """The request after one step, if still at `version`, with what the step also writes (a suspension
        mark, a kept disclosure) and its access record, all or nothing."""
    def open_requests(self) -> list[Request]:
        """Undecided requests, the one due first first (the desk's worklist)."""
    def kept_disclosure(self, actor: Actor, person_id: str, request_id: str) -> bytes | None:
        """The disclosure's JSON as handed over (None: none kept); the read recorded."""
    def add_inquiry(self, actor: Actor, inquiry: Inquiry, expected: int | None = None) -> None:
        """An inquiry logged (expected None) or answered (if still at `expected`)."""
    def inquiries(self, date_from: date, date_to: date) -> list[tuple[Inquiry, int]]:
        """The inquiry log between two days of receipt (both included), oldest first, with versions."""
    def record(self, actor: Actor, subject_ids: Sequence[str], operation: str, chain: str | None) -> None:
        """An access record on its own (a list looked at)."""


@dataclass(frozen=True)
class PremiumVersion:
    """One version (版) of a household's assessment, as a disclosure shows it to the payer."""

    fiscal_year: int
    version: int
    status: str
    result: dict[str, Any]
    installments: tuple[dict[str, Any], ...]
    difference: int


@dataclass(frozen=True)
class ExchangeRow:
    """One 情報提供等記録 naming the person (番号法第23条)."""

    direction: str  # provision | query
    requester_body: str
    provider_body: str
    item: str
    requested_at: str
    provided_at: str | None
    outcome: str
    fields_sent: tuple[str, ...]
    fields_withheld: tuple[str, ...]


@dataclass(frozen=True)
class BenefitRow:
    """One benefit or health record of the person as a disclosure shows it: its kind (レセプト, 高額療養費の支給,
    返還金, 療養費等の申請, 特定健診受診券, 医療費通知の送付希望), the day or month it is known by, what it holds
    (no account number: masked)."""

    kind: str
    on: str
    content: dict[str, Any]


class DisclosureRecords(Protocol):
    """What a disclosure reads besides the qualification record and the access log (both read through
    their own use cases, which record the reads)."""

    def householder_of(self, household_id: str) -> str | None:
        """The household's 世帯主 (None: no such household)."""
    def versions(self, household_id: str, fiscal_year: int) -> list[PremiumVersion]:
        """Every version of the household's assessment of the year, oldest first."""
    def ledgers_of_payer(self, payer_id: str) -> list[StoredLedger]: ...
    def exchange_records(self, person_id: str) -> list[ExchangeRow]:
        """Every 情報提供等記録 naming the person."""
    def benefit_records(self, person_id: str, household_id: str | None) -> list[BenefitRow]:
        """The person's receipts (per month), the 高額療養費 paid to or claimed back from them, their 療養費等 claims
        (of `household_id`), their 特定健診受診券 and their 医療費通知 wish; by kind, then day."""
