-- one row per outbox message, the latest first: what went out, what waits and why, what failed
-- parameters: $limit
select o.message_id, o.subscription_id, s.channel, o.period_key, o.recipient, o.state, o.attempts,
       o.next_attempt_at, o.last_error, o.sent_at
from outbox o join subscriptions s using (subscription_id)
order by o.queued_at desc, o.message_id desc
limit $limit;
