-- one row per MQL of the period on HubSpot's accountability list at $now, most overdue first, with the list's counts
-- parameters: $start, $end (dates, end exclusive; MQLs by the day they became MQLs),
-- $segment, $region, $source (null = all), $now (timestamp: the moment the list is drawn up),
-- $limit (the rows to return, the most overdue; null = the whole list)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
-- On the list: undecided, and untouched past its SLA or short of the agreed attempts two weeks after assignment.
-- Each lead carries its id in the CRM it came from (crm_id) and the link to its record when a template is set.
with
open_mqls as (
    -- not yet accepted or rejected at $now; narrow, so the whole list is judged and counted on numbers
    -- alone, and the shown rows' owner, score and source are read for them only
    select
        f.lead_id,
        f.created_at,
        f.mql_at,
        f.sla_clock_at,
        f.touch_count,
        f.min_attempts,
        f.first_touch_sla_hours,
    from lead_facts f
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and f.mql_at <= $now::timestamp
        and (f.accepted_at is null or f.accepted_at > $now::timestamp)
        and (f.rejected_at is null or f.rejected_at > $now::timestamp)
        -- a decision the export records without a time was taken before the export: not waiting
        and not ((f.is_accepted or f.is_rejected) and f.accepted_at is null and f.rejected_at is null)
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
),
later_touches as (
    -- lead_facts counts every touch (none dated before its lead); a list drawn up at a past $now must not
    -- count those made after it. Only touches after $now are read, usually none at all.
    select o.lead_id, count(*) as touch_count
    from follow_ups t
    join open_mqls o on o.lead_id = t.lead_id
    where t.touched_at > $now::timestamp
        and t.touched_at >= o.created_at
    group by o.lead_id
),
judged as (
    select
        o.*,
        o.touch_count - coalesce(n.touch_count, 0) as attempt_count,
        -- with no SLA agreed, HubSpot's 24 hours stand in, and the row says so
        coalesce(o.first_touch_sla_hours, 24) as deadline_hours,
        case when o.first_touch_sla_hours is null then '24 h reference (no SLA agreed)' else 'agreed SLA' end
            as deadline_basis,
    from open_mqls o
    left join later_touches n on n.lead_id = o.lead_id
),
flagged as materialized (
    -- materialized: the rows shown and the counts of the whole list both read it
    select
        j.lead_id,
        j.attempt_count,
        j.min_attempts,
        j.deadline_hours,
        j.deadline_basis,
        j.sla_clock_at,
        j.mql_at,
        j.attempt_count = 0
            and epoch($now::timestamp) - epoch(j.sla_clock_at) > j.deadline_hours * 3600 as is_overdue,
        j.attempt_count < j.min_attempts
            and $now::timestamp >= j.sla_clock_at + interval 14 day as is_short_of_attempts,
    from judged j
),
listed as (
    select
        f.*,
        case when f.is_overdue
            then (epoch($now::timestamp) - epoch(f.sla_clock_at)) / 3600 - f.deadline_hours end as hours_overdue,
    from flagged f
    where f.is_overdue or f.is_short_of_attempts
    order by hours_overdue desc nulls last, f.sla_clock_at, f.lead_id
    limit $limit
),
totals as (
    select
        count(*) as listed_count,
        count(case when is_overdue then 1 end) as overdue_count,
        count(case when is_short_of_attempts then 1 end) as short_of_attempts_count,
    from flagged
    where is_overdue or is_short_of_attempts
),
final as (
    select
        l.lead_id,
        lead_crm_id(l.lead_id) as crm_id,
        record_url(lead_crm_id(l.lead_id)) as record_url,
        r.rep_name as owner_name,
        r.team,
        l.hours_overdue,
        l.attempt_count,
        l.min_attempts,
        coalesce(l.is_overdue, false) as is_overdue,
        coalesce(l.is_short_of_attempts, false) as is_short_of_attempts,
        d.lead_score,
        coalesce(d.source, '(no source)') as source,
        l.deadline_hours,
        l.deadline_basis,
        l.sla_clock_at,
        l.mql_at,
        t.listed_count,
        t.overdue_count,
        t.short_of_attempts_count,
    from listed l
    join lead_facts d on d.lead_id = l.lead_id and d.mql_at >= $start_at and d.mql_at < $end_at
    cross join totals t
    left join reps r on r.rep_id = d.owner_rep_id
)
select * from final
order by hours_overdue desc nulls last, sla_clock_at, lead_id
