-- check: the newest alarms are read through the timestamp index
-- expect: uses-index idx_alarm_timestamp
SELECT * FROM alarms_alarm ORDER BY "timestamp" DESC LIMIT 100;

-- check: the dashboard query stays fast
-- expect: max-ms 200
SELECT severity, count(*) FROM alarms_alarm WHERE "timestamp" > now() - interval '1 hour' GROUP BY severity;
