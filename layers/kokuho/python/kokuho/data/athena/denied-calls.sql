-- name: kokuho-denied-calls
-- description: Every refused call in the period (errorCode set), grouped by principal, service, operation and
-- error: how many, first and last time. A refusal is an attempt: read it with the access records of the same
-- staff and minutes.
-- params: day_from day_to
SELECT COALESCE(useridentity.sessioncontext.sourceidentity, useridentity.arn, useridentity.invokedby) AS principal,
       eventsource, eventname, errorcode,
       count(*) AS calls,
       min(eventtime) AS first_time,
       max(eventtime) AS last_time
FROM cloudtrail_logs
WHERE "timestamp" BETWEEN ? AND ?
  AND errorcode IS NOT NULL
GROUP BY 1, eventsource, eventname, errorcode
ORDER BY calls DESC, principal, eventsource, eventname, errorcode
