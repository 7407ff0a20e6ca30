-- one row per hand-off transition: the median and 90th-percentile days it took, and the leads left out
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
-- Of the period's arriving leads, those that made the step with both times recorded are timed; those that made
-- it without one of its times (a decision or a win recorded without a date) and those whose times run backwards
-- (a deal won before its lead was created) are counted apart. A step whose times are all equal (one date for
-- both stages, as an export of MQLs dated on arrival gives) measured nothing: its row has no median.
with
cohort as (
    -- only the times and stages the transitions use
    select created_at, mql_at, accepted_at, sql_at, reached_opportunity_at, won_date, stage_rank, is_won
    from lead_facts
    where created_at >= $start_at
        and created_at < $end_at
        and ($segment is null or segment = $segment)
        and ($region is null or region = $region)
        and ($source is null or coalesce(source, '') = $source)
),
spans as (
    select
        epoch(mql_at) - epoch(created_at) as s1,
        epoch(accepted_at) - epoch(mql_at) as s2,
        epoch(sql_at) - epoch(accepted_at) as s3,
        epoch(reached_opportunity_at) - epoch(sql_at) as s4,
        epoch(won_date::timestamp) - epoch(reached_opportunity_at) as s5,
        epoch(won_date::timestamp) - epoch(created_at) as s6,
        -- made the step, by the stages reached (a time may be missing)
        mql_at is not null as m1,
        mql_at is not null and stage_rank >= 3 as m2,
        stage_rank >= 4 as m3,
        stage_rank >= 5 as m4,
        is_won as m5,
        is_won as m6,
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
        max(s1) as x1, max(s2) as x2, max(s3) as x3, max(s4) as x4, max(s5) as x5, max(s6) as x6,
        count(*) filter (where s1 < 0) as b1, count(*) filter (where s2 < 0) as b2, count(*) filter (where s3 < 0) as b3,
        count(*) filter (where s4 < 0) as b4, count(*) filter (where s5 < 0) as b5, count(*) filter (where s6 < 0) as b6,
        count(*) filter (where m1 and s1 is null) as u1, count(*) filter (where m2 and s2 is null) as u2,
        count(*) filter (where m3 and s3 is null) as u3, count(*) filter (where m4 and s4 is null) as u4,
        count(*) filter (where m5 and s5 is null) as u5, count(*) filter (where m6 and s6 is null) as u6,
    from spans
),
transitions as (
    select 1 as step, 'Inquiry to MQL' as transition, n1 as lead_count, q1 as q, x1 as longest, u1 as untimed, b1 as backwards from measured
    union all select 2, 'MQL to SAL', n2, q2, x2, u2, b2 from measured
    union all select 3, 'SAL to SQL', n3, q3, x3, u3, b3 from measured
    union all select 4, 'SQL to opportunity', n4, q4, x4, u4, b4 from measured
    union all select 5, 'Opportunity to won', n5, q5, x5, u5, b5 from measured
    union all select 6, 'Inquiry to won (sales cycle)', n6, q6, x6, u6, b6 from measured
),
final as (
    select
        step,
        transition,
        -- no lead spent any time in the step: the two stages share one recorded time, so nothing was measured
        case when longest > 0 then lead_count else 0 end as lead_count,
        case when longest > 0 then q[1] / 86400 end as median_days_in_stage,
        case when longest > 0 then q[2] / 86400 end as p90_days_in_stage,
        untimed as untimed_count,
        backwards as backwards_count,
    from transitions
    -- an empty cohort has no transitions to show
    where (select cohort_count from measured) > 0
)
select * from final
order by step
