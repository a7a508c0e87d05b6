"""Properties of the monthly benefit run on the in-memory port (docs/benefit_run.md): whatever the household, a second
run writes nothing, the differences of a month's versions add up to its latest benefit, and a benefit never exceeds
the copays of the month."""

from __future__ import annotations

from typing import Any

from fakes.benefit_store import InMemoryBenefitStore
from hypothesis import given, settings
from hypothesis import strategies as st

from kokuho.benefits.benefit_run import prepare, run_batch, summarize

MONTHS = [(2024, m) for m in range(8, 13)] + [(2025, m) for m in range(1, 8)]
BIRTHS = ["2015-04-02", "1990-06-15", "1962-09-30", "1953-03-03", "1951-11-20"]

receipt = st.tuples(st.sampled_from(MONTHS), st.integers(0, 600_000), st.sampled_from(
    ["inpatient", "outpatient", "dental"]), st.integers(1, 3))
member = st.tuples(st.sampled_from(BIRTHS), st.sampled_from([0, 1_000_000, 3_000_000, 7_000_000, 12_000_000]),
                   st.booleans(), st.lists(receipt, max_size=6))


def run(store: InMemoryBenefitStore, run_month: str) -> dict[str, Any]:
    prepared = prepare(store, {"run_month": run_month}, execution_name="x")
    for b in prepared["batches"]:
        run_batch(store, {"run_id": prepared["run_id"], "run_month": run_month, "batch_id": b["batch_id"]})
    return summarize(store, {"run_id": prepared["run_id"]})


@settings(max_examples=60, deadline=None)
@given(members=st.lists(member, min_size=1, max_size=4), corrected=st.integers(0, 12_000_000))
def test_a_second_run_writes_nothing_and_the_differences_add_up(members: list[Any], corrected: int) -> None:
    store = InMemoryBenefitStore()
    ids = [f"P{i}" for i in range(len(members))]
    store.household("H1", ids[0], *[(p, birth) for p, (birth, _, _, _) in zip(ids, members, strict=True)])
    copays: dict[str, int] = {}
    for p, (_, total, exempt, receipts) in zip(ids, members, strict=True):
        store.income(2024, p, total, resident_tax_exempt=exempt)
        for n, (month, copay, setting, provider) in enumerate(receipts):
            store.receipt(p, month, copay, setting=setting, total=copay * 10 // 3 + 1,
                          provider=f"401000000{n}{provider}")
            label = f"{month[0]:04d}-{month[1]:02d}"
            copays[label] = copays.get(label, 0) + copay
    run(store, "2025-08")
    before = {k: len(v) for k, v in store.versions.items()}
    assert run(store, "2025-09")["versions_written"] == 0
    assert {k: len(v) for k, v in store.versions.items()} == before
    store.income(2024, ids[0], corrected)  # an income 更正
    run(store, "2025-10")
    for (_, month), versions in store.versions.items():
        assert sum(v.difference for v in versions) == versions[-1].benefit
        assert 0 <= versions[-1].benefit <= copays[month]
