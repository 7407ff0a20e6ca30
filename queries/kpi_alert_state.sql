-- one row for a KPI alert checked before (none for one never checked): whether its rule held at the last check,
-- since which week (the outbox's period_key of the message it sent), the values then and when it was checked
-- parameters: $subscription_id
select subscription_id, holds, since_key, value, compared_value, checked_at
from kpi_alert_state
where subscription_id = $subscription_id;
