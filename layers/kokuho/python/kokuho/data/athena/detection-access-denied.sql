-- name: kokuho-detection-access-denied
-- detection: access-denied
-- description: Calls refused for lack of permission (AccessDenied*, *UnauthorizedOperation), one row per principal
-- with the number of refusals, in the finding shape of kokuho trail scan --json.
-- params: day_from day_to
SELECT 'access-denied' AS rule,
       principal,
       count(*) AS "count",
       min(eventtime) AS "first",
       max(eventtime) AS "last",
       array_agg(eventid ORDER BY eventtime, eventid) AS event_ids
FROM (
  SELECT COALESCE(useridentity.sessioncontext.sourceidentity, useridentity.arn, useridentity.invokedby) AS principal,
         eventtime, eventid
  FROM cloudtrail_logs
  WHERE "timestamp" BETWEEN ? AND ?
    AND (errorcode LIKE 'AccessDenied%' OR errorcode LIKE '%UnauthorizedOperation')
) denied
GROUP BY principal
ORDER BY "first", principal
