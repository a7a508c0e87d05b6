-- name: kokuho-key-usage
-- description: KMS use per key, principal and operation in the period (keys by the ARN CloudTrail records as
-- the event's resource): who decrypts under which key, how often, and how often refused.
-- params: day_from day_to
SELECT res.arn AS key_arn,
       COALESCE(useridentity.sessioncontext.sourceidentity, useridentity.arn, useridentity.invokedby) AS principal,
       eventname,
       count(*) AS calls,
       sum(CASE WHEN errorcode IS NULL THEN 0 ELSE 1 END) AS refused,
       min(eventtime) AS first_time,
       max(eventtime) AS last_time
FROM cloudtrail_logs
CROSS JOIN UNNEST(resources) AS u(res)
WHERE "timestamp" BETWEEN ? AND ?
  AND eventsource = 'kms.amazonaws.com'
  AND res.type = 'AWS::KMS::Key'
GROUP BY res.arn, 2, eventname
ORDER BY key_arn, calls DESC, principal, eventname
