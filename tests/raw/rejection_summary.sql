-- The raw computation of queries/rejection_summary.sql from lead_facts, before the rollups of schema 7:
-- tests/test_rollups.py checks that the rollup-backed query returns exactly this.
-- one row: the period's MQLs that sales rejected so far, how many of those rejections carry a reason,
-- and how many were rejected without a single recorded touch
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
counted as (
    -- rejected as kpi_mql_cohort counts it: a rejection and no acceptance
    select
        count(*) as rejected_count,
        count(case when trim(coalesce(f.rejection_reason, '')) <> '' then 1 end) as with_reason_count,
        count(case when f.first_touch_at is null then 1 end) as untouched_rejected_count,
    from lead_facts f
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and f.accepted_at is null
        and f.rejected_at is not null
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
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
