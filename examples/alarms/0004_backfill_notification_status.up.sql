-- airlock:batch table=alarms_alarm key=id size=5000 pause=10
-- Fill the new column in committed batches of 5,000 rows instead of one table-wide UPDATE.
UPDATE alarms_alarm
   SET notification_status = 'sent'
 WHERE id > :lo AND id <= :hi
   AND notification_status IS NULL;
