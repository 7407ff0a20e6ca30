-- one row per recipient the outbox holds of one subscription's period: a dry run leaves out what is sent, failed
-- or waiting
-- parameters: $subscription_id, $period_key
select recipient, state, next_attempt_at
from outbox
where subscription_id = $subscription_id and period_key = $period_key;
