"""A scheduled run started with an input its first step refuses fails at once on the embedded AWS (the state
machine CDK deploys): the refusal (kokuho.access.run_inputs.InputRefused) is not retried — one attempt, not four
spread over 3.5 minutes — and the execution's cause names the field, never the value."""

from __future__ import annotations

import secrets
import time

import pytest

from kokuho_local.embedded import EmbeddedAWS, ExecutionFailed


@pytest.mark.parametrize(("given", "named"), [({"on": "2024-02-30"}, "on: must be a date"),
                                              ({"on": "2024-07-10", "day": "2024-02-31"}, "day: unknown field")])
def test_a_refused_input_fails_the_run_at_once(aws: EmbeddedAWS, given: dict[str, str], named: str) -> None:
    arn = aws.start_state_machine("collection-reminders", given, name=f"refused-{secrets.token_hex(4)}")
    started = time.monotonic()
    with pytest.raises(ExecutionFailed) as info:
        aws.wait_execution(arn, timeout_s=20)  # retried, the first retry alone waited 30 s
    assert time.monotonic() - started < 20
    assert info.value.error == "InputRefused"
    cause = info.value.cause or ""
    assert named in cause
    assert "2024-02-30" not in cause and "2024-02-31" not in cause
    scheduled = [e for e in aws.history(arn) if e["type"] in ("TaskScheduled", "LambdaFunctionScheduled")]
    assert len(scheduled) == 1


@pytest.mark.parametrize(("given", "named"), [({"mode": "writeoff"}, "mode: must be one of"),
                                              ({"mode": None}, "mode: must be one of")])
def test_an_unknown_arrears_mode_fails_the_run_at_once(aws: EmbeddedAWS, given: dict[str, object],
                                                       named: str) -> None:
    # It was a plain ValueError from the run's domain: retried four times over 3.5 minutes like a fault.
    arn = aws.start_state_machine("collection-arrears", given, name=f"refused-{secrets.token_hex(4)}")
    with pytest.raises(ExecutionFailed) as info:
        aws.wait_execution(arn, timeout_s=20)
    assert info.value.error == "InputRefused" and named in (info.value.cause or "")
    scheduled = [e for e in aws.history(arn) if e["type"] in ("TaskScheduled", "LambdaFunctionScheduled")]
    assert len(scheduled) == 1


def test_a_run_named_as_a_member_of_staff_fails_at_once(aws: EmbeddedAWS) -> None:
    # The execution's name is the run's source identity; one that is a staff id is refused (run_identity). It was a
    # DataAccessRefused, which the retriers took for a fault: four attempts over 3.5 minutes, refused each time.
    arn = aws.start_state_machine("collection-reminders", {"on": "2024-07-10"}, name="S0301")
    with pytest.raises(ExecutionFailed) as info:
        aws.wait_execution(arn, timeout_s=20)
    assert info.value.error == "InputRefused" and "staff" in (info.value.cause or "")
    scheduled = [e for e in aws.history(arn) if e["type"] in ("TaskScheduled", "LambdaFunctionScheduled")]
    assert len(scheduled) == 1


def test_a_run_for_a_day_to_come_is_refused_and_writes_nothing_off(aws: EmbeddedAWS) -> None:
    """Probe (workflows): `{"on"}` is a missed day run again; a day to come was taken as given — the year-end
    不納欠損 run "on" a March 31 still to come wrote off, today, installments whose right to collect lasts until
    then (extinguished only on that day): premiums the city can still collect (and a 督促 or a payment would
    renew) were gone from the ledger. Every scheduled run's day is today or a day past (kokuho.dates.tokyo)."""
    from datetime import date, timedelta

    from kokuho.collection.ledger import charge_from_version
    from kokuho.dates.tokyo import today_jst
    from kokuho.premium.installments import split_equally
    from kokuho.records.collection import DynamoCollectionStore
    from kokuho_local.ledger_seed import seed_ledger

    today = today_jst()
    fy = today.year - 2 if today.month >= 4 else today.year - 3  # its installments' rights end over the next year
    months = [f"{fy + (m < 4):04d}-{m:02d}" for m in (6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
    seed_ledger(charge_from_version("H1", fy, version=1, payer_id="P1", annual=100_000,
                                    installments=split_equally(100_000, months)))
    ahead = date(today.year + 1, 3, 31)
    assert ahead - today < timedelta(days=500)
    arn = aws.start_state_machine("collection-arrears", {"on": ahead.isoformat(), "mode": "write_off"},
                                  name=f"refused-{secrets.token_hex(4)}")
    with pytest.raises(ExecutionFailed) as info:
        aws.wait_execution(arn, timeout_s=20)
    assert info.value.error == "InputRefused" and "on: a day to come" in (info.value.cause or "")
    assert ahead.isoformat() not in (info.value.cause or "")
    arrears = DynamoCollectionStore().ledgers([("H1", fy)])[("H1", fy)].arrears
    assert [a for a in arrears if a["kind"] == "不納欠損"] == []
