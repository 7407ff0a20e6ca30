-- The raw computation of queries/funnel_by_cohort.sql from lead_facts, before the rollups of schema 7:
-- tests/test_rollups.py checks that the rollup-backed query returns exactly this.
-- one row per cohort bucket and breakdown value: the leads that arrived (were created) in the bucket,
-- how far each has got so far, and the conversion from each stage to the next
-- parameters: $start, $end (dates, end exclusive), $grain ('total', 'week' or 'month'),
-- $dimension ('all', 'source' or 'segment'), $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
cohort as (
    select
        f.*,
        case $grain
            when 'week' then date_trunc('week', local_date(f.created_at))::timestamp
            when 'month' then date_trunc('month', local_date(f.created_at))::timestamp
            else $start::timestamp
        end as period_start,
        case $dimension
            when 'source' then coalesce(f.source, '(no source)')
            when 'segment' then coalesce(f.segment, '(no segment)')
            else 'All leads'
        end as breakdown,
    from lead_facts f
    where f.created_at >= $start_at
        and f.created_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
),
counted as (
    select
        period_start,
        breakdown,
        count(*) as inquiry_count,
        count(case when stage_rank >= 2 then 1 end) as reached_mql_count,
        count(case when stage_rank >= 3 then 1 end) as reached_sal_count,
        count(case when stage_rank >= 4 then 1 end) as reached_sql_count,
        count(case when stage_rank >= 5 then 1 end) as reached_opportunity_count,
        count(case when stage_rank = 6 then 1 end) as won_count,
        count(case when stage_rank = 1 then 1 end) as not_yet_mql_count,
        count(case when stage_rank between 2 and 5 and stage_outcome = 'open' then 1 end) as in_play_count,
        count(case when stage_outcome = 'dropped' then 1 end) as dropped_count,
        count(case when stage_outcome = 'recycled' then 1 end) as recycled_count,
    from cohort
    group by period_start, breakdown
),
measured as (
    select
        c.* replace (
            case when (select count(*) from lead_facts where has_sal_record) > 0 then c.reached_sal_count end
                as reached_sal_count,
            case when (select count(*) from lead_facts where has_sql_record) > 0 then c.reached_sql_count end
                as reached_sql_count,
            case when (select count(*) from lead_facts where has_opportunity_record) > 0
                then c.reached_opportunity_count end as reached_opportunity_count,
            case when (select count(*) from lead_facts where is_won or has_opportunity) > 0 then c.won_count end
                as won_count
        ),
        (select count(*) from lead_facts where mql_at is null) > 0 as has_inquiries,
    from counted c
),
final as (
    select
        * exclude (has_inquiries),
        case when has_inquiries then reached_mql_count / nullif(inquiry_count, 0) end as inquiry_to_mql_rate,
        reached_sal_count / nullif(reached_mql_count, 0) as mql_to_sal_rate,
        reached_sql_count / nullif(reached_sal_count, 0) as sal_to_sql_rate,
        reached_opportunity_count / nullif(reached_sql_count, 0) as sql_to_opportunity_rate,
        won_count / nullif(reached_opportunity_count, 0) as opportunity_to_won_rate,
        won_count / nullif(reached_sql_count, 0) as sql_to_won_rate,
    from measured
)
select * from final
order by period_start, inquiry_count desc, breakdown
