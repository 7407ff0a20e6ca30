-- one row per active digest subscription: alerts, when built, are due when they fire, not by the week
-- parameters: none
select subscription_id, kind, channel, recipients, weekday, hour, created_at
from subscriptions
where active and kind = 'digest'
order by subscription_id;
