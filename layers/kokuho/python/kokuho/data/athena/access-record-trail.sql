-- name: kokuho-access-record-trail
-- description: The CloudTrail events of the request behind each access record of one request or workflow
-- run: an access record stores the Lambda request id of the request that wrote it (with the API request id
-- or the run id), and every AWS call of that request carries the same id in its userAgent (kokuho-req/<id>),
-- so a record joins exactly the events of its own request — who (source identity: staff id or run id), what
-- (event, table) and when. A record with no event is a row with empty event columns. `id`: a request id or
-- a run id (a Step Functions execution name).
-- params: day_from day_to id id day_from day_to
SELECT a.at, a.staff_id, a.run_id, a.request_id, a.api_request_id, a.category, a.operation, a.result,
       a.chain, a.seq,
       t.eventtime, t.eventsource, t.eventname, t.source_identity, t.principal_arn, t.table_name,
       t.requestid, t.eventid, t.errorcode
FROM access_records a
LEFT JOIN (
  SELECT regexp_extract(useragent, 'kokuho-req/([A-Za-z0-9_.:=+@-]+)', 1) AS request_id,
         useridentity.sessioncontext.sourceidentity AS source_identity, useridentity.arn AS principal_arn,
         json_extract_scalar(requestparameters, '$.tableName') AS table_name,
         eventtime, eventsource, eventname, requestid, eventid, errorcode
  FROM cloudtrail_logs
  WHERE "timestamp" BETWEEN ? AND ?
) t ON t.request_id = a.request_id
WHERE (a.request_id = ? OR a.run_id = ?)
  AND a.day BETWEEN ? AND ?
ORDER BY a.at, a.chain, a.seq, t.eventtime, t.eventid
