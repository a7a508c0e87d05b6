"""A monthly run during an intake loses nothing: whichever chunk boundary of the intake the run
starts at, every change is assessed by exactly one run (this one or the next), once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from monthly_helpers import run_steps

from kokuho.access.records import Actor
from kokuho.assessment.household_cases import put_household_cases
from kokuho.assessment.intake import Parsed, apply_file
from kokuho.premium import compute_case
from kokuho.records.assessments import versions_of
from kokuho_local.embedded import EmbeddedAWS, embedded_aws
from kokuho_local.synthetic import generate_city, month_changes

FY = 2024
CITY = generate_city(14, seed=31, fiscal_year=FY)
BEFORE = {h.household_id: compute_case(h.case) for h in CITY.households}
CHANGES = dict(sorted(month_changes(CITY, f"{FY}-10", share=0.7, seed=5).items()))
CHUNK = 3
CHUNKS = -(-len(CHANGES) // CHUNK)
ACTOR = Actor(staff_id="system:case-intake", terminal_id="interleaving", purpose="賦課用世帯情報の取込")


def _month(aws: EmbeddedAWS, month: str, name: str) -> dict[str, Any]:
    # the steps in-process (the same code the state machine calls): the interleaving is the point
    return run_steps({"mode": "monthly", "fiscal_year": FY, "as_of_month": month, "batch_size": 4}, name)


@pytest.mark.parametrize("boundary", range(CHUNKS + 1))
def test_a_run_started_at_any_chunk_boundary_of_an_intake_loses_no_change(boundary: int) -> None:
    changed = {h for h, case in CHANGES.items() if compute_case(case) != BEFORE[h]}
    assert CHUNKS >= 3 and len(changed) >= 4  # the city is worth the test
    with embedded_aws() as aws:
        put_household_cases(((h.household_id, h.case) for h in CITY.households), changed_at=datetime.now(UTC))
        run_steps({"mode": "annual", "fiscal_year": FY, "as_of_month": f"{FY}-06", "batch_size": 4}, "annual")
        runs: list[dict[str, Any]] = []

        def progress(done: int, total: int) -> None:
            if done == boundary * CHUNK or (done == total and not runs):
                runs.append(_month(aws, f"{FY}-10", "october"))  # the run starts between two chunks

        if boundary == 0:
            runs.append(_month(aws, f"{FY}-10", "october"))
        parsed = [Parsed(h, case, []) for h, case in CHANGES.items()]
        apply_file(parsed, actor=ACTOR, store_my_number=None, progress=progress, chunk=CHUNK)
        november = _month(aws, f"{FY}-11", "november")
        october = runs[0]
        for hid, case in CHANGES.items():
            versions = versions_of(hid, FY)
            assert versions[-1].result == compute_case(case), hid  # the latest change is assessed
            assert len(versions) == (2 if hid in changed else 1), hid  # once: never lost, never twice
        assert october["corrections"] + november["corrections"] == len(changed)
        refunds = sum(v.refund for h in CHANGES for v in versions_of(h, FY))
        assert october["refunds"]["total"] + november["refunds"]["total"] == refunds
        # the next month selects exactly what the October run did not take
        assert october["households_selected"] + november["households_selected"] == len(CHANGES)
        assert _month(aws, f"{FY}-12", "december")["households_selected"] == 0
