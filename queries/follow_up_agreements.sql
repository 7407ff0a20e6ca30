-- one row per version of the joint agreement in force when the period's MQLs became MQLs (the rules
-- they are judged by), plus a row with no version for MQLs from before any agreement
-- parameters: $start, $end (dates, end exclusive; MQLs by the day they became MQLs),
-- $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
cohort as (
    -- lead_facts holds the agreement each lead is judged by: the one in force when it became an MQL
    select
        f.agreement_effective_date,
        count(*) as mql_count,
        min(f.mql_at) as first_mql_at,
        max(f.mql_at) as last_mql_at,
    from lead_facts f
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
    group by f.agreement_effective_date
),
final as (
    select
        a.effective_date,
        a.next_effective_date,
        a.first_touch_sla_hours,
        a.min_attempts,
        c.mql_count,
        c.first_mql_at,
        c.last_mql_at,
    from cohort c
    left join agreement_periods a on a.effective_date = c.agreement_effective_date
)
select * from final
order by effective_date nulls first
