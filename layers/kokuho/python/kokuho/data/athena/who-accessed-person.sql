-- name: kokuho-who-accessed-person
-- description: Who accessed one person (internal person id, never a My Number) in the period: each access
-- record naming the person (the daily export of the access records), with the CloudTrail data events of the
-- same request — joined on the request id the record stores and the request's calls carry in their userAgent
-- (kokuho-req/<id>), so a workflow's records, whose events name the run, join too; a record older than
-- request ids takes the events the same member of staff caused in the same minute — so the application's
-- record and AWS's agree or do not.
-- params: day_from day_to person_id day_from day_to
SELECT a.at, a.staff_id, a.terminal_id, a.purpose, a.category, a.operation, a.result,
       count(t.eventid) AS trail_events,
       min(t.eventtime) AS first_trail_event,
       max(t.eventtime) AS last_trail_event
FROM access_records a
LEFT JOIN (
  SELECT useridentity.sessioncontext.sourceidentity AS staff_id, "timestamp" AS day, eventtime, eventid,
         regexp_extract(useragent, 'kokuho-req/([A-Za-z0-9_.:=+@-]+)', 1) AS request_id
  FROM cloudtrail_logs
  WHERE "timestamp" BETWEEN ? AND ?
    AND useridentity.sessioncontext.sourceidentity IS NOT NULL
) t ON (a.request_id IS NOT NULL AND t.request_id = a.request_id)
    OR (a.request_id IS NULL AND t.staff_id = a.staff_id AND t.day = a.day
        AND substr(t.eventtime, 1, 16) = substr(a.at, 1, 16))
WHERE contains(a.subject_ids, ?)
  AND a.day BETWEEN ? AND ?
GROUP BY a.at, a.staff_id, a.terminal_id, a.purpose, a.category, a.operation, a.result
ORDER BY a.at, a.staff_id
