"""Issue 9 item 12, end to end on the embedded AWS: the scheduled 1 April run switches to FY2025, whose
rate file is provisional. Its assessments are stored and shown as 仮 and no 決定通知 is issued; when the
rate file is confirmed, the next monthly run reassesses every household (no case changed) and issues
one 決定通知 each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from monthly_helpers import approve_care_application

from kokuho.assessment.household_cases import put_household_cases
from kokuho.premium import compute_case, load_rate_table
from kokuho.premium.rates import DEFAULT_RATES_DIR, RATES_DIR_ENV
from kokuho.records.assessments import notices_of, versions_of
from kokuho_local.embedded import EmbeddedAWS, embedded_aws
from kokuho_local.synthetic import generate_city

FY = 2025
MONTHLY_FUNCTIONS = ("assessment-prepare", "assessment-batch", "assessment-record-failure", "assessment-summarize")
CITY = generate_city(12, seed=5, fiscal_year=FY)


def notices(household_id: str) -> list[Any]:
    return notices_of(household_id, FY)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmbeddedAWS, dict[str, Any], Path]]:
    assert load_rate_table(FY).provisional  # the packaged FY2025 file is provisional (domain.md §1)
    with embedded_aws() as aws:
        approve_care_application()  # the runs' 移転先3 transfer is judged against it
        put_household_cases(((h.household_id, h.case) for h in CITY.households), changed_at=datetime.now(UTC))
        # the 1 April schedule passes only the month: the fiscal year follows from it
        april = aws.run_state_machine("monthly-assessment", {"as_of_month": f"{FY}-04", "batch_size": 5},
                                      name="monthly-2025-04")
        yield aws, april, tmp_path_factory.mktemp("rates")


def test_april_run_on_provisional_rates_stores_provisional_versions_and_no_notice(
        runs: tuple[EmbeddedAWS, dict[str, Any], Path]) -> None:
    _, april, _ = runs
    assert april["fiscal_year"] == FY and april["status"] == "completed"
    assert april["rates"] == "仮"
    assert april["versions_written"] == len(CITY.households)
    for h in CITY.households:
        [version] = versions_of(h.household_id, FY)
        assert version.status == "仮"
        assert version.result == compute_case(h.case)  # the figures are there to be shown
        assert notices(h.household_id) == []  # but no 決定通知 went out


def test_confirmed_rates_make_the_next_run_reassess_and_issue_the_decision_notices(
        runs: tuple[EmbeddedAWS, dict[str, Any], Path]) -> None:
    aws, _, rates_dir = runs
    confirmed = json.loads((DEFAULT_RATES_DIR / f"fy{FY}.json").read_text(encoding="utf-8"))
    confirmed["provisional"] = False
    confirmed["source"] = "test: the council's 令和7年度 rates as confirmed (same figures)"
    (rates_dir / f"fy{FY}.json").write_text(json.dumps(confirmed, ensure_ascii=False), encoding="utf-8")
    # the monthly run's functions read the rates directory from their environment, as deployed
    with aws.function_environment(*MONTHLY_FUNCTIONS, **{RATES_DIR_ENV: str(rates_dir)}):
        may = aws.run_state_machine("monthly-assessment", {"as_of_month": f"{FY}-05", "batch_size": 5},
                                    name="monthly-2025-05")
        assert may["rates"] == "確定" and may["status"] == "completed"
        # no case changed since April: every household is selected because the rates were confirmed
        assert may["households_selected"] == may["versions_written"] == len(CITY.households)
        for h in CITY.households:
            versions = versions_of(h.household_id, FY)
            assert [(v.version, v.status) for v in versions] == [(1, "仮"), (2, "確定")]
            assert versions[1].result == versions[0].result  # same figures, now confirmed
            [notice] = notices(h.household_id)
            assert notice.kind == "決定通知" and notice.version == 2
            assert notice.body["installments"] == versions[1].result["installments"]

        june = aws.run_state_machine("monthly-assessment", {"as_of_month": f"{FY}-06", "batch_size": 5},
                                     name="monthly-2025-06")
        assert (june["households_selected"], june["versions_written"]) == (0, 0)  # back to changed households only
