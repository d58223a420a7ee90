ALTER TABLE alarms_alarm VALIDATE CONSTRAINT alarms_alarm_status_not_null;
ALTER TABLE alarms_alarm ALTER COLUMN notification_status SET NOT NULL;
