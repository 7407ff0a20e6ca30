-- one row per active subscription, with what each kind needs: a digest's weekday and hour, an SLA-breach alert's
-- hour and people (name and address each), a KPI alert's rule and filter
-- parameters: none
with people as (
    select subscription_id, list({'person': person, 'address': address} order by person) as people
    from subscription_people
    group by subscription_id
)
select
    s.subscription_id, s.kind, s.channel, s.recipients, s.weekday, s.hour, s.created_at,
    s.kpi, s.rule, s.threshold, s.segment, s.region, s.source,
    coalesce(p.people, []) as people,
from subscriptions s
left join people p on p.subscription_id = s.subscription_id
where s.active
order by s.subscription_id;
