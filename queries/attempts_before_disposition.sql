-- one row per number of attempts (10 stands for 10 or more) among the period's MQLs that sales has
-- accepted or rejected: how many were decided after that many touches, and how
-- parameters: $start, $end (dates, end exclusive; MQLs by the day they became MQLs),
-- $segment, $region, $source (null = all)
with
decided as (
    -- the daily rollup (schema 7): attempt_count is set once sales has accepted or rejected the lead
    select attempt_count, is_accepted, is_unable_to_reach, mql_count
    from attempts_daily
    where mql_date >= $start::date
        and mql_date < $end::date
        and ($segment is null or segment = $segment)
        and ($region is null or region = $region)
        and ($source is null or coalesce(source, '') = $source)
),
final as (
    select
        attempt_count,
        sum(mql_count)::bigint as disposed_count,
        coalesce(sum(case when is_accepted then mql_count end), 0)::bigint as accepted_count,
        coalesce(sum(case when not is_accepted and is_unable_to_reach then mql_count end), 0)::bigint
            as unable_to_reach_count,
        coalesce(sum(case when not is_accepted and is_unable_to_reach is not true then mql_count end), 0)::bigint
            as other_rejected_count,
    from decided
    group by attempt_count
)
select * from final
order by attempt_count
