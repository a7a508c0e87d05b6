"""Request shapes of the qualification API (pydantic; the OpenAPI document is generated from them).

Every body forbids unknown fields, bounds every string, and refuses a My Number (個人番号) anywhere but
the dedicated `my_number` fields — a clerk pasting one into a note must not put it into the file.
No lossy coercion: integers only from JSON integers (not `"1"`, `true`, `1.0`), booleans only from JSON
booleans, dates only from `YYYY-MM-DD` strings of real dates (not datetimes, timestamps, `2024-02-30`).
The body itself is bounded before it is parsed (`strict_json`): size, nesting depth, number length,
duplicate keys, NaN/Infinity.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictBool, model_validator

from kokuho.identity.mynumber import normalize
from kokuho.identity.request_bodies import ClosedIn, IsoDate
from kokuho.platform import strict_json as json_rule
from kokuho.qualification.reasons import Reason
from kokuho.qualification.service import person_dates_error

ID = r"^[A-Za-z0-9][A-Za-z0-9\-]{0,31}$"
KANA = r"^[\u3041-\u3096\u30A1-\u30FA\u30FC\uFF66-\uFF9F\u3000 ]+$"
TEXT = r"^[^\x00-\x1f\x7f]*$"  # no control characters
POSTAL = r"^[0-9]{3}-?[0-9]{4}$"


# --- the body before the models: bounded, then parsed strictly ------------------------------------

MAX_BODY_BYTES = 16 * 1024  # the largest legitimate body (a registration with its notes) is < 2 KiB
MAX_DEPTH = 8  # the deepest body (a simulation's incomes) nests 3 levels
MAX_NUMBER_CHARS = 24  # the largest number any model takes (10¹⁰ yen) has 11 digits
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


class BodyRejected(ValueError):
    """A body refused before any model sees it (400); the message names the rule, never the content."""


def _depth_exceeds(text: str, limit: int) -> bool:
    depth = 0
    for ch in _BRACKET.findall(_STRING.sub("", text)):  # brackets outside strings
        depth += 1 if ch in "[{" else -1
        if depth > limit:
            return True
    return False


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise BodyRejected(f"a number longer than {MAX_NUMBER_CHARS} characters")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise BodyRejected(f"a number longer than {MAX_NUMBER_CHARS} characters")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise BodyRejected("a number out of range")
    return value


def strict_json(text: str | bytes) -> Any:
    """Parse a request body: refused (BodyRejected) when nested deeper than MAX_DEPTH (checked before the
    parser recurses), with a number longer than MAX_NUMBER_CHARS (before int() works on it), NaN or
    Infinity, or a key twice in one object (which one would count is a guess)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if _depth_exceeds(text, MAX_DEPTH):
        raise BodyRejected(f"the body nests deeper than {MAX_DEPTH} levels")
    try:
        return json_rule.loads(text, parse_int=_int, parse_float=_float)
    except BodyRejected:
        raise
    except json_rule.KeyTwice:
        raise BodyRejected("a key appears twice in one object") from None
    except json_rule.NotJson as exc:
        raise BodyRejected(str(exc)) from None
    except (ValueError, RecursionError) as exc:
        raise BodyRejected("the body is not JSON") from exc


# --- field types ----------------------------------------------------------------------------------


class Strict(ClosedIn):
    """The qualification routes' bodies: the API's one body rule (kokuho.identity.request_bodies)."""


Id = Annotated[str, Field(pattern=ID)]
Text = Annotated[str, Field(min_length=1, max_length=120, pattern=TEXT)]
Note = Annotated[str | None, Field(default=None, max_length=200, pattern=TEXT)]
Kana = Annotated[str, Field(min_length=1, max_length=60, pattern=KANA)]
Postal = Annotated[str, Field(pattern=POSTAL)]
Version = Annotated[int, Field(strict=True, ge=0, le=10_000_000)]
# Typed in any shape (１２３４－５６７８－…), stored as its twelve ASCII digits.
MyNumber = Annotated[str, BeforeValidator(lambda v: normalize(v) if isinstance(v, str) else v),
                     Field(min_length=12, max_length=12, pattern=r"^[0-9]{12}$")]


class MailingIn(Strict):
    name: Text
    postal_code: Postal
    address: Text


class BankAccountIn(Strict):
    bank_code: Annotated[str, Field(pattern=r"^[0-9]{4}$")]
    branch_code: Annotated[str, Field(pattern=r"^[0-9]{3}$")]
    account_type: Literal["普通", "当座", "貯蓄"]
    account_number: Annotated[str, Field(pattern=r"^[0-9]{7}$")]
    holder_kana: Kana


class PersonIn(Strict):
    """宛名 registration (住民記録から)."""

    person_id: Id
    resident_code: Annotated[str, Field(pattern=r"^[0-9]{6,10}$")]  # 住民コード
    household_id: Id  # 世帯コード
    name_kanji: Annotated[str, Field(min_length=1, max_length=40, pattern=TEXT)]
    name_kana: Kana
    birth_date: IsoDate
    sex: Literal["1", "2"]
    relationship: Annotated[str, Field(min_length=1, max_length=10, pattern=TEXT)]  # 続柄
    postal_code: Postal
    address: Text
    phone: Annotated[str | None, Field(default=None, pattern=r"^0[0-9]{1,4}-?[0-9]{1,4}-?[0-9]{3,4}$")]
    mailing: MailingIn | None = None
    bank_account: BankAccountIn | None = None
    resident_from: IsoDate | None = None
    note: Note = None

    @model_validator(mode="after")
    def _dates(self) -> PersonIn:
        problem = person_dates_error(self.birth_date, self.resident_from)  # the registration's rule
        if problem is not None:
            raise ValueError(f"{problem[0]}: {problem[1]}")
        return self


class QualificationIn(Strict):
    """取得 or 喪失: the reason says which; `cause_on` is the date of the cause (転入日, 転出日, 死亡日 …)."""

    reason: Reason
    cause_on: IsoDate
    version: Version
    note: Note = None
    # 転出: the municipality moved to (全国地方公共団体コード), for the outgoing 高額該当 file; kept in the loss record
    to_municipality: Annotated[str, Field(pattern=r"^[0-9]{6}$")] | None = None


class MoveIn(Strict):
    """転居 within the city."""

    postal_code: Postal
    address: Text
    moved_on: IsoDate
    version: Version
    note: Note = None


class RenameIn(Strict):
    """氏名変更."""

    name_kanji: Annotated[str, Field(min_length=1, max_length=40, pattern=TEXT)]
    name_kana: Kana
    changed_on: IsoDate
    version: Version
    note: Note = None


class ContactIn(Strict):
    """電話番号・送付先・公金受取口座の変更 (omitted fields stay; `clear` removes)."""

    phone: Annotated[str | None, Field(default=None, pattern=r"^0[0-9]{1,4}-?[0-9]{1,4}-?[0-9]{3,4}$")]
    mailing: MailingIn | None = None
    bank_account: BankAccountIn | None = None
    clear: Annotated[list[Literal["phone", "mailing", "bank_account"]], Field(default_factory=list, max_length=3)]
    changed_on: IsoDate
    version: Version
    note: Note = None


class HouseholdChangeIn(Strict):
    """世帯変更: move to another (or a new) household."""

    household_id: Id
    relationship: Annotated[str, Field(min_length=1, max_length=10, pattern=TEXT)]
    changed_on: IsoDate
    new_householder_of_old: Id | None = None
    version: Version
    note: Note = None


class CardIssueIn(Strict):
    """資格確認書の交付."""

    issued_on: IsoDate
    version: Version
    note: Note = None


class CardRecoverIn(Strict):
    """資格確認書の回収."""

    recovered_on: IsoDate
    reason: Literal["loss_of_qualification", "reissue", "returned", "other"]
    version: Version
    note: Note = None


class MyNumberIn(Strict):
    """個人番号の登録 (POST body only, never a URL)."""

    my_number: MyNumber


class LookupIn(Strict):
    """個人番号による検索 (POST body only, never a query string)."""

    my_number: MyNumber


class RevealIn(Strict):
    """個人番号の表示: the purpose must be the one named by the caller's reveal grant."""

    purpose: Annotated[str, Field(min_length=1, max_length=200, pattern=TEXT)]


class IncomeIn(Strict):
    total: Annotated[int, Field(strict=True, ge=0, le=10_000_000_000)]
    salary: Annotated[int, Field(strict=True, ge=0, le=10_000_000_000)] = 0
    pension: Annotated[int, Field(strict=True, ge=0, le=10_000_000_000)] = 0
    declared: StrictBool = True
    salary_or_pension_earner: StrictBool = False


class SimulationIn(Strict):
    """窓口試算: a fiscal year, optionally incomes stated at the counter (not stored)."""

    fiscal_year: Annotated[int, Field(strict=True, ge=2024, le=2100)]
    incomes: dict[Annotated[str, Field(pattern=ID)], IncomeIn] | None = Field(default=None, max_length=20)
