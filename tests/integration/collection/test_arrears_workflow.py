"""The 滞納整理 workflow on the embedded AWS (issue 12 items 5 and 7): the state machine CDK deploys runs the
arrears Lambda in the mode it is given (here the 催告 run and the year-end 不納欠損) and then the statistics
Lambda, which reads the payer's ward from the qualification file and stores the 収納率 for the API; run again,
nothing is recorded twice; the runs' reads and writes leave access records."""

from __future__ import annotations

import secrets
from datetime import date

from kokuho.access.records import Actor, records_by_staff
from kokuho.collection.ledger import charge_from_version
from kokuho.collection.reminders import run_reminders
from kokuho.premium.installments import split_equally
from kokuho.qualification.model import Person
from kokuho.records.collection import DynamoCollectionStore
from kokuho.records.qualification import from_person
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.ledger_seed import seed_ledger

MONTHS = [f"2023-{m:02d}" for m in range(6, 13)] + [f"2024-{m:02d}" for m in range(1, 4)]


def _payer(person_id: str, address: str) -> None:
    person = Person(person_id=person_id, resident_code="10000001", household_id="H1", name_kanji="北九 太郎",
                    name_kana="キタキュウ タロウ", birth_date=date(1970, 1, 1), sex="1", relationship="世帯主",
                    postal_code="804-8510", address=address)
    from_person(person, updated_at="2024-04-01T00:00:00+09:00", updated_by="test").save()


def test_the_demand_and_write_off_runs_then_the_statistics(aws: EmbeddedAWS) -> None:
    store = DynamoCollectionStore()
    seed_ledger(charge_from_version("H1", 2023, version=1, payer_id="P1", annual=100_000,
                                    installments=split_equally(100_000, MONTHS)))
    _payer("P1", "福岡県北九州市戸畑区千防1-1-1")
    run_reminders(store, on=date(2023, 7, 10), actor=Actor("system:test", "t", "test"))

    out = aws.run_state_machine("collection-arrears", {"on": "2023-08-15", "mode": "demand"},
                                name=f"a-{secrets.token_hex(4)}")
    assert out["statistics"]["fiscal_year"] == 2023 and out["statistics"]["current_rate"] == "0.00"
    (demand,) = store.ledgers([("H1", 2023)])[("H1", 2023)].arrears
    assert (demand["kind"], demand["installments"], demand["by"]) == ("催告", [1], "system:arrears-run")
    again = aws.run_state_machine("collection-arrears", {"on": "2023-08-16", "mode": "demand"},
                                  name=f"a-{secrets.token_hex(4)}")
    assert again["statistics"]["ledgers"] == 1 and len(store.ledgers([("H1", 2023)])[("H1", 2023)].arrears) == 1

    # The year-end run of FY2025 (31 March 2026, a day past: a run never acts for a day to come): June's (督促
    # deadline 20 July 2023) and the others, never reminded, are extinguished, except March's (31 March 2024 is a
    # Sunday: due 1 April 2024, its last day 1 April 2026).
    aws.run_state_machine("collection-arrears", {"on": "2026-03-31", "mode": "write_off"},
                          name=f"a-{secrets.token_hex(4)}")
    written = [a for a in store.ledgers([("H1", 2023)])[("H1", 2023)].arrears if a["kind"] == "不納欠損"]
    assert [a["installments"][0] for a in written] == list(range(1, 10))
    figures = store.statistics(2025)
    assert figures is not None and figures["carried_over"]["written_off"] == 90_000
    assert [w["ward"] for w in figures["carried_over"]["by_ward"]] == ["戸畑区"]

    writes = [r for r in records_by_staff("system:arrears-run") if r.operation == "write"]
    assert writes and all(r.subject_ids == ["P1"] for r in writes)
    reads = {(r.category, tuple(r.subject_ids)) for r in records_by_staff("system:collection-statistics")}
    assert {("収納情報", ("P1",)), ("資格情報", ("P1",))} <= reads
