-- one row per version of the joint agreement in force when the period's MQLs became MQLs (the rules
-- they are judged by), plus a row with no version for MQLs from before any agreement
-- parameters: $start, $end (dates, end exclusive; MQLs by the day they became MQLs),
-- $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
cohort as (
    select l.lead_id, l.mql_at
    from leads l
    where l.mql_at >= $start_at
        and l.mql_at < $end_at
        and ($segment is null or l.segment = $segment)
        and ($region is null or l.region = $region)
        and ($source is null or l.source = $source)
),
final as (
    select
        a.effective_date,
        a.next_effective_date,
        a.first_touch_sla_hours,
        a.min_attempts,
        count(*) as mql_count,
        min(c.mql_at) as first_mql_at,
        max(c.mql_at) as last_mql_at,
    from cohort c
    left join agreement_periods a
        on c.mql_at >= a.effective_date
        and (a.next_effective_date is null or c.mql_at < a.next_effective_date)
    group by a.effective_date, a.next_effective_date, a.first_touch_sla_hours, a.min_attempts
)
select * from final
order by effective_date nulls first
