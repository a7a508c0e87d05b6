-- name: kokuho-staff-activity
-- description: Everything one member of staff caused in the period: the data events and calls made with a
-- session that carries their staff id as SourceIdentity (the data-access role), oldest first, with the table
-- and the request id that joins the access record of the same request.
-- params: day_from day_to staff_id
SELECT eventtime, eventsource, eventname, awsregion, sourceipaddress, errorcode,
       json_extract_scalar(requestparameters, '$.tableName') AS table_name,
       requestid, eventid
FROM cloudtrail_logs
WHERE "timestamp" BETWEEN ? AND ?
  AND useridentity.sessioncontext.sourceidentity = ?
ORDER BY eventtime, eventid
