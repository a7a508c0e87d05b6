"""開示: one person's own data, gathered for a granted disclosure request, as one JSON document in Japanese
(rendered to PDF by kokuho.requests.pdf).

Only the person's own data: their qualification record and its history, the premiums they owe as the
householder (納付義務者; a member who is not the householder owes none, and the household's amounts are
built from other members' incomes, so they are not shown to them), the payments on their own ledgers, the
情報提供等記録 naming them, and who accessed their data. Other members appear by no name and no id; members
of staff appear by their staff id only (no terminal, no name). Every read leaves its access record (the
who-accessed search records itself), so the disclosure is in the person's own history too.

The qualification record and the access log are read through their use cases; the rest through the port
kokuho.requests.ports.DisclosureRecords (the container's adapter unless one is passed).
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from kokuho.access.actor import Actor
from kokuho.dates.tokyo import today_jst
from kokuho.requests import wiring
from kokuho.requests.ports import DisclosureRecords

TITLE = "保有個人情報の開示 (個人情報の保護に関する法律 第76条)"
ACCESS_YEARS = 10  # the access records' retention: the whole history the person can be shown
BENEFITS_NOTE = ("本人のレセプト (診療月ごと)、本人に支給した又は返還を求めた高額療養費、"
                 "本人の療養費・出産育児一時金・葬祭費の申請、特定健診受診券、医療費通知の送付希望 "
                 "(口座番号は下4桁のみ)")


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def qualification_section(actor: Actor, person_id: str, today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """The person's qualification record (read through the application: recorded) and the raw view."""
    from kokuho.qualification.application import read_person

    view = read_person(actor, person_id, today)
    section = {
        "宛名番号": view["person_id"], "住民コード": view["resident_code"], "氏名": view["name_kanji"],
        "氏名カナ": view["name_kana"], "生年月日": view["birth_date"], "性別": view["sex"],
        "続柄": view["relationship"], "郵便番号": view["postal_code"], "住所": view["address"],
        "電話番号": view["phone"], "送付先": view["mailing"], "口座": view["bank_account"],
        "個人番号": "保有あり (表示しません)" if view["my_number"] else "保有なし",
        "被保険者資格": [{"取得日": p.get("acquired_on"), "取得事由": p.get("acquire_label"), "喪失日": p.get("until"),
                          "喪失事由": p.get("lose_label")} for p in view["qualification"]],
        "資格確認書": [{"番号": c["card_id"], "交付日": c["issued_on"], "有効期限": c["valid_until"],
                        "回収日": c["recovered_on"]} for c in view["cards"]],
        # kind, dates and reason; not the detail (a household change names other members) nor the terminal
        "変更履歴": [{"種別": h["kind"], "効力発生日": h["effective_on"], "事由発生日": h["cause_on"],
                      "事由": h["reason"], "記録日時": h["recorded_at"], "記録した職員": h["recorded_by"]}
                     for h in view["history"]],
    }
    return section, view


def assessment_section(person_id: str, household_id: str | None, years: list[int],
                       records: DisclosureRecords) -> list[dict[str, Any]]:
    if not household_id or records.householder_of(household_id) != person_id:
        return []  # not the payer: the household's premium is not this person's data
    out = []
    for year in years:
        for v in records.versions(household_id, year):
            out.append({"年度": year, "版": v.version, "状態": v.status, "年額": v.result.get("annual"),
                        "軽減": v.result.get("reduction"), "内訳": v.result.get("parts"),
                        "期別": [{"期": i.get("number"), "納期": i.get("due") or i.get("month"),
                                  "金額": i.get("amount")} for i in v.installments],
                        "更正差額": v.difference})
    return out


def payment_section(person_id: str, records: DisclosureRecords) -> list[dict[str, Any]]:
    out = []
    for ledger in records.ledgers_of_payer(person_id):
        charge = _plain(ledger.charge)
        out.append({"年度": charge.get("fiscal_year"), "調定額": charge.get("annual"),
                    "納付": [_plain(p) for p in ledger.payments],
                    "還付・充当": [_plain(d) for d in ledger.disbursements]})
    return out


def benefits_section(person_id: str, household_id: str | None, records: DisclosureRecords) -> dict[str, Any]:
    """What the system holds of the person's benefits and health programmes (records.benefit_records)."""
    return {"記録": [{"種別": r.kind, "日付": r.on, "内容": _plain(r.content)}
                   for r in records.benefit_records(person_id, household_id)], "注記": BENEFITS_NOTE}


def linkage_section(person_id: str, records: DisclosureRecords) -> list[dict[str, Any]]:
    """情報提供等記録 naming the person (番号法第23条: bodies, times, items, what was withheld)."""
    rows = []
    for r in records.exchange_records(person_id):
        rows.append({"区分": "提供" if r.direction == "provision" else "照会", "照会者": r.requester_body,
                     "提供者": r.provider_body, "事務・情報 (別表・別紙1の項番)": r.item, "照会日時": r.requested_at,
                     "提供日時": r.provided_at, "結果": r.outcome, "提供した項目": list(r.fields_sent),
                     "提供しなかった項目": list(r.fields_withheld)})
    return sorted(rows, key=lambda r: str(r["照会日時"]))


def access_section(actor: Actor, person_id: str, today: date) -> list[dict[str, Any]]:
    from kokuho.access.search import who_accessed

    # records carry the clock's time: through today as the clock has it in Tokyo (the office's day, the
    # search's day), whatever day the export is dated — not the UTC date, a day behind before 09:00 JST
    end = max(today, today_jst())
    start = end - timedelta(days=365 * ACCESS_YEARS)
    rows = who_accessed(person_id, start.isoformat(), end.isoformat(), actor)
    return [{"日時": r["at"], "職員番号": r["staff_id"], "区分": r["category"], "操作": r["operation"],
             "目的": r["purpose"], "結果": r["result"]} for r in rows]


def build_disclosure(actor: Actor, request_id: str, person_id: str, today: date,
                     records: DisclosureRecords | None = None) -> dict[str, Any]:
    """The disclosure document for `person_id` (raises the qualification application's NotFound)."""
    records = records if records is not None else wiring.disclosure_records()
    qualification, view = qualification_section(actor, person_id, today)
    first = min((int(str(p["acquired_on"])[:4]) for p in view["qualification"]), default=today.year)
    years = list(range(first - 1, today.year + 1))
    return {
        "文書": TITLE,
        "請求番号": request_id,
        "本人": person_id,
        "作成日": today.isoformat(),
        "資格": qualification,
        "賦課": assessment_section(person_id, view.get("household_id"), years, records),
        "収納": payment_section(person_id, records),
        "給付": benefits_section(person_id, view.get("household_id"), records),
        "情報提供等記録": linkage_section(person_id, records),
        "アクセス記録": access_section(actor, person_id, today),
    }
