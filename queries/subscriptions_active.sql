select subscription_id, kind, channel, recipients, weekday, hour, created_at
from subscriptions
where active
order by subscription_id;
