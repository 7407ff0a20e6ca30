-- one row per message to send now: queued, its next attempt due, its subscription not removed meanwhile
-- parameters: $now (UTC)
select o.message_id, o.subscription_id, o.period_key, o.recipient, o.attempts, s.kind, s.channel
from outbox o join subscriptions s using (subscription_id)
where o.state = 'queued' and o.next_attempt_at <= $now and s.active
order by o.message_id;
