-- one row per MQL of the evidence window: how soon and how hard sales worked it, and what became of it.
-- The Evidence page's estimates (handshake/evidence.py) are computed from these rows.
-- parameters: $start_at, $end_at (UTC timestamps of the window's first and last-plus-one local midnights;
-- MQLs by when they became MQLs), $segment, $region, $source (null = all)
with
mqls as (
    select
        f.lead_id,
        f.created_at,
        f.source,
        coalesce(f.campaign_id::varchar, 'none') as campaign,
        f.segment,
        f.score_band,
        f.score_band_order,
        f.lead_score,
        -- from assignment (or MQL), the rep's own clock, as the SLA counts it
        f.first_touch_hours,
        -- the agreed first-touch SLA; where none was agreed, HubSpot's 24 hours stand in
        coalesce(f.first_touch_sla_hours, 24) as deadline_hours,
        f.accepted_at is not null as is_accepted,
        f.is_won,
        coalesce(f.accepted_at, f.rejected_at) as decided_at,
    from lead_facts f
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or f.source = $source)
),
attempts as (
    -- the touches that were attempts to reach the lead: after it existed and before sales decided
    select
        t.lead_id,
        t.touched_at,
        lower(trim(t.outcome)) in ('connected', 'replied', 'meeting_held') as is_contact,
    from follow_ups t
    join mqls m on m.lead_id = t.lead_id
    where t.touched_at >= m.created_at
        and (m.decided_at is null or t.touched_at <= m.decided_at)
),
first_contact as (
    select lead_id, min(case when is_contact then touched_at end) as contacted_at
    from attempts
    group by lead_id
),
reaching as (
    -- the attempts it took to reach the lead, or all of them when it was never reached
    select a.lead_id, count(*) as attempts_to_contact, any_value(c.contacted_at) is not null as is_contacted
    from attempts a
    join first_contact c on c.lead_id = a.lead_id
    where c.contacted_at is null or a.touched_at <= c.contacted_at
    group by a.lead_id
),
revenue as (
    select o.lead_id, sum(r.amount_eur)::double as revenue_eur
    from revenue r
    join opportunities o on o.opportunity_id = r.opportunity_id
    join mqls m on m.lead_id = o.lead_id
    group by o.lead_id
)
select
    m.lead_id,
    m.source,
    m.campaign,
    m.segment,
    m.score_band,
    m.score_band_order,
    m.lead_score,
    m.first_touch_hours,
    m.deadline_hours,
    case
        when m.first_touch_hours is null then 'never'
        when m.first_touch_hours <= m.deadline_hours then 'on_time'
        else 'late'
    end as worked,
    coalesce(a.attempts_to_contact, 0) as attempts_to_contact,
    coalesce(a.is_contacted, false) as is_contacted,
    m.is_accepted,
    m.is_won,
    coalesce(r.revenue_eur, 0) as revenue_eur,
from mqls m
left join reaching a on a.lead_id = m.lead_id
left join revenue r on r.lead_id = m.lead_id
order by m.lead_id
