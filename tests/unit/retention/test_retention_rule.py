"""The retention classes (kokuho/data/retention/classes.v1.json) and their one rule: due on the day `period`
years after the record's day (in Japan), never a day before; a legal hold keeps a due record."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kokuho.platform.tables import BUCKETS_BY_LOGICAL
from kokuho.retention.classes import decide, due_date, latest_due_day, load_classes, retention_class

# domain.md §5 and §6, and the files: every class a period, a day it counts from and a basis
EXPECTED_YEARS = {"linkage-records": 7, "benefit-rights": 2, "unjust-enrichment-claims": 5,
                  "premium-collection": 2, "exchange-processed": 2, "exchange-outgoing": 2,
                  "exchange-rejected": 2, "work-notices": 2}


def test_every_class_of_record_has_its_period_its_day_and_its_basis_from_data() -> None:
    classes = load_classes()
    assert {k: classes[k].period_years for k in EXPECTED_YEARS} == EXPECTED_YEARS
    assert {"past-insured-persons", "access-records"} <= set(classes)
    for c in classes.values():
        assert c.counts_from and c.legal_basis and c.category
    # wired end to end: every class (the table classes and the access records since issue 13 item 9)
    assert all(c.enforced for c in classes.values())
    assert retention_class("work-notices").bucket_prefix == ("work", "notices/")


@pytest.mark.parametrize("class_id", sorted(EXPECTED_YEARS))
@pytest.mark.parametrize("day", [date(2019, 7, 1), date(2020, 2, 29), date(2021, 12, 31)])
def test_kept_the_day_before_deleted_on_the_day_and_the_day_after(class_id: str, day: date) -> None:
    cls = retention_class(class_id)
    due = due_date(day, cls.period_years)
    assert decide(cls, day, due - timedelta(days=1)) == "keep"
    assert decide(cls, day, due) == "delete"
    assert decide(cls, day, due + timedelta(days=1)) == "delete"
    assert latest_due_day(due, cls.period_years) >= day > latest_due_day(due - timedelta(days=1), cls.period_years)


def test_a_29_february_counts_to_1_march_in_a_common_year() -> None:
    assert due_date(date(2020, 2, 29), 7) == date(2027, 3, 1)
    assert due_date(date(2020, 2, 29), 2) == date(2022, 3, 1)
    assert due_date(date(2020, 2, 29), 4) == date(2024, 2, 29)
    assert latest_due_day(date(2028, 2, 29), 7) == date(2021, 2, 28)


def test_a_legal_hold_on_one_of_its_persons_keeps_a_due_record() -> None:
    cls = retention_class("linkage-records")
    assert decide(cls, date(2019, 7, 1), date(2026, 7, 1), ["P1"], holds={"P1"}) == "held"
    assert decide(cls, date(2019, 7, 1), date(2026, 7, 1), ["P2"], holds={"P1"}) == "delete"
    assert decide(cls, date(2019, 7, 1), date(2026, 6, 30), ["P1"], holds={"P1"}) == "keep"


def test_the_buckets_lifecycle_never_expires_a_file_before_its_class_is_due() -> None:
    """The exchange bucket's lifecycle expiry is the backstop; the data file is the rule: the longest
    2-year span (731 days, over a 29 February) must be within it."""
    for c in load_classes().values():
        if c.bucket_prefix is None:
            continue
        bucket, prefix = c.bucket_prefix
        days = BUCKETS_BY_LOGICAL[bucket].expire_after_days.get(prefix)
        if days is not None:
            longest = max((due_date(d, c.period_years) - d).days
                          for d in (date(2023, 3, 1), date(2024, 2, 29), date(2022, 3, 1)))
            assert days >= longest, c.id
