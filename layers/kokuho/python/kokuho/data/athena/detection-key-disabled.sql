-- name: kokuho-detection-key-disabled
-- detection: key-disabled
-- description: A KMS key disabled, scheduled for deletion or its policy replaced (whatever the errorCode). One row per event, in the finding shape of kokuho trail scan --json.
-- params: day_from day_to
SELECT 'key-disabled' AS rule,
       COALESCE(useridentity.sessioncontext.sourceidentity, useridentity.arn, useridentity.invokedby) AS principal,
       1 AS "count",
       eventtime AS "first",
       eventtime AS "last",
       ARRAY[eventid] AS event_ids
FROM cloudtrail_logs
WHERE "timestamp" BETWEEN ? AND ?
  AND eventsource = 'kms.amazonaws.com'
  AND eventname IN ('DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy')
ORDER BY eventtime, eventid
