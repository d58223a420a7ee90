-- A nullable column with no default: a brief catalog change, no rewrite.
ALTER TABLE alarms_alarm ADD COLUMN notification_status text;
