-- Schema version 9: lead_facts also records when sales first reached each lead (a touch with the outcome
-- connected, replied or meeting held, before sales decided) and the attempts that took, so the Evidence
-- page's decay curve and attempts reads a year of MQLs from lead_facts alone: at ten million leads it
-- joined 28 million follow-ups on every view. The view is the one of schema 4 with these two additions.

create or replace view lead_facts_live as
with
valid_touches as (
    -- a touch recorded before its lead existed is a data error, not a touch
    select
        f.lead_id,
        f.touched_at,
        coalesce(l.accepted_at, l.rejected_at) as decided_at,
        -- an attempt to reach the lead: sales had not decided yet
        l.accepted_at is null and l.rejected_at is null
            or f.touched_at <= coalesce(l.accepted_at, l.rejected_at) as is_attempt,
        -- the outcomes that mean the lead was reached (an imported CRM's own words are mapped to these)
        lower(trim(f.outcome)) in ('connected', 'replied', 'meeting_held') as is_contact,
    from follow_ups f
    join leads l on l.lead_id = f.lead_id
    where f.touched_at >= l.created_at
),
first_contacts as (
    select lead_id, min(touched_at) as first_contact_at
    from valid_touches
    where is_attempt and is_contact
    group by lead_id
),
touches as (
    select
        lead_id,
        min(touched_at) as first_touch_at,
        count(*) as touch_count,
        count(case when touched_at <= decided_at then 1 end) as attempts_before_decision,
        any_value(c.first_contact_at) as first_contact_at,
        -- the attempts it took to reach the lead, or all of them when it was never reached
        count(case when is_attempt and (c.first_contact_at is null or touched_at <= c.first_contact_at) then 1 end)
            as attempts_to_contact,
    from valid_touches v
    left join first_contacts c using (lead_id)
    group by lead_id
),
deals as (
    select
        lead_id,
        min(created_date) as first_opportunity_date,
        min(case when is_won then closed_date end) as won_date,
        count(case when is_won then 1 end) > 0 as is_won,
        count(case when closed_date is null then 1 end) > 0 as has_open_opportunity,
    from opportunities
    where lead_id is not null
    group by lead_id
),
joined as (
    select
        l.*,
        -- the SLA measures the rep's own time, from assignment; without a recorded hand-off, from MQL
        coalesce(l.assigned_at, l.mql_at) as sla_clock_at,
        t.first_touch_at,
        coalesce(t.touch_count, 0) as touch_count,
        t.first_contact_at,
        coalesce(t.attempts_to_contact, 0) as attempts_to_contact,
        -- attempts up to sales' decision; null while the lead is undecided
        case when coalesce(l.accepted_at, l.rejected_at) is not null
            then coalesce(t.attempts_before_decision, 0) end as attempt_count,
        -- a touch before the hand-off was recorded kept the lead waiting no time at all
        -- (greatest() skips nulls, so an untouched lead is kept null by hand)
        case when t.first_touch_at is not null
            then greatest(epoch(t.first_touch_at) - epoch(coalesce(l.assigned_at, l.mql_at)), 0) / 3600
        end as first_touch_hours,
        (epoch(t.first_touch_at) - epoch(l.created_at)) / 3600 as speed_to_lead_hours,
        a.effective_date as agreement_effective_date,
        a.first_touch_sla_hours,
        a.min_attempts,
        coalesce(l.assigned_at, l.mql_at) + interval 1 hour * a.first_touch_sla_hours as sla_deadline_at,
        -- settled once touched; an untouched lead's fate depends on when it is judged (see kpi_mql_cohort)
        t.first_touch_at <= coalesce(l.assigned_at, l.mql_at) + interval 1 hour * a.first_touch_sla_hours
            as is_touched_within_sla,
        case
            when l.lead_score is null then 'no score'
            when l.lead_score < 40 then '0-39'
            when l.lead_score < 60 then '40-59'
            when l.lead_score < 80 then '60-79'
            else '80-100'
        end as score_band,
        case
            when l.lead_score is null then 5
            when l.lead_score < 40 then 1
            when l.lead_score < 60 then 2
            when l.lead_score < 80 then 3
            else 4
        end as score_band_order,
        coalesce(l.opportunity_at, d.first_opportunity_date::timestamp) as reached_opportunity_at,
        d.won_date,
        coalesce(d.is_won, false) as is_won,
        coalesce(d.has_open_opportunity, false) as has_open_opportunity,
    from leads l
    left join touches t on t.lead_id = l.lead_id
    left join deals d on d.lead_id = l.lead_id
    left join agreement_periods a
        on l.mql_at >= a.effective_date
        and (a.next_effective_date is null or l.mql_at < a.next_effective_date)
),
final as (
    select
        s.*,
        case
            when s.is_won then 6
            when s.reached_opportunity_at is not null then 5
            when s.sql_at is not null then 4
            when s.accepted_at is not null then 3
            when s.mql_at is not null then 2
            else 1
        end as stage_rank,
        case
            when s.is_won then 'won'
            when s.reached_opportunity_at is not null then
                case when s.has_open_opportunity then 'open' else 'dropped' end
            when s.sql_at is not null or s.accepted_at is not null then
                case when s.status in ('disqualified', 'lost', 'rejected') then 'dropped' else 'open' end
            when s.mql_at is not null then
                case when s.rejected_at is not null then 'dropped' else 'open' end
            else 'open'
        end as stage_outcome,
    from joined s
)
select * from final;

create or replace table lead_facts as select * from lead_facts_live order by mql_at nulls last, created_at;
