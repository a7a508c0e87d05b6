-- name: kokuho-detection-outside-japan
-- detection: outside-japan
-- description: A call in a region other than Tokyo or Osaka, except global services recorded in us-east-1 (there only). One row per event, in the finding shape of kokuho trail scan --json.
-- params: day_from day_to
SELECT 'outside-japan' AS rule,
       COALESCE(useridentity.sessioncontext.sourceidentity, useridentity.arn, useridentity.invokedby) AS principal,
       1 AS "count",
       eventtime AS "first",
       eventtime AS "last",
       ARRAY[eventid] AS event_ids
FROM cloudtrail_logs
WHERE "timestamp" BETWEEN ? AND ?
  AND COALESCE(awsregion, '') NOT IN ('ap-northeast-1', 'ap-northeast-3')
  AND NOT (
    (COALESCE(eventsource, '') IN ('iam.amazonaws.com', 'signin.amazonaws.com', 'organizations.amazonaws.com',
                                   'cloudfront.amazonaws.com', 'route53.amazonaws.com')
     AND awsregion = 'us-east-1')
    OR (eventsource = 'sts.amazonaws.com' AND awsregion = 'us-east-1'
        AND COALESCE(tlsdetails.clientprovidedhostheader, 'sts.amazonaws.com') = 'sts.amazonaws.com'))
ORDER BY eventtime, eventid
