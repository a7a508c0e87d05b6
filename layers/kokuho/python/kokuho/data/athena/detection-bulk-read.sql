-- name: kokuho-detection-bulk-read
-- detection: bulk-read
-- description: More than ${threshold:count} DynamoDB reads by one principal within any ${threshold:window_seconds}
-- seconds (sliding, not aligned to the clock); overlapping windows form one burst: one row per principal and
-- burst, the largest window's count and its events (the earliest on a tie), as kokuho trail scan reports it.
-- Cost: pairs each read with the reads of the same principal in the next window: run it on a few days.
-- params: day_from day_to
WITH reads AS (
  SELECT COALESCE(useridentity.sessioncontext.sourceidentity, useridentity.arn, useridentity.invokedby, '') AS who,
         eventtime, eventid,
         to_unixtime(from_iso8601_timestamp(eventtime)) AS t
  FROM cloudtrail_logs
  WHERE "timestamp" BETWEEN ? AND ?
    AND eventsource = 'dynamodb.amazonaws.com'
    AND (eventname IN ('GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems')
         OR (eventname = 'ExecuteStatement'
             AND regexp_like(COALESCE(json_extract_scalar(requestparameters, '$.statement'), ''), '(?i)^\s*select\b'))
         OR (eventname = 'BatchExecuteStatement'
             AND regexp_like(COALESCE(requestparameters, ''), '(?i)"statement"\s*:\s*"\s*select\b'))
         -- a PartiQL transaction of SELECTs: a read, like TransactGetItems
         OR (eventname = 'ExecuteTransaction'
             AND regexp_like(COALESCE(requestparameters, ''), '(?i)"statement"\s*:\s*"\s*select\b')
             AND NOT regexp_like(COALESCE(requestparameters, ''),
                                 '(?i)"statement"\s*:\s*"\s*(insert|update|delete|upsert|replace|exists)\b')))
    -- the retention run (the data-access role of the function granted purge on the access log): by role, not name
    -- (a role of this account's: another account's may bear the name)
    AND NOT (COALESCE(useridentity.sessioncontext.sessionissuer.accountid <> ''
                      AND useridentity.sessioncontext.sessionissuer.accountid = recipientaccountid, false)
             AND regexp_like(COALESCE(useridentity.sessioncontext.sessionissuer.username, ''),
                             '${purger_data_roles:access_log}'))
),
-- A window [b, b + L) changes its count only at b = an event time or an event time - L: those are the
-- starts to look at (kokuho.trail.bursts explains why).
breaks AS (
  SELECT who, t AS b FROM reads
  UNION
  SELECT who, t - ${threshold:window_seconds} AS b FROM reads
),
counted AS (
  SELECT k.who, k.b, count(r.t) AS n
  FROM breaks k LEFT JOIN reads r ON r.who = k.who AND r.t >= k.b AND r.t < k.b + ${threshold:window_seconds}
  GROUP BY k.who, k.b
),
ordered AS (
  SELECT who, b, n, lag(b) OVER (PARTITION BY who ORDER BY b) AS prev_b FROM counted
),
over_threshold AS (
  SELECT who, b, prev_b, lag(b) OVER (PARTITION BY who ORDER BY b) AS prev_over
  FROM ordered WHERE n > ${threshold:count}
),
-- A run of over-threshold pieces (prev_b, b] starts a new burst when it begins a window length or more after
-- the previous run ended.
grouped AS (
  SELECT who, b, prev_b,
         sum(CASE WHEN prev_over IS NULL OR prev_b - prev_over >= ${threshold:window_seconds} THEN 1 ELSE 0 END)
           OVER (PARTITION BY who ORDER BY b ROWS UNBOUNDED PRECEDING) AS burst
  FROM over_threshold
),
bursts AS (
  SELECT who, burst, min(prev_b) AS start_open, max(b) AS end_closed FROM grouped GROUP BY who, burst
),
windows AS (
  SELECT s.who, s.burst, s.t, count(*) AS n
  FROM (SELECT DISTINCT u.who, u.burst, r.t
        FROM bursts u JOIN reads r ON r.who = u.who AND r.t > u.start_open AND r.t <= u.end_closed) s
  JOIN reads r ON r.who = s.who AND r.t >= s.t AND r.t < s.t + ${threshold:window_seconds}
  GROUP BY s.who, s.burst, s.t
),
best AS (
  SELECT who, burst, t, n, row_number() OVER (PARTITION BY who, burst ORDER BY n DESC, t) AS rank_in_burst
  FROM windows
),
largest AS (
  SELECT b.who, b.burst, b.n, array_agg(r.eventid ORDER BY r.t, r.eventid) AS event_ids
  FROM best b JOIN reads r ON r.who = b.who AND r.t >= b.t AND r.t < b.t + ${threshold:window_seconds}
  WHERE b.rank_in_burst = 1
  GROUP BY b.who, b.burst, b.n
),
spans AS (
  SELECT u.who, u.burst, min(r.eventtime) AS first_time, max(r.eventtime) AS last_time
  FROM bursts u JOIN reads r
    ON r.who = u.who AND r.t > u.start_open AND r.t < u.end_closed + ${threshold:window_seconds}
  GROUP BY u.who, u.burst
)
SELECT 'bulk-read' AS rule,
       NULLIF(l.who, '') AS principal,
       l.n AS "count",
       s.first_time AS "first",
       s.last_time AS "last",
       l.event_ids
FROM largest l JOIN spans s ON s.who = l.who AND s.burst = l.burst
ORDER BY "first", principal
