-- one row per cohort bucket and breakdown value: the leads that arrived (were created) in the bucket,
-- how far each has got so far, and the conversion from each stage to the next
-- parameters: $start, $end (dates, end exclusive), $grain ('total', 'week' or 'month'),
-- $dimension ('all', 'source' or 'segment'), $segment, $region, $source (null = all)
with
cohort as (
    -- the daily rollup (schema 7): one row per day, dimensions and how far the leads got
    select
        d.*,
        case $grain
            when 'week' then date_trunc('week', d.created_date)
            when 'month' then date_trunc('month', d.created_date)
            else $start::date
        end::timestamp as period_start,
        case $dimension
            when 'source' then coalesce(d.source, '(no source)')
            when 'segment' then coalesce(d.segment, '(no segment)')
            else 'All leads'
        end as breakdown,
    from created_daily d
    where d.created_date >= $start::date
        and d.created_date < $end::date
        and ($segment is null or d.segment = $segment)
        and ($region is null or d.region = $region)
        and ($source is null or coalesce(d.source, '') = $source)
),
counted as (
    select
        period_start,
        breakdown,
        sum(lead_count)::bigint as inquiry_count,
        coalesce(sum(case when stage_rank >= 2 then lead_count end), 0)::bigint as reached_mql_count,
        coalesce(sum(case when stage_rank >= 3 then lead_count end), 0)::bigint as reached_sal_count,
        coalesce(sum(case when stage_rank >= 4 then lead_count end), 0)::bigint as reached_sql_count,
        coalesce(sum(case when stage_rank >= 5 then lead_count end), 0)::bigint as reached_opportunity_count,
        coalesce(sum(case when stage_rank = 6 then lead_count end), 0)::bigint as won_count,
        coalesce(sum(case when stage_rank = 1 then lead_count end), 0)::bigint as not_yet_mql_count,
        coalesce(sum(case when stage_rank between 2 and 5 and stage_outcome = 'open' then lead_count end), 0)::bigint
            as in_play_count,
        coalesce(sum(case when stage_outcome = 'dropped' then lead_count end), 0)::bigint as dropped_count,
        coalesce(sum(case when stage_outcome = 'recycled' then lead_count end), 0)::bigint as recycled_count,
    from cohort
    group by period_start, breakdown
),
measured as (
    -- a stage no lead records by its own record has no count, so no rate into or out of it (stage_evidence):
    -- a lead known only as won would otherwise pass SAL, SQL and opportunity, and every step read 100%
    -- (the columns named one by one, not c.* replace (...): Spark has no replace, and reads this SQL too)
    select
        c.period_start,
        c.breakdown,
        c.inquiry_count,
        c.reached_mql_count,
        case when e.sal_record_count > 0 then c.reached_sal_count end as reached_sal_count,
        case when e.sql_record_count > 0 then c.reached_sql_count end as reached_sql_count,
        case when e.opportunity_record_count > 0 then c.reached_opportunity_count end as reached_opportunity_count,
        case when e.outcome_record_count > 0 then c.won_count end as won_count,
        c.not_yet_mql_count,
        c.in_play_count,
        c.dropped_count,
        c.recycled_count,
        -- every arrival an MQL: the export holds no inquiry that did not qualify
        e.inquiry_only_count > 0 as has_inquiries,
    from counted c
    cross join stage_evidence e
),
final as (
    select
        period_start, breakdown, inquiry_count, reached_mql_count, reached_sal_count, reached_sql_count,
        reached_opportunity_count, won_count, not_yet_mql_count, in_play_count, dropped_count, recycled_count,
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
