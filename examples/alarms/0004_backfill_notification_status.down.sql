-- airlock:batch table=alarms_alarm key=id size=5000
UPDATE alarms_alarm SET notification_status = NULL WHERE id > :lo AND id <= :hi;
