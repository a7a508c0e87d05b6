-- name: kokuho-detection-trail-tampering
-- detection: trail-tampering
-- description: CloudTrail stopped, deleted or its selectors changed (whatever the errorCode). One row per event, in the finding shape of kokuho trail scan --json.
-- params: day_from day_to
SELECT 'trail-tampering' AS rule,
       COALESCE(useridentity.sessioncontext.sourceidentity, useridentity.arn, useridentity.invokedby) AS principal,
       1 AS "count",
       eventtime AS "first",
       eventtime AS "last",
       ARRAY[eventid] AS event_ids
FROM cloudtrail_logs
WHERE "timestamp" BETWEEN ? AND ?
  AND eventsource = 'cloudtrail.amazonaws.com'
  AND eventname IN ('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors', 'PutInsightSelectors')
ORDER BY eventtime, eventid
