-- name: kokuho-detection-access-log-write
-- detection: access-log-write
-- description: A write to the access-record table other than a writer function's PutItem (or a transaction whose items on the table are puts and condition checks) or the retention run's DeleteItem (roles; never a session's name). One row per event, in the finding shape of kokuho trail scan --json.
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
                OR regexp_like(requestparameters, '"${table:access_log}"\s*:')))
       -- PartiQL names the table in its statements alone, quoted (escaped within the JSON text)
       OR regexp_like(COALESCE(requestparameters, ''), '\\"${table:access_log}\\"'))
  AND (
    eventname IN ('PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems')
    OR (eventname = 'ExecuteStatement'
        AND NOT regexp_like(COALESCE(json_extract_scalar(requestparameters, '$.statement'), ''), '(?i)^\s*select\b'))
    OR (eventname IN ('BatchExecuteStatement', 'ExecuteTransaction')
        AND regexp_like(COALESCE(requestparameters, ''),
                        '(?i)"statement"\s*:\s*"\s*(insert|update|delete|upsert|replace)\b')))
  AND NOT (eventname = 'PutItem'
           -- a role of this account's: another's may bear the name
           AND COALESCE(useridentity.sessioncontext.sessionissuer.accountid <> ''
                        AND useridentity.sessioncontext.sessionissuer.accountid = recipientaccountid, false)
           AND (regexp_like(COALESCE(useridentity.sessioncontext.sessionissuer.username, ''),
                            '${writer_own_roles:access_log}')
                OR regexp_like(COALESCE(useridentity.sessioncontext.sessionissuer.username, ''),
                               '${writer_data_roles:access_log}')))
  AND NOT (eventname = 'TransactWriteItems'
           -- a role of this account's: another's may bear the name
           AND COALESCE(useridentity.sessioncontext.sessionissuer.accountid <> ''
                        AND useridentity.sessioncontext.sessionissuer.accountid = recipientaccountid, false)
           AND (regexp_like(COALESCE(useridentity.sessioncontext.sessionissuer.username, ''),
                            '${writer_own_roles:access_log}')
                OR regexp_like(COALESCE(useridentity.sessioncontext.sessionissuer.username, ''),
                               '${writer_data_roles:access_log}'))
           -- its items on the table are puts and condition checks: no update or delete of a record among them
           AND NOT regexp_like(COALESCE(requestparameters, ''),
                               '"(update|delete)"\s*:\s*\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*"tableName"\s*:\s*"${table:access_log}"'))
  AND NOT (eventname = 'DeleteItem'
           AND COALESCE(useridentity.sessioncontext.sessionissuer.accountid <> ''
                        AND useridentity.sessioncontext.sessionissuer.accountid = recipientaccountid, false)
           AND regexp_like(COALESCE(useridentity.sessioncontext.sessionissuer.username, ''),
                           '${purger_data_roles:access_log}'))
ORDER BY eventtime, eventid
