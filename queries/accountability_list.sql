-- one row per MQL of the period that, at $now, is on HubSpot's accountability list: still undecided and
-- either untouched past its first-touch SLA, or short of the agreed attempts two weeks after assignment
-- parameters: $start, $end (dates, end exclusive; MQLs by the day they became MQLs),
-- $segment, $region, $source (null = all), $now (timestamp: the moment the list is drawn up)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
open_mqls as (
    -- not yet accepted or rejected at $now
    select
        l.lead_id,
        l.created_at,
        l.mql_at,
        coalesce(l.assigned_at, l.mql_at) as sla_clock_at,
        l.owner_rep_id,
        l.lead_score,
        l.source,
    from leads l
    where l.mql_at >= $start_at
        and l.mql_at < $end_at
        and l.mql_at <= $now::timestamp
        and (l.accepted_at is null or l.accepted_at > $now::timestamp)
        and (l.rejected_at is null or l.rejected_at > $now::timestamp)
        and ($segment is null or l.segment = $segment)
        and ($region is null or l.region = $region)
        and ($source is null or l.source = $source)
),
attempts as (
    -- touches made by $now; one recorded before the lead existed is a data error
    select o.lead_id, count(*) as attempt_count
    from follow_ups f
    join open_mqls o on o.lead_id = f.lead_id
    where f.touched_at >= o.created_at
        and f.touched_at <= $now::timestamp
    group by o.lead_id
),
judged as (
    select
        o.*,
        coalesce(n.attempt_count, 0) as attempt_count,
        a.min_attempts,
        -- with no SLA agreed, HubSpot's 24 hours stand in, and the row says so
        coalesce(a.first_touch_sla_hours, 24) as deadline_hours,
        case when a.first_touch_sla_hours is null then '24 h reference (no SLA agreed)' else 'agreed SLA' end
            as deadline_basis,
    from open_mqls o
    left join attempts n on n.lead_id = o.lead_id
    left join agreement_periods a
        on o.mql_at >= a.effective_date
        and (a.next_effective_date is null or o.mql_at < a.next_effective_date)
),
flagged as (
    select
        j.*,
        j.attempt_count = 0
            and epoch($now::timestamp) - epoch(j.sla_clock_at) > j.deadline_hours * 3600 as is_overdue,
        j.attempt_count < j.min_attempts
            and $now::timestamp >= j.sla_clock_at + interval 14 day as is_short_of_attempts,
    from judged j
),
final as (
    select
        f.lead_id,
        r.rep_name as owner_name,
        r.team,
        case when f.is_overdue
            then (epoch($now::timestamp) - epoch(f.sla_clock_at)) / 3600 - f.deadline_hours end as hours_overdue,
        f.attempt_count,
        f.min_attempts,
        coalesce(f.is_overdue, false) as is_overdue,
        coalesce(f.is_short_of_attempts, false) as is_short_of_attempts,
        f.lead_score,
        f.source,
        f.deadline_hours,
        f.deadline_basis,
        f.sla_clock_at,
        f.mql_at,
    from flagged f
    left join reps r on r.rep_id = f.owner_rep_id
    where f.is_overdue or f.is_short_of_attempts
)
select * from final
order by hours_overdue desc nulls last, sla_clock_at, lead_id
