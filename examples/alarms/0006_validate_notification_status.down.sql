ALTER TABLE alarms_alarm ALTER COLUMN notification_status DROP NOT NULL;
