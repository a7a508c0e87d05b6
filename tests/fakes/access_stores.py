"""In-memory fakes of the access area's ports (kokuho.access.ports) for the unit tests of its use cases
(authorize, sessions, volume limits, the security team's searches): no moto. They keep what the use
cases rely on — a session never overwritten, a counter that never passes its limit, several counters
taken all or none, entries and records read back in key order within a range — and nothing of the
tables' layout. Contract tests hold them to the pynamodb adapters (tests/integration/
test_access_store_contract.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kokuho.access.actor import Actor
from kokuho.access.chain import GENESIS, Anchor, ChainBreak, LinkView, record_hash, verify_chain
from kokuho.access.ports import SessionExists, StaffSession, Take
from kokuho.access.staff import Grant, StaffMember


@dataclass
class InMemoryStaffStore:
    members: dict[str, StaffMember] = field(default_factory=dict)
    grants: dict[tuple[str, str], Grant] = field(default_factory=dict)
    loads: int = 0  # reads of a member (authorization runs one per request)

    def load_staff(self, staff_id: str, function: str | None = None) -> tuple[StaffMember | None, list[Grant]]:
        self.loads += 1
        return self.members.get(staff_id), [g for k, g in sorted(self.grants.items())
                                            if k[0] == staff_id and (function is None or g.function == function)]

    def put_staff(self, member: StaffMember) -> None:
        self.members[member.staff_id] = member

    def put_grant(self, grant: Grant) -> None:
        self.grants[(grant.staff_id, grant.grant_id)] = grant

    def page_grants(self, limit: int, start: str | None) -> tuple[list[Grant], str | None]:
        keys = [k for k in sorted(self.grants) if start is None or f"{k[0]}#{k[1]}" > start]
        page = keys[:limit]
        more = len(page) == limit  # as DynamoDB: a full page carries a key, even when nothing follows
        return [self.grants[k] for k in page], f"{page[-1][0]}#{page[-1][1]}" if more and page else None

    def staff_profiles(self, staff_ids: set[str]) -> dict[str, StaffMember]:
        return {s: self.members[s] for s in staff_ids if s in self.members}


@dataclass
class InMemorySessionStore:
    sessions: dict[str, StaffSession] = field(default_factory=dict)

    def put_session(self, session: StaffSession) -> None:
        if session.access_key_id in self.sessions:
            raise SessionExists("a session is registered under that key")
        self.sessions[session.access_key_id] = session

    def get_session(self, access_key_id: str) -> StaffSession | None:
        return self.sessions.get(access_key_id)


@dataclass
class InMemoryUsageStore:
    counters: dict[tuple[str, str], int] = field(default_factory=dict)
    expiry: dict[tuple[str, str], int] = field(default_factory=dict)

    def _fits(self, take: Take) -> bool:
        return take.key not in self.counters or self.counters[take.key] <= take.limit - take.units

    def _apply(self, take: Take, expires_at: int) -> None:
        self.counters[take.key] = self.counters.get(take.key, 0) + take.units
        self.expiry[take.key] = expires_at

    def take(self, take: Take, expires_at: int) -> bool:
        if not self._fits(take):
            return False
        self._apply(take, expires_at)
        return True

    def take_all(self, takes: Sequence[Take], expires_at: int) -> int | None:
        for i, take in enumerate(takes):
            if not self._fits(take):
                return i
        for take in takes:
            self._apply(take, expires_at)
        return None

    def add(self, key: tuple[str, str], delta: int) -> None:
        self.counters[key] = self.counters.get(key, 0) + delta

    def usage(self, staff_id: str) -> dict[str, int]:
        return {sk: n for (pk, sk), n in sorted(self.counters.items()) if pk == f"USAGE#{staff_id}"}


@dataclass
class InMemoryAccessLog:
    """What the security team reads: subject index entries (subject → sort key → row) and records."""

    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)  # as stored: at, staff_id, …, subject_ids, seq
    recorded: list[tuple[str, tuple[str, ...], str, str]] = field(default_factory=list)  # the reads recorded

    def record(self, actor: Actor, subject_ids: Sequence[str], category: str, operation: str) -> None:
        """Kept as the adapter keeps it: a record of the actor's chain (an API request's own chain), else
        the first subject's, indexed by each subject."""
        self.recorded.append((actor.staff_id, tuple(subject_ids), category, operation))
        chain = actor.chain or f"SUBJECT#{subject_ids[0]}"
        previous = [r for r in self.records if r["chain"] == chain]
        seq = 1 + len(previous)
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        record = {"at": at, "staff_id": actor.staff_id, "terminal_id": actor.terminal_id, "purpose": actor.purpose,
                  "subject_ids": list(subject_ids), "category": category, "operation": operation, "result": "ok",
                  "chain": chain, "seq": seq, "prev_hash": previous[-1]["hash"] if previous else GENESIS}
        record["hash"] = record_hash(record)  # chained as the adapter chains them (kokuho.access.chain)
        self.records.append(record)
        row = {k: record[k] for k in ("at", "chain", "seq", "staff_id", "terminal_id", "purpose", "category",
                                      "operation", "result")} | {"subjects": len(subject_ids), "record_hash": ""}
        for subject in dict.fromkeys(subject_ids):
            self.entries.setdefault(subject, {})[f"{at}#{chain}#{seq:010d}"] = json.dumps(row, ensure_ascii=False)

    def subject_entries(self, subject: str, low: str, high: str, limit: int | None,
                        start_after: str | None) -> Iterator[tuple[list[tuple[str, str, str]], str | None]]:
        keys = [sk for sk in sorted(self.entries.get(subject, {})) if low <= sk <= high
                and (start_after is None or sk > start_after)]
        page_size = limit or 2  # without a limit: small pages, so the use case follows them
        while True:
            page, keys = keys[:page_size], keys[page_size:]
            last = page[-1] if page and (keys or len(page) == page_size) else None
            yield [(f"SUBJ#{subject}", sk, self.entries[subject][sk]) for sk in page], last
            if last is None or limit is not None:
                return

    def staff_records(self, staff_id: str, low: str, high: str) -> list[dict[str, Any]]:
        return sorted((dict(r) for r in self.records if r["staff_id"] == staff_id and low <= r["at"] <= high),
                      key=lambda r: str(r["at"]))

    def staff_records_page(self, staff_id: str, low: str, high: str, limit: int,
                           start_after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        def cursor(r: dict[str, Any]) -> str:
            return "\x1f".join((str(r["at"]), f"CHAIN#{r['chain']}", f"REC#{int(r['seq']):010d}"))
        rows = [r for r in self.staff_records(staff_id, low, high) if start_after is None or cursor(r) > start_after]
        return rows[:limit], (cursor(rows[limit - 1]) if len(rows) > limit else None)

    def day_records(self, day: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.records if str(r["at"]).startswith(day)]

    def heads(self, anchored: Mapping[str, int]) -> tuple[dict[str, tuple[int, str]], dict[str, str]]:
        found: dict[str, tuple[int, str]] = {}
        at_anchor: dict[str, str] = {}
        for r in self.records:
            chain, seq = str(r["chain"]), int(r["seq"])
            if chain not in found or seq > found[chain][0]:
                found[chain] = (seq, str(r["hash"]))
            if anchored.get(chain) == seq:
                at_anchor[chain] = str(r["hash"])
        return found, at_anchor

    def cuts(self) -> dict[str, tuple[int, str, bool, str | None]]:
        return {}  # no retention in memory: the cuts are the adapter's (tests/integration/retention)

    def verify(self, anchors: Mapping[str, Anchor]) -> tuple[int, int, list[ChainBreak]]:
        """The chains (each against its anchor); the subject index is the adapter's (not checked here)."""
        chains: dict[str, list[LinkView]] = {}
        for r in self.records:
            chains.setdefault(str(r["chain"]), []).append(LinkView.of(r))
        names = sorted(set(chains) | set(anchors))
        breaks = [b for c in names for b in verify_chain(c, chains.get(c, []), anchors.get(c))]
        return len(names), len(self.records), breaks
