"""The 介護保険料 the care intake stored, read for the pension-deduction test (特別徴収:
kokuho.collection.pension_deduction.qualify takes it) through the information file's port — with its
access record, like every read of a person's data. On the in-memory fake."""

from __future__ import annotations

from fakes.qualification_store import AccessRow, InMemoryQualificationStore

from kokuho.access.actor import Actor
from kokuho.qualification.reads import care_premiums

COLLECTION = Actor("system:collection-pension", "run-1", "保険料の特別徴収 (国保法第76条の3)")


def test_the_stored_care_premium_of_each_householder_and_year_is_read_with_its_access_record() -> None:
    store = InMemoryQualificationStore()
    store.care_[("A1", 2024)] = {"second_insured_exempt": [], "care_premium": 61_200, "source": "care file line 1"}
    store.care_[("A2", 2024)] = {"second_insured_exempt": [{"from": "2024-04-01", "until": None}], "care_premium": 0}
    store.care_[("A1", 2025)] = {"second_insured_exempt": [], "care_premium": 66_000}
    assert care_premiums(store, COLLECTION, ["A1", "A2", "A3"], 2024) == {"A1": 61_200, "A2": 0}
    # A3: nothing delivered by the care system yet — absent, not zero (the test cannot judge without it)
    assert store.access[-1] == AccessRow("system:collection-pension", ("A1", "A2", "A3"), "care", "read")
