"""In-memory fakes of the request desk's ports (kokuho.requests.ports): RequestStore for the unit tests of
kokuho.requests.workflow and .suspension, DisclosureRecords for kokuho.requests.disclosure; no moto. A step
writes only at the version it read (else StoreConflict) and commits with what it also writes and its access
record, all or nothing. The contract test holds them to the pynamodb adapters
(tests/integration/test_request_store_contract.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from kokuho.access.actor import Actor
from kokuho.collection.ports import StoredLedger
from kokuho.requests.model import Inquiry, Request
from kokuho.requests.ports import BenefitRow, ExchangeRow, KeptDisclosure, PremiumVersion, StoreConflict, SuspensionMark


@dataclass
class InMemoryRequestStore:
    requests: dict[tuple[str, str], tuple[Request, int]] = field(default_factory=dict)
    marks: dict[tuple[str, str], SuspensionMark] = field(default_factory=dict)
    kept: dict[tuple[str, str], KeptDisclosure] = field(default_factory=dict)
    inquiry_log: dict[tuple[str, str], tuple[Inquiry, int]] = field(default_factory=dict)
    # staff, subjects, operation, chain
    access: list[tuple[str, tuple[str, ...], str, str | None]] = field(default_factory=list)

    def _record(self, actor: Actor, subject_ids: Sequence[str], operation: str, chain: str | None = None) -> None:
        self.access.append((actor.staff_id, tuple(subject_ids), operation, actor.chain or chain))

    def add_request(self, actor: Actor, req: Request) -> None:
        key = (req.person_id, req.request_id)
        if key in self.requests:
            raise StoreConflict(f"REQUEST#{req.request_id}: changed or taken by someone else; read it again")
        self.requests[key] = (req, 1)
        self._record(actor, [req.person_id], f"receive_{req.kind.value}")

    def get_request(self, actor: Actor, person_id: str, request_id: str) -> tuple[Request, int] | None:
        self._record(actor, [person_id], "read_request")
        return self.requests.get((person_id, request_id))

    def save_step(self, actor: Actor, req: Request, version: int, operation: str,
                  also: SuspensionMark | KeptDisclosure | None = None) -> None:
        key = (req.person_id, req.request_id)
        taken = also is not None and (key in (self.marks if isinstance(also, SuspensionMark) else self.kept))
        if key not in self.requests or self.requests[key][1] != version or taken:
            raise StoreConflict(f"REQUEST#{req.request_id}: changed or taken by someone else; read it again")
        self.requests[key] = (req, version + 1)
        if isinstance(also, SuspensionMark):
            self.marks[key] = also
        elif isinstance(also, KeptDisclosure):
            self.kept[key] = also
        self._record(actor, [req.person_id], operation)

    def open_requests(self) -> list[Request]:
        undecided = [r for r, _ in self.requests.values() if r.decision is None]
        return sorted(undecided, key=lambda r: (r.decide_by, r.request_id))

    def kept_disclosure(self, actor: Actor, person_id: str, request_id: str) -> bytes | None:
        self._record(actor, [person_id], "read_disclosure")
        kept = self.kept.get((person_id, request_id))
        return None if kept is None else kept.body()

    def suspensions(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for mark in self.marks.values():
            out.setdefault(mark.person_id, set()).update(mark.categories)
        return out

    def suspensions_of(self, person_ids: Iterable[str]) -> dict[str, set[str]]:
        wanted = set(person_ids)
        return {p: c for p, c in self.suspensions().items() if p in wanted}

    def add_inquiry(self, actor: Actor, inquiry: Inquiry, expected: int | None = None) -> None:
        key = (inquiry.received_on.isoformat(), inquiry.inquiry_id)
        held = self.inquiry_log.get(key)
        if (held is not None) if expected is None else (held is None or held[1] != expected):
            raise StoreConflict(f"{key[0]}#{key[1]}: changed or taken by someone else; read it again")
        self.inquiry_log[key] = (inquiry, (expected or 0) + 1)
        self._record(actor, [inquiry.person_id or f"INQUIRY:{inquiry.inquiry_id}"],
                     "answer_inquiry" if inquiry.answered_on else "log_inquiry")

    def inquiries(self, date_from: date, date_to: date) -> list[tuple[Inquiry, int]]:
        return [v for (day, _), v in sorted(self.inquiry_log.items())
                if date_from.isoformat() <= day <= date_to.isoformat()]

    def record(self, actor: Actor, subject_ids: Sequence[str], operation: str, chain: str | None) -> None:
        self._record(actor, subject_ids, operation, chain)


@dataclass
class InMemoryDisclosureRecords:
    householders: dict[str, str] = field(default_factory=dict)  # household → 世帯主
    premium_versions: dict[tuple[str, int], list[PremiumVersion]] = field(default_factory=dict)
    ledgers: dict[str, list[StoredLedger]] = field(default_factory=dict)  # payer → ledgers
    exchanges: dict[str, list[ExchangeRow]] = field(default_factory=dict)  # person → records
    benefits: dict[str, list[BenefitRow]] = field(default_factory=dict)  # person → benefit and health records

    def householder_of(self, household_id: str) -> str | None:
        return self.householders.get(household_id)

    def versions(self, household_id: str, fiscal_year: int) -> list[PremiumVersion]:
        return sorted(self.premium_versions.get((household_id, fiscal_year), []), key=lambda v: v.version)

    def ledgers_of_payer(self, payer_id: str) -> list[StoredLedger]:
        return list(self.ledgers.get(payer_id, []))

    def exchange_records(self, person_id: str) -> list[ExchangeRow]:
        return list(self.exchanges.get(person_id, []))

    def benefit_records(self, person_id: str, household_id: str | None) -> list[BenefitRow]:
        return sorted(self.benefits.get(person_id, []), key=lambda r: (r.kind, r.on))
