-- one row per subscription, the active ones first, with its people and what its outbox holds
-- parameters: none
with held as (
    select
        subscription_id,
        count(*) filter (where state = 'sent') as sent_count,
        count(*) filter (where state = 'queued') as queued_count,
        count(*) filter (where state = 'failed') as failed_count,
    from outbox
    group by subscription_id
),
people as (
    select subscription_id, list({'person': person, 'address': address} order by person) as people
    from subscription_people
    group by subscription_id
)
select
    s.subscription_id, s.kind, s.channel, s.recipients, s.weekday, s.hour, s.created_by, s.created_at, s.active,
    s.kpi, s.rule, s.threshold, s.segment, s.region, s.source,
    coalesce(p.people, []) as people,
    coalesce(h.sent_count, 0) as sent_count,
    coalesce(h.queued_count, 0) as queued_count,
    coalesce(h.failed_count, 0) as failed_count,
from subscriptions s
left join held h on h.subscription_id = s.subscription_id
left join people p on p.subscription_id = s.subscription_id
order by s.active desc, s.subscription_id;
