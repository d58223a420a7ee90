DROP INDEX CONCURRENTLY idx_alarm_timestamp;
