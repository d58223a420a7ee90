-- check: every alarm has a status
SELECT count(*) = 0 FROM alarms_alarm WHERE notification_status IS NULL;

-- check: no orphan notification attempts
-- expect: no-rows
SELECT a.id FROM notification_attempt a LEFT JOIN alarms_alarm b ON b.id = a.alarm_id WHERE b.id IS NULL;
