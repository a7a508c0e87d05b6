"""An API request's access record joins the CloudTrail events of the same request (issue 11 item 1): the
record stores the Lambda request id and the API Gateway request id of the call, every AWS call the request
made carries the Lambda request id in its userAgent, and the named query `kokuho-access-record-trail` —
in DuckDB over the recorded trail and the access records' export — returns, for the record, exactly the
events of that request: the member of staff's data calls (source identity: their id) and the write of the
record itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from kokuho.access.export import EXPORTER, export_day
from kokuho.access.records import records_by_staff
from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff
from kokuho.trail.athena import query_named
from kokuho.trail.duckdb_local import connect, run_query
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.local_api import LoopbackApi, api_function, sample_person
from kokuho_local.trail_recorder import TrailRecorder

CLERK = "S3101"


def test_an_api_requests_access_record_joins_the_events_of_that_request(aws: EmbeddedAWS, tmp_path: Path) -> None:
    put_staff(StaffMember(CLERK, "窓口 一郎", "国保年金課", date(2020, 4, 1), None))
    for i, fn in enumerate(("read_qualification", "register_change")):
        put_grant(Grant(CLERK, f"G{i}", fn, "国民健康保険の資格管理", "番号法第9条第1項", "国保年金課",
                        date(2020, 4, 1), date(2099, 3, 31), "S9001", "2020-04-01T09:00:00+09:00"))
    sent: list[dict[str, Any]] = []

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        sent.append(event)
        return dict(aws.invoke(api_function(event), event))

    api = LoopbackApi(invoke)
    person = sample_person("P0001", "H0001", 3, 1, relationship="世帯主", birth_date="1980-05-05", sex="1",
                           resident_from="2024-04-01")
    recorder = TrailRecorder(tmp_path / "trail")
    with api.serving(), recorder.recording():
        assert api.request("POST", "/persons", staff_id=CLERK, body=person).status == 201
        assert api.request("GET", "/persons/P0001", staff_id=CLERK).status == 200
    recorder.write()
    today = datetime.now(UTC).date()
    for day in (today - timedelta(days=1), today):
        export_day(day, tmp_path / "trail", EXPORTER)

    records = sorted(records_by_staff(CLERK), key=lambda r: r.at)
    assert [r.operation for r in records] == ["register_person", "read"]
    # each record: the API Gateway request id of its call, and a Lambda request id of its own
    assert [r.api_request_id for r in records] == [e["requestContext"]["requestId"] for e in sent]
    assert len({r.request_id for r in records}) == 2 and None not in {r.request_id for r in records}
    by_event_id = {r["eventID"]: r for r in recorder.records}
    days = {"day_from": (today - timedelta(days=1)).isoformat(), "day_to": (today + timedelta(days=1)).isoformat()}
    con, query = connect(tmp_path / "trail"), query_named("kokuho-access-record-trail")
    for record in records:
        columns, rows = run_query(con, query, {"id": str(record.request_id), **days})
        got = [dict(zip(columns, row, strict=True)) for row in rows]
        assert {(row["chain"], row["seq"]) for row in got} == {(record.chain, int(record.seq))}
        events = [by_event_id[row["eventid"]] for row in got]
        assert events and all(f"kokuho-req/{record.request_id}" in e["userAgent"] for e in events)
        # the member of staff's data calls, and among them the write of this very record
        data_calls = [e for e in events if e["userIdentity"].get("sessionContext", {}).get("sourceIdentity")]
        assert {e["userIdentity"]["sessionContext"]["sourceIdentity"] for e in data_calls} == {CLERK}
        written = {(op["key"]["pk"], op["key"]["sk"]) for e in data_calls
                   for item in (e["requestParameters"] or {}).get("transactItems", []) for op in item.values()
                   if isinstance(op.get("key"), dict) and "sk" in op["key"]}
        assert (f"CHAIN#{record.chain}", f"REC#{int(record.seq):010d}") in written
