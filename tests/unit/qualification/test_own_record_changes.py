"""転居, 氏名変更 and 連絡先 (kokuho.qualification.service): the person's record takes the new values and the
history entry keeps what was there before, field by field. No AWS."""

from __future__ import annotations

from datetime import date

from kokuho.qualification import service
from kokuho.qualification.model import Mailing, Person

TODAY = date(2024, 11, 20)
PERSON = Person("P1", "10000001", "H1", "北九 太郎", "キタキュウ タロウ", date(1975, 6, 15), "1", "世帯主", "803-8501",
                "北九州市小倉北区", phone="093-000-0000", version=3)


def _entry(change: service.Change) -> tuple[str, date, dict[str, object]]:
    ((pid, entry),) = change.person_entries
    assert pid == "P1" and change.effective_on == entry.effective_on
    return entry.kind, entry.effective_on, entry.detail


def test_a_move_keeps_the_old_address_in_the_history() -> None:
    ch = service.move(PERSON, "802-0001", "北九州市小倉北区浅野", date(2024, 11, 1), TODAY)
    assert (ch.persons["P1"].postal_code, ch.persons["P1"].address) == ("802-0001", "北九州市小倉北区浅野")
    assert _entry(ch) == ("move", date(2024, 11, 1), {
        "before": {"postal_code": "803-8501", "address": "北九州市小倉北区"},
        "after": {"postal_code": "802-0001", "address": "北九州市小倉北区浅野"}})


def test_a_rename_keeps_the_old_name_in_the_history() -> None:
    ch = service.rename(PERSON, "門司 太郎", "モジ タロウ", date(2024, 11, 2), TODAY)
    assert ch.persons["P1"].name_kanji == "門司 太郎" and ch.persons["P1"].version == 3
    assert _entry(ch) == ("rename", date(2024, 11, 2), {
        "before": {"name_kanji": "北九 太郎", "name_kana": "キタキュウ タロウ"},
        "after": {"name_kanji": "門司 太郎", "name_kana": "モジ タロウ"}})


def test_a_contact_change_records_only_the_fields_that_change_and_a_mailing_as_its_fields() -> None:
    mailing = Mailing("北九 花子", "802-0002", "北九州市小倉北区京町")
    ch = service.change_contact(PERSON, date(2024, 11, 3), TODAY, phone="093-000-0000", mailing=mailing,
                                bank_account=None, clear=frozenset({"phone"}))
    assert (ch.persons["P1"].phone, ch.persons["P1"].mailing) == (None, mailing)
    assert _entry(ch) == ("contact_change", date(2024, 11, 3), {
        "before": {"phone": "093-000-0000", "mailing": None},
        "after": {"phone": None, "mailing": vars(mailing)}})
