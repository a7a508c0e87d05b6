"""Applying a city file (住民基本台帳の異動, 所得, 生活保護, 介護保険): validated whole, then applied line by
line through the qualification application code, each line's "applied" marker in the transaction that
applies it, then the file marked applied. A file already applied (the same bytes, under any key) is
answered `duplicate` and changes nothing; a run cut short resumes with the lines not yet applied.

Two runs of one file at once (a redelivery under another key, a second execution, a step retried while its
first invocation still runs): each run takes the file's lease when it starts (the one before it is fenced
off: kokuho.records.intake_files.take_lease) and every transaction that applies or holds a line commits
only while its run holds it. The run fenced off answers `superseded` and leaves the file to the other one,
which read the lines done after taking the lease: each line is applied once or held once, never both.

Every read of persons' data to validate a file leaves an access record (`validate`), every write its
own (written by the application code in the change's transaction).
"""

from __future__ import annotations

import secrets
import string
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

from kokuho.access.records import Actor, holding_begun_heads, record_access
from kokuho.collection.pension_ports import PensionMark, PensionRecord, PensionStore
from kokuho.intake import care, pension, residents, tax, welfare, wiring
from kokuho.intake.framing import IntakeError, file_digest, former_file_digest
from kokuho.qualification import application, registrations, service
from kokuho.qualification.model import Person
from kokuho.qualification.ports import LineMark, PendingAcquisition

KINDS = (residents.KIND, welfare.KIND, tax.KIND, care.KIND, pension.KIND)  # the order of a daily run
PURPOSES = {
    residents.KIND: "住民基本台帳の異動による資格の得喪 (国保法第7条・第8条)",
    tax.KIND: "所得情報による保険料の賦課 (国保法第76条)",
    welfare.KIND: "生活保護の開始・廃止による資格の得喪 (国保法第6条)",
    care.KIND: "介護保険情報による保険料の賦課・特別徴収 (国保法第76条)",
    pension.KIND: "特別徴収対象者情報による保険料の特別徴収 (国保法第76条の3)",
}
SUBJECTS_PER_RECORD = 100
CHUNK = 500  # tax and care lines resolved and applied per step (the time budget is checked between steps)


class OutOfTime(Exception):
    """The invocation's time budget is spent: what is applied stays (with its markers); the rest is
    taken by the next invocation on the same file."""


def actor_for(kind: str, run_id: str) -> Actor:
    return Actor(staff_id=f"system:{kind}-intake", terminal_id=run_id, purpose=PURPOSES[kind])


def find_person(atena_no: str) -> str | None:
    """The person id of a 宛名番号 (住民コード), through the search index of the NHI file."""
    ids = wiring.files().persons_of_resident_code(atena_no)
    return ids.pop() if len(ids) == 1 else None


def find_persons(atena_nos: Iterable[str]) -> dict[str, str | None]:
    """宛名番号 → person id for many: persons the register brought in (id A<宛名番号>) by batch read; the
    others by who was registered with the code (batch read), confirmed through the search index (a code
    two persons hold is nobody's); a code nobody was registered with is not in the file."""
    return _find_persons_read(atena_nos)[0]


def _find_persons_read(atena_nos: Iterable[str]) -> tuple[dict[str, str | None], dict[str, Person]]:
    """`find_persons`, with the persons its batch read found (the caller needs not read them again)."""
    wanted = list(dict.fromkeys(atena_nos))
    direct = application.wired().persons([residents.PERSON_PREFIX + a for a in wanted])
    out: dict[str, str | None] = {}
    for a in wanted:
        p = direct.get(residents.PERSON_PREFIX + a)
        out[a] = p.person_id if p is not None and p.resident_code == a else None
    for a in application.wired().holders_of_codes([a for a, p in out.items() if p is None]):
        out[a] = find_person(a)
    return out, {p.person_id: p for p in direct.values() if out.get(p.resident_code) == p.person_id}


def file_state() -> residents.FileState:
    def one(atena_no: str) -> str | None:
        return find_persons([atena_no])[atena_no]

    store = application.wired()
    return residents.FileState(find_person=one, get_person=store.person,
                               get_household=store.household, get_persons=store.persons,
                               find_persons=find_persons, get_households=store.households_of)


def _record_reads(actor: Actor, kind: str, subjects: list[str], operation: str) -> None:
    for first in range(0, len(subjects), SUBJECTS_PER_RECORD):
        record_access(actor, subjects[first:first + SUBJECTS_PER_RECORD], f"intake:{kind}", operation,
                      chain=f"intake#{kind}")


def _write_chain(kind: str) -> str:
    """The chain of this run's write records (one an operation below it: kokuho.qualification.registrations):
    new for each invocation and written by it alone, so it holds its heads (holding_begun_heads) — a head read
    a chain, not one before every transaction as a subject's chain needs. Letters: no run of digits in it can
    read as a My Number."""
    return f"intake#{kind}#" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(16))


def _note(kind: str, digest: str, line: int) -> str:
    return f"{kind} file {digest[:16]} line {line}"


def intake_file(kind: str, data: bytes, *, actor: Actor, source_key: str, today: date,
                out_of_time: Callable[[], bool] = lambda: False) -> dict[str, Any]:
    """Validate the whole file, then apply it (or answer why not). Returns the outcome: `applied`,
    `duplicate`, `rejected` (with errors), `partial` (the time budget ran out: call again) or `superseded`
    (another run took the file over: it finishes it; this one wrote nothing more)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of file: {kind}")
    digest = file_digest(data)
    base = {"kind": kind, "key": source_key, "file": digest}
    files = wiring.files()
    if files.applied_file(kind, digest) or files.applied_file(kind, former_file_digest(data)):  # or as marked before
        return {**base, "status": "duplicate", "applied": 0}
    lease = files.take_lease(kind, digest)  # before reading what is done: a run before this one is fenced off
    done = files.applied_lines(kind, digest)
    asked = [0]

    def spent() -> bool:  # never before the first unit of work: every invocation makes progress
        asked[0] += 1
        return asked[0] > 1 and out_of_time()

    chain = _write_chain(kind)
    try:
        with holding_begun_heads():
            if kind == residents.KIND:
                out = _residents(data, actor, digest, done, today, spent, chain, lease)
            elif kind == tax.KIND:
                out = _tax(data, actor, digest, done, spent, chain, today, lease)
            elif kind == welfare.KIND:
                out = _welfare(data, actor, digest, done, today, spent, chain, lease)
            elif kind == care.KIND:
                out = _care(data, actor, digest, done, spent, chain, lease)
            else:  # each line its own marker (no line held): two runs cannot both write one
                out = apply_pensions(data, actor, digest, done, spent, wiring.pension_store(), find_persons)
        if out.get("errors"):
            return {**base, "status": "rejected", "errors": [e.as_dict() for e in out["errors"]]}
        counts = {k: v for k, v in out.items() if k != "errors"}
        files.mark_applied(kind, digest, source_key=source_key, counts=counts, lease=lease)
    except OutOfTime:
        return {**base, "status": "partial", "applied_so_far": len(files.applied_lines(kind, digest))}
    except Exception:
        if files.holds_lease(kind, digest, lease):
            raise
        return {**base, "status": "superseded"}  # the run that took the file over finishes it
    return {**base, "status": "applied", **counts}


def _residents(data: bytes, actor: Actor, digest: str, done: set[int], today: date,
               out_of_time: Callable[[], bool], chain: str | None = None, lease: str = "") -> dict[str, Any]:
    lines, errors = residents.parse_file(data)
    if errors:
        return {"errors": errors}
    state = file_state()
    todo = [x for x in lines if x.line not in done]
    plans, errors = residents.plan_file(todo, state, today)
    read = sorted(state.read)
    if read:
        _record_reads(actor, residents.KIND, read, "validate")
    if errors:
        return {"errors": errors}
    _commit_plans(residents.KIND, plans, state, actor, digest, today, out_of_time, chain, lease)
    return {"applied": len(plans), "already_applied": len(lines) - len(todo),
            "pending_acquisitions": sum(1 for p in plans if p.pending)}


TRANSACTION_ITEMS = 96  # of DynamoDB's 100 a transaction: lines are committed together up to this many items


class _Batch:
    """Lines committed together in file order, as many as one transaction holds (each line's changes
    with its marker and pending acquisition: all of a transaction's lines or none), through the
    qualification application code. Each record is checked against the version the store has before the
    transaction; the next transaction starts from the versions it wrote and the records as it left
    them, read once for the whole file."""

    def __init__(self, actor: Actor, today: date, state: residents.FileState,
                 out_of_time: Callable[[], bool], chain: str | None = None) -> None:
        self.actor, self.today, self.state, self.out_of_time = actor, today, state, out_of_time
        self.chain = chain
        self.regs: list[registrations.Registration] = []
        self.versions: dict[str, int] = {}  # "P:<id>" / "H:<id>" → the version stored now
        self.committed: dict[str, Person] = {}  # person id → as the last commit left them
        self.facts = registrations.Facts(application.wired())
        # committed changes whose observers (a joiner's 特定健診受診券) have not run yet: run once for many
        # transactions (`observe`), before the invocation stops
        self.observed: list[service.Change] = []

    def add(self, reg: registrations.Registration) -> None:
        if self.regs and registrations.transaction_items([*self.regs, reg], self.today) > TRANSACTION_ITEMS:
            self.flush()
        self.regs.append(reg)

    def add_household(self, regs: list[registrations.Registration]) -> None:
        """Lines of one household together: in the open transaction if they all fit in it, else from the
        next — a household split across two transactions had its profile, its case for each projected year
        and its access record written twice. Lines too many for one transaction are split as they come."""
        if self.regs and registrations.transaction_items([*self.regs, *regs], self.today) > TRANSACTION_ITEMS:
            self.flush()
        for reg in regs:
            self.add(reg)

    def _lookup(self, ids: list[str]) -> dict[str, Person]:
        out = {i: p for i in ids if (p := self.committed.get(i) or self.state.read.get(i)) is not None}
        missing = [i for i in ids if i not in out]
        if missing:
            found = application.wired().persons(missing)
            self.state.read.update(found)
            out.update(found)
        return out

    def flush(self) -> None:
        if not self.regs:
            return
        if self.out_of_time():
            self.observe()
            raise OutOfTime
        for reg in self.regs:  # the version a record has before its first change of the file
            for change in reg.changes:
                for pid, p in change.persons.items():
                    self.versions.setdefault(f"P:{pid}", p.version)
                for hid, h in change.households.items():
                    self.versions.setdefault(f"H:{hid}", h.version)
        application.commit_registrations(self.regs, self.actor, today=self.today, versions=self.versions,
                                         lookup=self._lookup, facts=self.facts, observed=self.observed,
                                         chain=self.chain)
        written: set[str] = set()
        persons: dict[str, Person] = {}
        for reg in self.regs:
            for change in reg.changes:
                persons.update(change.persons)
                written.update([*(f"P:{p}" for p in change.persons), *(f"H:{h}" for h in change.households)])
        for key in written:
            self.versions[key] += 1
        # only the persons this transaction wrote move on (re-versioning every person of the file at each
        # transaction made a file's commits quadratic in its persons)
        self.committed.update({pid: replace(p, version=self.versions[f"P:{pid}"]) for pid, p in persons.items()})
        self.regs = []

    def observe(self) -> None:
        observed, self.observed = self.observed, []
        application.observe(observed, self.today, self.actor)


def _commit_plans(kind: str, plans: list[residents.Plan], state: residents.FileState, actor: Actor,
                  digest: str, today: date, out_of_time: Callable[[], bool], chain: str | None = None,
                  lease: str = "") -> None:
    batch = _Batch(actor, today, state, out_of_time, chain)
    with application.wired().indexing([p for plan in plans for c in plan.changes for p in c.persons.values()]):
        _commit_in_households(kind, plans, batch, digest, lease)


def _commit_in_households(kind: str, plans: list[residents.Plan], batch: _Batch, digest: str,
                          lease: str = "") -> None:
    # the acquisitions the register implied that this file's acquisitions confirm, read at once (a person is
    # named once a file: nothing the file commits before their line puts or takes theirs)
    waiting = wiring.files().pending_acquisitions_of([p.person_id for p in plans if p.operation == "acquire"])
    group: list[registrations.Registration] = []
    households: set[str] = set()
    for plan in plans:
        note = _note(kind, digest, plan.line)
        pending = consume = None
        if plan.pending is not None:  # the 転入日 or 出生日: where the acquisition will be dated
            pending = PendingAcquisition(plan.person_id, plan.pending, plan.on, note)
        elif plan.operation == "acquire" and plan.person_id in waiting:
            consume = plan.person_id  # an acquisition confirms one the register implied
        touched = {h for change in plan.changes for h in change.households}
        if group and not touched & households:  # the next household's lines: the last one's go together
            batch.add_household(group)
            group, households = [], set()
        group.append(registrations.Registration(plan.changes, plan.operation, note,
                                                [LineMark(kind, digest, plan.line, lease)], pending, consume))
        households |= touched
    if group:
        batch.add_household(group)
    batch.flush()
    batch.observe()


def _tax(data: bytes, actor: Actor, digest: str, done: set[int], out_of_time: Callable[[], bool],
         chain: str | None = None, today: date | None = None, lease: str = "") -> dict[str, Any]:
    lines, errors = tax.validate_file(data, today)
    if errors:
        return {"errors": errors}
    todo = [x for x in lines if x.line not in done]
    applied = held = households = 0
    files = wiring.files()
    for first in range(0, len(todo), CHUNK):
        if out_of_time():
            raise OutOfTime
        part = todo[first:first + CHUNK]
        ids, persons = _find_persons_read(x.atena_no for x in part)
        persons.update(application.wired().persons([p for p in ids.values() if p and p not in persons]))
        groups: dict[tuple[str, int], list[tax.TaxLine]] = defaultdict(list)
        for x in part:
            pid = ids[x.atena_no]
            if pid is None or pid not in persons:
                files.hold_line(actor, tax.KIND, digest, x.line, "the 宛名番号 is not in the NHI file",
                                {"atena_no": x.atena_no, "fiscal_year": x.fiscal_year, "assessment": x.assessment,
                                 "income": x.income}, lease=lease)
                held += 1
            else:
                groups[(persons[pid].household_id, x.fiscal_year)].append(x)
        entries = []
        for (household_id, fy), group in groups.items():
            incomes = {str(ids[x.atena_no]): {**x.income, "source": _note(tax.KIND, digest, x.line)} for x in group}
            operation = "correction" if any(x.assessment == "correction" for x in group) else "initial"
            entries.append(registrations.HouseholdFacts(household_id, fy, incomes, {}, application.INCOME_CATEGORY,
                                                        operation,
                                                        [LineMark(tax.KIND, digest, x.line, lease) for x in group]))
            applied += len(group)
        # several households a transaction; the members read here are not read again
        application.register_facts_many(actor, entries, persons=persons, chain=chain)
        households += len(groups)
    return {"applied": applied, "held": held, "households": households, "already_applied": len(lines) - len(todo)}


def _welfare(data: bytes, actor: Actor, digest: str, done: set[int], today: date,
             out_of_time: Callable[[], bool], chain: str | None = None, lease: str = "") -> dict[str, Any]:
    lines, errors = welfare.parse_file(data)
    if errors:
        return {"errors": errors}
    state = file_state()
    todo = [x for x in lines if x.line not in done]
    plans, errors = welfare.plan_file(todo, state, today)
    if state.read:
        _record_reads(actor, welfare.KIND, sorted(state.read), "validate")
    if errors:
        return {"errors": errors}
    _commit_plans(welfare.KIND, plans, state, actor, digest, today, out_of_time, chain, lease)
    return {"applied": len(plans), "already_applied": len(lines) - len(todo)}


L = TypeVar("L", care.CareLine, pension.PensionLine | pension.PensionStopLine)


def _persons_of_lines(lines: list[L], done: set[int], find: Callable[[Iterable[str]], dict[str, str | None]]
                      ) -> tuple[list[L], dict[str, str | None], list[IntakeError]]:
    """The lines not applied yet, their persons by 宛名番号, and an error for each line of an unknown one."""
    todo = [x for x in lines if x.line not in done]
    ids = find(x.atena_no for x in todo)
    unknown = [IntakeError(x.line, "atena_no", "unknown 宛名番号: not in the NHI file") for x in todo
               if ids[x.atena_no] is None]
    return todo, ids, unknown


def _care(data: bytes, actor: Actor, digest: str, done: set[int], out_of_time: Callable[[], bool],
          chain: str | None = None, lease: str = "") -> dict[str, Any]:
    """Stored per person and year with each household's case for the year re-projected in the same
    transaction (a 適用除外 changes the care part: the next monthly run reassesses it)."""
    lines, errors = care.validate_file(data)
    if errors:
        return {"errors": errors}
    todo, ids, unknown = _persons_of_lines(lines, done, find_persons)
    if unknown:
        return {"errors": unknown}
    persons = application.wired().persons([str(p) for p in ids.values()])
    groups: dict[tuple[str, int], list[care.CareLine]] = defaultdict(list)
    for x in todo:
        groups[(persons[str(ids[x.atena_no])].household_id, x.fiscal_year)].append(x)
    entries = []
    for (household_id, fy), group in groups.items():
        records = {str(ids[x.atena_no]): {**x.care, "source": _note(care.KIND, digest, x.line)} for x in group}
        entries.append(registrations.HouseholdFacts(household_id, fy, {}, records, "care", "write",
                                                    [LineMark(care.KIND, digest, x.line, lease) for x in group]))
    for first in range(0, len(entries), CHUNK):
        if out_of_time():
            raise OutOfTime
        application.register_facts_many(actor, entries[first:first + CHUNK], persons=persons, chain=chain)
    return {"applied": len(todo), "households": len(groups), "already_applied": len(lines) - len(todo)}


PENSION_LINES_PER_TRANSACTION = 45  # a record and a marker each, with the access record: ≤ 92 items


def apply_pensions(data: bytes, actor: Actor, digest: str, done: set[int], out_of_time: Callable[[], bool],
                   store: PensionStore, find: Callable[[Iterable[str]], dict[str, str | None]]) -> dict[str, Any]:
    """The 特別徴収対象者情報 (kokuho.intake.pension): validated whole (an unknown 宛名番号 refuses the file naming
    its line), then each person's pension of the year stored through the port, lines committed with their
    markers (applied once; a run cut short resumes)."""
    lines, errors = pension.validate_file(data)
    if errors:
        return {"errors": errors}
    todo, ids, unknown = _persons_of_lines(lines, done, find)
    if unknown:
        return {"errors": unknown}
    records, errors = _pension_records(todo, ids, digest, store, actor)
    if errors:
        return {"errors": errors}
    for first in range(0, len(todo), PENSION_LINES_PER_TRANSACTION):
        if out_of_time():
            raise OutOfTime
        part = todo[first:first + PENSION_LINES_PER_TRANSACTION]
        store.put_pensions([records[x.line] for x in part], [PensionMark(pension.KIND, digest, x.line) for x in part],
                           actor=actor)
    stops = sum(1 for x in todo if isinstance(x, pension.PensionStopLine))
    return {"applied": len(todo), "stops": stops, "already_applied": len(lines) - len(todo)}


def _pension_records(todo: Sequence[pension.PensionLine | pension.PensionStopLine], ids: dict[str, str | None],
                     digest: str, store: PensionStore, actor: Actor
                     ) -> tuple[dict[int, PensionRecord], list[IntakeError]]:
    """Each line's record: a notice as notified; a 中止通知 the person's pension of the year as stored, with its
    stop — refused naming line and field (nothing applied) when no such pension was notified."""
    out: dict[int, PensionRecord] = {}
    errors: list[IntakeError] = []
    stored: dict[int, dict[str, PensionRecord]] = {}
    for fy in sorted({x.fiscal_year for x in todo if isinstance(x, pension.PensionStopLine)}):
        stored[fy] = store.pensions(sorted({str(ids[x.atena_no]) for x in todo if x.fiscal_year == fy
                                            and isinstance(x, pension.PensionStopLine)}), fy, actor=actor)
    for x in todo:
        person, note = str(ids[x.atena_no]), _note(pension.KIND, digest, x.line)
        if isinstance(x, pension.PensionLine):
            out[x.line] = PensionRecord(person, x.fiscal_year, x.insurer_code, x.pension_code,
                                        x.basic_pension_number, x.pension_annual, note)
            continue
        known = stored[x.fiscal_year].get(person)
        if known is None:
            errors.append(IntakeError(x.line, "atena_no", "no pension of that fiscal year notified for this "
                                                          "person: nothing to stop"))
        elif (known.insurer_code, known.pension_code) != (x.insurer_code, x.pension_code):
            errors.append(IntakeError(x.line, "pension_code", "not the pension notified for this person and year"))
        else:
            out[x.line] = replace(known, source=note, stop_from=x.stop_from, stop_reason=x.reason)
    return out, errors
