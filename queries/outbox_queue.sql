-- one row inserted into outbox: a message due, recorded before it is sent; one already recorded (queued, sent or
-- failed) stays as it is
-- parameters: $subscription_id, $period_key, $recipient, $now (UTC)
insert into outbox (subscription_id, period_key, recipient, state, queued_at, next_attempt_at)
values ($subscription_id, $period_key, $recipient, 'queued', $now, $now)
on conflict do nothing;
