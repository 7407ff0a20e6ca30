-- one row inserted into subscriptions: a new active subscription; returns its id
-- parameters: $kind, $channel, $recipients, $weekday, $hour, $created_by, $created_at
insert into subscriptions (kind, channel, recipients, weekday, hour, created_by, created_at)
values ($kind, $channel, $recipients, $weekday, $hour, $created_by, $created_at)
returning subscription_id;
