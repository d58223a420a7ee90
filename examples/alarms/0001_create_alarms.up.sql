-- The alarm service's first tables.
CREATE TABLE alarms_alarm (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "timestamp" timestamptz NOT NULL DEFAULT now(),
  severity   text NOT NULL,
  message    text NOT NULL
);

CREATE TABLE notification_attempt (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alarm_id   bigint NOT NULL REFERENCES alarms_alarm (id),
  sent_at    timestamptz NOT NULL DEFAULT now()
);
