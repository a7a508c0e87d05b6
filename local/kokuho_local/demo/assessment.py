"""Demo steps 1-3: the city through its systems' files and the city-intake state machine (My Numbers to the
vault), the annual run (本算定), a month of changes (files again) and its monthly run (更正), then a rerun
of that month."""

from __future__ import annotations

import threading
from typing import Any

REGISTER_ACTOR = ("system:register-intake", "個人番号の取得 (住民基本台帳の本人確認情報, 番号法第14条)")


def _run_city_intake(aws: Any, files: Any, name: str, say: Any) -> dict[str, Any]:
    """The city's files into the exchange bucket (city-incoming/<kind>/), then the daily `city-intake`
    state machine as deployed (the register first, then 生活保護, 所得, 介護保険; each file validated
    whole, applied, moved to processed/city/)."""
    from kokuho.intake.framing import build_file
    from kokuho.intake.objects import INCOMING

    s3 = aws.client("s3")
    bucket = aws.bucket_name("exchange")
    for key, records in files.files:
        s3.put_object(Bucket=bucket, Key=f"{INCOMING}{key}", Body=build_file(records))
    out = aws.run_state_machine("city-intake", {}, name=name, timeout_s=3600)
    done = {f["key"].removeprefix(INCOMING): f["status"] for f in out.get("files", [])}
    refused = {k: v for k, v in done.items() if v != "applied"}
    if refused or len(done) != len(files.files):
        raise SystemExit(f"city intake {name}: files not applied: {refused or sorted(done)}")
    say("  city-intake: " + ", ".join(f"{k} ({len(r):,} lines)" for k, r in files.files))
    return {k: len(r) for k, r in files.files}


def _store_my_numbers(aws: Any, numbers: list[tuple[str, str]], run: str) -> dict[str, int]:
    """Each person's My Number to the vault function (the register's 本人確認情報: never in a city file)."""
    from kokuho.access.records import Actor
    from kokuho.identity.vault import store_through_vault
    from kokuho.platform.catalog.qualification import VAULT_FUNCTION

    actor = Actor(REGISTER_ACTOR[0], run, REGISTER_ACTOR[1])
    return store_through_vault(numbers, actor, lambda payload: dict(aws.invoke(VAULT_FUNCTION, payload)))


def load_city(aws: Any, city: Any, fy: int, say: Any) -> dict[str, Any]:
    """The city through its files (kokuho_local.synthetic.city_files) and the city-intake state machine;
    the household cases are derived by the intakes, never delivered. Then the My Numbers to the vault."""
    import time

    from kokuho_local.synthetic.city_files import city_files, my_numbers

    t = time.perf_counter()
    lines = _run_city_intake(aws, city_files(city), f"demo-city-intake-{fy}", say)
    files_s = time.perf_counter() - t
    t = time.perf_counter()
    stored = _store_my_numbers(aws, my_numbers(city), f"demo-register-{fy}")
    return {"households": len(city.households), "lines": lines, "my_numbers": stored,
            "files_s": round(files_s, 2), "my_numbers_s": round(time.perf_counter() - t, 2)}


def load_month_of_changes(aws: Any, city: Any, seed: int, month: str, say: Any) -> dict[str, Any]:
    """The month's files (tax 更正, 転出, 出生 with the 届出) through the city-intake state machine; the
    newborns' My Numbers to the vault."""
    from kokuho_local.synthetic.city_files import month_files

    files, born = month_files(city, month, seed=7)
    if not files.files:
        return {"lines": {}, "births": 0}
    lines = _run_city_intake(aws, files, f"demo-city-intake-{month}", say)
    if born:
        _store_my_numbers(aws, born, f"demo-register-{month}")
    return {"lines": lines, "births": len(born)}


def run_assessment(aws: Any, payload: dict[str, Any], name: str, say: Any) -> dict[str, Any]:
    from kokuho.assessment.run_input import run_id_of
    from kokuho.records.assessments import batch_outcomes

    # The run's outcomes are kept under its run id (mode, year, month), not the execution's name: a rerun of a
    # month is the same run, so what this pass did is what was added since it started.
    run_id = run_id_of(str(payload["mode"]), int(payload["fiscal_year"]), str(payload["as_of_month"]))
    before = sum(1 for _ in batch_outcomes(run_id))
    arn = aws.start_state_machine("monthly-assessment", payload, name=name)
    done = threading.Event()
    result: dict[str, Any] = {}

    def wait() -> None:
        try:
            result["out"] = aws.wait_execution(arn, timeout_s=3600)
        except Exception as exc:  # reported below, in the main thread
            result["error"] = exc
        finally:
            done.set()

    threading.Thread(target=wait, daemon=True).start()
    last = 0
    while not done.wait(1.0):
        n = sum(1 for _ in batch_outcomes(run_id)) - before
        if n != last:
            say(f"  {name}: {n} batches done")
            last = n
    if "error" in result:
        raise result["error"]
    say(f"  {name}: {sum(1 for _ in batch_outcomes(run_id)) - before} batches done, the run summarized")
    return dict(result["out"])


def care_application(fy: int) -> None:
    """介護保険課's data-use application for 保険料賦課情報 (移転先3), approved by a person: the runs'
    transfers are judged against it like every other transfer."""
    from datetime import date

    from kokuho.access.records import Actor
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff
    from kokuho.linkage.transfers import Application, approve_application, submit_application

    # the approver's grant (データ利用申請の承認): approvals are denied without one
    put_staff(StaffMember("K900", "承認 太郎", "保健福祉局介護保険課", date(2020, 4, 1), None))
    put_grant(Grant("K900", "G-APP-APPROVE", "approve_transfer_application", "データ利用申請の承認",
                    "個人情報保護法第69条", "保健福祉局介護保険課", date(2020, 4, 1), date(2099, 3, 31), "S9001",
                    "2020-04-01T09:00:00+09:00"))
    submit_application(Application(f"APP-CARE-LEVY-{fy}", "保健福祉局介護保険課", "保険料賦課情報", applicant="K100",
                                   purpose="保険料の特別徴収に関する事務", legal_basis="番号法第9条第2項",
                                   valid_from=date(fy, 4, 1), valid_until=date(fy + 3, 3, 31)))
    approve_application(f"APP-CARE-LEVY-{fy}", Actor("K900", "demo", "データ利用申請の承認"))


def brief(s: dict[str, Any]) -> dict[str, Any]:
    keys = ("run_id", "mode", "as_of_month", "households_selected", "households_assessed", "versions_written",
            "unchanged", "corrections", "difference_total", "refunds", "totals", "annual_total", "reductions")
    out = {k: s[k] for k in keys}
    out["rates"] = s.get("rates", "確定")  # 仮: assessed on provisional rates, no 決定通知 issued
    out["failures"] = {"households": s["failures"]["households_count"],
                       "batches": s["failures"]["batches_count"],
                       "batches_unaccounted": s["failures"]["batches_unaccounted"]}
    return out
