DROP TABLE notification_attempt;
DROP TABLE alarms_alarm;
