-- one row: the period's MQLs that sales rejected so far, how many of those rejections carry a reason,
-- and how many were rejected without a single recorded touch
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all)
with
counted as (
    -- rejected as kpi_mql_cohort counts it: a rejection and no acceptance (the daily rollup, schema 7)
    select
        coalesce(sum(rejected_count), 0)::bigint as rejected_count,
        coalesce(sum(rejected_with_reason_count), 0)::bigint as with_reason_count,
        coalesce(sum(rejected_untouched_count), 0)::bigint as untouched_rejected_count,
    from mql_daily
    where mql_date >= $start::date
        and mql_date < $end::date
        and ($segment is null or segment = $segment)
        and ($region is null or region = $region)
        and ($source is null or coalesce(source, '') = $source)
),
final as (
    select
        rejected_count,
        with_reason_count,
        rejected_count - with_reason_count as without_reason_count,
        with_reason_count / nullif(rejected_count, 0) as rejection_reason_rate,
        untouched_rejected_count,
    from counted
)
select * from final
