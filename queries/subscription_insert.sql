insert into subscriptions (kind, channel, recipients, weekday, hour, created_by, created_at)
values ($kind, $channel, $recipients, $weekday, $hour, $created_by, $created_at)
returning subscription_id;
