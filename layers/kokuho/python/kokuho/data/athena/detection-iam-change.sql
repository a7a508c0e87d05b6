-- name: kokuho-detection-iam-change
-- detection: iam-change
-- description: A successful change of IAM users, roles, groups or policies. One row per event, in the finding shape of kokuho trail scan --json.
-- params: day_from day_to
SELECT 'iam-change' AS rule,
       COALESCE(useridentity.sessioncontext.sourceidentity, useridentity.arn, useridentity.invokedby) AS principal,
       1 AS "count",
       eventtime AS "first",
       eventtime AS "last",
       ARRAY[eventid] AS event_ids
FROM cloudtrail_logs
WHERE "timestamp" BETWEEN ? AND ?
  AND eventsource = 'iam.amazonaws.com'
  AND regexp_like(eventname, '^(Create|Delete|Put|Attach|Detach|Update|Add|Remove|Set|Upload|Enable|Deactivate|Resync|Change)')
  AND errorcode IS NULL
ORDER BY eventtime, eventid
