-- name: kokuho-detection-access-log-write
-- detection: access-log-write
-- description: A write to the access-record table other than a writer function's PutItem or the retention run's DeleteItem (its data-access role; never a session's name). One row per event, in the finding shape of kokuho trail scan --json.
-- params: day_from day_to
SELECT 'access-log-write' AS rule,
       COALESCE(useridentity.sessioncontext.sourceidentity, useridentity.arn, useridentity.invokedby) AS principal,
       1 AS "count",
       eventtime AS "first",
       eventtime AS "last",
       ARRAY[eventid] AS event_ids
FROM cloudtrail_logs
WHERE "timestamp" BETWEEN ? AND ?
  AND eventsource = 'dynamodb.amazonaws.com'
  AND (json_extract_scalar(requestparameters, '$.tableName') = '${table:access_log}'
       OR (json_extract_scalar(requestparameters, '$.tableName') IS NULL
           AND (regexp_like(requestparameters, '"(tableName|TableName)"\s*:\s*"${table:access_log}"')
                OR regexp_like(requestparameters, '"${table:access_log}"\s*:'))))
  AND (
    eventname IN ('PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems')
    OR (eventname = 'ExecuteStatement'
        AND NOT regexp_like(COALESCE(json_extract_scalar(requestparameters, '$.statement'), ''), '(?i)^\s*select\b'))
    OR (eventname IN ('BatchExecuteStatement', 'ExecuteTransaction')
        AND regexp_like(COALESCE(requestparameters, ''),
                        '(?i)"statement"\s*:\s*"\s*(insert|update|delete|upsert|replace)\b')))
  AND NOT (eventname = 'PutItem'
           AND (regexp_like(COALESCE(useridentity.principalid, ''), '${writer_sessions:access_log}')
                OR regexp_like(COALESCE(useridentity.sessioncontext.sessionissuer.username, ''),
                               '${writer_data_roles:access_log}')))
  AND NOT (eventname = 'DeleteItem'
           AND regexp_like(COALESCE(useridentity.sessioncontext.sessionissuer.username, ''),
                           '${purger_data_roles:access_log}'))
ORDER BY eventtime, eventid
