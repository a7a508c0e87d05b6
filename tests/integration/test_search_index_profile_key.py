"""The RES search key (a 住民コード's keyed hash) is the profile's own gsi1 key, not an item of its own
(kokuho.records.search_index)."""

from __future__ import annotations

from test_search_index import CLERK, TODAY, _persons

from kokuho.qualification import registrations


def test_the_resident_code_key_is_the_profiles_own_and_an_old_key_item_goes_at_the_next_change() -> None:
    """Issue 14 item 3: a person had four index items besides the profile, one of them (IDX#RES) keyed like the
    profile could be; the profile carries that key on gsi1 (one item fewer a person registered). A person indexed
    before still has an IDX#RES item: found once, and the item goes with their next change."""
    from dataclasses import replace

    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        from kokuho.qualification import service
        from kokuho.records.qualification import SearchKeyModel, person_pk
        from kokuho.records.qualification_store import PynamoQualificationStore
        from kokuho.records.search_index import writer_tokens

        store = PynamoQualificationStore()
        first, second = _persons()[:2]
        for p in (first, second):
            registrations.register_person(store, CLERK, p, None, TODAY)
        kinds = sorted(m.sk for m in SearchKeyModel.query(person_pk(first.person_id),
                                                          SearchKeyModel.sk.startswith("IDX#")))
        assert kinds == ["IDX#BIRTH", "IDX#KANA", "IDX#POSTAL"]
        assert store.search("RES", first.resident_code, None, 10, None).person_ids == [first.person_id]
        # indexed the old way: an IDX#RES item beside the profile's key
        old = SearchKeyModel(person_pk(second.person_id), "IDX#RES", person_id=second.person_id,
                             gsi1pk=writer_tokens().resident(second.resident_code), gsi1sk=second.person_id)
        old.save()
        assert store.search("RES", second.resident_code, None, 10, None).person_ids == [second.person_id]
        page = store.search("RES", second.resident_code, None, 1, None)
        assert page.person_ids == [second.person_id]
        if page.next_token is not None:
            assert store.search("RES", second.resident_code, None, 1, page.next_token).person_ids == []
        current = store.person(second.person_id)
        assert current is not None
        moved = service.move(current, "802-0001", "北九州市小倉北区浅野2-2", TODAY, TODAY)
        registrations.commit(store, moved, CLERK, "move", today=TODAY)
        kinds = sorted(m.sk for m in SearchKeyModel.query(person_pk(second.person_id),
                                                          SearchKeyModel.sk.startswith("IDX#")))
        assert kinds == ["IDX#BIRTH", "IDX#KANA", "IDX#POSTAL"]
        assert store.search("RES", second.resident_code, None, 10, None).person_ids == [second.person_id]
        assert store.search("POSTAL", "802-0001", None, 10, None).person_ids == [second.person_id]
        assert replace(store.person(second.person_id), version=0).address == "北九州市小倉北区浅野2-2"


def test_reindex_puts_the_key_on_a_profile_without_it_and_removes_the_older_item() -> None:
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        from kokuho.records.base import connection
        from kokuho.records.qualification import PersonModel, SearchKeyModel, person_pk
        from kokuho.records.qualification_store import PynamoQualificationStore
        from kokuho.records.search_index import reindex, writer_tokens

        store = PynamoQualificationStore()
        person = _persons()[0]
        registrations.register_person(store, CLERK, person, None, TODAY)
        pk = person_pk(person.person_id)
        # as an older index left it: the profile off gsi1, the key an item of its own
        connection().dispatch("UpdateItem", {"TableName": PersonModel.Meta.table_name,
                                             "Key": {"pk": {"S": pk}, "sk": {"S": "PROFILE"}},
                                             "UpdateExpression": "REMOVE gsi1pk, gsi1sk"})
        SearchKeyModel(pk, "IDX#RES", person_id=person.person_id, gsi1pk=writer_tokens().resident(person.resident_code),
                       gsi1sk=person.person_id).save()
        version = store.person(person.person_id).version
        reindex()
        profile = PersonModel.get(pk, "PROFILE", consistent_read=True)
        assert profile.gsi1pk == writer_tokens().resident(person.resident_code) and profile.version == version
        assert sorted(m.sk for m in SearchKeyModel.query(pk, SearchKeyModel.sk.startswith("IDX#"))) == [
            "IDX#BIRTH", "IDX#KANA", "IDX#POSTAL"]
        assert store.search("RES", person.resident_code, None, 10, None).person_ids == [person.person_id]
