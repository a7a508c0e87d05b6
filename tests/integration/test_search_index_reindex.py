"""The migration of the search index (kokuho.records.search_index): an index written before its keys were
keyed hashes (clear kana in gsi1, no directories) is rebuilt by `kokuho qualification reindex` — searches
answer as before, no stored key holds the kana, the directory entries nobody holds are removed, and the
profiles read are recorded as accesses of the member of staff who ran it."""

from __future__ import annotations

import boto3
from test_search_index import CLERK, TODAY, _all_pages, _persons

from kokuho.qualification import registrations
from kokuho.qualification.model import normalize_kana
from kokuho_local.embedded import EmbeddedAWS


def _stored_index_values() -> list[str]:
    from kokuho.platform.tables import AWS_REGION, table

    client = boto3.client("dynamodb", region_name=AWS_REGION)
    items = client.scan(TableName=table("qualification").name())["Items"]
    return [str(v) for item in items for k, v in item.items() if k in ("pk", "sk", "gsi1pk", "gsi1sk")]


def test_reindex_replaces_a_clear_index_and_removes_stale_entries(aws: EmbeddedAWS) -> None:
    from datetime import date

    from kokuho.access.records import records_by_staff, records_of_subject
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff
    from kokuho.cli.main import main
    from kokuho.cli.qualification import PURPOSE
    from kokuho.records.qualification import SearchKeyModel, person_pk
    from kokuho.records.qualification_store import PynamoQualificationStore
    from kokuho.records.search_index import DirectoryModel

    store = PynamoQualificationStore()
    persons = _persons()[:6]
    for p in persons:
        registrations.register_person(store, CLERK, p, None, TODAY)
    expected = _all_pages(store, "KANA", "キ", "キ", 2)
    # The index as it was written before: clear values in its keys, and no directories.
    for p in persons:
        kana = normalize_kana(p.name_kana)
        SearchKeyModel(person_pk(p.person_id), "IDX#KANA", person_id=p.person_id, gsi1pk=f"KANA#{kana[:1]}",
                       gsi1sk=f"{kana}#{p.person_id}").save()
    for d in list(DirectoryModel.scan(DirectoryModel.pk.startswith("KANADIR#"))):
        d.delete()
    DirectoryModel("KANADIR#stale-entry-nobody-holds", "KANA#stale-entry-nobody-holds", value="ン").save()
    assert any(normalize_kana(persons[0].name_kana) in v for v in _stored_index_values())
    assert store.search("KANA", "キ", "キ", 2, None).person_ids == []  # the clear index is not read

    # probe: any `--as` was taken, a member without a grant named as the reader of every profile; the member
    # needs the grant that reads the file, as the API's routes do (kokuho.cli.acting)
    assert main(["qualification", "reindex", "--as", "S0009"]) == 1
    assert [r.result for r in records_by_staff("S0009")] == ["denied"]
    assert any(normalize_kana(persons[0].name_kana) in v for v in _stored_index_values())  # nothing rebuilt
    put_staff(StaffMember("S0009", "資格 係員", "国保年金課", date(2020, 4, 1), None))
    put_grant(Grant("S0009", "G-READ", "read_qualification", PURPOSE, "国民健康保険法第9条", "国保年金課",
                    date(2020, 4, 1), date(2099, 3, 31), "S9001", "2020-04-01T09:00:00+09:00"))
    assert main(["qualification", "reindex", "--as", "S0009"]) == 0

    assert _all_pages(store, "KANA", "キ", "キ", 2) == expected
    text = "".join(_stored_index_values())
    assert not any(normalize_kana(p.name_kana)[:2] in text for p in persons)
    assert "stale-entry" not in text
    reads = records_of_subject(persons[0].person_id)
    assert any(r.operation == "reindex" and r.staff_id == "S0009" for r in reads)
