-- Built CONCURRENTLY, so Airlock runs it outside a transaction: writes continue during the build.
CREATE INDEX CONCURRENTLY idx_alarm_timestamp ON alarms_alarm ("timestamp");
