-- NOT NULL without a long ACCESS EXCLUSIVE scan: a NOT VALID check (instant), validated under
-- SHARE UPDATE EXCLUSIVE (reads and writes continue), after which SET NOT NULL skips its scan.
ALTER TABLE alarms_alarm ADD CONSTRAINT alarms_alarm_status_not_null CHECK (notification_status IS NOT NULL) NOT VALID;
