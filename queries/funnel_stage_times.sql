-- one row per hand-off transition: how many of the period's arriving leads made it, and the median
-- and 90th-percentile days it took
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
cohort as (
    -- only the six times the transitions use
    select created_at, mql_at, accepted_at, sql_at, reached_opportunity_at, won_date
    from lead_facts
    where created_at >= $start_at
        and created_at < $end_at
        and ($segment is null or segment = $segment)
        and ($region is null or region = $region)
        and ($source is null or source = $source)
),
spans as (
    select
        epoch(mql_at) - epoch(created_at) as s1,
        epoch(accepted_at) - epoch(mql_at) as s2,
        epoch(sql_at) - epoch(accepted_at) as s3,
        epoch(reached_opportunity_at) - epoch(sql_at) as s4,
        epoch(won_date::timestamp) - epoch(reached_opportunity_at) as s5,
        epoch(won_date::timestamp) - epoch(created_at) as s6,
    from cohort
),
measured as materialized (
    -- all six in one pass: reading a million-lead cohort once per transition took four times as long;
    -- a negative span is a data error, not a fast hand-off
    select
        count(*) as cohort_count,
        count(s1) filter (where s1 >= 0) as n1, quantile_cont(s1, [0.5, 0.9]) filter (where s1 >= 0) as q1,
        count(s2) filter (where s2 >= 0) as n2, quantile_cont(s2, [0.5, 0.9]) filter (where s2 >= 0) as q2,
        count(s3) filter (where s3 >= 0) as n3, quantile_cont(s3, [0.5, 0.9]) filter (where s3 >= 0) as q3,
        count(s4) filter (where s4 >= 0) as n4, quantile_cont(s4, [0.5, 0.9]) filter (where s4 >= 0) as q4,
        count(s5) filter (where s5 >= 0) as n5, quantile_cont(s5, [0.5, 0.9]) filter (where s5 >= 0) as q5,
        count(s6) filter (where s6 >= 0) as n6, quantile_cont(s6, [0.5, 0.9]) filter (where s6 >= 0) as q6,
    from spans
),
transitions as (
    select 1 as step, 'Inquiry to MQL' as transition, n1 as lead_count, q1 as q from measured
    union all select 2, 'MQL to SAL', n2, q2 from measured
    union all select 3, 'SAL to SQL', n3, q3 from measured
    union all select 4, 'SQL to opportunity', n4, q4 from measured
    union all select 5, 'Opportunity to won', n5, q5 from measured
    union all select 6, 'Inquiry to won (sales cycle)', n6, q6 from measured
),
final as (
    select
        step,
        transition,
        lead_count,
        q[1] / 86400 as median_days_in_stage,
        q[2] / 86400 as p90_days_in_stage,
    from transitions
    -- an empty cohort has no transitions to show
    where (select cohort_count from measured) > 0
)
select * from final
order by step
