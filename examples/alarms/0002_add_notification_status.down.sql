ALTER TABLE alarms_alarm DROP COLUMN notification_status;
