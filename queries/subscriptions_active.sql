-- one row per active subscription, with what each kind needs: a digest's weekday and hour (and its CSVs), an
-- SLA-breach alert's hour (its people are queries/subscription_people.sql), a KPI alert's rule and filter
-- parameters: none
select
    subscription_id, kind, channel, recipients, weekday, hour, created_at, with_csv,
    kpi, rule, threshold, segment, region, source,
from subscriptions
where active
order by subscription_id;
