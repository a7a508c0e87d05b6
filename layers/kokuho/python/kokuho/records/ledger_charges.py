"""A ledger's charge as collection reads it (issue 14: the annual run writes no ledger item): the household's
latest assessment version of the year that carries a notice — a 仮 version (provisional rates) charges nothing
until confirmed — made into the charge by the one rule, kokuho.collection.ledger.charge_from_version (or, under
特別徴収, kokuho.collection.pension_deduction.pension_ledger_charge). The ledger item (kokuho.records.collection)
holds only what collection writes.

Reads:
- some ledgers (`charged_versions`): a descending query a key on the version key, one item a page (the latest
  version carries its notice but after a 仮 one); many: versions 1 and 2 by BatchGetItem first, then a query
  (in parallel) only for the keys that have a second;
- every ledger (`every_charged_version`): a scan of the assessment table's versions, one segment at a time — a
  partition key's items are all in one segment (segments divide the table by partition-key hash,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.ParallelScan), so each
  segment's versions are grouped by household and year in memory, a fraction of the table at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kokuho.collection.ledger import Charge, charge_from_version
from kokuho.collection.pension_deduction import pension_ledger_charge
from kokuho.records.assessments import AssessmentVersionModel
from kokuho.records.household_cases import QUERY_THREADS, parallel

LedgerKey = tuple[str, int]

# From how many keys the queries run in parallel (as Prepare's, kokuho.records.assessment_store.PARALLEL_FROM)
PARALLEL_FROM = 64
# Segments of the scan of every version: a city's years of versions grouped a sixteenth at a time
SCAN_SEGMENTS = 16


@dataclass(frozen=True)
class Charged:
    """What the assessment says of a ledger: its latest version of any kind (0: none) and the latest that
    carries a notice (its number and document; None: no charge yet)."""

    key: LedgerKey
    latest: int
    version: int | None = None
    doc: Mapping[str, Any] | None = None

    @property
    def payer_id(self) -> str | None:
        return None if self.doc is None else str(self.doc["payer_id"])

    def charge(self, pension: Mapping[str, Any] | None) -> Charge | None:
        """The charge of the version (under 特別徴収, the one the deduction `pension` makes of its annual)."""
        if self.doc is None or self.version is None:
            return None
        household, fy = self.key
        payer, annual = str(self.doc["payer_id"]), int(self.doc["result"]["annual"])
        if pension is not None:
            return pension_ledger_charge(household, fy, version=self.version, payer_id=payer, annual=annual,
                                         overlay=dict(pension))
        return charge_from_version(household, fy, version=self.version, payer_id=payer, annual=annual,
                                   installments=list(self.doc["installments"]))


def _number(sk: str) -> int:
    return int(sk.removeprefix("V#"))


def key_of(pk: str) -> LedgerKey:
    """(household, fiscal year) of a version's partition key `ASSESS#<household>#FY#<fy>`."""
    household, _, fy = pk.removeprefix("ASSESS#").rpartition("#FY#")
    return household, int(fy)


def charged_version(key: LedgerKey, *, consistent: bool = False) -> Charged:
    household, fy = key
    latest = 0
    for item in AssessmentVersionModel.query(
            AssessmentVersionModel.pk_of(household, fy), AssessmentVersionModel.sk.startswith("V#"),
            scan_index_forward=False, page_size=1, consistent_read=consistent, attributes_to_get=["pk", "sk", "doc"]):
        number = _number(str(item.sk))
        latest = max(latest, number)
        if item.doc.get("notice"):
            return Charged(key, latest, number, item.doc)
    return Charged(key, latest)


def _first_two(keys: Sequence[LedgerKey], consistent: bool) -> tuple[dict[LedgerKey, Charged], list[LedgerKey]]:
    """Versions 1 and 2 of each key by BatchGetItem (100 keys a request): a key without a version 2 has its
    latest among them (versions are numbered from 1 and never deleted one by one); the others are returned to
    be queried."""
    found: dict[str, dict[int, Mapping[str, Any]]] = {}
    wanted = [(AssessmentVersionModel.pk_of(h, fy), AssessmentVersionModel.sk_of(n)) for h, fy in keys for n in (1, 2)]
    for item in AssessmentVersionModel.batch_get(wanted, consistent_read=consistent,
                                                 attributes_to_get=["pk", "sk", "doc"]):
        found.setdefault(str(item.pk), {})[_number(str(item.sk))] = item.doc
    done: dict[LedgerKey, Charged] = {}
    later: list[LedgerKey] = []
    for key in keys:
        got = found.get(AssessmentVersionModel.pk_of(*key), {})
        if 2 in got:
            later.append(key)
        elif 1 in got:
            done[key] = Charged(key, 1, 1, got[1]) if got[1].get("notice") else Charged(key, 1)
        else:
            done[key] = Charged(key, 0)
    return done, later


def charged_versions(keys: Iterable[LedgerKey], *, consistent: bool = False) -> dict[LedgerKey, Charged]:
    """Each key's `Charged` (the keys without any version too: latest 0). Many keys: versions 1 and 2 read in
    batches first — most households have one version a year — and a query only for those with a second (a
    BatchGetItem of 100 keys instead of 100 queries: ≈ 6× less CPU on the embedded AWS, a round trip a hundred
    keys on AWS, for 0.5 more read units a key)."""
    wanted = list(dict.fromkeys(keys))

    def some(part: Sequence[LedgerKey]) -> list[Charged]:
        return [charged_version(k, consistent=consistent) for k in part]

    if len(wanted) < PARALLEL_FROM:
        return {c.key: c for c in some(wanted)}
    done, later = _first_two(wanted, consistent)
    if len(later) < PARALLEL_FROM:
        found = some(later)
    else:
        step = -(-len(later) // QUERY_THREADS)
        found = [c for part in parallel([(some, later[i:i + step]) for i in range(0, len(later), step)])
                 for c in part]
    return {**done, **{c.key: c for c in found}}


def every_charged_version(segments: int = SCAN_SEGMENTS) -> Iterator[dict[LedgerKey, Charged]]:
    """Every (household, year) that has a version, a segment of the table at a time."""
    for segment in range(segments):
        latest: dict[str, int] = {}
        best: dict[str, tuple[int, Mapping[str, Any]]] = {}
        for item in AssessmentVersionModel.scan(AssessmentVersionModel.sk.startswith("V#"), segment=segment,
                                                total_segments=segments, attributes_to_get=["pk", "sk", "doc"]):
            pk, number = str(item.pk), _number(str(item.sk))
            latest[pk] = max(latest.get(pk, 0), number)
            if item.doc.get("notice") and number > best.get(pk, (0, {}))[0]:
                best[pk] = (number, item.doc)
        part: dict[LedgerKey, Charged] = {}
        for pk, n in latest.items():
            version, doc = best.get(pk, (None, None))
            part[key_of(pk)] = Charged(key_of(pk), n, version, doc)
        if part:
            yield part


def versions_exist(keys: Iterable[LedgerKey]) -> set[LedgerKey]:
    """Which of these (household, year) have a version (version 1 is every year's first: one BatchGetItem of
    100 keys, projected)."""
    wanted = [(AssessmentVersionModel.pk_of(h, fy), AssessmentVersionModel.sk_of(1)) for h, fy in dict.fromkeys(keys)]
    if not wanted:
        return set()
    return {key_of(str(i.pk)) for i in AssessmentVersionModel.batch_get(wanted, attributes_to_get=["pk", "sk"])}
