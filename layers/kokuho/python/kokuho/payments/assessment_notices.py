"""The print run of an assessment run's notices (issue 12 item 8) on AWS: the 決定通知書 of every household the
annual run (本算定) decided, the 変更通知書 of every household a monthly run's 更正 changed (and the 決定通知書 of a
household decided for the first time that month) — each made by `kokuho.notices.assessment.assessment_notice`
from the version's document, the engine's explanation of the household's case and the ledger, addressed to the
payer's 送付先, rendered in parts into the encrypted work bucket with the print manifest
(kokuho.notices.print_run). Three steps of the `collection-notices` state machine, in batches:

prepare  the versions the run wrote (its batch records, every pass), less those already given to a part of this
         print run, cut into new parts (a work file each: notices/<print id>/part-NNNN.work.json); answers the
         parts not printed yet
part     one part: read, make, store the 変更通知書's slips, record, render, put the PDF, then its entry
         (part-NNNN.json: pages, checksum, what was left out). A part whose entry exists is not printed again
finish   the manifest, from every part's entry

The print id is the assessment run's (FUKA-<run id>): a rerun, a retried step or a later pass of the same run
prints nothing twice — a version is in one part only, and a part is printed once. Left out and counted, never
printed wrong: a version of provisional rates (仮: no notice), a payer not on the qualification file
(unaddressed), a household whose case has changed since the version (its explanation would be another's:
unexplained; its next 更正 sends its own notice). A version whose pointer was committed but whose item is not
written yet (a batch that died in between: the run's next pass writes it) holds its part back — the part fails
and is printed by a run after that pass — rather than being counted as no notice."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from kokuho.access.records import Actor, record_access
from kokuho.assessment import monthly
from kokuho.assessment.summary import versions_of_run
from kokuho.collection.slips import slips_of
from kokuho.notices import ChangeNotice, addressee_of
from kokuho.notices.assessment import TITLES, NotExplained, assessment_notice
from kokuho.notices.model import NoticeError
from kokuho.notices.print_run import (
    PER_PART,
    PREFIX,
    check_notices,
    check_run_id,
    manifest_of,
    print_part,
    put_manifest,
)
from kokuho.payments import wiring
from kokuho.payments.notice_service import STAFF_ID, read_payers
from kokuho.premium import CaseError, RateFileError, explain_case
from kokuho.qualification import application
from kokuho.requests.suspension import declare_use

PURPOSE = "保険料の賦課の通知 (決定通知書・変更通知書; 国保法第76条・地方税法第703条の4 / 地方自治法第231条)"
VERSION_CATEGORY, CASE_CATEGORY = "保険料賦課情報", "賦課用世帯情報"  # read: the version and the case explained
SUBJECTS_PER_RECORD = 100
LISTED = 20  # households listed per kind of leaving out (the rest counted)


class PrintInputError(ValueError):
    """A step's input that cannot be printed from (names the field)."""


class VersionNotWritten(RuntimeError):
    """A version the run committed whose item is not written yet: its part waits (never printed without it)."""


class NoSuchNotice(LookupError):
    """No version of the household's year issued the notice asked for (or its payer is not on file)."""


def print_id_of(run_id: str) -> str:
    return check_run_id(f"FUKA-{run_id}")


def _work_key(print_id: str, part: int) -> str:
    return f"{PREFIX}{print_id}/part-{part:04d}.work.json"


def _entry_key(print_id: str, part: int) -> str:
    return f"{PREFIX}{print_id}/part-{part:04d}.json"


def _json(data: bytes | None) -> Any:
    return None if data is None else json.loads(data)


def _parts(print_id: str, keys: Sequence[str], suffix: str) -> list[int]:
    head = f"{PREFIX}{print_id}/part-"
    return sorted(int(k[len(head):-len(suffix)]) for k in keys
                  if k.startswith(head) and k.endswith(suffix) and k[len(head):-len(suffix)].isdigit())


def prepare(*, issued_on: date, assessment_run: str | None = None, fiscal_year: int | None = None,
            per_part: int = PER_PART, s3: Any | None = None) -> dict[str, Any]:
    """The parts still to print for an assessment run (by default the fiscal year's last completed one)."""
    declare_use("collection.notices")  # 利用停止: the notice of the premium is owed by law (the data says which)
    store = monthly.wired().store
    if assessment_run is None:
        last = store.last_completed_run(fiscal_year if fiscal_year is not None else _fiscal_year(issued_on))
        if last is None:
            return {"print_id": None, "assessment_run": None, "issued_on": issued_on.isoformat(), "parts": [],
                    "new_notices": 0}
        assessment_run = last.run_id
    else:
        try:
            store.get_run(assessment_run)
        except Exception:  # noqa: BLE001 - the adapter's "no such item", whichever it is
            raise PrintInputError("assessment_run: no such assessment run") from None
    print_id = print_id_of(assessment_run)
    get, keys = wiring.notice_work(s3)
    listed = keys(f"{PREFIX}{print_id}/")
    given = _parts(print_id, listed, ".work.json")
    taken = {tuple(x) for p in given for x in _json(get(_work_key(print_id, p)))["versions"]}
    new = [list(x) for x in versions_of_run(store, assessment_run) if x not in taken]
    put = wiring.notice_writer(Actor(STAFF_ID, print_id, PURPOSE), s3)[0]
    number = max(given, default=0)
    for first in range(0, len(new), per_part):
        number += 1
        put(_work_key(print_id, number), json.dumps({
            "assessment_run": assessment_run, "issued_on": issued_on.isoformat(),
            "versions": new[first:first + per_part]}).encode("utf-8"), "application/json")
        given.append(number)
    done = set(_parts(print_id, listed, ".json"))  # the parts' entries (a work file's name is not a number)
    return {"print_id": print_id, "assessment_run": assessment_run, "issued_on": issued_on.isoformat(),
            "parts": [{"part": p} for p in sorted(given) if p not in done], "new_notices": len(new)}


def _fiscal_year(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _recorded(actor: Actor, subjects: Sequence[str], category: str, chain: str) -> None:
    subjects = sorted(set(subjects))
    for first in range(0, len(subjects), SUBJECTS_PER_RECORD):
        record_access(actor, subjects[first:first + SUBJECTS_PER_RECORD], category, "read", chain=chain)


def notices_for(versions: Sequence[tuple[int, str, int]], *, issued_on: date, actor: Actor, chain: str,
                record_reads: bool = True) -> tuple[list[Any], dict[str, list[str]]]:
    """The notices of these versions (in their order), and what was left out, by why. Every read recorded (by
    category; `record_reads=False`: the caller records the notice it hands over as one read, as a route does)."""
    store, ledgers = monthly.wired().store, wiring.store()
    households = [h for _, h, _ in versions]
    left: dict[str, list[str]] = {"no_notice": [], "unaddressed": [], "unexplained": []}
    docs: dict[tuple[int, str, int], dict[str, Any]] = {}
    outputs: dict[tuple[int, str], Any] = {}
    for fy in sorted({fy for fy, _, _ in versions}):
        mine = [(h, v) for y, h, v in versions if y == fy]
        for back in (0, 1):  # the version, and the one before it (a 更正's 変更前)
            wanted = dict((h, v - back) for h, v in mine if v - back >= 1)
            docs.update({(fy, h, wanted[h]): d for h, d in store.version_docs(list(wanted.items()), fy).items()})
        for h, (case, _) in store.cases_for_assessment([h for h, _ in mine], fy).items():
            try:
                outputs[(fy, h)] = explain_case(case)
            except (CaseError, RateFileError):
                outputs[(fy, h)] = None
    if record_reads:
        _recorded(actor, households, VERSION_CATEGORY, chain)
        _recorded(actor, households, CASE_CATEGORY, chain)
    missing = [h for fy, h, v in versions if (fy, h, v) not in docs]
    if missing:  # a version whose pointer was committed, its item not yet (the run's next pass writes it)
        raise VersionNotWritten(f"versions not written yet for {len(missing)} household(s), e.g. {missing[0]}: "
                                "the assessment run's next pass writes them; print again after it")
    kept = [(fy, h, v) for fy, h, v in versions if (docs.get((fy, h, v)) or {}).get("notice")]
    left["no_notice"] = [h for fy, h, v in versions if (fy, h, v) not in set(kept)]
    payer_ids = sorted({str(docs[k]["payer_id"]) for k in kept})
    payers = read_payers(payer_ids, actor, chain) if record_reads else application.wired().persons(payer_ids)
    found = ledgers.ledgers([(h, fy) for fy, h, _ in kept])
    if record_reads:
        ledgers.record_reads(sorted({str(lg.charge.payer_id) for lg in found.values()}), actor=actor, chain=chain)
    notices: list[Any] = []
    for fy, h, v in kept:
        doc, payer, lg = docs[(fy, h, v)], payers.get(str(docs[(fy, h, v)]["payer_id"])), found.get((h, fy))
        if payer is None:
            left["unaddressed"].append(h)
            continue
        output = outputs.get((fy, h))
        try:
            if output is None:
                raise NotExplained("output", "no case to explain")
            notices.append(assessment_notice(
                household_id=h, fiscal_year=fy, version=v, doc=doc, previous_doc=docs.get((fy, h, v - 1)),
                output=output, payer_name=payer.name_kanji, to=addressee_of(payer), issued_on=issued_on,
                ledger_charge=lg.charge if lg else None, payments=lg.payments if lg else (),
                disbursements=lg.disbursements if lg else ()))
        except NotExplained:
            left["unexplained"].append(h)
    return notices, left


def notice_of_version(household_id: str, fiscal_year: int, title: str, version: int | None, *, issued_on: date,
                      actor: Actor) -> Any:
    """One notice as the print run makes it (the notice route's re-issue): version `version`'s, or the latest
    version's that issued a notice of this kind (決定通知書, 変更通知書). NoSuchNotice; NotExplained when the case
    has changed since. The caller records the notice it hands over (one read of the household and payer)."""
    store = monthly.wired().store
    kind = next((k for k, t in TITLES.items() if t == title), None)
    pointer = store.latest_pointers([household_id], fiscal_year).get(household_id)
    if kind is None or pointer is None:
        raise NoSuchNotice("no assessment of that household for that fiscal year")
    candidates = [version] if version is not None else list(range(pointer.version, 0, -1))
    for v in candidates:
        if not 1 <= v <= pointer.version:
            break
        doc = store.version_docs([(household_id, v)], fiscal_year).get(household_id)
        if doc is not None and doc.get("notice") == kind:
            notices, left = notices_for([(fiscal_year, household_id, v)], issued_on=issued_on, actor=actor,
                                        chain="", record_reads=False)
            if notices:
                return notices[0]
            if left["unexplained"]:
                raise NotExplained("output", "the household's case has changed since this version was assessed")
            raise NoSuchNotice("the payer of that notice is not on the qualification file")
    raise NoSuchNotice(f"no version of that household's year issued a {title}")


def print_assessment_part(*, print_id: str, part: int, run_id: str, s3: Any | None = None) -> dict[str, Any]:
    """One part of the print run (nothing when its entry is already stored: printed once)."""
    declare_use("collection.notices")
    check_run_id(print_id)
    get, _ = wiring.notice_work(s3)
    entry = _json(get(_entry_key(print_id, part)))
    if entry is not None:
        return {"part": part, "printed": False, **_brief(entry)}
    work = _json(get(_work_key(print_id, part)))
    if work is None:
        raise PrintInputError(f"part: print run {print_id} has no part {part}")
    issued_on = date.fromisoformat(work["issued_on"])
    actor = Actor(STAFF_ID, run_id, PURPOSE)
    chain = f"NOTICES#{print_id}#part-{part:04d}#reads"
    versions = [(int(fy), str(h), int(v)) for fy, h, v in work["versions"]]
    notices, left = notices_for(versions, issued_on=issued_on, actor=actor, chain=chain)
    check_notices(notices)
    # the 変更通知書's slips are issued before the part is written: a number a payer holds is one the
    # payment intake knows (as the 納入通知書 run does)
    wiring.store().put_slips([s for n in notices if isinstance(n, ChangeNotice) for s in slips_of(n.current, n.state)])
    put, record = wiring.notice_writer(actor, s3)
    created = datetime(issued_on.year, issued_on.month, issued_on.day, tzinfo=UTC)
    printed = print_part(print_id, part, notices, put=put, record=record, created=created) if notices else \
        {"key": None, "notices": 0, "pages": 0, "bytes": 0, "sha256": None}
    kinds = {"決定通知書": sum(1 for n in notices if not isinstance(n, ChangeNotice)),
             "変更通知書": sum(1 for n in notices if isinstance(n, ChangeNotice))}
    entry = {**printed, "part": part, "issued_on": issued_on.isoformat(), "kinds": kinds,
             "left_out": {k: {"count": len(v), "households": v[:LISTED]} for k, v in left.items()}}
    put(_entry_key(print_id, part), json.dumps(entry, ensure_ascii=False).encode("utf-8"), "application/json")
    return {"part": part, "printed": True, **_brief(entry)}


def _brief(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: entry[k] for k in ("notices", "pages", "kinds")}


def finish(*, print_id: str | None, s3: Any | None = None) -> dict[str, Any]:
    """The manifest of every part printed so far (written last: a manifest present means a complete run)."""
    if print_id is None:
        return {"print_id": None, "notices": 0, "pages": 0, "parts": 0}
    check_run_id(print_id)
    get, keys = wiring.notice_work(s3)
    listed = keys(f"{PREFIX}{print_id}/")
    entries = [e for p in _parts(print_id, listed, ".json") if (e := _json(get(_entry_key(print_id, p)))) is not None]
    if not entries:
        return {"print_id": print_id, "notices": 0, "pages": 0, "parts": 0}
    first = date.fromisoformat(min(e["issued_on"] for e in entries))
    parts = [{k: e[k] for k in ("key", "notices", "pages", "bytes", "sha256")} for e in entries if e["key"]]
    manifest = manifest_of(print_id, datetime(first.year, first.month, first.day, tzinfo=UTC), parts)
    put = wiring.notice_writer(Actor(STAFF_ID, print_id, PURPOSE), s3)[0]
    put_manifest(print_id, manifest, put)
    left: dict[str, int] = {}
    kinds: dict[str, int] = {}
    for e in entries:
        for k, v in e["left_out"].items():
            left[k] = left.get(k, 0) + int(v["count"])
        for k, n in e["kinds"].items():
            kinds[k] = kinds.get(k, 0) + int(n)
    return {"print_id": print_id, "manifest": f"{PREFIX}{print_id}/manifest.json", "notices": manifest["notices"],
            "pages": manifest["pages"], "parts": len(parts), "kinds": kinds, "left_out": left}


__all__ = ["PURPOSE", "NoSuchNotice", "NotExplained", "NoticeError", "PrintInputError", "VersionNotWritten", "finish",
           "notice_of_version", "notices_for", "prepare", "print_assessment_part", "print_id_of"]
