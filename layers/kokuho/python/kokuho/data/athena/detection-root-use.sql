-- name: kokuho-detection-root-use
-- detection: root-use
-- description: The account's root user acted (not a service acting for it). One row per event, in the finding shape of kokuho trail scan --json.
-- params: day_from day_to
SELECT 'root-use' AS rule,
       COALESCE(useridentity.sessioncontext.sourceidentity, useridentity.arn, useridentity.invokedby) AS principal,
       1 AS "count",
       eventtime AS "first",
       eventtime AS "last",
       ARRAY[eventid] AS event_ids
FROM cloudtrail_logs
WHERE "timestamp" BETWEEN ? AND ?
  AND useridentity.type = 'Root'
  AND useridentity.invokedby IS NULL
  AND COALESCE(eventtype, '') <> 'AwsServiceEvent'
ORDER BY eventtime, eventid
