"""The ids of a ledger's items and of the payments and claims around it name a household (or payer) the validators
accept — up to 32 letters, digits and hyphens, such as a 世帯番号 of digits or `A<宛名番号>` — with years, months and
counts. They stand in the ledger's responses, the notices and the access records, so none may read as a My Number
in any shape. `TK-H12345678-2024-1` did: the household's last eight digits and the year made twelve ("12345678-2024",
a valid check digit one household in eleven); so did `TC-A123456-2024-06` (a 宛名番号 of six digits and a month),
`BP-H123456-2024-10-1` and `SK-H12345678-2024-202407`. A letter now stands before each number that follows the
household (`TK-H12345678-FY2024-1`): the household's own digits (checked where it is accepted) join no other."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from kokuho.identity.mynumber import contains_my_number

# A household or payer id as the validators take it (kokuho.intake.residents.HOUSEHOLD_REF, payment files' ids):
# letters, then digits — the digits being what can join a year or a month.
IDS = st.builds(lambda head, digits, tail: head + digits + tail,
                st.sampled_from(["H", "A", "P", "", "H-", "HH0-", "1-"]),
                st.text("0123456789", min_size=1, max_size=11),
                st.sampled_from(["", "", "", "-", "-0"])).filter(lambda v: not contains_my_number(v))
YEARS = st.integers(2000, 2099)
MONTHS = st.builds(lambda y, m: f"{y}-{m:02d}", YEARS, st.integers(1, 12))
COUNTS = st.integers(1, 99_999)
CHECK = settings(max_examples=600, deadline=None)


@CHECK
@given(household=IDS, fiscal_year=YEARS, number=COUNTS,
       code=st.sampled_from(["TK", "EN", "TF", "FK", "RF", "JT"]))
def test_a_ledger_item_id_never_reads_as_a_my_number(household: str, fiscal_year: int, number: int,
                                                     code: str) -> None:
    """督促状 TK, 延滞金 EN, 督促手数料 TF, 不納欠損 FK, 還付 RF, 充当 JT: a household's year and a count."""
    from kokuho.collection.ports import ledger_item_id

    assert not contains_my_number(ledger_item_id(code, (household, fiscal_year), number))


@CHECK
@given(household=IDS, fiscal_year=YEARS, on=st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_a_month_s_demand_id_never_reads_as_a_my_number(household: str, fiscal_year: int, on: date) -> None:
    from kokuho.collection.arrears_runs import demand_id

    assert not contains_my_number(demand_id((household, fiscal_year), on))


@CHECK
@given(household=IDS, fiscal_year=YEARS, month=MONTHS, kind=st.sampled_from(["仮徴収", "本徴収", "中止"]))
def test_a_pension_notice_id_never_reads_as_a_my_number(household: str, fiscal_year: int, month: str,
                                                        kind: str) -> None:
    from kokuho.collection.pension_run import _notice

    assert not contains_my_number(str(_notice((household, fiscal_year), kind, month, 1000)["id"]))


@CHECK
@given(payer=IDS, month=MONTHS)
def test_a_pension_payment_id_never_reads_as_a_my_number(payer: str, month: str) -> None:
    from kokuho.collection.payment_files import pension_payment_id

    assert not contains_my_number(pension_payment_id(payer, month))


@CHECK
@given(household=IDS, month=MONTHS, serial=COUNTS, kind=st.sampled_from(["BP", "BR"]))
def test_a_benefit_payment_or_claim_id_never_reads_as_a_my_number(household: str, month: str, serial: int,
                                                                  kind: str) -> None:
    from kokuho.benefits.payment import benefit_id

    assert not contains_my_number(benefit_id(kind, household, month, serial))


@CHECK
@given(mode=st.sampled_from(["annual", "monthly", "revision"]), fiscal_year=YEARS, month=MONTHS,
       count=st.integers(1, 99) | st.integers(100, 9_999_999))
def test_an_assessment_run_s_care_transfer_id_never_reads_as_a_my_number(mode: str, fiscal_year: int, month: str,
                                                                         count: int) -> None:
    """ASSESS-<run id>-<versions>: the run id is `annual-2024-2024-06` (ten digits), and a count of two digits (or six)
    made twelve."""
    from kokuho.assessment.care_transfer import care_transfer_id
    from kokuho.assessment.run_input import run_id_of

    assert not contains_my_number(care_transfer_id(run_id_of(mode, fiscal_year, month), count))


def test_a_month_s_demand_issued_under_its_former_id_is_not_issued_again() -> None:
    """The month's 催告 is found by its id: one stored as `SK-H0001-2024-202409` (before the letters) still counts, so
    the month's run after the change issues no second one."""
    from kokuho.collection.arrears_runs import demands_due
    from kokuho.collection.ledger import charge_from_version
    from kokuho.collection.ports import StoredLedger
    from kokuho.premium.installments import split_equally

    months = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
    charge = charge_from_version("H0001", 2024, version=1, payer_id="P1", annual=100_000,
                                 installments=split_equally(100_000, months))
    reminded = ({"id": "TK-H0001-2024-1", "installment": 1, "issued_on": "2024-08-01", "pay_by": "2024-08-11",
                 "fee": 0, "late": False},)
    on = date(2024, 9, 10)
    [demand] = demands_due(StoredLedger(charge, reminders=reminded), on, "S1")
    assert demand["id"] == "SK-H0001-FY2024-M202409"
    for stored in ("SK-H0001-FY2024-M202409", "SK-H0001-2024-202409"):
        assert demands_due(StoredLedger(charge, reminders=reminded, arrears=({**demand, "id": stored},)), on,
                           "S1") == []
