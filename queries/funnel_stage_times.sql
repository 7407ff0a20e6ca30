-- one row per hand-off transition: how many of the period's arriving leads made it, and the median
-- and 90th-percentile days it took
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
cohort as (
    -- only the six times the transitions use: the cohort is read six times
    select created_at, mql_at, accepted_at, sql_at, reached_opportunity_at, won_date
    from lead_facts
    where created_at >= $start_at
        and created_at < $end_at
        and ($segment is null or segment = $segment)
        and ($region is null or region = $region)
        and ($source is null or source = $source)
),
transitions as (
    select 1 as step, 'Inquiry to MQL' as transition, epoch(mql_at) - epoch(created_at) as seconds from cohort
    union all
    select 2, 'MQL to SAL', epoch(accepted_at) - epoch(mql_at) from cohort
    union all
    select 3, 'SAL to SQL', epoch(sql_at) - epoch(accepted_at) from cohort
    union all
    select 4, 'SQL to opportunity', epoch(reached_opportunity_at) - epoch(sql_at) from cohort
    union all
    select 5, 'Opportunity to won', epoch(won_date::timestamp) - epoch(reached_opportunity_at) from cohort
    union all
    select 6, 'Inquiry to won (sales cycle)', epoch(won_date::timestamp) - epoch(created_at) from cohort
),
final as (
    select
        step,
        transition,
        count(seconds) as lead_count,
        median(seconds) / 86400 as median_days_in_stage,
        quantile_cont(seconds, 0.9) / 86400 as p90_days_in_stage,
    from transitions
    where seconds >= 0 or seconds is null
    group by step, transition
)
select * from final
order by step
