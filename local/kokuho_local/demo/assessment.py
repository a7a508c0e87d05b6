"""Demo steps 1-3: the city through the intake Lambda (My Numbers to the vault), the annual run (本算定),
a month of changes and its monthly run (更正), then a rerun of that month."""

from __future__ import annotations

import random
import threading
from typing import Any

INTAKE_FILE_HOUSEHOLDS = 500


def intake_file(rows: list[tuple[str, dict[str, Any], list[tuple[str, str]]]]) -> bytes:
    from kokuho.assessment.intake import build_file

    return build_file(rows)  # with its trailer (record count, SHA-256): docs/intake_files.md


def load_file(aws: Any, key: str, body: bytes) -> dict[str, Any]:
    s3 = aws.client("s3")
    bucket = aws.bucket_name("exchange")
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    try:
        out = aws.invoke("assessment-case-intake", {"bucket": bucket, "key": key})
    finally:
        s3.delete_object(Bucket=bucket, Key=key)  # the file held My Numbers: gone once applied
    if not out.get("accepted"):
        raise SystemExit(f"intake rejected {key}: {out.get('errors')}")
    return dict(out)


def load_city(aws: Any, city: Any, fy: int, say: Any) -> dict[str, Any]:
    """Every household through the intake Lambda, INTAKE_FILE_HOUSEHOLDS a file."""
    loaded: dict[str, Any] = {"households": 0, "my_numbers": {}}
    for first in range(0, len(city.households), INTAKE_FILE_HOUSEHOLDS):
        part = city.households[first:first + INTAKE_FILE_HOUSEHOLDS]
        out = load_file(aws, f"incoming/cases-{fy}-{first // INTAKE_FILE_HOUSEHOLDS:04d}.jsonl", intake_file(
            [(h.household_id, h.case, [(p.person_id, p.my_number) for p in h.persons]) for h in part]))
        loaded["households"] += out["households"]
        for k, v in out["my_numbers"].items():
            loaded["my_numbers"][k] = loaded["my_numbers"].get(k, 0) + v
        say(f"  intake: {loaded['households']}/{len(city.households)} households applied")
    return loaded


def load_month_of_changes(aws: Any, city: Any, seed: int, month: str) -> dict[str, Any]:
    """The month's changes (births get a new My Number) through the intake Lambda."""
    from kokuho_local.synthetic import month_changes
    from kokuho_local.synthetic.city import my_number

    changes = month_changes(city, month)
    persons_by_hh = {h.household_id: {p.person_id: p.my_number for p in h.persons} for h in city.households}
    rng = random.Random(f"{seed}:births:{month}")
    rows = []
    for hid, case in changes.items():
        known = persons_by_hh[hid]
        persons = [(m["id"], known.get(m["id"]) or my_number(rng)) for m in case["household"]["members"]]
        rows.append((hid, case, persons))
    return load_file(aws, f"incoming/cases-{month}.jsonl", intake_file(rows)) if rows else {"households": 0}


def run_assessment(aws: Any, payload: dict[str, Any], name: str, say: Any) -> dict[str, Any]:
    from kokuho.records.assessments import batch_outcomes

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
    last = -1
    while not done.wait(1.0):
        n = sum(1 for _ in batch_outcomes(name))
        if n != last:
            say(f"  {name}: {n} batches done")
            last = n
    if "error" in result:
        raise result["error"]
    return dict(result["out"])


def care_application(fy: int) -> None:
    """介護保険課's data-use application for 保険料賦課情報 (移転先3), approved by a person: the runs'
    transfers are judged against it like every other transfer."""
    from datetime import date

    from kokuho.access.records import Actor
    from kokuho.linkage.transfers import Application, approve_application, submit_application

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
