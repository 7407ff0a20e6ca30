select subscription_id, kind, channel, recipients, weekday, hour, created_at
from subscriptions
where active and kind = 'digest'  -- alerts, when built, are due when they fire, not by the week
order by subscription_id;
