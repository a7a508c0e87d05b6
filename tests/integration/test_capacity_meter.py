"""The benchmark's capacity meter (kokuho_local.capacity_meter) counts what DynamoDB would bill: items sized
by DynamoDB's rules, 1 KB write units, twice in a transaction, index entries as writes of their own,
4 KB read units halved for eventually consistent reads."""

from __future__ import annotations

from kokuho_local.capacity_meter import item_size, metered, number_size
from kokuho_local.embedded import embedded_aws


def test_item_sizes_follow_dynamodbs_rules() -> None:
    assert item_size({"ab": {"S": "xyz"}}) == 2 + 3
    assert item_size({"ab": {"S": "賦課"}}) == 2 + 6  # UTF-8 bytes
    assert [number_size(n) for n in ("7", "12345", "1200", "0.0012", "-99")] == [2, 4, 2, 2, 2]
    assert item_size({"b": {"BOOL": True}, "n": {"NULL": True}}) == 2 + 2
    # a map or list: 3 bytes, and each element 1 more (a map's element its key too)
    assert item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + (1 + 1 + 1)
    assert item_size({"l": {"L": [{"S": "v"}, {"N": "1"}]}}) == 1 + 3 + (1 + 1) + (1 + 2)


def test_writes_reads_and_transactions_are_billed_by_their_size() -> None:
    with embedded_aws() as aws:
        ddb = aws.client("dynamodb")
        table = aws.table_name("assessment")
        key = {"pk": {"S": "METER#1"}, "sk": {"S": "X"}}
        big = {**key, "v": {"S": "x" * 1500}}  # 1,500-odd bytes: 2 write units
        with metered() as meter:
            ddb.put_item(TableName=table, Item=big)
        assert meter.write_units == 2 and meter.read_units == 0
        with metered() as meter:  # an update is billed by the larger of the item before and after
            ddb.update_item(TableName=table, Key=key, UpdateExpression="SET w = :w",
                            ExpressionAttributeValues={":w": {"S": "y" * 600}})
        assert meter.write_units == 3
        with metered() as meter:  # in a transaction: twice
            ddb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": {
                "pk": {"S": "METER#2"}, "sk": {"S": "X"}, "v": {"S": "z" * 100}}}}])
        assert meter.write_units == 2
        with metered() as meter:  # an index entry is a write of its own (gsi1 projects every attribute)
            ddb.put_item(TableName=table, Item={"pk": {"S": "METER#3"}, "sk": {"S": "X"},
                                                "gsi1pk": {"S": "G"}, "gsi1sk": {"S": "1"}})
        assert (meter.snapshot()["table_write_units"], meter.snapshot()["index_write_units"]) == (1, 1)
        with metered() as meter:  # 2.1 KB item: one 4 KB read unit, half of it eventually consistent
            ddb.get_item(TableName=table, Key=key)
            ddb.get_item(TableName=table, Key=key, ConsistentRead=True)
        assert meter.read_units == 1.5 and meter.write_units == 0


def test_a_keys_only_index_entry_is_written_only_when_its_keys_change() -> None:
    """The assessment table's gsi2 projects the keys only: a write that leaves its keys as they were costs no
    index unit, however much of the item it changes (gsi1, projecting every attribute, costs one)."""
    with embedded_aws() as aws:
        ddb = aws.client("dynamodb")
        table = aws.table_name("assessment")
        item = {"pk": {"S": "METER#4"}, "sk": {"S": "X"}, "gsi2pk": {"S": "Y#S01"}, "gsi2sk": {"S": "H1"}}
        with metered() as meter:  # created: the entry is put
            ddb.put_item(TableName=table, Item={**item, "v": {"S": "a" * 2000}})
        assert (meter.snapshot()["table_write_units"], meter.snapshot()["index_write_units"]) == (2, 1)
        with metered() as meter:  # rewritten, keys unchanged: no index write
            ddb.put_item(TableName=table, Item={**item, "v": {"S": "b" * 2000}})
        assert meter.snapshot()["index_write_units"] == 0
        with metered() as meter:  # rewritten with gsi1 keys too: gsi1's entry (the whole item) only
            ddb.put_item(TableName=table, Item={**item, "v": {"S": "c" * 2000}, "gsi1pk": {"S": "G"},
                                                "gsi1sk": {"S": "1"}})
        assert meter.snapshot()["index_write_units"] == 2
        with metered() as meter:  # its key moves: the entry is deleted and put (keys only: one unit each)
            ddb.put_item(TableName=table, Item={**item, "gsi2sk": {"S": "H2"}})
        assert meter.snapshot()["index_write_units"] == 2 + 2  # gsi2 moved; gsi1's entry went (2 KB)


def test_a_query_of_a_keys_only_index_is_billed_by_its_entries() -> None:
    """Reading a KEYS_ONLY index reads its entries (the keys), not the items: 60 items of 2 KB each are 15
    read units (eventually consistent) through gsi1, half of one through gsi2."""
    with embedded_aws() as aws:
        ddb = aws.client("dynamodb")
        table = aws.table_name("assessment")
        for n in range(60):
            ddb.put_item(TableName=table, Item={"pk": {"S": f"METER#Q{n}"}, "sk": {"S": "X"}, "v": {"S": "a" * 2000},
                                                "gsi1pk": {"S": "Q"}, "gsi1sk": {"S": f"{n:03d}"},
                                                "gsi2pk": {"S": "Q"}, "gsi2sk": {"S": f"{n:03d}"}})
        for index, units in (("gsi1", 15.0), ("gsi2", 0.5)):
            with metered() as meter:
                found = ddb.query(TableName=table, IndexName=index, KeyConditionExpression="#p = :p",
                                  ExpressionAttributeNames={"#p": f"{index}pk"},
                                  ExpressionAttributeValues={":p": {"S": "Q"}})["Items"]
            assert len(found) == 60 and meter.read_units == units, index


def test_a_projected_query_without_the_table_keys_is_metered_without_an_error_an_item() -> None:
    """Prepare reads its household ids from gsi1 with only `household_id` projected: the meter looked each such
    item up by the table key it does not carry, and moto built (and the meter swallowed) a ValidationException —
    an XML and a JSON rendering of it — for every id. The same units without it: the answer as returned
    (20 items of 12 bytes: half a read unit)."""
    from moto.dynamodb import exceptions

    built = [0]
    original = exceptions.MockValidationException.__init__

    def counting(self: exceptions.MockValidationException, message: str) -> None:
        built[0] += 1
        original(self, message)

    with embedded_aws() as aws:
        ddb = aws.client("dynamodb")
        table = aws.table_name("assessment")
        for n in range(20):
            ddb.put_item(TableName=table, Item={"pk": {"S": f"METER#P{n}"}, "sk": {"S": "X"}, "v": {"S": "a" * 2000},
                                                "household_id": {"S": f"H{n:07d}"},
                                                "gsi1pk": {"S": "P"}, "gsi1sk": {"S": f"{n:03d}"}})
        exceptions.MockValidationException.__init__ = counting  # type: ignore[method-assign]
        try:
            with metered() as meter:
                found = ddb.query(TableName=table, IndexName="gsi1", KeyConditionExpression="gsi1pk = :p",
                                  ExpressionAttributeValues={":p": {"S": "P"}},
                                  ProjectionExpression="household_id")["Items"]
        finally:
            exceptions.MockValidationException.__init__ = original  # type: ignore[method-assign]
    assert len(found) == 20 and meter.read_units == 0.5
    assert built[0] == 0
