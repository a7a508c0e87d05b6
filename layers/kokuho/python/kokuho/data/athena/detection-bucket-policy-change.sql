-- name: kokuho-detection-bucket-policy-change
-- detection: bucket-policy-change
-- description: A successful change of a bucket's policy, ACL, public access block, Object Lock, versioning or ownership. One row per event, in the finding shape of kokuho trail scan --json.
-- params: day_from day_to
SELECT 'bucket-policy-change' AS rule,
       COALESCE(useridentity.sessioncontext.sourceidentity, useridentity.arn, useridentity.invokedby) AS principal,
       1 AS "count",
       eventtime AS "first",
       eventtime AS "last",
       ARRAY[eventid] AS event_ids
FROM cloudtrail_logs
WHERE "timestamp" BETWEEN ? AND ?
  AND eventsource = 's3.amazonaws.com'
  AND eventname IN ('PutBucketPolicy', 'DeleteBucketPolicy', 'PutBucketAcl', 'PutBucketPublicAccessBlock',
                    'DeleteBucketPublicAccessBlock', 'PutAccountPublicAccessBlock', 'DeleteAccountPublicAccessBlock',
                    'PutObjectLockConfiguration', 'PutBucketVersioning', 'PutBucketOwnershipControls')
  AND errorcode IS NULL
ORDER BY eventtime, eventid
