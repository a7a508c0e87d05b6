"""The NHI information file's records as pure values (国民健康保険情報ファイル, seed 別添2):
宛名 (addressee), 世帯 (household), qualification periods and cards. No AWS here."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kokuho.qualification.history import Period, is_insured


@dataclass(frozen=True)
class Mailing:
    """送付先 — where notices go when not to the registered address."""

    name: str
    postal_code: str
    address: str


@dataclass(frozen=True)
class BankAccount:
    """公金受取口座 — the account registered for public payments (refunds)."""

    bank_code: str
    branch_code: str
    account_type: str
    account_number: str
    holder_kana: str


@dataclass(frozen=True)
class Person:
    """宛名 (addressee) and NHI status of one person; `person_id` is the internal id used everywhere
    (access records, linkage), never the My Number."""

    person_id: str
    resident_code: str  # 住民コード
    household_id: str  # 世帯コード
    name_kanji: str
    name_kana: str
    birth_date: date
    sex: str  # "1" male, "2" female (住基 code)
    relationship: str  # 続柄
    postal_code: str
    address: str
    phone: str | None = None
    mailing: Mailing | None = None
    bank_account: BankAccount | None = None
    resident_from: date | None = None  # 住民となった日
    resident_until: date | None = None  # 住民でなくなった日
    death_date: date | None = None
    periods: tuple[Period, ...] = ()
    specific_same_household_since: date | None = None  # 特定同一世帯所属者 from this day
    version: int = 0

    def insured_on(self, day: date) -> bool:
        return is_insured(self.periods, day)


@dataclass(frozen=True)
class Membership:
    """A person's membership of a household: past members are kept with `left_on`."""

    person_id: str
    relationship: str
    joined_on: date
    left_on: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"person_id": self.person_id, "relationship": self.relationship,
                "joined_on": self.joined_on.isoformat(),
                "left_on": self.left_on.isoformat() if self.left_on else None}

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Membership:
        return Membership(d["person_id"], d["relationship"], date.fromisoformat(d["joined_on"]),
                          date.fromisoformat(d["left_on"]) if d.get("left_on") else None)


@dataclass(frozen=True)
class Household:
    """世帯: the householder (世帯主 — 擬制世帯主 when not insured) and every member, past ones kept."""

    household_id: str
    householder_id: str
    members: tuple[Membership, ...] = field(default_factory=tuple)
    specific_since: date | None = None  # 特定世帯 since (one insured member left after 後期高齢者医療移行)
    version: int = 0

    def current_members(self) -> list[Membership]:
        return [m for m in self.members if m.left_on is None]


@dataclass(frozen=True)
class Card:
    """資格確認書 issued to a person; recovered ones are kept with `recovered_on`."""

    card_id: str
    person_id: str
    issued_on: date
    valid_until: date
    recovered_on: date | None = None
    recover_reason: str | None = None


def normalize_kana(kana: str) -> str:
    """Search form of a kana name: NFKC (half-width → full-width), hiragana → katakana, no spaces."""
    text = unicodedata.normalize("NFKC", kana)
    text = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)
    return "".join(text.split())
