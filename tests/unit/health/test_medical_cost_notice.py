"""医療費通知 (issue 13 item 7) as the person receives it: per month, provider and setting, the total cost and the
copay of the round's receipts, addressed to the 送付先, in Japanese with era dates; every page inked inside the
page; no diagnosis, never a My Number; bad input refused naming the field."""

from __future__ import annotations

from datetime import date

import pypdfium2 as pdfium
import pytest
from notice_pages import assert_pages_printable

from kokuho.benefits.receipt_ports import PersonMonth, StoredReceipt
from kokuho.health.medical_costs import cost_lines
from kokuho.health.periods import NoticeRound, PeriodError, notice_round, parse_rounds
from kokuho.identity.mynumber import check_digit, count_my_numbers
from kokuho.notices import Addressee, NoticeBook, NoticeError
from kokuho.notices.medical_cost import MedicalCostNotice
from kokuho.notices.print_run import print_run

ROUND = NoticeRound(2026, 1, (2026, 1), (2026, 6), date(2026, 9, 15))
TO = Addressee("北九 花子 (送付先)", "8020001", "福岡県北九州市小倉北区浅野1-1-1")


def receipt(provider: str, setting: str, points: int, copay: int) -> StoredReceipt:
    return StoredReceipt(provider, setting, points, points * 10, copay, "d" * 64, 1)


MONTHS = [PersonMonth("P1", (2026, 2), (receipt("4010123456", "outpatient", 1234, 3702),
                                        receipt("4030123457", "dental", 860, 2580))),
          PersonMonth("P1", (2026, 5), (receipt("4010765432", "inpatient", 52000, 156000),)),
          PersonMonth("P1", (2026, 7), (receipt("4010234567", "outpatient", 500, 1500),)),  # the next round's
          PersonMonth("P1", (2025, 12), (receipt("4010234567", "outpatient", 700, 2100),))]  # the year before


def notice(**over: object) -> MedicalCostNotice:
    fields: dict[str, object] = dict(person_id="P1", person_name="北九 太郎", to=TO, issued_on=date(2026, 9, 15),
                                     notice_round=ROUND, lines=cost_lines(MONTHS, ROUND))
    fields.update(over)
    return MedicalCostNotice(**fields)  # type: ignore[arg-type]


def texts(data: bytes) -> list[str]:
    doc = pdfium.PdfDocument(data)
    return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]


def test_the_lines_are_the_rounds_months_by_month_and_provider() -> None:
    lines = cost_lines(MONTHS, ROUND)
    assert [(c.service_month, c.provider_name, c.setting, c.total_cost, c.copay) for c in lines] == [
        ((2026, 2), "北九州中央病院", "入院外", 12_340, 3_702),
        ((2026, 2), "戸畑あおば歯科医院", "歯科", 8_600, 2_580),
        ((2026, 5), "小倉北内科クリニック", "入院", 520_000, 156_000)]


def test_the_notice_names_the_providers_the_amounts_and_the_totals_in_era_dates() -> None:
    text = "".join(texts(NoticeBook().add(notice()).output()))
    for expected in ("医療費のお知らせ", "北九 花子 (送付先)", "802-0001", "北九 太郎 様",
                     "北九州中央病院", "戸畑あおば歯科医院", "小倉北内科クリニック", "12,340円", "3,702円",
                     "520,000円", "156,000円", "540,940円", "162,282円",  # the round's totals
                     "令和8年2月", "令和8年5月", "令和8年9月15日"):
        assert expected in text, expected
    assert "八幡西整形外科医院" not in text  # months of another round are not this notice's


def test_a_provider_the_list_lacks_is_printed_as_its_code() -> None:
    months = [PersonMonth("P1", (2026, 3), (receipt("4019999999", "outpatient", 100, 300),))]
    text = "".join(texts(NoticeBook().add(notice(lines=cost_lines(months, ROUND))).output()))
    assert "医療機関コード 4019999999" in text and "1,000円" in text


def test_every_page_is_inked_inside_the_page_and_many_lines_go_on_to_a_second_page() -> None:
    many = [PersonMonth("P1", (2026, m), tuple(receipt(f"40101234{k:02d}", "outpatient", 100 + k, 30)
                                               for k in range(8))) for m in range(1, 7)]
    data = NoticeBook().add(notice(lines=cost_lines(many, ROUND))).output()
    assert assert_pages_printable(data, min_chars=50) == 2


def _my_number() -> str:
    body = "12345678901"
    return body + str(check_digit(body))


@pytest.mark.parametrize(("over", "field"), [
    ({"person_id": _my_number()}, "person_id"),
    ({"person_name": f"北九 {_my_number()}"}, "person_name"),
    ({"lines": []}, "lines"),
    ({"to": Addressee("北九 花子", "80-0001", "北九州市")}, "to.postal_code"),
])
def test_bad_input_is_refused_naming_the_field_never_the_value(over: dict[str, object], field: str) -> None:
    with pytest.raises(NoticeError) as exc:
        NoticeBook().add(notice(**over))
    assert exc.value.field == field and count_my_numbers(str(exc.value)) == 0


def test_a_line_outside_the_round_is_refused() -> None:
    lines = cost_lines(MONTHS, NoticeRound(2026, 2, (2026, 7), (2026, 12), date(2027, 2, 15)))
    with pytest.raises(NoticeError, match=r"lines\[0\].service_month"):
        NoticeBook().add(notice(lines=lines))


def test_the_print_run_records_the_person_of_each_part_before_it_is_stored() -> None:
    events: list[tuple[str, object]] = []
    manifest = print_run("IRY-2026-1-20260915", [notice(), notice(person_id="P2")], per_part=1,
                         put=lambda key, data, ct: events.append(("put", key)),
                         record=lambda key, subjects: events.append(("record", (key, subjects))))
    assert manifest["notices"] == 2 and len(manifest["parts"]) == 2
    assert events[:2] == [("record", ("notices/IRY-2026-1-20260915/part-0001.pdf", ["P1"])),
                          ("put", "notices/IRY-2026-1-20260915/part-0001.pdf")]


def test_the_rounds_are_data_two_a_year_and_a_bad_file_is_refused_naming_the_field() -> None:
    r = notice_round(2026, 2)
    assert (r.first_month, r.last_month, r.issued_on, r.print_id) == (
        (2026, 7), (2026, 12), date(2027, 2, 15), "IRY-2026-2-20270215")
    with pytest.raises(PeriodError, match="fiscal_year"):
        notice_round(1999, 1)
    good = {"round": 1, "first_month": "2026-01", "last_month": "2026-06", "issued_on": "2026-09-15"}
    second = {"round": 2, "first_month": "2026-06", "last_month": "2026-12", "issued_on": "2027-02-15"}
    with pytest.raises(PeriodError, match=r"fiscal_years.2026\[1\].first_month: overlaps"):
        parse_rounds({"fiscal_years": {"2026": [good, second]}})
    with pytest.raises(PeriodError, match=r"fiscal_years.2026: must hold two rounds"):
        parse_rounds({"fiscal_years": {"2026": [good]}})
    with pytest.raises(PeriodError, match=r"issued_on: must be after"):
        parse_rounds({"fiscal_years": {"2026": [{**good, "issued_on": "2026-06-30"},
                                                {**second, "first_month": "2026-07"}]}})


def test_the_voucher_prints_its_number_validity_and_copay_inside_the_page() -> None:
    from kokuho.health.ports import Voucher
    from kokuho.notices.checkup_voucher import VoucherNotice

    v = Voucher("P1", 2026, "20260000001", date(2026, 4, 15), date(2026, 4, 15), date(2027, 3, 31), 500, "april")
    data = NoticeBook().add(VoucherNotice(v, "北九 太郎", date(1970, 5, 1), TO)).output()
    text = texts(data)[0]
    for expected in ("特定健康診査受診券", "20260000001", "北九 太郎 様", "昭和45年5月1日", "令和8年4月15日",
                     "令和9年3月31日", "500円", "北九 花子 (送付先)", "802-0001"):
        assert expected in text, expected
    assert_pages_printable(data)
    with pytest.raises(NoticeError, match="voucher.person_id"):
        NoticeBook().add(VoucherNotice(Voucher(_my_number(), *list(v.__dict__.values())[1:]), "北九 太郎",
                                       date(1970, 5, 1), TO))
