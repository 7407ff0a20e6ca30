-- one row inserted into kpi_alert_state, or replacing the one there: a KPI alert's rule as just checked
-- parameters: $subscription_id, $holds, $since_key (the week it started to hold; null while it does not),
-- $value, $compared_value (the week's value and the week before's; null when not measured), $checked_at (UTC)
insert into kpi_alert_state (subscription_id, holds, since_key, value, compared_value, checked_at)
values ($subscription_id, $holds, $since_key, $value, $compared_value, $checked_at)
on conflict (subscription_id) do update set
    holds = excluded.holds, since_key = excluded.since_key, value = excluded.value,
    compared_value = excluded.compared_value, checked_at = excluded.checked_at;
