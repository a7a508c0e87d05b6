-- name: kokuho-detection-table-tampering
-- detection: table-tampering
-- description: A kokuho table deleted, emptied by TTL, its deletion protection or point-in-time recovery changed, a backup deleted, or the table exported or restored whole (whatever the errorCode). One row per event, in the finding shape of kokuho trail scan --json.
-- params: day_from day_to
SELECT 'table-tampering' AS rule,
       COALESCE(useridentity.sessioncontext.sourceidentity, useridentity.arn, useridentity.invokedby) AS principal,
       1 AS "count",
       eventtime AS "first",
       eventtime AS "last",
       ARRAY[eventid] AS event_ids
FROM cloudtrail_logs
WHERE "timestamp" BETWEEN ? AND ?
  AND eventsource = 'dynamodb.amazonaws.com'
  AND (regexp_like(COALESCE(json_extract_scalar(requestparameters, '$.tableName'), ''), '^kokuho-')
       OR regexp_like(COALESCE(json_extract_scalar(requestparameters, '$.sourceTableName'), ''), '^kokuho-')
       OR regexp_like(COALESCE(json_extract_scalar(requestparameters, '$.tableArn'), ''), ':table/kokuho-')
       OR regexp_like(COALESCE(json_extract_scalar(requestparameters, '$.backupArn'), ''), ':table/kokuho-'))
  AND (eventname IN ('DeleteTable', 'DeleteBackup', 'UpdateContinuousBackups', 'ExportTableToPointInTime',
                     'RestoreTableToPointInTime', 'RestoreTableFromBackup')
       -- TTL where the design has none: the four tables whose TableSpec holds a TTL attribute hold theirs
       OR (eventname = 'UpdateTimeToLive'
           AND COALESCE(json_extract_scalar(requestparameters, '$.tableName'), '')
               NOT IN ('${table:linkage}', '${table:idempotency}', '${table:staff_sessions}', '${table:api_usage}'))
       OR (eventname = 'UpdateTable'
           AND json_extract_scalar(requestparameters, '$.deletionProtectionEnabled') = 'false'))
ORDER BY eventtime, eventid
