"""Narrow fixes to moto's DynamoDB for the embedded AWS, active only inside `embedded_aws()`.

1. Thread safety. Distributed Map iterations run on threads and moto's backend is not thread-safe
   (a TransactWriteItems deep-copies a table while another thread writes to it: "dictionary changed
   size during iteration"). Every DynamoDB request is serialised by one lock. Real DynamoDB is
   concurrent; the GIL makes the lock cost little here.
2. TransactWriteItems rollback cost. moto (5.2, models/__init__.py `transact_write_items`) backs up a
   table by deep-copying the WHOLE table once per item of the transaction, so a transaction costs
   O(items × table size) — minutes for a city-sized table. Here the items the transaction touches are
   backed up instead (under the lock nothing else can change them: an Update's item is copied, as moto
   changes it in place; a Put's or Delete's is kept as it is, as moto replaces or drops it) and moto's own
   whole-table copy is made a no-op; on any failure those items are put back exactly as they were, then moto's error is
   re-raised unchanged. Conditions, errors and results are moto's own.
3. Response serialisation. moto's model-driven serialiser spends ~0.3 ms on every AttributeValue it
   returns (it walks the 10 members of the shape), which made reads the largest cost of a run. An
   AttributeValue made only of S/N/BOOL/NULL/SS/NS/L/M is already in wire form: it is emitted as is.
   Anything else (binary B/BS) goes through moto's serialiser unchanged.
4. Query cost. moto's Table.query walks `all_items()` — the whole table, sorted — for every query,
   then keeps the items of the queried key and sorts those again. Here `all_items` is narrowed, for
   the duration of one query, to the candidates: the items under the partition key (table query), or
   the items whose index partition-key attributes equal the query's (GSI/LSI query). moto then applies
   its own conditions, ordering, paging and projection to those, so results are unchanged; a query
   costs O(matching items) instead of O(table · log table). Scans are untouched. A table query on a
   string sort key goes further: the partition, sorted by plain string, is cut by bisection to what
   moto's loop can reach — the key condition's range, after the start key, the one item past it and,
   with a limit, limit + 1 items — so a page costs its own items, not its partition's
   (tests/integration/test_moto_query_pages.py compares every answer with plain moto's).
5. Index lookup. For an index query, the candidates come from a per-table map index key value → items,
   built on the first query of that attribute and updated on every write path (put, update — in
   transactions too — and transaction rollback). An entry may go stale (item replaced, deleted, or its
   attribute changed): each candidate is re-checked to be the table's current item still carrying the
   value, so staleness costs a look, never a wrong result. Without it every index query walked the
   whole table (quadratic intake of the My Number table, 150 ms searches at 10,000 persons).
6. Sorted index partitions. Even narrowed to its partition (5), moto sorts every item of an index
   partition (with DynamoType comparisons) and tests the sort-key condition on each, so a page of 20
   of a partition of 1,700 (`POSTAL#<postal>`, `KANA#<first kana>`) cost tens of ms where DynamoDB
   reads the page by the sort key. Here each index partition queried (one string hash and one string
   range key) keeps its keys sorted — (sort key, table hash key, table range key): moto's order — and
   is kept up to date by the write paths of 5; a query bisects to the sort-key condition and the
   exclusive start key, and hands moto only the first `Limit` matching items plus the next item of the
   partition (what makes moto return its LastEvaluatedKey). moto then applies its own conditions,
   order, limit, paging, projection and filter to those — handed in moto's order (the sort key, then the
   table's keys: strings), so its re-sort of them is skipped. Entries are re-checked as in 5. Table
   queries are cut by 4.
7. Item construction. moto's item dict re-adds the size of every attribute already set each time it
   sets one (LimitedSizeDict.__setitem__, for the 400 KB item limit), so building an item of n
   attributes — every put, every item of a transaction — costs O(n²) size walks. Here a new item's
   attributes are sized once each and the total checked once: the same ItemSizeTooLarge exactly when
   moto would raise it (sizes only add up, so a prefix past the limit means the total is past it).
   Updates of existing items keep moto's per-attribute check.
8. Action lookup. moto lists the handler class's methods (inspect.getmembers) on every request to
   find the action; the DynamoDB handler's methods do not change while it runs, so the list is made
   once.
9. Plain SET updates. For every UpdateItem (in a transaction too) moto parses the update expression,
   then deep-copies its syntax tree and walks it with ten validators — a third of the city intake's CPU
   went there, on the household cases' `SET #0 = :0, #1 = :1, …` (seven attributes). An update made only
   of `#name = :value` actions on top-level attributes — what pynamodb writes for `attribute.set(value)` —
   is applied here as moto's SetExecutor applies it (`item.attrs[name] = DynamoType(value)`, moto's own
   400 KB check), after the checks moto's validators make that can fail for such an expression (a name or
   a value not defined, two actions on one attribute, a key attribute): any of those, a table with a
   stream, `Expected`/`AttributeUpdates`, or any other expression goes to moto unchanged, which raises
   its own error. The condition is moto's (its parser, its evaluation, its ALL_OLD item on failure).
   tests/integration/test_moto_patches.py compares items and errors with plain moto's.
10. Scan pages. moto's Table.scan sorts the whole table (DynamoType comparisons) for every page and then
    compares each item before the page's ExclusiveStartKey with it, so a full scan in 1 MB pages cost
    pages × table size: the access history's verify and digest steps (three full scans of the access
    log) grew with the square of the log. Here a table scan (no index) on string keys hands moto the
    table's items lazily in moto's own order, from the start key on (the partitions' keys sorted by
    plain string, the start partition cut by bisection); moto then applies its own start-key skip,
    segments, limits, size limit, filters and projection, so answers are unchanged
    (tests/integration/test_moto_scan_pages.py compares them with plain moto's, page by page).
11. Items kept forever. moto lists every model instance it ever makes (`BaseModel.__new__` appends it to
    its class's `instances_tracked`, for the moto server's dashboard), so every DynamoDB item ever built
    stays in memory: the item a put replaced, and the copies moto makes of every item a scan or query
    returns, an update reads, a transaction checks. The demo's peak memory was mostly those. An item is
    made untracked here (the embedded AWS serves no dashboard); every other model is tracked as moto does.
12. Update expression parse. moto parses every update expression again at each use — in a transaction
   twice (the request handler, to find the names used, then the backend) — though the intake's and the
   runs' updates repeat a few expressions. The syntax tree is made once per expression: moto's handler
   only reads it (find_clauses) and its validator deep-copies it before changing anything. An invalid
   expression is never kept (it raises at each use, as in moto). The clauses the handler looks for in such a
   tree (the names and values it uses) are found once per tree and kind of clause, handed out in a fresh
   list; a deep copy's walks are moto's.
13. Item memory. moto builds a put item's key values twice (Table.put_item's hash and range DynamoTypes,
    then the same attributes again in Item.__init__) and keeps both for the item's life; every item's
    attribute names are new strings of each request's JSON. The embedded AWS holds the whole city in the
    process (≈ 33 KB a registered person, issue 15's 300,000 persons would not fit): an item's key
    attributes are the key values themselves (one object, never changed in place: a key attribute cannot
    be updated) and attribute names are interned. Items, answers and errors are moto's.
14. Projected reads. moto deep-copies every item a query returns and then, to project it, turns the whole
    item into plain JSON and back (Item.project), so reading one attribute of a large item (Prepare's
    household ids, from the case index: the whole case each) cost the whole item twice. A query with a
    projection expression, or of a KEYS_ONLY or INCLUDE index (moto projects its items the same way),
    skips the deep copy (the projection builds new items; the key values are
    shared as in moto's own projection), and a projection of top-level attributes whose values are
    strings, booleans or nulls picks those attributes as they are — the item moto's JSON round trip
    builds (made directly, not sized again: a part of an item within the 400 KB limit is within it); anything
    else (numbers, sets, nested paths, list elements) is moto's projection. (moto sizes each item twice in
    a query, for the 1 MB page and for the page's total: 23 keeps an item's size.)
15. Condition lexing. A condition whose values differ at every use (a case's change id, a version
    number) is parsed again each time (12 keys its cache on the values); moto's lexer, a dozen regular
    expressions tried at each character run, was a third of that. The tokens of an expression (immutable
    nodes) are made once per expression string and handed out in a fresh deque; the parse after them is
    moto's. An expression the lexer refuses is never kept (it raises at each use).
16. Values. moto hashes and compares every value through `cast_value`, five type tests deep for a string
    (each key looked up in a table, each item a transaction puts or checks), sizes a map by rebuilding each
    of its members at every level (`DynamoType(v).size()`), and builds every value through two lists and two
    type tests — with items built, the largest share of a transactional put (the city intake's moto CPU
    −18 %). A string's hash and equality are those of its value (what `cast_value` gives for it: the same
    hash, the same answers), its size its UTF-8 bytes; a map's members and a list's elements are sized as
    they are; a value in wire form (a one-key dict) is built directly, the members of a list or map as moto
    builds them; every other case goes to moto's own method. A plain SET update (9) sizes the item once,
    not once for each attribute it sets (moto's LimitedSizeDict sums every attribute at each one set): the
    same refusals at the same attribute.
17. Results. moto's response serialiser walks the output shape of every answer member by member, trying up to
    six spellings of each member's name on the result (ExplicitAlias … ModelAlias, each twice: as is and
    snake_case) — ≈ 0.07 ms a conditional put, whose answer is `{}`, and a walk of every item a query or a
    BatchGetItem returns. A data-plane answer (WIRE_FORM_ACTIONS) whose result is a dict holding only members
    of its shape — strings, whole numbers, numbers, booleans, lists, maps and plain AttributeValues (3), no
    timestamp or binary — is what that walk picks unchanged, in the shape's member order, each number made an
    int or a float as moto makes it: such a result is dumped as moto dumps it (same status, headers and body,
    byte for byte). Anything else — an error, another action, a member moto would look up by another name
    (a serialisation name, a response transformer), a value of another type — is moto's serialiser.
18. Requests. moto turns every request it intercepts into a werkzeug request through werkzeug's EnvironBuilder
    (Request.from_primitives: the URL parsed, quoted and split into a WSGI environ field by field, ≈ 50 µs a
    DynamoDB request, a third of moto's handling of a conditional put). A DynamoDB request (its host
    `dynamodb.…`, a body in bytes) takes the environ EnvironBuilder makes for its method and URL — made once
    per method and URL by EnvironBuilder itself — and sets what depends on the request as get_environ sets it:
    its body as `wsgi.input`, its length, its Content-Type, its other headers through werkzeug's Headers
    (`HTTP_…`, repeated ones joined), the error stream. The same environ, key for key
    (tests/integration/test_moto_patches.py compares them for every kind of request).
    27: moto's first read of such a request (`request.data`: werkzeug parses the form — none for a JSON
    content type —, then reads the body from the input stream, ≈ 3 % of the monthly run) is what the request
    holds from the start: no form, no files, the stream at its end, the body as its data.
19. Routing. For every request moto tries the URL patterns of its services in turn (DynamoDB's is the 52nd),
    then builds its DynamoDB backend's URL table again (`BaseBackend.urls`, a property that formats and
    compiles the service's paths) to find the handler: ≈ 20 µs a request. A DynamoDB URL's outcome of that
    loop — the services whose pattern matched, in moto's order, and the handler the last one's table gives —
    is found once per URL by moto's own loop; each request then passes moto's checks of those services
    (passthrough, whitelist) and its handler is called as moto calls it. Any other URL is moto's loop.
22. Results to dicts. Every DynamoDB answer goes through moto's dynamo_to_dict, which asks each node of the result
    — every attribute of every item a query or BatchGetItem returns — whether it is a datetime, a DynamoType,
    an object with `to_json`, a dict or a list before copying it. A node that is exactly a str, int, float,
    bool, None, dict or list is what those tests leave as it is or copy member by member: it is copied so,
    without them; any other node takes moto's tests in moto's order, the recursion staying here, and a binary
    value (B, BS: base64 decoded) is moto's own.
    (20 and 21 are kokuho_local.botocore_paths'.)
23. Item sizes. moto sizes every item a query or a scan walks (`Item.size`: each attribute's name and value,
    for the 1 MB page), again at every query — a quarter of moto's query handling in a 10,000-household run
    (Prepare's ids: every case's index entry, sized whole). An item's size is kept with it: the sum its
    construction (7) already makes, or moto's own sum the first time it is asked; an update — the only path
    of moto that changes an item's attributes in place (a transaction's Update too; a put, PartiQL included,
    makes a new item) — drops it, whether it succeeds or fails, and the next ask sums again.
26. Request ids and checksums. moto draws every answer's request id as 52 characters from its seeded random
    generator (`gen_amzn_requestid_long`: a `random.choices` of 52 and a string join, every request of every
    service) and adds to every DynamoDB answer an `x-amz-crc32` of its body, which botocore then computes
    again to check it (two CRCs of every answer, a query's pages included). In-process there is no wire to
    corrupt an answer: a DynamoDB answer comes without the checksum (botocore checks one only when present),
    and a request id is the same shape — 52 letters and digits — a prefix drawn once for the embedded AWS and a
    count, unique within it, made without moto's generator.
    (25 is kokuho_local.botocore_paths'.)
"""

from __future__ import annotations

import bisect
import copy
import inspect
import itertools
import json
import re
import secrets
import string
import sys
import threading
import types
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from operator import attrgetter
from typing import Any

# Every attribute of moto this module replaces (only inside patched_dynamodb()), with the moto
# behaviour it works around and the test that fails without it (tests/integration/test_moto_patches.py
# also checks that these are all the attributes of moto that change inside the embedded AWS).
_GUARD = "tests/integration/test_moto_patches.py::"
_OWN_GUARD = "tests/unit/platform/test_moto_dynamodb.py::"
PATCHES: dict[str, str] = {
    "moto.dynamodb.responses.DynamoHandler.call_action":
        "moto's DynamoDB backend is not thread-safe (Distributed Map threads): one lock around every request; "
        "without moto's amz_crc32 decorator, a checksum of every answer that botocore computes again (26); "
        + _GUARD + "test_every_dynamodb_request_runs_under_the_lock + "
        "test_an_answer_has_a_unique_request_id_and_no_checksum",
    "moto.dynamodb.models.DynamoDBBackend.transact_write_items":
        "moto deep-copies every table a transaction names, once per item, to roll back; backs up the items "
        "instead (and moto's module `copy` is swapped for the call); "
        + _GUARD + "test_a_transaction_copies_no_table + test_a_cancelled_transaction_restores_items_and_index",
    "moto.core.serialize.JSONSerializer._serialize_type_structure":
        "moto walks the model shape of every AttributeValue it returns (~0.3 ms each); plain values go as is; "
        + _GUARD + "test_plain_attribute_values_skip_the_model_serializer",
    "moto.dynamodb.models.table.Table.query":
        "moto's query walks and sorts the whole table; narrowed to the partition / the index value's items, "
        "an index partition's page by bisection, handed in moto's order (6: tests/unit/platform/"
        "test_moto_dynamodb.py); a projected query copies no whole item (14: moto's `copy` swapped for the call, "
        "under the lock; test_a_projected_query_copies_no_whole_item_and_answers_alike); "
        + _GUARD + "test_a_query_never_walks_the_whole_table",
    "moto.dynamodb.models.table.Table.scan":
        "moto sorts the whole table and walks every item before the start key for each page of a scan "
        "(a full scan cost pages × table size); handed the items from the start key on, lazily, in moto's "
        "order; " + _GUARD + "test_a_scan_page_never_walks_the_items_before_it",
    "moto.core.common_models.BaseModel.__new__":
        "moto keeps every model instance it makes (for its dashboard), so every DynamoDB item ever built — "
        "replaced ones, the copies of every item a read returns — stays in memory; items are not kept (11); "
        + _GUARD + "test_a_dynamodb_item_is_freed_once_nothing_holds_it",
    "moto.dynamodb.models.table.Table.put_item":
        "keeps the index value → items map of the query patch current on every put; "
        + _GUARD + "test_an_index_query_sees_puts_updates_and_deletes",
    "moto.dynamodb.models.DynamoDBBackend.update_item":
        "keeps the index value → items map current when an update changes an attribute in place; a plain "
        "`SET #n = :v, …` update applied without moto's parse, AST copy and ten validator walks (9); "
        + _GUARD + "test_an_index_query_sees_puts_updates_and_deletes + "
        "test_a_plain_set_update_skips_the_validators_and_ends_as_moto_ends_it",
    "moto.dynamodb.models.dynamo_type.Item.__init__":
        "moto re-sizes every attribute already set at each one it sets (O(n²) a new item); sized once, the "
        "same 400 KB refusal; its key attributes are its key values, not copies, and names interned (13); "
        + _OWN_GUARD + "test_an_item_is_sized_once_per_attribute_and_the_item_limit_still_holds + "
        "test_an_items_key_attributes_are_held_once_and_read_alike",
    "moto.dynamodb.comparisons.create_condition_expression_parser":
        "moto parses every condition and filter expression again at each use (twice a conditional put: "
        "its check of the names used, then the condition), though every access record and index entry "
        "carries the same one; parsed once per expression, names and values (the parsed form only "
        "evaluates items; the names and values found are handed out fresh); "
        + _GUARD + "test_a_condition_expression_is_parsed_once",
    "moto.dynamodb.responses.create_condition_expression_parser":
        "the same parse, as the request handler imports it; " + _GUARD + "test_a_condition_expression_is_parsed_once",
    "moto.dynamodb.models.create_condition_expression_parser":
        "the same parse, as the backend imports it; " + _GUARD + "test_a_condition_expression_is_parsed_once",
    "moto.core.responses.BaseResponse.parse_parameters":
        "moto walks the model shape of every member of a DynamoDB request (every attribute of every item "
        "of a transaction) to turn JSON into what json.loads already gives — only blobs and timestamps "
        "differ; a data-plane request with no binary value is read as its JSON; "
        + _GUARD + "test_a_request_in_wire_form_skips_the_model_parser_and_is_read_alike",
    "moto.dynamodb.parsing.expressions.UpdateExpressionParser.make":
        "moto parses every update expression again at each use (twice an update in a transaction: its "
        "handler, then its backend); the syntax tree is made once per expression (read only, or deep-copied "
        "by moto's validator before it changes it); " + _GUARD + "test_an_update_expression_is_parsed_once",
    "moto.dynamodb.parsing.ast_nodes.Node.find_clauses":
        "moto's request handler walks an update's syntax tree for the names and values it uses at every update "
        "(every household case a transaction writes); a tree made once (12) is walked once per kind of clause; "
        + _GUARD + "test_an_update_expression_is_parsed_once",
    "moto.dynamodb.models.dynamo_type.Item.size":
        "moto sums every attribute of every item a query or scan walks, at every query; the size is kept with the "
        "item (the sum its construction makes) and dropped by any update, which alone changes an item in place "
        "(23); " + _GUARD + "test_an_items_size_is_kept_until_an_update_changes_it",
    "moto.dynamodb.models.dynamo_type.Item.project":
        "moto turns the whole item into JSON and back to keep a few attributes; top-level string, boolean "
        "and null attributes are picked as they are (14); " + _GUARD
        + "test_a_projected_query_copies_no_whole_item_and_answers_alike",
    "moto.dynamodb.comparisons.ConditionExpressionParser._lex_condition_expression":
        "moto lexes a condition again at every parse, and a condition with other values each time (a case's "
        "change id) is parsed each time; the tokens of an expression are made once (15); "
        + _GUARD + "test_a_condition_expression_is_lexed_once_whatever_its_values",
    "moto.dynamodb.models.dynamo_type.DynamoType.__hash__":
        "moto hashes every value through cast_value (five type tests for a string); a string's hash is that of "
        "its value, the same number (16); " + _GUARD + "test_string_values_hash_compare_and_size_alike_without_casts",
    "moto.dynamodb.models.dynamo_type.DynamoType.__eq__":
        "moto compares every value through cast_value; two strings compare by their values, the same answer (16); "
        + _GUARD + "test_string_values_hash_compare_and_size_alike_without_casts",
    "moto.dynamodb.models.dynamo_type.DynamoType.__init__":
        "moto builds every value through two lists and two type tests; a value in wire form (a one-key dict) "
        "is built directly, members of a list or map as moto builds them (16); "
        + _GUARD + "test_string_values_hash_compare_and_size_alike_without_casts",
    "moto.dynamodb.models.dynamo_type.DynamoType.size":
        "moto sizes a map by rebuilding each member (every level) and a string through five type tests; the "
        "same bytes without the copies (16); "
        + _GUARD + "test_string_values_hash_compare_and_size_alike_without_casts",
    "moto.core.responses.BaseResponse.serialized":
        "moto's serialiser walks the output shape of every DynamoDB answer, trying six spellings of each member "
        "(≈ 0.07 ms a put answering {}); a data-plane result already made of its shape's members and plain values "
        "is dumped as is — the same status, headers and body (17); "
        + _GUARD + "test_a_plain_result_is_dumped_as_moto_serialises_it",
    "moto.core.request.Request.from_primitives":
        "moto builds every request's WSGI environ through werkzeug's EnvironBuilder (≈ 50 µs a DynamoDB request); "
        "a DynamoDB request's is EnvironBuilder's for its method and URL (made once) with its body and headers set "
        "as get_environ sets them — the same environ (18); a JSON request holds its body, no form and no files "
        "as moto's first read leaves them, without werkzeug's form parse and stream read (27); "
        + _GUARD + "test_a_dynamodb_request_gets_the_environ_werkzeug_builds",
    "moto.core.botocore_stubber.BotocoreStubber.process_request":
        "moto tries its services' URL patterns in turn and rebuilds the DynamoDB backend's URL table for every "
        "request (≈ 20 µs); a DynamoDB URL's route is found once by moto's own loop, its checks made each time (19); "
        + _GUARD + "test_a_dynamodb_url_is_routed_once",
    "moto.dynamodb.responses.dynamo_to_dict":
        "moto tests every node of every answer (each attribute of each item) for five kinds before copying it; "
        "plain str/int/float/bool/None/dict/list nodes are copied as it copies them, the rest are moto's (22); "
        + _GUARD + "test_a_plain_result_is_copied_as_moto_copies_it",
    "moto.core.responses.gen_amzn_requestid_long":
        "moto draws every answer's request id from its random generator (52 characters); a prefix drawn once and a "
        "count, the same shape and unique (26); " + _GUARD + "test_an_answer_has_a_unique_request_id_and_no_checksum",
    "moto.core.responses.method_names_from_class":
        "moto lists the handler class's methods (inspect.getmembers) on every request; the DynamoDB "
        "handler's list is made once; " + _OWN_GUARD + "test_the_handler_methods_are_listed_once",
}

DDB_LOCK = threading.RLock()
# Requests whose members are all strings, numbers, booleans, lists and maps unless an item holds a binary
# value (B, BS: base64 in JSON, bytes once parsed); these never carry a timestamp.
WIRE_FORM_ACTIONS = frozenset({"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
                               "BatchWriteItem", "TransactWriteItems", "TransactGetItems"})
BINARY_VALUE = re.compile(rb'"BS?"\s*:')  # also inside a string ("\"B\":"): then moto's parser, to be safe
ITEM_SIZE_LIMIT = 405_000  # moto's LimitedSizeDict limit (the 400 KB item limit as DynamoDB applies it)
_PLAIN_SCALARS = {"S": str, "N": str, "BOOL": bool, "NULL": bool}
_PLAIN_SETS = {"SS", "NS"}


def _plain(value: Any) -> bool:
    """An AttributeValue already in JSON wire form (no binary)."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (kind, inner), = value.items()
    if kind in _PLAIN_SCALARS:
        return isinstance(inner, _PLAIN_SCALARS[kind])
    if kind in _PLAIN_SETS:
        return isinstance(inner, list) and all(isinstance(v, str) for v in inner)
    if kind == "L":
        return isinstance(inner, list) and all(_plain(v) for v in inner)
    if kind == "M":
        return isinstance(inner, dict) and all(isinstance(k, str) and _plain(v) for k, v in inner.items())
    return False


class _NotPlain(Exception):
    """A result moto's serialiser must walk itself (17)."""


def _as_serialised(value: Any, shape: Any) -> Any:
    """What moto's JSON serialiser makes of `value` for `shape`, for the values it keeps as they are (17);
    raises _NotPlain for anything else."""
    kind = shape.type_name
    if kind == "structure":
        if shape.name == "AttributeValue":
            if _plain(value):
                return value  # patch 3: emitted as is
            raise _NotPlain
        if type(value) is not dict or shape.is_document_type:
            raise _NotPlain
        members = shape.members
        for name in value:
            if name not in members:
                raise _NotPlain  # moto would drop it, or find it under another spelling
        out = {}
        for name, member in members.items():  # moto's order: the shape's
            if "name" in member.serialization:
                raise _NotPlain  # moto looks it up (and writes it) by that name
            member_value = value.get(name)
            if member_value is not None:
                out[name] = _as_serialised(member_value, member)
        return out
    if kind == "list":
        if type(value) is not list or None in value:  # moto keeps a None element as it is
            raise _NotPlain
        return [_as_serialised(v, shape.member) for v in value]
    if kind == "map":
        if type(value) is not dict or "name" in shape.value.serialization \
                or any(type(k) is not str or v is None for k, v in value.items()):
            raise _NotPlain
        return {k: _as_serialised(v, shape.value) for k, v in value.items()}
    if kind == "string":
        if type(value) is str:
            return value
    elif kind in ("integer", "long"):
        if type(value) is int:
            return value
    elif kind in ("float", "double"):
        if type(value) in (int, float):
            return float(value)
    elif kind == "boolean":
        if type(value) is bool:
            return value
    raise _NotPlain


def _serialized_directly(handler: Any, action_result: Any) -> tuple[int, dict[str, str], str] | None:
    """moto's (status, headers, body) for a DynamoDB data-plane result made of plain values, without its
    serialiser's walk (17); None: moto's serialiser."""
    from moto import settings
    from moto.core import responses as core_responses
    from moto.core.serialize import JSONSerializer
    from moto.dynamodb.responses import DynamoResult

    if type(action_result) not in (core_responses.ActionResult, DynamoResult):
        return None
    result = action_result.result
    if type(result) is not dict or handler.RESPONSE_KEY_PATH_TO_TRANSFORMER:
        return None
    action = handler._get_action()
    if action not in WIRE_FORM_ACTIONS:
        return None
    service_model = core_responses.get_service_model(handler.boto3_service_name)
    protocol = handler.determine_response_protocol(service_model)
    if protocol != "json" or core_responses.get_serializer_class(service_model.service_name, protocol) \
            is not JSONSerializer:
        return None
    operation = service_model.operation_model(action)
    shape = operation.output_shape
    if shape is None or operation.has_event_stream_output:
        return None
    try:
        body = _as_serialised(result, shape)
    except _NotPlain:
        return None
    headers = {"Content-Type": JSONSerializer.APPLICATION_AMZ_JSON.format(
        version=service_model.metadata.get("jsonVersion", "1.0"))}
    headers.update(handler.response_headers)
    status = operation.http.get("responseCode", JSONSerializer.DEFAULT_RESPONSE_CODE)
    return status, headers, json.dumps(body, indent=4 if settings.PRETTIFY_RESPONSES else None)


_ROUTES: dict[str, tuple[tuple[str, ...], Any]] = {}  # a DynamoDB URL → (services matched, handler) (19)


def _route(clean_url: str) -> tuple[tuple[str, ...], Any] | None:
    """moto's routing loop (BotocoreStubber.process_request) for this URL: the services whose pattern matched, in
    its order, up to the one whose URL table serves it, and that handler; None: no handler (moto answers)."""
    import moto.backend_index as backend_index
    import moto.backends as backends
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.core.base_backend import BackendDict

    matched: list[str] = []
    for service, pattern in backend_index.backend_url_patterns:
        if not pattern.match(clean_url):
            continue
        matched.append(service)
        backend_dict = backends.get_backend(service)  # type: ignore[call-overload]
        if isinstance(backend_dict, BackendDict):
            accounts = backend_dict[DEFAULT_ACCOUNT_ID]
            backend = accounts["us-east-1"] if "us-east-1" in accounts else accounts["aws"]
        else:
            backend = backend_dict["global"]
        for url, method in backend.urls.items():
            if re.compile(url).match(clean_url):
                return tuple(matched), method
    return None


_ENVIRONS: dict[tuple[str, str, str, str], dict[str, Any]] = {}  # (method, base URL, path, query) → environ


def _request_environ(method: str, url: str, headers: Any, body: Any) -> dict[str, Any] | None:
    """The WSGI environ werkzeug's EnvironBuilder makes of a DynamoDB request, as moto's from_primitives asks
    for it (18); None: not such a request (moto's own path)."""
    from collections import defaultdict
    from io import BytesIO
    from urllib.parse import urlparse

    from werkzeug.datastructures import Headers
    from werkzeug.test import EnvironBuilder

    if type(body) is not bytes or not body or type(method) is not str or type(url) is not str:
        return None
    parsed = urlparse(url)
    if not parsed.netloc.startswith("dynamodb."):
        return None
    base_url = f"{parsed.scheme}://{parsed.netloc}"
    key = (method, base_url, parsed.path, parsed.query)
    template = _ENVIRONS.get(key)
    if template is None:
        builder = EnvironBuilder(method=method, base_url=base_url, path=parsed.path, query_string=parsed.query,
                                 data=b"", headers=[])
        try:
            template = builder.get_environ()
        finally:
            builder.close()
        for varying in ("wsgi.input", "wsgi.errors", "CONTENT_TYPE", "CONTENT_LENGTH"):
            template.pop(varying, None)
        if any(k.startswith("HTTP_") and k != "HTTP_HOST" for k in template):
            return None  # not what an EnvironBuilder without headers makes: moto's path
        if len(_ENVIRONS) >= 64:  # a bound: DynamoDB has one endpoint a region
            _ENVIRONS.clear()
        _ENVIRONS[key] = template
    items = [(k, v.decode("utf-8") if isinstance(v, bytes) else v) for k, v in headers.items()
             if k.lower() not in ["transfer-encoding"]]  # moto's from_primitives
    own = Headers(items)
    environ = dict(template)
    environ["wsgi.input"] = BytesIO(body)
    environ["wsgi.errors"] = sys.stderr
    content_type = own.get("Content-Type")
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    environ["CONTENT_LENGTH"] = str(len(body))
    own.remove("Content-Type")
    own.remove("Content-Length")
    combined: dict[str, list[str]] = defaultdict(list)
    for name, value in own.to_wsgi_list():
        combined[f"HTTP_{name.upper().replace('-', '_')}"].append(value)
    for name, values in combined.items():
        environ[name] = ", ".join(values)
    environ["kokuho.header_items"] = items  # taken back out by the caller
    return environ


def _keys(table: Any, op_type: str, op: dict[str, Any]) -> tuple[Any, Any] | None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    source = op.get("Item") if op_type == "Put" else op.get("Key")
    if not isinstance(source, dict) or table.hash_key_attr not in source:
        return None
    hash_key = DynamoType(source[table.hash_key_attr])
    range_key = None
    if table.range_key_attr is not None:
        if table.range_key_attr not in source:
            return None
        range_key = DynamoType(source[table.range_key_attr])
    return hash_key, range_key


def _same(value: Any, expected: Any) -> bool:
    if value is None:
        return False
    if expected.type == "S":  # the common case, without moto's per-comparison casting
        return bool(value.type == "S" and value.value == expected.value)
    return bool(value == expected)


def _page_slice(items: list[Any], query: dict[str, Any], range_attr: str) -> list[Any]:
    """Of a partition's items sorted by their string sort key, the ones moto's loop can reach: those
    the key condition keeps, after the start key, plus the next one in the query's direction, and —
    with a limit — the first limit + 1 of those (moto stops at the one past the limit to set
    LastEvaluatedKey). Each bound is the comparison moto itself makes (DynamoType compares cast values:
    plain strings here)."""
    keys = [item.range_key.value for item in items]
    low, high = 0, len(items)
    comparison = str(query.get("range_comparison") or "").upper()
    values = [v.value for v in query.get("range_objs") or []]
    if comparison:
        if any(not isinstance(v, str) for v in values) or not values:
            return items
        first = values[0]
        if comparison in ("=", "EQ"):
            low, high = bisect_left(keys, first), bisect_right(keys, first)
        elif comparison in ("<", "LT"):
            high = bisect_left(keys, first)
        elif comparison in ("<=", "LE"):
            high = bisect_right(keys, first)
        elif comparison in (">", "GT"):
            low = bisect_right(keys, first)
        elif comparison in (">=", "GE"):
            low = bisect_left(keys, first)
        elif comparison == "BETWEEN" and len(values) == 2:
            low, high = bisect_left(keys, first), max(bisect_left(keys, first), bisect_right(keys, values[1]))
        elif comparison == "BEGINS_WITH":
            low = high = bisect_left(keys, first)
            while high < len(keys) and keys[high].startswith(first):
                high += 1
        else:
            return items
    forward = query.get("scan_index_forward") is not False
    start = query.get("exclusive_start_key")
    if start is not None:
        # moto skips the items that come before the start key or at it, in the query's direction.
        start_sort = start.get(range_attr)
        if not isinstance(start_sort, dict) or not isinstance(start_sort.get("S"), str):
            return items
        if forward:
            low = max(low, bisect_right(keys, start_sort["S"]))
        else:
            high = min(high, bisect_left(keys, start_sort["S"]))
    if high <= low:
        return []
    # moto checks the limit before the key condition: the item just past the matching ones, which it
    # visits without keeping, is what makes it return a LastEvaluatedKey on a full last page.
    if forward:
        high = min(len(items), high + 1)
    else:
        low = max(0, low - 1)
    limit = query.get("limit")
    if isinstance(limit, int) and limit >= 0:
        if forward:
            high = min(high, low + limit + 1)
        else:
            low = max(low, high - limit - 1)
    return items[low:high]


_RANGE_VALUE = attrgetter("range_key.value")


def _range_key_type(table: Any) -> str | None:
    for definition in table.attr or []:
        if definition.get("AttributeName") == table.range_key_attr:
            return str(definition.get("AttributeType"))
    return None


def _table_candidates(table: Any, bucket: Any, query: dict[str, Any]) -> list[Any]:
    """A table query's candidates: the partition sorted as moto sorts it (by the sort key's cast value),
    narrowed to the page when the sort key is a string and the query is one moto's loop answers in
    sort order (no legacy QueryFilter, one sort-key condition)."""
    items = list(bucket.values())
    if not items or _range_key_type(table) != "S":  # the schema's: moto refuses a key of another type
        return items
    items.sort(key=_RANGE_VALUE)
    start = query.get("exclusive_start_key")
    if query.get("filter_kwargs") or len(query.get("range_key_conditions") or []) > 1 or (
            start is not None and (not isinstance(start, dict)
                                   or start.get(table.hash_key_attr) != {"S": query["hash_key"].value})):
        return items
    return _page_slice(items, query, table.range_key_attr)


def _candidates(table: Any, hash_key: Any, index_name: str | None,
                hash_key_conditions: list[tuple[str, Any]] | None,
                query: dict[str, Any] | None = None) -> list[Any] | None:
    """The items a query can return (None: let moto look at every item)."""
    if not index_name:
        if hash_key is None:
            return None
        bucket = table.items.get(hash_key)  # .get: the items dict is a defaultdict
        if bucket is None:
            return []
        if not table.range_key_attr:
            return [bucket]
        if hash_key.type != "S":
            return list(bucket.values())
        return _table_candidates(table, bucket, query or {})
    if not hash_key_conditions:
        return None
    name, value = hash_key_conditions[0]
    indexed = _attribute_index(table, name).get(_index_key(value), {})
    return [item for item in indexed.values()
            if _current(table, item) and all(_same(item.attrs.get(n), v) for n, v in hash_key_conditions)]


def _scan_start(table: Any, start: Any) -> tuple[str, str | None] | None:
    """The ExclusiveStartKey of a table scan as (hash, range) strings; None: no start key. Raises
    ValueError when the key is not one this order can place (then moto scans as it does)."""
    if start is None:
        return None
    if not isinstance(start, dict):
        raise ValueError(start)
    hash_value = start.get(table.hash_key_attr)
    range_value = start.get(table.range_key_attr) if table.range_key_attr else None
    if not isinstance(hash_value, dict) or set(hash_value) != {"S"} or (
            table.range_key_attr and (not isinstance(range_value, dict) or set(range_value) != {"S"})):
        raise ValueError(start)
    return str(hash_value["S"]), None if range_value is None else str(range_value["S"])


def _scan_items(table: Any, start: tuple[str, str | None] | None) -> Iterator[Any]:
    """The table's items in moto's scan order ((hash, range) by value; strings here), from the start key on
    (the start item itself included: moto skips it), produced as moto's loop asks for them."""
    partitions = sorted((h for h in table.items if h.value is not None), key=attrgetter("value"))
    values = [h.value for h in partitions]
    first = 0 if start is None else bisect_left(values, start[0])
    for hash_key in partitions[first:]:
        bucket = table.items.get(hash_key)  # .get: never grow the defaultdict
        if bucket is None:
            continue
        if not table.range_key_attr:
            yield bucket
            continue
        items = sorted(bucket.values(), key=_RANGE_VALUE)
        if start is not None and hash_key.value == start[0]:
            items = items[bisect_left([i.range_key.value for i in items], start[1]):]
        yield from items


# Index partition-key attribute → value → items, per table, built on the first index query and kept up
# to date by the write paths below (put, in-place update, transaction rollback). An entry can go stale
# (item replaced, deleted, or its attribute changed in place): `_candidates` re-checks that the item is
# still the table's and still carries the value, so stale entries cost a look, never a wrong result.
_INDEXES: dict[int, dict[str, dict[tuple[str, Any], dict[tuple[Any, Any], Any]]]] = {}


def _index_key(value: Any) -> tuple[str, Any]:
    inner = value.value
    return value.type, inner if isinstance(inner, str | bool) or inner is None else repr(inner)


def _item_key(item: Any) -> tuple[Any, Any]:
    return item.hash_key, item.range_key


def _current(table: Any, item: Any) -> bool:
    bucket = table.items.get(item.hash_key)  # .get: never grow the defaultdict
    if bucket is None:
        return False
    return (bucket.get(item.range_key) if table.range_key_attr else bucket) is item


def _attribute_index(table: Any, name: str) -> dict[tuple[str, Any], dict[tuple[Any, Any], Any]]:
    per_table = _INDEXES.setdefault(id(table), {})
    if name not in per_table:
        index: dict[tuple[str, Any], dict[tuple[Any, Any], Any]] = {}
        for bucket in table.items.values():
            for item in (bucket.values() if table.range_key_attr else [bucket]):
                if item.attrs.get(name) is not None:
                    index.setdefault(_index_key(item.attrs[name]), {})[_item_key(item)] = item
        per_table[name] = index
    return per_table[name]


def _reindex(table: Any, item: Any) -> None:
    if item is None:
        return
    _resort(table, item)
    for name, index in _INDEXES.get(id(table), {}).items():
        value = item.attrs.get(name)
        if value is not None:
            index.setdefault(_index_key(value), {})[_item_key(item)] = item


# 6. Sorted index partitions: (hash attribute, range attribute) → hash value → keys in moto's order and their
# items; an attribute of the table object itself, so it goes with the table.
_SORTED_ATTR = "_kokuho_sorted_partitions"
_Key = tuple[str, str, str]  # (sort key, table hash key, table range key)
_SORTED_TABLES: list[Any] = []


class _Partition:
    def __init__(self) -> None:
        self.keys: list[_Key] = []
        self.items: dict[_Key, Any] = {}
        self.usable = True  # False once an item with a non-string key is seen: moto's path then

    def add(self, key: _Key, item: Any) -> None:
        if key not in self.items:
            bisect.insort(self.keys, key)
        self.items[key] = item


def _str(value: Any) -> str | None:
    return value.value if value is not None and value.type == "S" and isinstance(value.value, str) else None


def _sorted_key(table: Any, item: Any, range_attr: str) -> _Key | None:
    sort, table_hash = _str(item.attrs.get(range_attr)), _str(item.hash_key)
    table_range = _str(item.range_key) if table.range_key_attr else ""
    return None if sort is None or table_hash is None or table_range is None else (sort, table_hash, table_range)


def _partition(table: Any, hash_attr: str, range_attr: str, value: str) -> _Partition:
    if _SORTED_ATTR not in table.__dict__:
        _SORTED_TABLES.append(table)  # forgotten when the patch ends: writes after it are not followed
    per_table: dict[tuple[str, str], dict[str, _Partition]] = table.__dict__.setdefault(_SORTED_ATTR, {})
    partitions = per_table.setdefault((hash_attr, range_attr), {})
    if value not in partitions:
        part = _Partition()
        for item in list(_attribute_index(table, hash_attr).get(("S", value), {}).values()):
            if not _current(table, item) or _str(item.attrs.get(hash_attr)) != value:
                continue
            if item.attrs.get(range_attr) is None:
                continue  # not in the index (as moto)
            key = _sorted_key(table, item, range_attr)
            if key is None:
                part.usable = False
                break
            part.add(key, item)
        partitions[value] = part
    return partitions[value]


def _resort(table: Any, item: Any) -> None:
    """An item written: into every sorted partition of the table it belongs to."""
    for (hash_attr, range_attr), partitions in table.__dict__.get(_SORTED_ATTR, {}).items():
        part = partitions.get(_str(item.attrs.get(hash_attr)) or "")
        if part is None or item.attrs.get(range_attr) is None:
            continue
        key = _sorted_key(table, item, range_attr)
        if key is None:
            part.usable = False
        else:
            part.add(key, item)


def _after(prefix: str) -> str | None:
    """The least string above every string that starts with `prefix` (None: there is none)."""
    while prefix and prefix[-1] == "\U0010ffff":
        prefix = prefix[:-1]
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else None


def _bounds(keys: list[_Key], comparison: str | None, values: list[str]) -> tuple[int, int] | None:
    """Index range of the keys whose sort key meets the condition (None: a condition not handled)."""
    op = (comparison or "").upper()
    at = lambda s: bisect.bisect_left(keys, (s,))  # noqa: E731  # first key with sort key >= s
    past = lambda s: bisect.bisect_left(keys, (s + "\x00",))  # noqa: E731  # first key with sort key > s
    if not op:
        return 0, len(keys)
    if op == "BEGINS_WITH" and len(values) == 1:
        upper = _after(values[0])
        return at(values[0]), at(upper) if upper is not None else len(keys)
    if op == "BETWEEN" and len(values) == 2:
        return at(values[0]), max(at(values[0]), past(values[1]))
    one = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}.get(op, op)
    if len(values) != 1:
        return None
    v = values[0]
    return {"EQ": (at(v), past(v)), "LT": (0, at(v)), "LE": (0, past(v)), "GT": (past(v), len(keys)),
            "GE": (at(v), len(keys))}.get(one)


def _page(table: Any, bound: dict[str, Any]) -> list[Any] | None:
    """The items moto needs to answer this index query exactly: the first `Limit` matching items after the
    exclusive start key, in the query's order, and the next item of the partition (None: not handled)."""
    index_name = bound.get("index_name")
    if bound.get("filter_kwargs") or len(bound.get("range_key_conditions") or []) > 1:
        return None
    conditions = bound.get("hash_key_conditions") or []
    index = next((i for i in table.all_indexes() if i.name == index_name), None)
    if index is None or len(conditions) != 1:
        return None
    hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
    ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
    if len(hashes) != 1 or len(ranges) != 1 or conditions[0][0] != hashes[0]:
        return None
    hash_attr, range_attr, value = hashes[0], ranges[0], _str(conditions[0][1])
    if value is None:
        return None
    range_values = [_str(v) for v in bound.get("range_objs") or []]
    if any(v is None for v in range_values):
        return None
    part = _partition(table, hash_attr, range_attr, value)
    if not part.usable:
        return None
    span = _bounds(part.keys, bound.get("range_comparison"), [v for v in range_values if v is not None])
    if span is None:
        return None
    lo, hi = span
    forward = bound.get("scan_index_forward", True) is not False
    start = bound.get("exclusive_start_key")
    if start:
        start_key = (start.get(range_attr, {}).get("S"), start.get(table.hash_key_attr, {}).get("S"),
                     start.get(table.range_key_attr, {}).get("S", "") if table.range_key_attr else "")
        if not all(isinstance(s, str) for s in start_key):
            return None
        if forward:
            lo = max(lo, bisect.bisect_right(part.keys, start_key))
        else:
            hi = min(hi, bisect.bisect_left(part.keys, start_key))
    limit = bound.get("limit")
    order = range(lo, hi) if forward else range(hi - 1, lo - 1, -1)
    out: list[Any] = []
    for i in order:
        item = _valid(table, part, part.keys[i], hash_attr, range_attr, value)
        if item is not None:
            out.append(item)
            if limit is not None and len(out) == limit:
                # the next item of the partition, matching or not, is what makes moto return its key
                following = (range(i + 1, len(part.keys)) if forward else range(i - 1, -1, -1))
                for j in following:
                    extra = _valid(table, part, part.keys[j], hash_attr, range_attr, value)
                    if extra is not None:
                        out.append(extra)
                        break
                return out
    return out


def _valid(table: Any, part: _Partition, key: _Key, hash_attr: str, range_attr: str, value: str) -> Any:
    item = part.items[key]
    if _current(table, item) and _str(item.attrs.get(hash_attr)) == value \
            and _str(item.attrs.get(range_attr)) == key[0]:
        return item
    return None


# 14. Attribute types a projection picks as they are: moto's JSON round trip gives them back unchanged (a
# number may come back in another spelling, a set in another order: those go through moto's projection).
_PICKED_AS_IS = frozenset({"S", "BOOL", "NULL"})


# 9. An update expression of top-level `#name = :value` SET actions only (pynamodb's `attribute.set`).
_PLAIN_SET = re.compile(r"\s*SET\s+#\w+\s*=\s*:\w+(?:\s*,\s*#\w+\s*=\s*:\w+)*\s*", re.IGNORECASE | re.ASCII)
_SET_ACTION = re.compile(r"(#\w+)\s*=\s*(:\w+)", re.ASCII)


def _plain_set_update(backend: Any, bound: dict[str, Any]) -> Any:
    """moto's update_item for a plain SET expression, as moto ends it; None: not one (moto's own path)."""
    from moto.dynamodb.exceptions import ConditionalCheckFailed, ItemSizeTooLarge, ItemSizeToUpdateTooLarge
    from moto.dynamodb.models import create_condition_expression_parser
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    expression = bound.get("update_expression")
    if (not isinstance(expression, str) or not _PLAIN_SET.fullmatch(expression) or bound.get("attribute_updates")
            or bound.get("expected")):
        return None
    names, values = bound.get("expression_attribute_names") or {}, bound.get("expression_attribute_values") or {}
    pairs = _SET_ACTION.findall(expression)
    if any(n not in names or v not in values for n, v in pairs):
        return None  # moto raises its own error, before changing anything
    actions: list[tuple[str, dict[str, Any]]] = [(names[n], values[v]) for n, v in pairs]
    table = backend.tables.get(bound["table_name"])
    if table is None or table.stream_shard is not None:
        return None
    resolved = [n for n, _ in actions]
    if len(set(resolved)) != len(resolved) or any(n in table.table_key_attrs for n in resolved):
        return None  # moto raises its own error for each of these, before changing anything
    key = bound["key"]
    if table.hash_key_attr not in key or (table.range_key_attr is not None and table.range_key_attr not in key):
        return None
    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr is not None else None
    item = table.get_item(hash_value, range_value)
    condition = create_condition_expression_parser(bound.get("condition_expression"), names, values).parse()
    if not condition.expr(item):
        if bound.get("return_values_on_condition_check_failure") == "ALL_OLD" and item is not None:
            raise ConditionalCheckFailed(item=item.to_json()["Attributes"])
        raise ConditionalCheckFailed
    if item is None:  # an update creates the item (moto: its key first, then the actions)
        data = {table.hash_key_attr: {hash_value.type: hash_value.value}}
        if range_value is not None:
            data[table.range_key_attr] = {range_value.type: range_value.value}
        table.put_item(data)
        item = table.get_item(hash_value, range_value)
        if not isinstance(item, Item):
            return None
    try:
        _set_attributes(item.attrs, [(name, DynamoType(value)) for name, value in actions])
    except ItemSizeTooLarge:
        raise ItemSizeToUpdateTooLarge() from None
    return item


def _set_attributes(attrs: Any, typed: list[tuple[str, Any]]) -> None:
    """`attrs[name] = value` for each, in order, as moto's LimitedSizeDict sets them — refused (ItemSizeTooLarge,
    the attributes before it set) when the item's attributes as they are, with the new one's name and value,
    pass the limit (the value it replaces counted too, as moto counts it) — the item sized once, not at every
    attribute (16)."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    if type(attrs) is not LimitedSizeDict:
        for name, value in typed:
            attrs[name] = value
        return

    def sized(value: Any) -> int:
        return int(value.size()) if type(value) is DynamoType else bytesize(str(value))

    total = sum(bytesize(str(k)) + sized(v) for k, v in attrs.items())
    for name, value in typed:
        added = bytesize(name) + sized(value)
        if total + added > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        if name in attrs:
            total -= bytesize(name) + sized(attrs[name])
        total += added
        dict.__setitem__(attrs, name, value)


_BASE36 = string.digits + string.ascii_uppercase  # 26: a request id's count
_SIZE = "_kokuho_size"  # 23: an item's size (moto's Item.size), kept with it until its attributes change


def _forget_size(backend: Any, table_name: str, key: Any, item: Any) -> None:
    """An update changed an item's attributes in place (moto's only such path): its kept size goes (23)."""
    if item is not None:
        item.__dict__.pop(_SIZE, None)
        return
    try:  # the update failed: the item as stored, whatever the update left of it
        table = backend.get_table(table_name)
        if table.hash_key_attr not in key or (table.range_key_attr and table.range_key_attr not in key):
            return
        found = table.get_item(*backend.get_keys_value(table, key))
    except Exception:  # noqa: BLE001 - no such table or key: nothing kept to forget
        return
    if found is not None:
        found.__dict__.pop(_SIZE, None)


def _key_of_item(value: Any, hash_key: Any, range_key: Any) -> Any:
    """The item's own key value when `value` is the very value moto's put built it from (its key
    attribute): one object for both, not two alike (13)."""
    if type(value) is not dict or len(value) != 1:
        return None
    for key in (hash_key, range_key):
        if key is not None and type(key.value) is str and value.get(key.type) is key.value:
            return key
    return None


@contextmanager
def patched_dynamodb() -> Iterator[None]:
    from moto.core.serialize import JSONSerializer
    from moto.dynamodb import models as ddb_models
    from moto.dynamodb.responses import DynamoHandler

    original_structure = JSONSerializer._serialize_type_structure

    def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and getattr(shape, "name", None) == "AttributeValue" and _plain(value):
            self._default_serialize(serialized, value, shape, key)
            return
        original_structure(self, serialized, value, shape, key)

    from moto.dynamodb.models import table as table_module
    from moto.dynamodb.models.table import Table

    # moto's table module sees this instead of `copy` during a projected query (under the lock only)
    no_item_copy = types.SimpleNamespace(deepcopy=lambda value, memo=None: value, copy=copy.copy)
    original_query = Table.query
    query_signature = inspect.signature(original_query)

    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        with DDB_LOCK:
            bound = query_signature.bind(self, *args, **kwargs).arguments
            subset = _page(self, bound) if bound.get("index_name") else None
            # 6: a page bisected from a sorted partition is in moto's order already (its sort key, then the
            # table's keys, all strings): handed over ascending, moto's re-sort of it is skipped
            paged = subset is not None
            if subset is not None and bound.get("scan_index_forward", True) is False:
                subset = subset[::-1]  # moto sorts ascending, then reverses a backward query
            if subset is None:
                subset = _candidates(self, bound.get("hash_key"), bound.get("index_name"),
                                     bound.get("hash_key_conditions"), bound)
            index = next((i for i in self.all_indexes() if i.name == bound["index_name"]), None) \
                if bound.get("index_name") else None
            projected = bool(bound.get("projection_expressions")) or (index is not None and (
                index.projection or {}).get("ProjectionType") in ("KEYS_ONLY", "INCLUDE"))
            if projected:  # 14: the projection builds new items; moto's copy of every whole item first is moot
                table_module.copy = no_item_copy  # type: ignore[assignment]
            try:
                if subset is None:
                    return original_query(self, *args, **kwargs)
                self.all_items = lambda: subset  # instance attribute: shadows the method for this call
                if paged:
                    self.sorted_items = lambda hash_attrs, range_attrs, items: items
                try:
                    return original_query(self, *args, **kwargs)
                finally:
                    del self.all_items
                    if paged:
                        del self.sorted_items
            finally:
                if projected:
                    table_module.copy = copy  # type: ignore[assignment]

    original_scan = Table.scan
    scan_signature = inspect.signature(original_scan)

    def scan(self: Any, *args: Any, **kwargs: Any) -> Any:
        with DDB_LOCK:
            bound = scan_signature.bind(self, *args, **kwargs).arguments
            if bound.get("index_name") or self.hash_key_type != "S" or (
                    self.range_key_attr and self.range_key_type != "S"):
                return original_scan(self, *args, **kwargs)
            try:
                start = _scan_start(self, bound.get("exclusive_start_key"))
            except ValueError:
                return original_scan(self, *args, **kwargs)
            self.all_items = lambda: _scan_items(self, start)  # instance attribute: for this call only
            try:
                return original_scan(self, *args, **kwargs)
            finally:
                del self.all_items

    original_put = Table.put_item
    original_update = ddb_models.DynamoDBBackend.update_item

    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        with DDB_LOCK:
            item = original_put(self, *args, **kwargs)
            _reindex(self, item)
            return item

    update_signature = inspect.signature(original_update)

    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        with DDB_LOCK:
            bound = update_signature.bind(self, table_name, key, *args, **kwargs).arguments
            item = None
            try:
                item = _plain_set_update(self, bound)
                if item is None:
                    item = original_update(self, table_name, key, *args, **kwargs)
            finally:
                _forget_size(self, table_name, key, item)  # 23: its attributes changed in place
            _reindex(self.get_table(table_name), item)  # attributes change in place
            return item

    original_call = DynamoHandler.call_action
    original_transact = ddb_models.DynamoDBBackend.transact_write_items
    # moto's module sees this instead of `copy` while a transaction runs (under the lock only)
    no_table_copy = types.SimpleNamespace(deepcopy=lambda value, memo=None: value, copy=copy.copy)

    # 26: moto's call_action without its amz_crc32 decorator (a checksum of every answer, then checked again by
    # botocore); the decorator only adds the header and casts the status moto's _enrich_response casts already
    unchecked_call = getattr(original_call, "__wrapped__", original_call)

    def call_action(self: Any) -> Any:
        with DDB_LOCK:
            return unchecked_call(self)

    from moto.core import responses as core_responses

    original_request_id = core_responses.gen_amzn_requestid_long
    # 26: letters and digits as moto draws them: 32 drawn once, then a count of 20 in base 36
    id_prefix = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    id_count = itertools.count(1)

    def request_id(headerdict: dict[str, Any] | None = None) -> str:
        n = next(id_count)  # atomic under the GIL: ids are unique across the Lambdas' threads
        digits = []
        while n:
            n, d = divmod(n, 36)
            digits.append(_BASE36[d])
        req_id = id_prefix + "".join(reversed(digits)).rjust(20, "0")
        if headerdict is not None and isinstance(headerdict, dict):
            headerdict.update({"x-amzn-requestid": req_id})
        return req_id

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with DDB_LOCK:
            backup: list[tuple[Any, Any, Any, Any]] = []
            for entry in transact_items:
                if len(entry) != 1:
                    continue  # moto raises its own error for this, before changing anything
                op_type, op = next(iter(entry.items()))
                table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
                if table is None:
                    continue
                keys = _keys(table, op_type, op)
                if keys is not None:
                    held = table.get_item(*keys)
                    # a Put replaces the item with a new one and a Delete drops it, a check leaves it: the item
                    # itself is its backup; only an Update changes it in place, so only that one is copied
                    backup.append((table, *keys, copy.deepcopy(held) if op_type == "Update" else held))
            ddb_models.copy = no_table_copy  # type: ignore[assignment]
            try:
                return original_transact(self, transact_items)  # type: ignore[no-any-return]
            except BaseException:
                for table, hash_key, range_key, before in reversed(backup):
                    if before is None:
                        table.delete_item(hash_key, range_key)
                    elif range_key is not None:
                        table.items[hash_key][range_key] = before
                    else:
                        table.items[hash_key] = before
                    _reindex(table, before)
                raise
            finally:
                ddb_models.copy = copy  # type: ignore[assignment]

    from moto.core import responses as core_responses
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    original_item_init = Item.__init__

    def item_init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key, self.range_key = hash_key, range_key
        built = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.__init__(built)
        size = 0
        for key, value in attrs.items():
            typed = _key_of_item(value, hash_key, range_key) or DynamoType(value)
            size += bytesize(key) + typed.size()
            dict.__setitem__(built, sys.intern(key), typed)
        if size > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        self.attrs = built
        self.__dict__[_SIZE] = size  # 23: moto's Item.size, the same sum

    original_project = Item.project
    moto_item_size = Item.size

    def kept_size(self: Any) -> int:  # 23
        found = self.__dict__.get(_SIZE)
        if found is None:
            found = self.__dict__[_SIZE] = moto_item_size(self)
        return int(found)

    def project(self: Any, projection_expressions: list[list[str]]) -> Any:
        picked: dict[str, Any] = {}
        for expr in projection_expressions:
            if len(expr) != 1 or "[" in expr[0]:
                return original_project(self, projection_expressions)
            value = self.attrs.get(expr[0])
            if value is None:
                continue
            if value.type not in _PICKED_AS_IS:
                return original_project(self, projection_expressions)
            picked[expr[0]] = {value.type: value.value}
        # 14: the item moto's Item(...) builds of these, without sizing it: a part of an item within the limit
        # is within it
        projected: Any = Item.__new__(Item)
        projected.hash_key, projected.range_key = self.hash_key, self.range_key
        attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.__init__(attrs)
        for name, wire in picked.items():
            dict.__setitem__(attrs, sys.intern(name),
                             _key_of_item(wire, self.hash_key, self.range_key) or DynamoType(wire))
        projected.attrs = attrs
        return projected

    from moto.core.common_models import BaseModel

    original_new = BaseModel.__dict__["__new__"]  # a staticmethod, put back as it was

    def untracked_new(cls: Any, *args: Any, **kwargs: Any) -> Any:
        if cls is Item:
            return object.__new__(cls)
        return original_new.__func__(cls, *args, **kwargs)

    original_method_names = core_responses.method_names_from_class
    dynamo_methods: list[str] = []

    def method_names_from_class(clazz: Any) -> list[str]:
        if clazz is not DynamoHandler:
            return original_method_names(clazz)
        if not dynamo_methods:
            dynamo_methods.extend(original_method_names(clazz))
        return dynamo_methods

    from moto.dynamodb import comparisons
    from moto.dynamodb import responses as ddb_responses

    original_parser = comparisons.create_condition_expression_parser
    parsed: dict[tuple[str, str, str], tuple[Any, list[str], list[str]]] = {}

    class CachedParser:
        """A condition parser whose parse() is moto's, done once per expression, names and values."""

        def __init__(self, key: tuple[str, str, str], *args: Any) -> None:
            self.key, self.args = key, args
            self.expr_attr_names_found: list[str] = []
            self.expr_attr_values_found: list[str] = []

        def parse(self) -> Any:
            with DDB_LOCK:
                hit = parsed.get(self.key)
            if hit is None:
                parser = original_parser(*self.args)
                op = parser.parse()  # an invalid expression raises here, every time
                hit = (op, list(parser.expr_attr_names_found), list(parser.expr_attr_values_found))
                with DDB_LOCK:
                    if len(parsed) >= 4096:  # a bound: filters with ever-new values would grow it
                        parsed.clear()
                    parsed[self.key] = hit
            # fresh lists: moto's handler extends the ones it is given
            self.expr_attr_names_found, self.expr_attr_values_found = list(hit[1]), list(hit[2])
            return hit[0]

    def create_condition_expression_parser(expr: str | None, names: Any, values: Any) -> Any:
        if not expr:
            return original_parser(expr, names, values)
        # repr: exact for these dicts of strings, lists and dicts, and ~10× cheaper than a sorted JSON dump
        # (made for every condition of every item); another key order only misses the cache
        key = (expr, repr(names or {}), repr(values or {}))
        return CachedParser(key, expr, names, values)

    original_lex = comparisons.ConditionExpressionParser._lex_condition_expression
    lexed: dict[str, tuple[Any, ...]] = {}

    def lex_condition_expression(self: Any) -> Any:
        expression = self.condition_expression
        with DDB_LOCK:
            tokens = lexed.get(expression)
        if tokens is None:
            tokens = tuple(original_lex(self))  # an invalid expression raises here, every time
            with DDB_LOCK:
                if len(lexed) >= 4096:  # a bound, as for the parses
                    lexed.clear()
                lexed[expression] = tokens
        return deque(tokens)

    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    original_make = UpdateExpressionParser.__dict__["make"]  # the classmethod itself: put back as it was
    made: dict[str, Any] = {}

    def make(cls: Any, expression_str: Any) -> Any:
        if cls is not UpdateExpressionParser or not isinstance(expression_str, str):
            return original_make.__func__(cls, expression_str)
        with DDB_LOCK:
            hit = made.get(expression_str)
        if hit is None:
            hit = original_make.__func__(cls, expression_str)  # an invalid expression raises here, every time
            with DDB_LOCK:
                if len(made) >= 4096:  # a bound, as for conditions
                    made.clear()
                    roots.clear()
                    found.clear()
                made[expression_str] = hit
                roots[id(hit)] = hit
        return hit

    # The clauses the request handler looks for in a syntax tree made once (12): found once per tree and kind
    # (the tree is never changed: moto's validator changes a deep copy, whose own walks are moto's).
    from moto.dynamodb.parsing import ast_nodes

    original_find = ast_nodes.Node.find_clauses  # type: ignore[attr-defined]
    roots: dict[int, Any] = {}
    found: dict[tuple[int, tuple[Any, ...]], list[Any]] = {}

    def find_clauses(self: Any, clause_types: Any) -> Any:
        if roots.get(id(self)) is not self:
            return original_find(self, clause_types)
        key = (id(self), tuple(clause_types))
        with DDB_LOCK:
            hit = found.get(key)
        if hit is None:
            hit = original_find(self, clause_types)
            with DDB_LOCK:
                found[key] = hit
        return list(hit)  # a fresh list: callers may extend it

    original_hash, original_eq, original_size = DynamoType.__hash__, DynamoType.__eq__, DynamoType.size
    original_value_init = DynamoType.__init__

    def value_init(self: Any, type_as_dict: Any) -> None:
        if type(type_as_dict) is not dict or len(type_as_dict) != 1:
            original_value_init(self, type_as_dict)  # a copy of a value, or not in wire form: moto's
            return
        (kind, value), = type_as_dict.items()
        self.type = kind
        if kind == "L":
            value = [DynamoType(v) for v in value]
        elif kind == "M":
            value = {k: DynamoType(v) for k, v in value.items()}
        self.value = value

    def value_hash(self: Any) -> int:
        if self.type == "S":  # cast_value of a string is its value
            return hash(("S", self.value))
        return original_hash(self)

    def value_eq(self: Any, other: Any) -> bool:
        if self.type == "S" and other.type == "S":
            return bool(self.value == other.value)
        return original_eq(self, other)

    def value_size(self: Any) -> int:
        kind, value = self.type, self.value
        if kind == "S" and isinstance(value, str):
            return len(value.encode("utf-8"))
        if kind == "M":  # moto: bytesize(k) + DynamoType(v).size(), the copy sized as the member is
            return sum(bytesize(k) + (v.size() if type(v) is DynamoType else DynamoType(v).size())
                       for k, v in value.items())
        if kind == "L":
            return sum(v.size() for v in value)
        return original_size(self)

    original_parse = core_responses.BaseResponse.parse_parameters

    def parse_parameters(self: Any, request: Any) -> None:
        body = request.data
        if (isinstance(self, DynamoHandler) and isinstance(body, bytes) and body.startswith(b"{")
                and self._get_action() in WIRE_FORM_ACTIONS and not BINARY_VALUE.search(body)):
            self.params = json.loads(body)
            return
        original_parse(self, request)

    from io import BytesIO

    from moto.core import request as core_request
    from werkzeug.wsgi import LimitedStream

    original_from_primitives = core_request.Request.__dict__["from_primitives"]  # the classmethod: put back as is

    def from_primitives(cls: Any, method: str, url: str, headers: Any, body: Any = None) -> Any:
        environ = _request_environ(method, url, headers, body) if cls is core_request.Request else None
        if environ is None:
            return original_from_primitives.__func__(cls, method, url, headers, body)
        items = environ.pop("kokuho.header_items")
        request = cls(environ)  # werkzeug's from_values: cls(builder.get_environ())
        content_type = environ.get("CONTENT_TYPE", "")
        if content_type.startswith("application/x-amz-json-") and "HTTP_CONTENT_ENCODING" not in environ:
            # 27: what moto's first read (`request.data`: werkzeug's form parse, then the stream read) leaves on a
            # JSON request — no form, no files, the stream read to its end, the body kept — set directly
            storage = request.parameter_storage_class
            request.__dict__.update(stream=LimitedStream(BytesIO(), 0), form=storage(), files=storage())
            request._cached_data = body
        request.environ[core_request.PRESERVED_HEADER_NAMES_ENVIRON_KEY] = {
            core_request.environ_key_for_header(key): key
            for key, _ in items if core_request.should_preserve_original_header_name(key)}
        request.environ.setdefault("CONTENT_LENGTH", "0")
        return request

    from moto.core import botocore_stubber as stubber_module
    from moto.core.exceptions import HTTPException, ServiceNotWhitelisted

    original_process = stubber_module.BotocoreStubber.process_request

    def process_request(self: Any, request: Any) -> Any:
        url = request.url
        if not isinstance(url, str) or "dynamodb." not in url:
            return original_process(self, request)
        parsed_url, _ = stubber_module.get_equivalent_url_in_aws_domain(url)
        clean_url = f"{parsed_url.scheme}://{parsed_url.netloc}{parsed_url.path}"
        if not parsed_url.netloc.startswith("dynamodb.") or stubber_module.passthrough_url(clean_url):
            return original_process(self, request)
        route = _ROUTES.get(clean_url)
        if route is None:
            route = _route(clean_url)
            if route is None:
                return original_process(self, request)
            with DDB_LOCK:
                if len(_ROUTES) >= 64:  # a bound: one endpoint a region
                    _ROUTES.clear()
                _ROUTES[clean_url] = route
        services, method_to_execute = route
        for service in services:  # moto's checks, in its order
            if stubber_module.passthrough_service(service):
                return None
            if not stubber_module.service_whitelisted(service):
                raise ServiceNotWhitelisted(service)
        from moto.moto_api import recorder

        normalized_request = stubber_module.normalize_request(request)
        try:
            recorder._record_request(normalized_request)
            status, headers, body = method_to_execute(normalized_request, normalized_request.raw_url,
                                                      normalized_request.headers)
        except HTTPException as e:
            status, headers, body = e.code, e.get_headers(), e.get_body()
        return status, headers, body

    from datetime import datetime

    from moto.dynamodb import responses as ddb_responses_module

    original_to_dict = ddb_responses_module.dynamo_to_dict
    as_is = (str, int, float, bool, type(None))

    def dynamo_to_dict(obj: Any) -> Any:
        kind = type(obj)
        if kind in as_is:
            return obj  # moto: none of its kinds, returned as it is
        if kind is dict:
            return {k: dynamo_to_dict(v) for k, v in obj.items()}
        if kind is list:
            return [dynamo_to_dict(v) for v in obj]
        # moto's tests, in its order, its recursion kept in this function; a binary value is moto's
        if isinstance(obj, datetime):
            return obj
        if isinstance(obj, DynamoType):
            if obj.type in ("B", "BS"):
                return original_to_dict(obj)
            return {obj.type: dynamo_to_dict(obj.value)}
        if hasattr(obj, "to_json"):
            return dynamo_to_dict(obj.to_json())
        if isinstance(obj, dict):  # an item's attributes (LimitedSizeDict)
            return {k: dynamo_to_dict(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [dynamo_to_dict(v) for v in obj]
        return obj

    original_serialized = core_responses.BaseResponse.serialized

    def serialized(self: Any, action_result: Any) -> Any:
        if isinstance(self, DynamoHandler):
            direct = _serialized_directly(self, action_result)
            if direct is not None:
                return direct
        return original_serialized(self, action_result)

    core_responses.BaseResponse.parse_parameters = parse_parameters  # type: ignore[method-assign]
    core_responses.BaseResponse.serialized = serialized  # type: ignore[method-assign]
    core_request.Request.from_primitives = classmethod(from_primitives)  # type: ignore[method-assign, assignment]
    stubber_module.BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
    ddb_responses_module.dynamo_to_dict = dynamo_to_dict
    DynamoType.__init__ = value_init  # type: ignore[method-assign]
    DynamoType.__hash__ = value_hash  # type: ignore[method-assign]
    DynamoType.__eq__ = value_eq  # type: ignore[method-assign, assignment]
    DynamoType.size = value_size  # type: ignore[method-assign]
    UpdateExpressionParser.make = classmethod(make)  # type: ignore[method-assign, assignment]
    ast_nodes.Node.find_clauses = find_clauses  # type: ignore[attr-defined]
    comparisons.ConditionExpressionParser._lex_condition_expression = lex_condition_expression  # type: ignore[method-assign]
    Item.__init__ = item_init  # type: ignore[method-assign]
    Item.project = project  # type: ignore[method-assign]
    Item.size = kept_size  # type: ignore[method-assign]
    BaseModel.__new__ = staticmethod(untracked_new)  # type: ignore[assignment,method-assign]
    for module in (comparisons, ddb_responses, ddb_models):
        module.create_condition_expression_parser = create_condition_expression_parser  # type: ignore[attr-defined]
    core_responses.method_names_from_class = method_names_from_class  # type: ignore[assignment]
    core_responses.gen_amzn_requestid_long = request_id
    JSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    Table.scan = scan  # type: ignore[method-assign]
    Table.put_item = put_item  # type: ignore[method-assign]
    ddb_models.DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    ddb_models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        core_responses.BaseResponse.parse_parameters = original_parse  # type: ignore[method-assign]
        core_responses.BaseResponse.serialized = original_serialized  # type: ignore[method-assign]
        core_request.Request.from_primitives = original_from_primitives  # type: ignore[method-assign]
        stubber_module.BotocoreStubber.process_request = original_process  # type: ignore[method-assign]
        ddb_responses_module.dynamo_to_dict = original_to_dict
        _ROUTES.clear()
        DynamoType.__init__ = original_value_init  # type: ignore[method-assign]
        DynamoType.__hash__ = original_hash  # type: ignore[method-assign]
        DynamoType.__eq__ = original_eq  # type: ignore[method-assign]
        DynamoType.size = original_size  # type: ignore[method-assign]
        UpdateExpressionParser.make = original_make  # type: ignore[method-assign]
        ast_nodes.Node.find_clauses = original_find  # type: ignore[attr-defined]
        comparisons.ConditionExpressionParser._lex_condition_expression = original_lex  # type: ignore[method-assign]
        Item.__init__ = original_item_init  # type: ignore[method-assign]
        Item.project = original_project  # type: ignore[method-assign]
        Item.size = moto_item_size  # type: ignore[method-assign]
        BaseModel.__new__ = original_new  # type: ignore[method-assign]
        for module in (comparisons, ddb_responses, ddb_models):
            module.create_condition_expression_parser = original_parser  # type: ignore[attr-defined]
        core_responses.method_names_from_class = original_method_names  # type: ignore[assignment]
        core_responses.gen_amzn_requestid_long = original_request_id
        JSONSerializer._serialize_type_structure = original_structure  # type: ignore[method-assign]
        Table.query = original_query  # type: ignore[method-assign]
        Table.scan = original_scan  # type: ignore[method-assign]
        Table.put_item = original_put  # type: ignore[method-assign]
        ddb_models.DynamoDBBackend.update_item = original_update  # type: ignore[method-assign]
        _INDEXES.clear()
        for sorted_table in _SORTED_TABLES:
            sorted_table.__dict__.pop(_SORTED_ATTR, None)
        _SORTED_TABLES.clear()
        DynamoHandler.call_action = original_call  # type: ignore[method-assign]
        ddb_models.DynamoDBBackend.transact_write_items = original_transact  # type: ignore[method-assign]
