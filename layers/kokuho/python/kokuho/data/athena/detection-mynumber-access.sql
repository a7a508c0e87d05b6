-- name: kokuho-detection-mynumber-access
-- detection: mynumber-access
-- description: The My Number table, or KMS under the vault's encryption contexts, used by a principal other than the data-access role of the catalog's function for that table (never a session's name, which whoever assumes a role chooses). One row per event, in the finding shape of kokuho trail scan --json.
-- params: day_from day_to
SELECT 'mynumber-access' AS rule,
       COALESCE(useridentity.sessioncontext.sourceidentity, useridentity.arn, useridentity.invokedby) AS principal,
       1 AS "count",
       eventtime AS "first",
       eventtime AS "last",
       ARRAY[eventid] AS event_ids
FROM cloudtrail_logs
WHERE "timestamp" BETWEEN ? AND ?
  AND (
    (eventsource = 'dynamodb.amazonaws.com'
     AND (json_extract_scalar(requestparameters, '$.tableName') = '${table:mynumber}'
          OR (json_extract_scalar(requestparameters, '$.tableName') IS NULL
              AND (regexp_like(requestparameters, '"(tableName|TableName)"\s*:\s*"${table:mynumber}"')
                   OR regexp_like(requestparameters, '"${table:mynumber}"\s*:')))
          -- PartiQL names the table in its statements alone, quoted (escaped within the JSON text)
          OR regexp_like(COALESCE(requestparameters, ''), '\\"${table:mynumber}\\"')))
    OR (eventsource = 'kms.amazonaws.com'
        AND eventname IN ('Decrypt', 'GenerateDataKey', 'ReEncrypt')
        AND (regexp_like(COALESCE(requestparameters, ''), '"kokuho:person"\s*:\s*[^n\s]')
             OR regexp_like(COALESCE(requestparameters, ''), '"kokuho:use"\s*:\s*"mynumber-(keyed-hash|data-key)"'))))
  -- the function's data-access role, of this account's (another account's may bear the name)
  AND NOT (COALESCE(useridentity.sessioncontext.sessionissuer.accountid <> ''
                    AND useridentity.sessioncontext.sessionissuer.accountid = recipientaccountid, false)
           AND regexp_like(COALESCE(useridentity.sessioncontext.sessionissuer.username, ''), '${data_roles:mynumber}'))
ORDER BY eventtime, eventid
